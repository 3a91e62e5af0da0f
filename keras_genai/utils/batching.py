"""Fixed-shape batching: one trace of a compiled function for any number of
examples.

A ``tf.function`` (or Keras' predict function) traces once per input shape, so
calling it on 1,000 examples in batches of 256 would trace twice (256 and the
last 232). The helpers here pad the examples to a multiple of the batch size by
repeating the last one, run every batch at one shape, and drop the padding,
and `cached_function` keeps one ``tf.function`` per object and name, so
repeated calls of a model's method reuse its traces. Every model of
`keras_genai.models` that predicts, encodes, decodes or samples in batches
goes through them.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_genai.utils.checks import check_positive_int


def pad_to_batches(arrays, batch_size):
    """The arrays as NumPy, their last example repeated up to a multiple of
    ``batch_size`` examples, so every batch has one shape.

    Example:

    >>> [len(a) for a in pad_to_batches([np.zeros((5, 2))], 4)]
    [8]
    """
    arrays = [np.asarray(a) for a in arrays]
    pad = -len(arrays[0]) % batch_size
    return [np.concatenate([a, np.repeat(a[-1:], pad, axis=0)]) if pad else a
            for a in arrays]


def predict_fixed(network, inputs, batch_size=256):
    """``network(inputs)`` in inference mode, in batches of exactly
    ``batch_size`` (the last one padded), so that one trace of Keras' predict
    function serves every call whatever the number of examples.

    Args:
        network: a `keras.Model`.
        inputs: a list of arrays of one length ``n`` (the network's inputs).
        batch_size: examples per batch.

    Returns:
        The network's output for the ``n`` examples, as NumPy.

    Example:

    >>> images = predict_fixed(generator, [z], batch_size=256)
    """
    batch_size = check_positive_int("batch_size", batch_size)
    n = len(inputs[0])
    inputs = pad_to_batches(inputs, batch_size)
    out = network.predict(inputs if len(inputs) > 1 else inputs[0],
                          batch_size=batch_size, verbose=0)
    return keras.tree.map_structure(lambda o: o[:n], out)


def map_fixed_batches(fn, arrays, batch_size):
    """``fn(*batch)`` over batches of exactly ``batch_size`` examples of
    ``arrays`` (the last one padded by `pad_to_batches`), so one trace of a
    ``tf.function`` serves every call, whatever the number of examples.

    Args:
        fn: takes one batch of each array; returns a tensor or a tuple of
            tensors, one row per example.
        arrays: a list of arrays of one length ``n > 0``.
        batch_size: examples per batch.

    Returns:
        ``fn``'s output for the ``n`` examples, as NumPy (a tuple if ``fn``
        returns one).

    Example:

    >>> map_fixed_batches(tf.function(lambda x: 2 * x), [np.ones((5, 2))], 4).shape
    (5, 2)
    """
    batch_size = check_positive_int("batch_size", batch_size)
    n = len(arrays[0])
    padded = pad_to_batches(arrays, batch_size)
    outs = [fn(*[tf.constant(a[i:i + batch_size]) for a in padded])
            for i in range(0, len(padded[0]), batch_size)]
    if isinstance(outs[0], (tuple, list)):
        return tuple(np.concatenate([np.asarray(o[k]) for o in outs])[:n]
                     for k in range(len(outs[0])))
    return np.concatenate([np.asarray(o) for o in outs])[:n]


def cached_function(owner, name, fn, **kwargs):
    """``tf.function(fn, **kwargs)``, made once per ``owner`` and ``name``, so
    that repeated calls of a method trace once per input signature.

    The function is kept in ``owner.__dict__`` (not as a tracked attribute, so
    Keras and SavedModel exports never see it). ``fn`` is used only the first
    time: give each different computation its own name.

    Args:
        owner: the object whose method calls it (a model).
        name: the function's name within ``owner``.
        fn: the Python function to compile.
        **kwargs: passed to ``tf.function`` (``reduce_retracing``...).

    Returns:
        The ``tf.function``.

    Example:

    >>> double = cached_function(model, "double", lambda x: 2 * x)
    >>> double is cached_function(model, "double", lambda x: 3 * x)
    True
    """
    functions = owner.__dict__.setdefault("_genai_functions", {})
    if name not in functions:
        functions[name] = tf.function(fn, **kwargs)
    return functions[name]


__all__ = ["cached_function", "map_fixed_batches", "pad_to_batches", "predict_fixed"]
