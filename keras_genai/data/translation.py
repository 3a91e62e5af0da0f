"""Image-to-image tasks built offline from the digits (NumPy, images in any range
as float arrays ``(N, H, W[, C])``).

* `occlude`: paired inpainting (pix2pix) — a square hole hides part of a digit.
* `thicken`: a second domain for unpaired translation (CycleGAN) — strokes
  dilated by a 3x3 maximum, a transformation whose ground truth is known.
* `downsample`: low-resolution inputs for super-resolution (SRGAN, LAPGAN).
"""

import numpy as np

from keras_genai.utils.checks import check_positive_int


def _images(name, images):
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"`{name}` must be (N, H, W) or (N, H, W, C). "
                         f"Received: {name}.shape={images.shape}")
    return images


def occlude(images, hole=12, fill=None, seed=0):
    """Hides a ``hole x hole`` square of each image, at a random position inside
    the central box where a centred digit is drawn (a margin of 1/7 of the side,
    4 pixels in a 28x28 image), so the hole always hides part of the strokes.

    Args:
        images: ``(N, H, W[, C])``.
        hole: side of the square.
        fill: value written into the hole (default: the images' minimum, i.e.
            background).
        seed: seed of the positions.

    Returns:
        ``(occluded, mask)``: the images with the hole filled, and a float32
        mask ``(N, H, W, 1)`` with 1 inside the hole.

    Example:

    >>> masked, mask = occlude(x_train, hole=12)
    """
    images = _images("images", images)
    n, h, w, _ = images.shape
    hole = check_positive_int("hole", hole)
    if hole >= min(h, w):
        raise ValueError(f"`hole` must be smaller than the image ({h}x{w}). "
                         f"Received: hole={hole}")
    fill = float(images.min()) if fill is None else float(fill)
    rng = np.random.default_rng(seed)
    # The hole stays inside the central box where digits are drawn (MNIST's
    # 20x20 box in 28x28 images: a margin of 1/7 of the side).
    def corners(side):
        margin = side // 7
        high = max(margin, side - margin - hole)
        return rng.integers(min(margin, side - hole), min(high, side - hole) + 1, n)

    ys, xs = corners(h), corners(w)
    mask = np.zeros((n, h, w, 1), np.float32)
    for i, (y, x) in enumerate(zip(ys, xs)):
        mask[i, y:y + hole, x:x + hole] = 1.0
    return np.where(mask > 0, fill, images).astype(np.float32), mask


def thicken(images, size=3):
    """Dilates bright strokes: every pixel becomes the maximum of its ``size x
    size`` neighbourhood (grey-scale morphological dilation).

    Args:
        images: ``(N, H, W[, C])`` with bright strokes on a dark background.
        size: odd neighbourhood size.

    Returns:
        float32 images of the same shape.

    Example:

    >>> bold = thicken(x_train)
    """
    images = _images("images", images)
    size = check_positive_int("size", size)
    if size % 2 == 0:
        raise ValueError(f"`size` must be odd. Received: size={size}")
    r = size // 2
    padded = np.pad(images, ((0, 0), (r, r), (r, r), (0, 0)), mode="edge")
    h, w = images.shape[1:3]
    out = np.full_like(images, -np.inf)
    for dy in range(size):
        for dx in range(size):
            out = np.maximum(out, padded[:, dy:dy + h, dx:dx + w])
    return out


def downsample(images, factor):
    """Averages ``factor x factor`` blocks: the low-resolution version of each
    image (what a camera with ``factor``-times larger pixels would record).

    Args:
        images: ``(N, H, W[, C])`` with H and W divisible by ``factor``.
        factor: the reduction factor, e.g. 4 for 28x28 -> 7x7.

    Returns:
        float32 ``(N, H / factor, W / factor, C)``.

    Example:

    >>> downsample(x_train, 4).shape[1:3]
    (7, 7)
    """
    images = _images("images", images)
    factor = check_positive_int("factor", factor)
    n, h, w, c = images.shape
    if h % factor or w % factor:
        raise ValueError(f"`factor` must divide the image size {h}x{w}. "
                         f"Received: factor={factor}")
    return images.reshape(n, h // factor, factor, w // factor, factor, c).mean(
        axis=(2, 4))
