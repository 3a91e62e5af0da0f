"""Run by Python at start-up in the processes the tests start
(`conformance.python_env` puts this folder on their ``PYTHONPATH``).

In the default tier the test process switches off most of Grappler's graph
rewrites (``tests/conftest.py``) and names them in
``KERAS_GENAI_TEST_GRAPPLER_OFF``; a child that inherits the variable switches
off the same ones, so a model loaded, trained or served in another process is
optimized as it is in the test process, and sets the garbage collector's
thresholds as the test process does. Without the variable (a lab or a
notebook run by hand, the slow tier) nothing happens and TensorFlow is not
imported. In those processes this module takes the place of any other
``sitecustomize`` (a distribution's error-report hook, for one).
"""

import gc
import os

_OFF = os.environ.get("KERAS_GENAI_TEST_GRAPPLER_OFF")
if _OFF:
    gc.set_threshold(100_000, 50, 100)  # as tests/conftest.py's GC_THRESHOLD
    import tensorflow as tf

    tf.config.optimizer.set_experimental_options(
        {name: False for name in _OFF.split(",")})
