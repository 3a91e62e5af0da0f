"""Argument checks that raise before any work starts, naming the argument and the
value received (keras-hub style: ``Received: name=value``)."""

import numbers


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
