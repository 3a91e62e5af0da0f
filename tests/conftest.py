"""Test set-up shared by every module.

* Splits the CPU into 2 logical devices before TensorFlow starts, so
  `tf.distribute.MirroredStrategy` can be tested on this 2-core, no-GPU machine.
* Points the Keras cache at a temporary folder made for this test run, so tests
  neither read nor write the user's cached digits and classifier. The pytest-xdist
  workers of one run inherit the folder from the controller (this module is
  imported there first), so the digit classifier is trained once per run, by
  whichever worker needs it first (`keras_genai.utils.file_lock`).
"""

import os
import tempfile

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
    """MirroredStrategy over the 2 logical CPU devices."""
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


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


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def run_lab(tmp_path, monkeypatch):
    """Runs ``python -m units.<lab> ARGS`` in-process, in a temporary folder.

    Returns ``fn(lab, *args) -> (summary dict, output folder)``; the summary is
    the ``summary.json`` the lab wrote.
    """
    import importlib
    import json
    import sys

    monkeypatch.syspath_prepend(REPO_ROOT)
    monkeypatch.chdir(tmp_path)

    def run(lab, *args):
        module = importlib.import_module(f"units.{lab}")
        out = tmp_path / "out"
        assert module.main(["--out", str(out), "--verbose", "0", *args]) == 0
        with open(out / "summary.json") as f:
            return json.load(f), out

    return run
