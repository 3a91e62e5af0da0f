"""Matplotlib figures: image grids and training curves.

matplotlib is imported inside the functions, with the non-interactive ``Agg``
backend, so importing keras_genai stays light and works with no display.
"""

import math

import numpy as np

from keras_genai.utils.io import atomic_file


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def tile_images(images, value_range=(0.0, 1.0), cols=None, pad=1):
    """Tiles a batch of images into one array, for display.

    Args:
        images: ``(N, H, W)`` or ``(N, H, W, C)`` with C in ``{1, 3}``.
        value_range: ``(low, high)`` of the input values, mapped to ``[0, 1]``.
        cols: number of columns; default ``ceil(sqrt(N))``.
        pad: pixels between tiles (filled with 1.0, white).

    Returns:
        A float array ``(rows*(H+pad)-pad, cols*(W+pad)-pad[, 3])`` in ``[0, 1]``.

    Example:

    >>> tile_images(np.zeros((4, 28, 28))).shape
    (57, 57)
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 3):
        raise ValueError(
            "`images` must be (N, H, W), (N, H, W, 1) or (N, H, W, 3). "
            f"Received: images.shape={images.shape}"
        )
    low, high = value_range
    images = np.clip((images - low) / (high - low), 0.0, 1.0)
    n, h, w = images.shape[:3]
    cols = cols or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    shape = (rows * (h + pad) - pad, cols * (w + pad) - pad) + images.shape[3:]
    grid = np.ones(shape, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, cols)
        grid[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = images[i]
    return grid


def save_image_grid(images, path, value_range=(0.0, 1.0), cols=None, title=None):
    """Saves a grid of images as a PNG (written atomically).

    Args:
        images: ``(N, H, W[, C])`` array.
        path: output ``.png`` path; its folder is created.
        value_range: ``(low, high)`` of the input values (``(-1, 1)`` for tanh
            generators).
        cols: number of columns.
        title: optional figure title.

    Returns:
        ``path``.

    Example:

    >>> save_image_grid(generator(z), "samples.png", value_range=(-1, 1))
    """
    plt = _pyplot()
    grid = tile_images(images, value_range=value_range, cols=cols)
    size = max(2.0, min(10.0, grid.shape[1] / 40.0))
    fig = plt.figure(figsize=(size, size * grid.shape[0] / grid.shape[1] + (0.3 if title else 0)))
    ax = fig.add_axes((0, 0, 1, 0.92 if title else 1))
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0.0, vmax=1.0,
              interpolation="nearest")
    ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    _save(fig, path)
    return path


def plot_history(history, path, keys=None, title=None):
    """Plots logged curves (one line per key) against the epoch and saves a PNG.

    Args:
        history: a ``keras.callbacks.History`` or its ``.history`` dict.
        path: output ``.png`` path.
        keys: keys to plot; default all.
        title: optional title.

    Returns:
        ``path``.

    Example:

    >>> plot_history(gan.fit(ds, epochs=3), "losses.png", keys=["d_loss", "g_loss"])
    """
    plt = _pyplot()
    logs = getattr(history, "history", history)
    keys = list(keys) if keys is not None else sorted(logs)
    fig, ax = plt.subplots(figsize=(6, 4))
    for key in keys:
        values = logs[key]
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("epoch mean")
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    _save(fig, path)
    return path


def plot_class_histogram(counts, path, title=None):
    """Bar chart of how many samples fall in each class; saves a PNG.

    Args:
        counts: 1-D array of counts per class.
        path: output ``.png`` path.
        title: optional title.

    Returns:
        ``path``.

    Example:

    >>> plot_class_histogram(np.bincount(labels, minlength=10), "classes.png")
    """
    plt = _pyplot()
    counts = np.asarray(counts)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(np.arange(len(counts)), counts)
    ax.set_xticks(np.arange(len(counts)))
    ax.set_xlabel("class")
    ax.set_ylabel("samples")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    _save(fig, path)
    return path


def _save(fig, path):
    import os

    plt = _pyplot()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        with atomic_file(path) as tmp:
            fig.savefig(tmp, format="png", dpi=100)
    finally:
        plt.close(fig)
