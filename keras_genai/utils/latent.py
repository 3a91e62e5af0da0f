"""Paths through a latent space, for latent walks."""

import numpy as np

from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_positive_int


def interpolate(start, end, steps, kind="linear"):
    """Points on the path from ``start`` to ``end`` in latent space.

    ``kind="linear"``: ``(1 - t) a + t b``. ``kind="spherical"`` (slerp, Shoemake
    1985; recommended for Gaussian latents by White 2016, "Sampling Generative
    Networks"):

        slerp(a, b, t) = sin((1 - t) W) / sin(W) a + sin(t W) / sin(W) b,
        W = arccos(a . b / (|a| |b|))

    A linear path between two typical Gaussian latents passes near the origin,
    where ``N(0, I)`` in many dimensions has almost no mass (typical norms are
    about ``sqrt(d)``); the spherical path keeps the norm. Where ``a`` and ``b``
    are (anti-)parallel slerp is undefined and the linear point is used.

    Args:
        start: ``(d,)`` or ``(n, d)`` latents.
        end: the same shape as ``start``.
        steps: number of points per path (``>= 2``), ``t = 0 ... 1``.
        kind: ``"linear"`` or ``"spherical"``.

    Returns:
        float32 ``(steps, d)`` for one path or ``(n, steps, d)`` for ``n`` paths;
        the first point is ``start`` and the last ``end``.

    Example:

    >>> interpolate(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 3,
    ...             kind="spherical").round(3).tolist()
    [[1.0, 0.0], [0.707, 0.707], [0.0, 1.0]]
    """
    check_choice("kind", kind, ("linear", "spherical"))
    steps = check_positive_int("steps", steps, minimum=2)
    a = np.asarray(start, dtype=np.float64)
    b = np.asarray(end, dtype=np.float64)
    if a.shape != b.shape or a.ndim not in (1, 2):
        raise ValueError(
            "`start` and `end` must have the same shape, (d,) or (n, d). "
            f"Received: start.shape={a.shape}, end.shape={b.shape}"
        )
    single = a.ndim == 1
    a, b = np.atleast_2d(a)[:, None, :], np.atleast_2d(b)[:, None, :]
    t = np.linspace(0.0, 1.0, steps)[None, :, None]
    path = (1.0 - t) * a + t * b
    if kind == "spherical":
        norms = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
        cos = np.clip(np.sum(a * b, axis=-1) / np.maximum(norms, 1e-12), -1.0, 1.0)
        omega = np.arccos(cos)[..., None]
        sin = np.sin(omega)
        ok = np.abs(sin) > 1e-6
        safe = np.where(ok, sin, 1.0)
        slerp = (np.sin((1.0 - t) * omega) * a + np.sin(t * omega) * b) / safe
        path = np.where(ok, slerp, path)
    path = path.astype(np.float32)
    return path[0] if single else path
