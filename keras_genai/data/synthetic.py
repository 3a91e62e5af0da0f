"""Synthetic sets for the lessons: XOR / XNOR truth tables, 2-D Gaussian
mixtures (the standard mode-collapse benchmark of Metz et al., 2017, "Unrolled
Generative Adversarial Networks") and images of lines drawn from known latent
factors."""

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


# The ranges the factors of `lines` are drawn from, uniformly.
LINE_FACTORS = {
    "length": (6.0, 24.0),   # pixels, of a 28-pixel image (scaled with size)
    "grey": (0.25, 1.0),     # ink intensity on a black background
    "angle": (0.0, 90.0),    # degrees from horizontal, counter-clockwise
    "width": (1.0, 4.0),     # pixels (scaled with size)
}


def lines(n=4096, size=28, seed=0):
    """Images of one straight line through the centre, drawn from four known
    latent factors: its length, grey level, angle and width, each uniform
    over `LINE_FACTORS` (the course notes' example of a dataset whose images
    are made by a few factors, a ``z`` of four numbers behind 784 pixels).

    Each pixel's ink is ``grey * clip(width / 2 + 1/2 - d, 0, 1)``, ``d`` the
    distance from the pixel's centre to the segment: an anti-aliased stroke,
    so every factor moves the pixels continuously. Angles stay within
    ``[0, 90)`` degrees so that no two factor values draw the same image.

    Args:
        n: number of images.
        size: height and width in pixels (lengths and widths scale with it).
        seed: integer seed.

    Returns:
        ``(images, factors)``: float32 ``(n, size, size, 1)`` in ``[0, 1]``, and
        a dict of float32 ``(n,)`` arrays ``length``, ``grey``, ``angle``,
        ``width`` in the units of `LINE_FACTORS`.

    Example:

    >>> images, factors = lines(16)
    >>> images.shape, sorted(factors)
    ((16, 28, 28, 1), ['angle', 'grey', 'length', 'width'])
    """
    n = check_positive_int("n", n)
    size = check_positive_int("size", size, minimum=8)
    rng = np.random.default_rng(seed)
    factors = {name: rng.uniform(low, high, n)
               for name, (low, high) in LINE_FACTORS.items()}
    scale = size / 28.0
    half = factors["length"][:, None] * scale / 2.0
    theta = np.deg2rad(factors["angle"])[:, None]
    ux, uy = np.cos(theta), -np.sin(theta)  # image rows grow downwards
    centres = np.arange(size) + 0.5 - size / 2.0
    px, py = np.meshgrid(centres, centres)
    px, py = px.reshape(1, -1), py.reshape(1, -1)
    along = np.clip(px * ux + py * uy, -half, half)
    distance = np.hypot(px - along * ux, py - along * uy)
    ink = np.clip(factors["width"][:, None] * scale / 2.0 + 0.5 - distance, 0.0, 1.0)
    images = (factors["grey"][:, None] * ink).reshape(n, size, size, 1)
    return (images.astype(np.float32),
            {name: value.astype(np.float32) for name, value in factors.items()})
