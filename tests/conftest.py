"""Test set-up shared by every module.

* Splits the CPU (and the first GPU, if any) into 2 logical devices before
  TensorFlow starts, so `tf.distribute.MirroredStrategy` can be tested on a
  2-core laptop with no GPU, or on one GPU.
* Gives each pytest-xdist worker its share of the cores for TensorFlow's
  intra-op and inter-op threads.
* Switches off Grappler's graph rewrites and XLA's back-end optimization in
  the default tier (`pytest_configure`).
* Collects each heavy test's garbage when it ends and freezes the survivors
  (`pytest_runtest_call`), and lets the garbage collector wait for 100,000
  allocations instead of 700 (`GC_THRESHOLD`), so it stops costing a fifth of
  each worker's time.
* Points the Keras cache at a temporary folder made for this test run, so tests
  neither read nor write the user's cached digits and classifier. The pytest-xdist
  workers of one run inherit the folder from the controller (this module is
  imported there first), so the digit classifier is trained once per run, by
  whichever worker needs it first (`keras_genai.utils.file_lock`).
"""

import gc
import os
import tempfile
import time

_perf_counter = time.perf_counter  # tests may patch time.perf_counter

# Each pytest-xdist worker computes on its share of the cores: TensorFlow's
# thread pools spin while they wait, so two workers with pools as large as the
# machine slow each other down up to 4x (measured on 2 cores, intra-op pool).
# Sizing the inter-op pool too took another 9-15% off the conformance checks
# (2 AMD EPYC cores, 2 workers). Child processes of a test inherit the setting.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
for _pool in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    if _WORKERS > 1 and _pool not in os.environ:
        os.environ[_pool] = str(max(1, (os.cpu_count() or 1) // _WORKERS))

# Python's garbage collector runs its youngest generation after 100,000 net
# allocations instead of 700, and the next after 50 of those: tracing a
# training step allocates millions of short-lived objects, and the CycleGAN's
# checks took 57-60 s instead of 63-64 s (2,092 young collections -> 11; one
# process, 2 AMD EPYC cores). `pytest_runtest_call` still collects everything
# after each heavy test.
GC_THRESHOLD = (100_000, 50, 100)
gc.set_threshold(*GC_THRESHOLD)

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


# Grappler's graph rewrites switched off in the default tier. Function
# optimization (which inlines functions and prunes each function's library) stays
# on: with Grappler off altogether, a test worker grew to 12 GB and was killed.
_GRAPPLER_OFF = {name: False for name in (
    "layout_optimizer", "constant_folding", "shape_optimization", "remapping",
    "arithmetic_optimization", "dependency_optimization", "loop_optimization",
    "implementation_selector")}


def pytest_configure(config):
    """In the default tier (``-m "not slow"``), switches off most of Grappler,
    the optimizer that rewrites each traced graph before its first run, and
    asks XLA for unoptimized machine code.

    The default tier's models are tiny and each is traced a few times, so
    rewriting graphs was the largest single cost left: the diffusion model's
    conformance checks took 91-111 s with the rewrites and 77 s without (one
    process, 2 AMD EPYC cores). The tests check behaviour, which the rewrites
    must not change. The child processes that tests start with
    `conformance.python_env` (fresh-process loading, export serving,
    multi-worker, resume, the notebook's kernel) inherit the XLA flag and
    switch the same rewrites off (``tests/child_site/sitecustomize.py``); that
    took the resume test from 41 s to 20 s. The slow tier and a lab run from
    the command line keep Grappler on.
    ``KERAS_GENAI_TEST_GRAPPLER=1`` keeps both as they are in the default tier.
    """
    if ("not slow" in (config.getoption("markexpr") or "")
            and os.environ.get("KERAS_GENAI_TEST_GRAPPLER") != "1"):
        tf.config.optimizer.set_experimental_options(_GRAPPLER_OFF)
        # Read by tests/child_site/sitecustomize.py in the processes that
        # tests start with `conformance.python_env`.
        os.environ["KERAS_GENAI_TEST_GRAPPLER_OFF"] = ",".join(_GRAPPLER_OFF)
        # XLA reads its flags at its first compilation. Unoptimized machine
        # code took the XLA checks from 78 s to 60 s (2 workers).
        flags = os.environ.get("XLA_FLAGS", "")
        if "--xla_backend_optimization_level" not in flags:
            os.environ["XLA_FLAGS"] = f"{flags} --xla_backend_optimization_level=0"


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
    """After a test that trained something (took over a second), collects its
    garbage while it is young, then freezes what survives (`gc.freeze`), so
    later collections only traverse what later tests allocate.

    Without it, a test worker spent ~20% of its time in Python's full
    collections (measured: 160-230 s of ~800 s): each traversed every
    object of every earlier test, and single collections took 60-80 s, idle,
    freeing a dead tf.data iterator whose destructor waited for the
    iterator's background threads (seen in a native stack dump). A frozen
    object that later becomes cyclic garbage is never freed; the workers'
    peak memory stayed as it was (5.4 GB, 5.7 GB before).
    """
    start = _perf_counter()
    try:
        return (yield)
    finally:
        if _perf_counter() - start > 1.0:
            gc.collect()
            gc.freeze()


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
