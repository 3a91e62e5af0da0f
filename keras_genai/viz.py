"""Matplotlib figures: image grids and training curves.

matplotlib is imported inside the functions, with the non-interactive ``Agg``
backend, so importing keras_genai stays light and works with no display.
"""

import math
import os

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
    return _finish_axes(fig, ax, path, title)


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


def plot_curves(curves, path, xlabel="epoch", ylabel="loss", title=None,
                logy=False, x=None, logx=False):
    """Plots several named curves on one axis and saves a PNG.

    Args:
        curves: dict ``label -> values`` (each a 1-D sequence), or ``label ->
            (x, y)`` pairs for curves with their own x values.
        path: output ``.png`` path.
        xlabel: x-axis label.
        ylabel: y-axis label.
        title: optional title.
        logy: logarithmic y axis.
        x: shared x values (default ``1, 2, ...``).
        logx: logarithmic x axis (base 2).

    Returns:
        ``path``.

    Example:

    >>> plot_curves({"SGD": [1.0, 0.5], "Adam": [1.0, 0.2]}, "curves.png")
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, values in curves.items():
        if isinstance(values, tuple) and len(values) == 2:
            xs, ys = values
        else:
            ys = np.asarray(values, dtype=np.float64)
            xs = np.arange(1, len(ys) + 1) if x is None else x
        ax.plot(xs, ys, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log", base=2)
    return _finish_axes(fig, ax, path, title)


def plot_decision_boundaries(predictors, x, y, path, title=None, resolution=200):
    """Draws each 2-D classifier's decision regions with the data points.

    Args:
        predictors: dict ``panel title -> fn(points (n, 2)) -> scores (n,)``;
            a score >= 0.5 is class 1 (wrap a Keras model as
            ``lambda p: model.predict(p, verbose=0)[:, 0]``).
        x: the points ``(n, 2)``.
        y: their 0/1 labels ``(n,)``.
        path: output ``.png`` path.
        title: optional figure title.
        resolution: grid points per axis.

    Returns:
        ``path``.

    Example:

    >>> plot_decision_boundaries({"x1 > 0.5": lambda p: p[:, 0]}, x, y, "xor.png")
    """
    plt = _pyplot()
    x = np.asarray(x, np.float32)
    y = np.asarray(y).reshape(-1)
    low, high = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    g0, g1 = np.meshgrid(np.linspace(low[0], high[0], resolution),
                         np.linspace(low[1], high[1], resolution))
    grid = np.stack([g0.ravel(), g1.ravel()], axis=1).astype(np.float32)
    n = len(predictors)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.2), squeeze=False)
    for ax, (name, predict) in zip(axes[0], predictors.items()):
        scores = np.asarray(predict(grid)).reshape(g0.shape)
        ax.contourf(g0, g1, scores >= 0.5, levels=[-0.5, 0.5, 1.5],
                    colors=["#f4c7c3", "#c6dbef"])
        ax.contour(g0, g1, scores, levels=[0.5], colors="k", linewidths=1)
        ax.scatter(x[:, 0], x[:, 1], c=np.where(y > 0.5, "tab:blue", "tab:red"),
                   edgecolors="k", s=60, zorder=3)
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return path


def plot_feature_maps(panels, path, title=None, max_channels=16):
    """Shows images and the channels of feature maps, one row per panel.

    Args:
        panels: dict ``row label -> array (H, W) or (H, W, C)``; each of the first
            ``max_channels`` channels is drawn in its own cell, scaled to its own
            range.
        path: output ``.png`` path.
        title: optional figure title.
        max_channels: channels drawn per row.

    Returns:
        ``path``.

    Example:

    >>> plot_feature_maps({"input": image, "conv1": maps}, "maps.png")
    """
    plt = _pyplot()
    rows = []
    for label, maps in panels.items():
        maps = np.asarray(maps, np.float32)
        if maps.ndim == 2:
            maps = maps[..., None]
        if maps.ndim != 3:
            raise ValueError("Each panel must be (H, W) or (H, W, C). "
                             f"Received: {label}.shape={maps.shape}")
        rows.append((label, maps[..., :max_channels]))
    cols = max(m.shape[-1] for _, m in rows)
    fig, axes = plt.subplots(len(rows), cols, figsize=(1.2 * cols + 1.0,
                                                        1.3 * len(rows)),
                             squeeze=False)
    for r, (label, maps) in enumerate(rows):
        for c in range(cols):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < maps.shape[-1]:
                ax.imshow(maps[..., c], cmap="viridis" if r else "gray",
                          interpolation="nearest")
            else:
                ax.axis("off")
        axes[r][0].set_ylabel(label, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return path


def plot_matrices(panels, path, row_labels=None, col_labels=None, title=None,
                  value_format=None):
    """Draws matrices side by side as heat maps (attention weights, a
    similarity matrix), one panel each.

    Args:
        panels: dict ``panel title -> 2-D array``.
        path: output ``.png`` path.
        row_labels: tick labels of the rows (shared by the panels), or ``None``.
        col_labels: tick labels of the columns, or ``None``.
        title: optional figure title.
        value_format: a `str.format` string to print each value in its cell
            (e.g. ``"{:.2f}"``), or ``None``.

    Returns:
        ``path``.

    Example:

    >>> plot_matrices({"cross-attention": weights}, "maps.png")
    """
    plt = _pyplot()
    mats = {}
    for label, m in panels.items():
        m = np.asarray(m, np.float32)
        if m.ndim != 2:
            raise ValueError(f"Each panel must be a 2-D array. Received: "
                             f"{label}.shape={m.shape}")
        mats[label] = m
    if not mats:
        raise ValueError("`panels` must hold at least one matrix. Received: {}")
    fig, axes = plt.subplots(1, len(mats), squeeze=False,
                             figsize=(0.45 * sum(m.shape[1] for m in mats.values())
                                      + 2.0 * len(mats),
                                      0.45 * max(m.shape[0] for m in mats.values())
                                      + 1.5))
    for ax, (label, m) in zip(axes[0], mats.items()):
        image = ax.imshow(m, cmap="viridis", interpolation="nearest", aspect="auto")
        fig.colorbar(image, ax=ax, fraction=0.046)
        ax.set_title(label, fontsize=9)
        for ticks, labels, n in ((ax.set_yticks, row_labels, m.shape[0]),
                                 (ax.set_xticks, col_labels, m.shape[1])):
            if labels is not None and len(labels) == n:
                ticks(range(n), labels, fontsize=7)
            else:
                ticks([])
        if value_format:
            for (i, j), v in np.ndenumerate(m):
                ax.text(j, i, value_format.format(v), ha="center", va="center",
                        fontsize=6, color="w")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return path


def plot_point_grid(rows, path, centres=None, title=None, limit=None):
    """Scatter plots of 2-D points on a grid: one row per model, one column per
    moment (e.g. training step), with the true modes marked.

    Args:
        rows: dict ``row_label -> [(column_label, points (N, 2)), ...]``; every
            row has the same number of columns.
        path: output ``.png`` path.
        centres: optional ``(K, 2)`` true mode centres, drawn as red crosses.
        title: optional figure title.
        limit: axes span ``[-limit, limit]`` (default: fitted to the points).

    Returns:
        ``path``.

    Example:

    >>> plot_point_grid({"minimax": [("step 500", g500), ("step 1000", g1000)]},
    ...                 "ring.png", centres=centres)
    """
    plt = _pyplot()
    labels = list(rows)
    cols = max(len(panels) for panels in rows.values())
    fig, axes = plt.subplots(len(labels), cols, figsize=(2.2 * cols, 2.2 * len(labels)),
                             squeeze=False)
    if limit is None:
        every = np.concatenate([np.asarray(p) for panels in rows.values()
                                for _, p in panels])
        limit = float(np.percentile(np.abs(every), 99)) * 1.2 + 1e-6
    for r, label in enumerate(labels):
        for c in range(cols):
            ax = axes[r][c]
            ax.set_xlim(-limit, limit)
            ax.set_ylim(-limit, limit)
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(rows[label]):
                column, points = rows[label][c]
                points = np.asarray(points)
                ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4)
                if centres is not None:
                    ax.scatter(np.asarray(centres)[:, 0], np.asarray(centres)[:, 1],
                               marker="x", color="red", s=20)
                if r == 0:
                    ax.set_title(column, fontsize=8)
            if c == 0:
                ax.set_ylabel(label, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return path


def plot_latent_scatter(codes, labels, path, title=None):
    """Scatter plot of 2-D latent codes, coloured by class label.

    Args:
        codes: ``(N, 2)`` codes (e.g. a VAE's posterior means).
        labels: ``(N,)`` integer labels.
        path: output ``.png`` path.
        title: optional title.

    Returns:
        ``path``.

    Example:

    >>> plot_latent_scatter(vae.encode(x_test), y_test, "latent.png")
    """
    codes = np.asarray(codes)
    labels = np.asarray(labels)
    if codes.ndim != 2 or codes.shape[1] != 2 or len(labels) != len(codes):
        raise ValueError("`codes` must be (N, 2) with one label each. Received: "
                         f"codes.shape={codes.shape}, {len(labels)} labels")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    cmap = plt.get_cmap("tab10")
    for i, label in enumerate(np.unique(labels)):
        keep = labels == label
        ax.scatter(codes[keep, 0], codes[keep, 1], s=4, alpha=0.6,
                   color=cmap(i % 10), label=str(label))
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    return _finish_axes(fig, ax, path, title)


def figure_paths(results):
    """The PNG files among a lab's results, in order: every value (or item of a
    list, tuple or dict value, at any depth) that is the path of an existing
    ``.png`` file; other values are skipped.

    Example:

    >>> figure_paths({"fid": 43.3, "curves": "/tmp/out/losses.png"})  # doctest: +SKIP
    ['/tmp/out/losses.png']
    """
    if isinstance(results, dict):
        results = list(results.values())
    if isinstance(results, (list, tuple)):
        return [p for item in results for p in figure_paths(item)]
    if (isinstance(results, (str, os.PathLike)) and str(results).endswith(".png")
            and os.path.isfile(results)):
        return [os.fspath(results)]
    return []


def show(results, width=None):
    """Displays the figures among a lab's results inline in a notebook
    (`figure_paths`), each under its file name.

    Args:
        results: a summary (``Lab.run`` returns one), a list of paths or a path.
        width: display width in pixels (``None``: the figure's own).

    Returns:
        The paths shown.

    Raises:
        ImportError: without IPython (outside Jupyter).
        ValueError: for a ``width`` that is not a positive int.

    Example:

    >>> viz.show(LAB.run("dcgan", epochs=2))  # doctest: +SKIP
    """
    if width is not None and (isinstance(width, bool) or not isinstance(width, int)
                              or width < 1):
        raise ValueError(f"`width` must be a positive int or None. Received: "
                         f"width={width!r}")
    try:
        from IPython import display
    except ImportError:
        raise ImportError("`show` displays figures in a Jupyter notebook and needs "
                          "IPython: pip install -e \".[notebooks]\"") from None
    paths = figure_paths(results)
    for path in paths:
        display.display(display.Markdown(f"`{os.path.basename(path)}`"),
                        display.Image(filename=path, width=width))
    return paths


def _finish_axes(fig, ax, path, title):
    """Grid, legend and title on a one-axis figure; saves it; returns ``path``."""
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    _save(fig, path)
    return path


def _save(fig, path):
    plt = _pyplot()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        with atomic_file(path) as tmp:
            fig.savefig(tmp, format="png", dpi=100)
    finally:
        plt.close(fig)
