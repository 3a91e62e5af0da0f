"""Image-to-image tasks built offline from the digits (NumPy, float arrays
``(N, H, W[, C])``; `occlude`, `thicken` and `downsample` take any range,
`tint`, `ink_colour_labels` and `edge_map` a ``value_range``, ``[-1, 1]`` by
default).

* `occlude`: paired inpainting (pix2pix) — a square hole hides part of a digit.
* `thicken`: a second domain for unpaired translation (CycleGAN) — strokes
  dilated by a 3x3 maximum, a transformation whose ground truth is known.
* `downsample`: low-resolution inputs for super-resolution (SRGAN, LAPGAN).
* `tint`: colour targets for colourisation — each digit's ink in its class's
  colour (`DIGIT_COLOURS`), so the colour can be told from the grey image.
* `edge_map`: sketches for edges -> digit — the outline of each stroke.
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


def _hue_colours(n):
    """``n`` fully saturated, full-value RGB colours at evenly spaced hues."""
    hues = np.arange(n) / n
    k = (np.array([5.0, 3.0, 1.0])[None, :] + hues[:, None] * 6.0) % 6.0
    return 1.0 - np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)


DIGIT_COLOURS = _hue_colours(10).astype(np.float32)
"""The colour of each digit's ink in `tint`: ten hues, 0 red, evenly spaced
round the colour wheel; every colour has a channel at 1."""


def tint(images, labels, value_range=(-1.0, 1.0)):
    """Colours each image's ink with its label's colour: ``rgb = ink *
    DIGIT_COLOURS[label]`` on a black background, the targets of a
    colourisation task whose right colour can be read off the digit.

    Args:
        images: ``(N, H, W[, 1])`` grey images in ``value_range``.
        labels: ``(N,)`` digits 0-9.
        value_range: ``(low, high)``: black and full ink, for the input and
            the output.

    Returns:
        float32 ``(N, H, W, 3)`` in ``value_range``; the maximum over the
        channels gives the grey image back.

    Example:

    >>> colour = tint(x_train, y_train, value_range=(0, 255))  # a 0 red, a 5 cyan
    """
    images = _images("images", images)
    labels = np.asarray(labels)
    if labels.size and not np.all(np.equal(np.mod(labels, 1), 0)):
        raise ValueError(f"`labels` must be whole digits 0-9. Received: "
                         f"labels={labels!r:.100}")
    labels = labels.astype(np.int64)
    if images.shape[-1] != 1 or labels.shape != images.shape[:1]:
        raise ValueError("`images` must be (N, H, W[, 1]) grey images and `labels` "
                         f"(N,). Received: images.shape={images.shape}, "
                         f"labels.shape={labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"`labels` must be digits 0-9. Received: labels in "
                         f"[{labels.min()}, {labels.max()}]")
    low, high = value_range
    ink = (images - low) / (high - low)
    colour = ink * DIGIT_COLOURS[labels][:, None, None, :]
    return (low + colour * (high - low)).astype(np.float32)


def ink_colour_labels(images, value_range=(-1.0, 1.0)):
    """The digit whose `DIGIT_COLOURS` entry is nearest to each image's ink
    colour (the mean colour of the pixels whose brightest channel is above
    half, scaled so that its brightest channel is 1): how a colourised digit
    is read back. ``-1`` for an image without such pixels.

    Example:

    >>> (ink_colour_labels(tint(x, y)) == y).mean()
    1.0
    """
    images = _images("images", images)
    if images.shape[-1] != 3:
        raise ValueError(f"`images` must be RGB (N, H, W, 3). Received: "
                         f"images.shape={images.shape}")
    low, high = value_range
    unit = np.clip((images - low) / (high - low), 0.0, 1.0)
    ink = unit.max(axis=-1) > 0.5
    counts = ink.sum(axis=(1, 2))
    mean = (unit * ink[..., None]).sum(axis=(1, 2)) / np.maximum(counts, 1)[:, None]
    mean = mean / np.maximum(mean.max(axis=-1, keepdims=True), 1e-12)
    distance = np.linalg.norm(mean[:, None, :] - DIGIT_COLOURS[None], axis=-1)
    return np.where(counts > 0, distance.argmin(axis=1), -1)


def edge_map(images, threshold=0.25, value_range=(-1.0, 1.0)):
    """The outline of each stroke: pixels where the Sobel gradient of the
    ink (Sobel 1968; a 3x3 derivative with smoothing) is steeper than
    ``threshold`` times ``4 sqrt(2)``, white on black.

    Args:
        images: ``(N, H, W[, 1])`` grey images in ``value_range``.
        threshold: the edge threshold as a share of ``4 sqrt(2)``, the bound
            that each Sobel component's ``|g| <= 4`` gives on ink in ``[0,
            1]``. The largest gradient an image reaches is ``2 sqrt(5)``
            (both components cannot be 4 at once), so above 0.79 no pixel
            is an edge.
        value_range: ``(low, high)`` of the input and the output.

    Returns:
        float32 ``(N, H, W, 1)``: ``high`` on edges, ``low`` elsewhere.

    Example:

    >>> sketches = edge_map(x_train, value_range=(0, 255))
    """
    images = _images("images", images)
    if images.shape[-1] != 1:
        raise ValueError("`images` must be grey images (N, H, W[, 1]). "
                         f"Received: images.shape={images.shape}")
    if not 0 < threshold < 1:
        raise ValueError(f"`threshold` must be in (0, 1). Received: "
                         f"threshold={threshold}")
    low, high = value_range
    ink = np.pad((images[..., 0] - low) / (high - low), ((0, 0), (1, 1), (1, 1)))
    h, w = images.shape[1:3]

    def at(dy, dx):
        return ink[:, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]

    gx = (at(-1, 1) + 2 * at(0, 1) + at(1, 1)) - (at(-1, -1) + 2 * at(0, -1)
                                                  + at(1, -1))
    gy = (at(1, -1) + 2 * at(1, 0) + at(1, 1)) - (at(-1, -1) + 2 * at(-1, 0)
                                                  + at(-1, 1))
    edges = np.hypot(gx, gy) > threshold * 4.0 * np.sqrt(2.0)
    return np.where(edges, high, low)[..., None].astype(np.float32)
