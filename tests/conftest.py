"""Test set-up shared by every module.

* Splits the CPU (and the first GPU, if any) into 2 logical devices before
  TensorFlow starts, so `tf.distribute.MirroredStrategy` can be tested on a
  2-core laptop with no GPU, or on one GPU.
* Applies the run's speed settings (thread pools, garbage collector, graph
  rewrites), gathered and measured in ``tests/speed.py``.
* Points the Keras cache at a temporary folder made for this test run, so tests
  neither read nor write the user's cached digits and classifier. The pytest-xdist
  workers of one run inherit the folder from the controller (this module is
  imported there first), so the digit classifier is trained once per run, by
  whichever worker needs it first (`keras_genai.utils.file_lock`).
"""

import os
import tempfile
import time

import speed  # before TensorFlow: it sizes its thread pools

_perf_counter = time.perf_counter  # tests may patch time.perf_counter
speed.configure_process()

_RUN_HOME = "KERAS_GENAI_TEST_RUN_HOME"
if _RUN_HOME not in os.environ:
    os.environ[_RUN_HOME] = tempfile.mkdtemp(prefix="keras_genai_tests_")
os.environ["KERAS_HOME"] = os.environ[_RUN_HOME]

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
)
# On a GPU machine the first GPU is split the same way (2 GiB each: the test
# models are tiny), so the mirrored checks run on 2 GPU replicas.
_gpus = tf.config.list_physical_devices("GPU")
if _gpus:
    tf.config.set_logical_device_configuration(
        _gpus[0], [tf.config.LogicalDeviceConfiguration(memory_limit=2048)] * 2)
MIRRORED_DEVICES = ["/gpu:0", "/gpu:1"] if _gpus else ["/cpu:0", "/cpu:1"]


def pytest_configure(config):
    """In the default tier, switches off most of Grappler's rewrites and XLA's
    optimizer (`speed.configure_tensorflow`)."""
    speed.configure_tensorflow(config.getoption("markexpr"))


def make_picture_folder(root, classes=("red", "green"), per_class=10,
                        size=(20, 16)):
    """A folder of RGB pictures, in a subfolder per class (at the top for
    ``classes=()``): dark noise with a bright disc in the class's colour
    channel (red, green, blue by the class's position). Returns its path."""
    import keras

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:size[0], :size[1]]
    for k, name in enumerate(classes or ("",)):
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for i in range(per_class):
            picture = rng.integers(0, 60, size + (3,))
            radius = rng.integers(3, min(size) // 3 + 1)
            cy, cx = (rng.integers(radius, s - radius) for s in size)
            picture[(yy - cy) ** 2 + (xx - cx) ** 2 < radius ** 2, k % 3] = 230
            keras.utils.save_img(os.path.join(root, name, f"{i}.png"),
                                 picture.astype("uint8"))
    return str(root)


@pytest.fixture(scope="session")
def colour_folder(tmp_path_factory):
    """A labelled folder of 2 x 40 colour pictures (36 x 32 pixels), made
    once per session: the labs' ``--dataset <folder>``."""
    return make_picture_folder(tmp_path_factory.mktemp("pictures"), per_class=40,
                               size=(36, 32))


@pytest.fixture(scope="session")
def digits():
    """The embedded digits, loaded once per session."""
    from keras_genai.data import load_digits

    return load_digits()


@pytest.fixture
def rng():
    """A NumPy random generator with a fixed seed."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def mirrored_strategy():
    """MirroredStrategy over 2 logical devices (of the first GPU, else of the
    CPU)."""
    return tf.distribute.MirroredStrategy(MIRRORED_DEVICES)


@pytest.fixture
def op_determinism_off():
    """Turns TensorFlow's op determinism off for the test and puts it back as
    it was afterwards (`keras_genai.utils.set_seed` switches it for the whole
    process)."""
    from tensorflow.python.framework import config as tf_config

    from conformance import op_determinism_restored

    with op_determinism_restored():
        tf_config.disable_op_determinism()
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Collects and freezes the garbage of a test that trained something
    (`speed.collect_after`)."""
    start = _perf_counter()
    try:
        return (yield)
    finally:
        speed.collect_after(_perf_counter() - start)


def pytest_collection_modifyitems(items):
    """Runs the labs' smoke runs (the tests that take ``run_lab`` or
    ``execute_notebook``, 5-80 s each) first, keeping the order otherwise.
    pytest-xdist's ``worksteal`` hands each worker a contiguous half of the
    list and lets an idle worker steal from the end of the other's: with the
    long runs in front, what is left to share at the end is short tests,
    instead of one worker finishing a 50-second lab run while the other
    waits."""
    items.sort(key=lambda item: not {"run_lab", "execute_notebook"}
               & set(getattr(item, "fixturenames", ())))


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def quick_digit_classifier(request):
    """In the default tier (``-m "not slow"``), puts a digit classifier trained
    for 2 epochs into this run's cache, where the labs' judge finds it: the
    smoke runs only check that the judge's numbers are in range, and training
    the real one (30 epochs) would cost the run ~25 s. A run that selects the
    slow tests, whose quality numbers need the real judge, trains that one."""
    if "not slow" not in (request.config.getoption("markexpr") or ""):
        return
    from keras_genai.metrics import classifier
    from keras_genai.utils import atomic_file
    from keras_genai.utils import cache_dir
    from keras_genai.utils import file_lock

    path = os.path.join(cache_dir(), classifier._CLASSIFIER_NAME)
    with file_lock(path + ".lock"):  # the other workers wait and reuse it
        if not os.path.exists(path):
            model, _ = classifier.train_digit_classifier(epochs=2)
            with atomic_file(path) as tmp:
                model.save(tmp)


@pytest.fixture
def run_lab(tmp_path, monkeypatch, quick_digit_classifier):
    """Runs ``python -m units.<lab> ARGS`` in-process, in a temporary folder.

    Returns ``fn(lab, *args, folder="out") -> (summary dict, output folder)``;
    the summary is the ``summary.json`` the lab wrote, the output folder is
    ``folder`` under the temporary one (``"out/guidance"`` puts an exercise
    where it finds what the default exercise saved in ``"out"``).
    """
    import importlib
    import json

    monkeypatch.syspath_prepend(REPO_ROOT)
    monkeypatch.chdir(tmp_path)

    def run(lab, *args, folder="out"):
        module = importlib.import_module(f"units.{lab}")
        out = tmp_path / folder
        assert module.main(["--out", str(out), "--verbose", "0", *args]) == 0
        with open(out / "summary.json") as f:
            return json.load(f), out

    return run
