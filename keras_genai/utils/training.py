"""Getting a plain Keras model ready for ``fit``."""

import keras
import tensorflow as tf

from keras_genai.utils import compat


def build_for_fit(model, x, y=None):
    """Builds a compiled Keras model's optimizer, compiled metrics and loss
    before ``fit``, so that ``fit`` traces its training step once, not twice.

    Without a distribution strategy, Keras' TensorFlow backend builds that
    state inside the first trace of the training step. A ``tf.function``
    whose first trace creates variables is traced a second time, with variable
    creation forbidden, before it runs (TensorFlow issue #48851), so each
    new model's first ``fit`` paid for two traces: the Unit II
    ``architectures`` exercise (4 CNNs, one epoch each) took 21.8 s with
    them and 13.2 s without, with the same results (2-core AMD EPYC). This
    builds what Keras builds under a strategy, from shapes alone. A
    `keras_genai.models` model needs none of it: it builds its optimizers in
    ``compile``.

    Keras picks what a metric such as ``"accuracy"`` means from these shapes
    (integer labels against logits: sparse categorical accuracy), so give
    the targets ``fit`` will get.

    Args:
        model: a compiled `keras.Model`.
        x: what ``fit`` will get as inputs (a list of them for a model with
            several inputs): NumPy arrays, tensors, `tf.TensorSpec`s or
            `keras.KerasTensor`s, of which only the shapes and dtypes are read
            (the whole training set does as well as one batch); or a
            `tf.data.Dataset` of ``(x, y)`` or ``x`` elements.
        y: the targets, in the same forms, when ``x`` is not a dataset.

    Returns:
        ``model``.

    Example:

    >>> model = keras_genai.builders.lenet()
    >>> model.compile("adam", "sparse_categorical_crossentropy")
    >>> build_for_fit(model, x_train, y_train).fit(x_train, y_train)
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model. Received: model={model!r}")
    if not getattr(model, "compiled", False):
        raise ValueError("`model` must be compiled before build_for_fit. "
                         f"Received: model={model.name!r} (not compiled)")
    if isinstance(x, tf.data.Dataset):
        if y is not None:
            raise ValueError("`y` must be None when `x` is a dataset (its "
                             f"elements hold the targets). Received: y={y!r}")
        spec = x.element_spec
        batch = tuple(spec) if isinstance(spec, tuple) else (spec,)
    else:
        given = {"x": x} if y is None else {"x": x, "y": y}
        for name, value in given.items():
            for leaf in keras.tree.flatten(value):
                if not (hasattr(leaf, "shape") and hasattr(leaf, "dtype")):
                    raise TypeError(
                        f"`{name}` must hold arrays, tensors or specs with a "
                        "shape and a dtype (np.asarray a Python list first). "
                        f"Received: {name} with an element of type {type(leaf).__name__}")
        batch = (x,) if y is None else (x, y)
    with model.distribute_strategy.scope():
        compat.build_state(model, batch)
    return model
