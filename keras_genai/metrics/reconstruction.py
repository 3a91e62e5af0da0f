"""Measures for autoencoders: reconstruction quality (PSNR), anomaly scores
(ROC AUC) and how a learned linear code compares with PCA (principal angles)."""

import numpy as np


def psnr(reference, images, max_value=1.0):
    """Peak signal-to-noise ratio of ``images`` against ``reference``, in dB.

    ``PSNR = 10 log10(max_value^2 / MSE)``, the MSE taken over every pixel of the
    set (so one number for the set, as image-restoration papers report).

    Args:
        reference: clean images.
        images: their noisy / restored versions, same shape.
        max_value: the largest possible pixel value (1 for ``[0, 1]`` images).

    Returns:
        A float in dB (``inf`` for identical images).

    Example:

    >>> round(psnr(np.zeros(4), np.full(4, 0.1)), 2)
    20.0
    """
    reference = np.asarray(reference, np.float64)
    images = np.asarray(images, np.float64)
    if reference.shape != images.shape:
        raise ValueError("`images` must have the shape of `reference`. Received: "
                         f"images.shape={images.shape}, reference.shape="
                         f"{reference.shape}")
    mse = np.mean((reference - images) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(max_value ** 2 / mse))


def roc_auc(negative_scores, positive_scores):
    """Area under the ROC curve of a score that should be higher for positives.

    Computed as the Mann-Whitney statistic (Hanley & McNeil 1982): the
    probability that a random positive scores above a random negative, ties
    counting one half. 1 separates perfectly, 0.5 is chance.

    Args:
        negative_scores: scores of the negatives (e.g. reconstruction errors of
            normal digits).
        positive_scores: scores of the positives (anomalies).

    Returns:
        The AUC, a float in ``[0, 1]``.

    Example:

    >>> roc_auc([0.1, 0.2, 0.3], [0.25, 0.9])
    0.8333333333333334
    """
    neg = np.asarray(negative_scores, np.float64).ravel()
    pos = np.asarray(positive_scores, np.float64).ravel()
    if neg.size == 0 or pos.size == 0:
        raise ValueError("`negative_scores` and `positive_scores` must both be "
                         f"non-empty. Received: {neg.size} and {pos.size} scores")
    scores = np.concatenate([neg, pos])
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    # Average ranks over ties.
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    ranks = sums[inverse] / counts[inverse]
    u = ranks[len(neg):].sum() - pos.size * (pos.size + 1) / 2
    return float(u / (neg.size * pos.size))


def principal_angles(a, b):
    """Principal angles between the column spaces of ``a`` and ``b``, in degrees.

    Björck & Golub (1973): with orthonormal bases ``Q_a``, ``Q_b`` (QR), the
    cosines of the angles are the singular values of ``Q_a^T Q_b``. All angles 0
    means the same subspace, whatever the bases.

    Args:
        a: ``(n, k)`` matrix.
        b: ``(n, l)`` matrix.

    Returns:
        ``min(k, l)`` angles in degrees, ascending.

    Example:

    >>> principal_angles(np.eye(3)[:, :2], np.array([[1, 1], [1, -1], [0, 0]]))
    array([0., 0.])
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise ValueError("`a` and `b` must be matrices with the same number of rows. "
                         f"Received: a.shape={a.shape}, b.shape={b.shape}")
    qa, _ = np.linalg.qr(a)
    qb, _ = np.linalg.qr(b)
    cosines = np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1.0, 1.0)
    return np.sort(np.degrees(np.arccos(cosines)))
