"""Run by Python at start-up in the processes the tests start
(`conformance.python_env` puts this folder on their ``PYTHONPATH``).

It applies the test run's speed settings (``tests/speed.py``) that the
test process passes down in its environment: the garbage collector's
thresholds (``KERAS_GENAI_TEST_GC_THRESHOLD``) and, in the default tier, the
Grappler rewrites to switch off (``KERAS_GENAI_TEST_GRAPPLER_OFF``), so a
model loaded, trained or served in another process is optimized as it is in
the test process. Without the variables (a lab or a notebook run by hand, the
slow tier) nothing happens and TensorFlow is not imported. In those processes
this module takes the place of any other ``sitecustomize`` (a distribution's
error-report hook, for one).
"""

import gc
import os

_GC = os.environ.get("KERAS_GENAI_TEST_GC_THRESHOLD")
if _GC:
    gc.set_threshold(*map(int, _GC.split(",")))
_OFF = os.environ.get("KERAS_GENAI_TEST_GRAPPLER_OFF")
if _OFF:
    import tensorflow as tf

    tf.config.optimizer.set_experimental_options(
        {name: False for name in _OFF.split(",")})
