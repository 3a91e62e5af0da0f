"""What stops XLA (``jit_compile=True``) from compiling a model."""

import warnings

import keras

from keras_genai.utils import compat


def jit_blockers(model):
    """The reasons ``model`` cannot train with ``jit_compile=True``.

    Keras refuses XLA for a layer whose ``supports_jit`` is ``False``: string
    preprocessing (``TextVectorization``, ``StringLookup``...), random image
    augmentation layers, and LSTM / GRU layers that will run cuDNN kernels on a
    GPU. TensorFlow's op determinism (`keras_genai.utils.set_seed` with
    ``deterministic=True``) also turns XLA off, because not every XLA kernel is
    deterministic. Everything else in `keras_genai.models` compiles (tested in
    ``tests/conformance.py``).

    Args:
        model: a `keras.Model`.

    Returns:
        A list of strings, empty when XLA can compile the model.

    Example:

    >>> jit_blockers(keras_genai.builders.text_encoder(["a", "b"]))[0]
    "layer 'tokenize' (TextVectorization) does not support XLA"
    """
    reasons = [f"layer {layer.name!r} ({type(layer).__name__}) does not support XLA"
               for layer in compat.flatten_layers(model) if not layer.supports_jit]
    if compat.op_determinism_enabled():
        reasons.append("TensorFlow op determinism is on (set_seed(..., "
                       "deterministic=True)), and XLA kernels are not all "
                       "deterministic")
    return reasons


def checked_jit_compile():
    """A ``jit_compile`` property for a `keras.Model` subclass: reading it is
    Keras' ``jit_compile``; setting it to ``True`` (also through
    ``compile(jit_compile=True)``) where `jit_blockers` finds a reason sets
    ``False`` instead, with a warning naming the reasons. ``"auto"`` is
    Keras' default.

    Example:

    >>> class MyModel(keras.Model):
    ...     jit_compile = checked_jit_compile()
    """

    def fset(model, value):
        reasons = jit_blockers(model) if value is True else []
        if reasons:
            warnings.warn(
                f"{type(model).__name__} cannot train with jit_compile=True: "
                f"{'; '.join(reasons)}. Proceeding with jit_compile=False.",
                UserWarning, stacklevel=3)
            value = False
        keras.Model.jit_compile.fset(model, value)

    return property(keras.Model.jit_compile.fget, fset,
                    doc="Whether ``fit`` compiles the training step with XLA "
                        "(``True`` is refused where XLA cannot compile the model).")
