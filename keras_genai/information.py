"""Information, entropy, cross-entropy and KL divergence of discrete distributions,
as the course's Generative-AI notes define them (Shannon 1948; Cover & Thomas,
"Elements of Information Theory", ch. 2), plus the differential entropy of a
Gaussian. NumPy in, NumPy out: these are for checking numbers by hand; the
training losses live in `keras_genai.losses`.

Two statements in the notes are wrong and are corrected here: the KL divergence is
*not* bounded by 1 (it is ``>= 0`` and unbounded: ``KL([1, 0] || [e, 1 - e])`` is
``-log e``), and it is not a distance (it is not symmetric and has no triangle
inequality). The notes' first attempt, "entropy of q minus entropy of p", is not
the KL either (it can be negative); the KL is cross-entropy minus entropy, both
expectations under ``p``, as the notes conclude.

Example:

>>> information(0.5, base=2)
1.0
>>> round(float(categorical_kl([0.5, 0.5], [0.9, 0.1])), 4)
0.5108
"""

import numpy as np

from keras_genai.utils.checks import check_choice


def _log(x, base):
    check_choice("base", base, (None, 2, 10))
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore"):
        logs = np.log(x)
    return logs if base is None else logs / np.log(base)


def _distribution(name, p):
    p = np.asarray(p, dtype=np.float64)
    if p.ndim == 0 or p.size == 0 or np.any(p < 0) or not np.allclose(
            p.sum(axis=-1), 1.0, atol=1e-6):
        raise ValueError(f"`{name}` must be probabilities >= 0 summing to 1 along the "
                         f"last axis. Received: {name}={p!r}")
    return p


def information(p, base=None):
    """Self-information of an event of probability ``p``: ``I = -log p``.

    Rare events carry more information; a certain event (``p = 1``) carries none.

    Args:
        p: probabilities in ``(0, 1]`` (any shape).
        base: ``None`` for nats, 2 for bits, 10 for hartleys.

    Returns:
        ``-log p`` with the shape of ``p``.

    Example:

    >>> information([1.0, 0.25], base=2)
    array([-0.,  2.])
    """
    p = np.asarray(p, dtype=np.float64)
    if np.any(p <= 0) or np.any(p > 1):
        raise ValueError(f"`p` must be in (0, 1]. Received: p={p!r}")
    return -_log(p, base)


def entropy(p, base=None):
    """Shannon entropy ``H(p) = -sum_x p(x) log p(x)``, the expected information.

    Terms with ``p(x) = 0`` contribute 0 (the limit of ``p log p``).

    Args:
        p: a distribution along the last axis (several in a batch are fine).
        base: ``None`` for nats, 2 for bits, 10 for hartleys.

    Returns:
        The entropy (shape of ``p`` without its last axis).

    Example:

    >>> float(entropy([0.25] * 4, base=2))
    2.0
    """
    p = _distribution("p", p)
    return -np.sum(np.where(p > 0, p * _log(np.where(p > 0, p, 1.0), base), 0.0),
                   axis=-1)


def cross_entropy(p, q, base=None):
    """Cross-entropy ``H(p, q) = -sum_x p(x) log q(x)``: the average information of
    ``q``'s code under ``p``. Infinite where ``q`` misses an outcome ``p`` has.

    Args:
        p: the true distribution along the last axis.
        q: the model distribution, same shape.
        base: ``None`` for nats, 2 for bits, 10 for hartleys.

    Returns:
        ``H(p, q)`` (shape of ``p`` without its last axis).

    Example:

    >>> float(cross_entropy([1.0, 0.0], [0.5, 0.5], base=2))
    1.0
    """
    p, q = _distribution("p", p), _distribution("q", q)
    if p.shape != q.shape:
        raise ValueError(f"`p` and `q` must have the same shape. "
                         f"Received: p.shape={p.shape}, q.shape={q.shape}")
    return -np.sum(np.where(p > 0, p * _log(q, base), 0.0), axis=-1)


def categorical_kl(p, q, base=None):
    """``KL(p || q) = sum_x p(x) log(p(x) / q(x)) = H(p, q) - H(p)`` (the notes'
    definition: both expectations under ``p``). ``>= 0``, zero only when ``p = q``,
    not symmetric, not bounded by 1.

    Args:
        p: the distribution the expectation is under (last axis).
        q: the other distribution, same shape.
        base: ``None`` for nats, 2 for bits, 10 for hartleys.

    Returns:
        The KL (shape of ``p`` without its last axis); ``inf`` where ``q`` misses
        an outcome of ``p``.

    Example:

    >>> float(categorical_kl([0.5, 0.5], [0.5, 0.5]))
    0.0
    """
    return np.maximum(cross_entropy(p, q, base) - entropy(p, base), 0.0)


def gaussian_entropy(variance, base=None):
    """Differential entropy of ``N(mu, variance)``: ``1/2 log(2 pi e variance)``,
    summed over the last axis (a diagonal Gaussian). Unlike the discrete entropy it
    can be negative (a narrow Gaussian).

    Args:
        variance: variances (> 0), one per dimension along the last axis.
        base: ``None`` for nats, 2 for bits, 10 for hartleys.

    Returns:
        The entropy (shape of ``variance`` without its last axis).

    Example:

    >>> round(float(gaussian_entropy([1.0])), 4)
    1.4189
    """
    variance = np.asarray(variance, dtype=np.float64)
    if variance.ndim == 0 or np.any(variance <= 0):
        raise ValueError("`variance` must be > 0 with at least one axis. "
                         f"Received: variance={variance!r}")
    return np.sum(0.5 * _log(2 * np.pi * np.e * variance, base), axis=-1)


__all__ = ["categorical_kl", "cross_entropy", "entropy", "gaussian_entropy",
           "information"]
