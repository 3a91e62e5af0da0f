"""Seeds and determinism."""

import keras
import tensorflow as tf

from keras_genai.utils import compat
from keras_genai.utils.checks import check_positive_int


def set_seed(seed, deterministic=True):
    """Seeds every random number generator a training run uses.

    Seeds Python's `random`, NumPy, TensorFlow and Keras' global seed generator
    (`keras.utils.set_random_seed`), so initial weights, a model's
    ``SeedGenerator`` created with ``seed=None``, and ``tf.data`` shuffles
    without an explicit seed are reproducible. With ``deterministic=True`` it
    also turns on TensorFlow's op determinism
    (`tf.config.experimental.enable_op_determinism`): ops then give bit-identical
    results run after run (some GPU ops become slower, a few raise instead), and
    Keras turns ``jit_compile="auto"`` off. ``deterministic=False`` turns op
    determinism off again.

    The same seed gives bit-identical weights after training on the CPU for
    every model of `keras_genai.models` (tested in ``tests/conformance.py``).

    Args:
        seed: a non-negative int.
        deterministic: turn TensorFlow's op determinism on (``True``) or off.

    Returns:
        ``seed``.

    Raises:
        TypeError: if ``seed`` is not an int, or ``deterministic`` not a bool.
        ValueError: if ``seed`` is negative.

    Example:

    >>> set_seed(0)
    0
    >>> a = keras.random.normal((2,))
    >>> _ = set_seed(0)
    >>> bool(keras.ops.all(a == keras.random.normal((2,))))
    True
    """
    seed = check_positive_int("seed", seed, minimum=0)
    if not isinstance(deterministic, bool):
        raise TypeError("`deterministic` must be True or False. Received: "
                        f"deterministic={deterministic!r}")
    keras.utils.set_random_seed(seed)
    compat.reset_global_seed_generator()  # done by Keras >= 3.13 itself
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    else:
        compat.disable_op_determinism()
    return seed


def is_deterministic():
    """Whether TensorFlow's op determinism is on (see `set_seed`).

    Example:

    >>> set_seed(0, deterministic=False) == 0 and is_deterministic()
    False
    """
    return compat.op_determinism_enabled()
