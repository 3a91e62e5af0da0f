"""Keras' own layer test harness, for the tests of `keras_genai.layers`.

`keras.src.testing.TestCase.run_layer_test` is what Keras runs on each of its
layers: a ``get_config`` / ``from_config`` and serialization round trip, a
``build`` from shapes, a symbolic and an eager call (output shapes and
dtypes), the weight, seed-generator and loss counts, a compiled training step,
and a call under the ``"mixed_float16"`` policy whose outputs must have the
dtypes that ``compute_output_spec`` declares and whose weights stay float32.

It is not public Keras API (``keras.src``), so this module is the one place
that imports it: if Keras moves it, only this file changes.
"""

from keras.src.testing import test_case
from keras.src.utils import traceback_utils


class _HarnessCase(test_case.TestCase):
    """A `keras.src.testing.TestCase` usable outside unittest's runner: the
    harness only needs its assertion methods."""

    def runTest(self):  # noqa: N802 (unittest's name) - never run
        """Unused: unittest wants a test method to build a case."""


def run_layer_test(layer_cls, init_kwargs=None, **harness_kwargs):
    """Runs `keras.src.testing.TestCase.run_layer_test` on a layer class.

    Clears the Keras session first, as Keras' ``TestCase.setUp`` does, and
    leaves Keras' traceback filtering as it found it (``setUp`` turns it off).

    Args:
        layer_cls: the layer class.
        init_kwargs: its constructor arguments (the harness adds
            ``dtype="mixed_float16"`` for the mixed precision check).
        **harness_kwargs: the other arguments of ``run_layer_test``:
            ``input_shape`` (a tuple, a list of tuples, or a dict of
            ``<call argument>_shape`` tuples), ``input_dtype``,
            ``input_data``, ``call_kwargs``, ``expected_output_shape``,
            ``expected_output_dtype``, ``expected_output``,
            ``expected_num_trainable_weights``,
            ``expected_num_non_trainable_weights``,
            ``expected_num_non_trainable_variables``,
            ``expected_num_seed_generators``, ``expected_num_losses``,
            ``supports_masking``, ``run_training_check``,
            ``run_mixed_precision_check``,
            ``assert_built_after_instantiation`` ...

    Raises:
        AssertionError: a check failed.
        TypeError: an argument ``run_layer_test`` does not take.

    Example:

    >>> run_layer_test(keras.layers.Dense, {"units": 3}, input_shape=(2, 4),
    ...                expected_output_shape=(2, 3),
    ...                expected_num_trainable_weights=2)
    """
    filtering = traceback_utils.is_traceback_filtering_enabled()
    case = _HarnessCase()
    case.setUp()
    try:
        case.run_layer_test(layer_cls, init_kwargs or {}, **harness_kwargs)
    finally:
        case.doCleanups()
        if filtering:
            traceback_utils.enable_traceback_filtering()
