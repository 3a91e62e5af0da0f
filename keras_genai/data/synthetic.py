"""Synthetic sets for the lessons: XOR / XNOR truth tables and 2-D Gaussian
mixtures (the standard mode-collapse benchmark of Metz et al., 2017, "Unrolled
Generative Adversarial Networks")."""

import numpy as np

from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_positive_int


def xor():
    """The XOR truth table: the classic problem a single perceptron cannot solve.

    Returns:
        ``(x, y)``: float32 inputs of shape ``(4, 2)`` and float32 targets of shape
        ``(4, 1)``, ``y = x1 XOR x2``.

    Example:

    >>> x, y = xor()
    >>> y.ravel().tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.logical_xor(x[:, 0], x[:, 1]).astype(np.float32)[:, None]
    return x, y


def xnor():
    """The XNOR truth table (the negation of XOR), also not linearly separable.

    Returns:
        ``(x, y)``: float32 inputs ``(4, 2)`` and targets ``(4, 1)``.

    Example:

    >>> x, y = xnor()
    >>> y.ravel().tolist()
    [1.0, 0.0, 0.0, 1.0]
    """
    x, y = xor()
    return x, 1.0 - y


def gaussian_mixture(n=2048, kind="ring", modes=8, std=0.02, radius=1.0, seed=0,
                     return_labels=False):
    """Samples a 2-D mixture of equal-weight isotropic Gaussians.

    ``kind="ring"`` places ``modes`` centres evenly on a circle of ``radius``;
    ``kind="grid"`` places them on a square grid (``modes`` must be a perfect
    square, e.g. 25) spanning ``[-radius, radius]`` on each axis.

    Args:
        n: number of samples.
        kind: ``"ring"`` or ``"grid"``.
        modes: number of mixture components.
        std: standard deviation of each component.
        radius: ring radius, or half-width of the grid.
        seed: integer seed.
        return_labels: also return the component index of each sample.

    Returns:
        ``x`` float32 ``(n, 2)``; with ``return_labels``, ``(x, labels, centres)``
        where ``centres`` is float32 ``(modes, 2)``.

    Example:

    >>> x = gaussian_mixture(n=100, kind="ring", modes=8)
    >>> x.shape
    (100, 2)
    """
    n = check_positive_int("n", n)
    modes = check_positive_int("modes", modes)
    check_choice("kind", kind, ("ring", "grid"))
    if not std > 0:
        raise ValueError(f"`std` must be > 0. Received: std={std}")
    if kind == "ring":
        angles = 2.0 * np.pi * np.arange(modes) / modes
        centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        side = int(round(np.sqrt(modes)))
        if side * side != modes:
            raise ValueError(
                "`modes` must be a perfect square for kind='grid'. "
                f"Received: modes={modes}"
            )
        ticks = np.linspace(-radius, radius, side) if side > 1 else np.zeros(1)
        gx, gy = np.meshgrid(ticks, ticks)
        centres = np.stack([gx.ravel(), gy.ravel()], axis=1)
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, modes, size=n)
    x = centres[labels] + std * rng.standard_normal((n, 2))
    x = x.astype(np.float32)
    if return_labels:
        return x, labels, centres.astype(np.float32)
    return x
