"""Argument checks that raise before any work starts, naming the argument and the
value received (keras-hub style: ``Received: name=value``)."""

import numbers

import keras
import numpy as np


def check_positive_int(name, value, minimum=1):
    """Checks that ``value`` is an integer ``>= minimum``.

    Args:
        name: the argument's name, used in the error message.
        value: the value received.
        minimum: the smallest accepted value.

    Returns:
        ``value`` as a Python ``int``.

    Raises:
        TypeError: if ``value`` is not an integer (booleans are refused too).
        ValueError: if ``value < minimum``.

    Example:

    >>> check_positive_int("latent_dim", 64)
    64
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{name}` must be an integer >= {minimum}. "
            f"Received: {name}={value!r} (of type {type(value).__name__})"
        )
    if value < minimum:
        raise ValueError(
            f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}"
        )
    return int(value)


def check_non_negative(name, value):
    """Checks that ``value`` is a real number ``>= 0`` (a loss weight, say).

    Args:
        name: the argument's name, used in the error message.
        value: the value received.

    Returns:
        ``value`` as a Python ``float``.

    Raises:
        ValueError: if ``value`` is not a number (booleans are refused too) or
            is negative.

    Example:

    >>> check_non_negative("l1_weight", 100)
    100.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"`{name}` must be a number >= 0. Received: {name}={value!r}")
    return float(value)


def check_choice(name, value, choices):
    """Checks that ``value`` is one of ``choices``.

    Args:
        name: the argument's name, used in the error message.
        value: the value received.
        choices: the accepted values.

    Returns:
        ``value`` unchanged.

    Raises:
        ValueError: if ``value`` is not in ``choices``.

    Example:

    >>> check_choice("scale", "tanh", ("tanh", "unit"))
    'tanh'
    """
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {list(choices)}. Received: {name}={value!r}"
        )
    return value


def check_fraction(name, value, closed=False):
    """Checks that ``value`` is a number in ``[0, 1)`` (or ``[0, 1]`` with
    ``closed=True``): a dropout rate, a label smoothing, an EMA decay.

    Args:
        name: the argument's name, used in the error message.
        value: the value received.
        closed: also accept 1.

    Returns:
        ``value`` as a Python ``float``.

    Raises:
        ValueError: if ``value`` is not a number (booleans are refused too) or
            lies outside the interval.

    Example:

    >>> check_fraction("label_dropout", 0.1)
    0.1
    """
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and (
        0.0 <= value <= 1.0 if closed else 0.0 <= value < 1.0)
    if not ok:
        raise ValueError(f"`{name}` must be a number in [0, 1{']' if closed else ')'}. "
                         f"Received: {name}={value!r}")
    return float(value)


def check_seed(value, name="seed"):
    """Checks a seed argument: an int, or ``None`` for a random one.

    Example:

    >>> check_seed(0)
    0
    """
    if value is not None and (isinstance(value, bool)
                              or not isinstance(value, numbers.Integral)):
        raise TypeError(f"`{name}` must be an int or None. Received: {name}={value!r}")
    return None if value is None else int(value)


def check_optional_positive(name, value):
    """Checks that ``value`` is ``None`` or a number ``> 0`` (a clip, a gamma).

    Example:

    >>> check_optional_positive("clip", 1)
    1.0
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"`{name}` must be a number > 0 or None. "
                         f"Received: {name}={value!r}")
    return float(value)


def check_num_classes(num_classes, optional=False):
    """Checks a number of classes (``>= 2``; ``None`` too when ``optional``).

    Example:

    >>> check_num_classes(10)
    10
    """
    if num_classes is None and optional:
        return None
    return check_positive_int("num_classes", num_classes, minimum=2)


def check_shape(name, shape, rank, allow_none=False):
    """Checks that ``shape`` is a tuple of ``rank`` positive ints.

    Args:
        name: the argument's name, for the error message.
        shape: the value received (any sequence).
        rank: the required length (an int, or a tuple of accepted lengths).
        allow_none: accept ``None`` entries (unknown sizes, e.g. time steps).

    Returns:
        ``shape`` as a tuple.

    Example:

    >>> check_shape("input_shape", [28, 28, 1], rank=3)
    (28, 28, 1)
    """
    ranks = (rank,) if isinstance(rank, int) else tuple(rank)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"`{name}` must be a tuple of {ranks[0]} sizes. "
                        f"Received: {name}={shape!r}") from None
    ok = len(shape) in ranks and all(
        (s is None and allow_none)
        or (isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0)
        for s in shape)
    if not ok:
        raise ValueError(
            f"`{name}` must be a tuple of {' or '.join(map(str, ranks))} positive "
            f"sizes{' (None allowed)' if allow_none else ''}. Received: "
            f"{name}={shape!r}"
        )
    return shape


def check_image_shape(name, shape, factor=1, reason="2 ** number of stride-2 layers"):
    """Checks an image shape ``(height, width, channels)`` whose height and
    width are divisible by ``factor`` (``2 ** n`` for ``n`` stride-2 layers,
    said by ``reason``); the error names the nearest sizes that are.

    Example:

    >>> check_image_shape("image_shape", (28, 28, 1), factor=4)
    (28, 28, 1)
    >>> check_image_shape("image_shape", (30, 30, 3), factor=4)
    Traceback (most recent call last):
    ValueError: `image_shape` height and width must be divisible by 4 (2 ** ...
    """
    shape = check_shape(name, shape, rank=3)
    if shape[0] % factor or shape[1] % factor:
        near = sorted({n for side in shape[:2] if side % factor
                       for n in (side // factor * factor, (side // factor + 1) * factor)
                       if n > 0})
        raise ValueError(
            f"`{name}` height and width must be divisible by {factor} ({reason}): "
            f"{' or '.join(map(str, near))} would do. Received: {name}={shape!r}")
    return shape


def check_units(name, units, allow_empty=True):
    """Checks a sequence of positive layer widths; returns it as a tuple.

    Example:

    >>> check_units("hidden_units", [256, 128])
    (256, 128)
    """
    try:
        units = tuple(units)
    except TypeError:
        raise TypeError(f"`{name}` must be a sequence of positive integers. "
                        f"Received: {name}={units!r}") from None
    if not units and not allow_empty:
        raise ValueError(f"`{name}` must not be empty. Received: {name}={units!r}")
    for u in units:
        if isinstance(u, bool) or not isinstance(u, numbers.Integral) or u < 1:
            raise ValueError(f"`{name}` must contain positive integers. "
                             f"Received: {name}={units!r}")
    return tuple(int(u) for u in units)


def check_labels(labels, num_classes):
    """Checks user labels: a non-empty 1-D array of ints in ``[0, num_classes)``.

    Returns:
        The labels as an int32 NumPy array.

    Example:

    >>> check_labels([0, 7], num_classes=10)
    array([0, 7], dtype=int32)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0 or labels.dtype.kind not in "iu":
        raise ValueError(
            "`labels` must be a non-empty 1-D array of ints. "
            f"Received: labels with shape {labels.shape} and dtype {labels.dtype}"
        )
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"`labels` must be in [0, num_classes={num_classes}). "
            f"Received: labels from {labels.min()} to {labels.max()}"
        )
    return labels.astype(np.int32)


def check_network(name, value, float32_outputs=True):
    """Checks that a network argument is a built `keras.Model` / `keras.Layer`
    and, unless ``float32_outputs=False``, that its outputs are float32 (so that
    losses and exports keep float32 precision under a mixed precision policy;
    the builders end with a float32 ``Activation("linear")``).

    Returns:
        ``value``.

    Example:

    >>> check_network("generator", keras_genai.builders.dcgan_generator())
    <Functional name=dcgan_generator, built=True>
    """
    if not isinstance(value, keras.layers.Layer):
        raise TypeError(
            f"`{name}` must be a keras.Model (or keras.Layer). "
            f"Received: {name}={value!r} (of type {type(value).__name__})"
        )
    if not value.built:
        raise ValueError(
            f"`{name}` must be built: create it with a keras.Input or call "
            f"`{name}.build(input_shape)` first. Received: {name}={value.name!r} "
            "(not built)"
        )
    outputs = (getattr(value, "outputs", None) or []) if float32_outputs else []
    dtypes = sorted({keras.backend.standardize_dtype(t.dtype)
                     for t in keras.tree.flatten(outputs)} - {"float32"})
    floating = [d for d in dtypes if d.startswith(("float", "bfloat"))]
    if floating:
        raise ValueError(
            f"`{name}` must have float32 outputs, so that losses and exports keep "
            "float32 precision under a mixed precision policy: end it with "
            "keras.layers.Activation('linear', dtype='float32') (the builders of "
            "keras_genai.builders do). Received: "
            f"{name}={value.name!r} with {', '.join(floating)} outputs"
        )
    return value


def check_score_shape(name, network):
    """Checks that a discriminator returns one score per example, ``(batch, 1)``.

    Example:

    >>> check_score_shape("discriminator", dcgan_discriminator())
    """
    out = tuple(network.output_shape)[1:]
    if out not in ((1,), ()):
        raise ValueError(
            f"`{name}` must return one logit per example, shape (batch, 1). "
            f"Received: {name} output shape {(None,) + out}"
        )


def check_optimizer(name, value):
    """Resolves an optimizer argument (instance, name or config), or raises
    a ``ValueError`` naming ``name``.

    Example:

    >>> check_optimizer("g_optimizer", "adam")
    <keras.src.optimizers.adam.Adam object at ...>
    """
    if value is None:
        raise ValueError(
            f"`{name}` is required: pass a keras optimizer, e.g. "
            f"{name}=keras.optimizers.Adam(2e-4, beta_1=0.5). Received: {name}=None")
    try:
        return keras.optimizers.get(value)
    except (ValueError, TypeError) as e:
        raise ValueError(f"`{name}` must be a keras optimizer or its name. "
                         f"Received: {name}={value!r}") from e
