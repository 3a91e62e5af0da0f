"""Distances between two sets of samples, computed on feature vectors: the
Fréchet distance (FID) and the kernel distance (KID).

With features from the digit classifier (`classifier_features`) they are the
"classifier FID / KID" of the labs: the same formulas as FID and KID, with a
digit classifier in place of Inception-v3, so the numbers are only comparable
with each other, not with published FIDs. Report them next to their floor, the
distance between two *real* sets (e.g. training vs test digits).
"""

import numpy as np

from keras_genai.utils.checks import check_positive_int


def _check_features(name, features):
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(
            f"`{name}` must be (N, D) feature vectors with N >= 2. "
            f"Received: {name}.shape={features.shape}"
        )
    return features


def _check_pair(features_a, features_b):
    a = _check_features("features_a", features_a)
    b = _check_features("features_b", features_b)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            "`features_a` and `features_b` must have the same feature size. "
            f"Received: features_a.shape={a.shape}, features_b.shape={b.shape}"
        )
    return a, b


def _psd_sqrt(matrix):
    """Square root of a symmetric positive semi-definite matrix (by eigh)."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def gaussian_frechet_distance(mean_a, cov_a, mean_b, cov_b):
    """The squared Fréchet (2-Wasserstein) distance between two Gaussians.

    Dowson & Landau (1982); used as FID by Heusel et al. (2017), eq. 6:

        d^2 = ||m_a - m_b||^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2))

    ``Tr((C_a C_b)^(1/2))`` is computed as ``Tr((C_a^(1/2) C_b C_a^(1/2))^(1/2))``,
    the trace of a symmetric PSD square root (same eigenvalues), which is exact
    and stable where a general matrix square root is not.

    Args:
        mean_a: ``(D,)`` mean of the first Gaussian.
        cov_a: ``(D, D)`` covariance of the first Gaussian.
        mean_b: ``(D,)`` mean of the second.
        cov_b: ``(D, D)`` covariance of the second.

    Returns:
        A float ``>= 0``.

    Example:

    >>> gaussian_frechet_distance(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2))
    4.0
    """
    mean_a, mean_b = np.asarray(mean_a, np.float64), np.asarray(mean_b, np.float64)
    cov_a, cov_b = np.asarray(cov_a, np.float64), np.asarray(cov_b, np.float64)
    d = mean_a.shape[0]
    for name, value, shape in (("mean_a", mean_a, (d,)), ("mean_b", mean_b, (d,)),
                               ("cov_a", cov_a, (d, d)), ("cov_b", cov_b, (d, d))):
        if value.shape != shape:
            raise ValueError(f"`{name}` must have shape {shape}. "
                             f"Received: {name}.shape={value.shape}")
    root_a = _psd_sqrt(cov_a)
    middle = _psd_sqrt(root_a @ cov_b @ root_a)
    distance = (np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b)
                - 2.0 * np.trace(middle))
    return float(max(distance, 0.0))


def frechet_distance(features_a, features_b):
    """FID between two sets of feature vectors (Heusel et al. 2017).

    Fits a Gaussian (sample mean and unbiased covariance) to each set and returns
    `gaussian_frechet_distance` between them. Identical sets give 0; the
    estimate is biased upward for small sets, so compare values computed with
    the same numbers of samples.

    Args:
        features_a: ``(N, D)`` features of one set (e.g. real images).
        features_b: ``(M, D)`` features of the other (e.g. generated images).

    Returns:
        A float ``>= 0``.

    Example:

    >>> real = classifier_features(x_test, value_range=(0, 255))
    >>> fake = classifier_features(gan.sample(1000))
    >>> frechet_distance(real, fake)
    """
    a, b = _check_pair(features_a, features_b)
    return gaussian_frechet_distance(a.mean(0), np.cov(a, rowvar=False),
                                     b.mean(0), np.cov(b, rowvar=False))


def polynomial_kernel(x, y, degree=3, gamma=None, coef0=1.0):
    """``k(x, y) = (gamma x.y + coef0) ** degree``, ``gamma = 1 / D`` by default
    (the kernel of KID, Bińkowski et al. 2018, sec. 3).

    Example:

    >>> polynomial_kernel(np.ones((1, 2)), np.ones((1, 2))).tolist()
    [[8.0]]
    """
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    return (gamma * (x @ y.T) + coef0) ** degree


def kernel_inception_distance(features_a, features_b, num_subsets=10,
                              subset_size=1000, degree=3, gamma=None, coef0=1.0,
                              seed=0):
    """KID: the unbiased squared MMD with a polynomial kernel (Bińkowski et al.
    2018, "Demystifying MMD GANs", sec. 3 and eq. 2), averaged over subsets.

    For sets ``X`` (size m) and ``Y`` (size n) the unbiased estimator is

        MMD^2_u = 1/(m(m-1)) sum_{i!=j} k(x_i, x_j)
                + 1/(n(n-1)) sum_{i!=j} k(y_i, y_j)
                - 2/(mn) sum_{i,j} k(x_i, y_j)

    Unlike FID it is unbiased, so it can be slightly negative when the sets come
    from the same distribution, and its value does not depend on the set size.

    Args:
        features_a: ``(N, D)`` features of one set.
        features_b: ``(M, D)`` features of the other.
        num_subsets: number of random subsets the estimate is averaged over.
        subset_size: size of each subset (capped at the smaller set's size).
            When it takes all of both sets, the estimate is computed once.
        degree: kernel degree (3 in the paper).
        gamma: kernel scale (``1 / D`` in the paper when ``None``).
        coef0: kernel offset (1 in the paper).
        seed: seed of the subset draws.

    Returns:
        ``(mean, std)`` of the estimate over the subsets.

    Example:

    >>> kid, kid_std = kernel_inception_distance(real_features, fake_features)
    """
    a, b = _check_pair(features_a, features_b)
    num_subsets = check_positive_int("num_subsets", num_subsets)
    subset_size = min(check_positive_int("subset_size", subset_size, minimum=2),
                      len(a), len(b))
    if subset_size == len(a) == len(b):
        # Every subset is the whole of both sets (in another order): one
        # estimate, with no spread over subsets.
        return float(_mmd2_unbiased(a, b, degree, gamma, coef0)), 0.0
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(num_subsets):
        x = a[rng.choice(len(a), subset_size, replace=False)]
        y = b[rng.choice(len(b), subset_size, replace=False)]
        values.append(_mmd2_unbiased(x, y, degree, gamma, coef0))
    return float(np.mean(values)), float(np.std(values))


def _mmd2_unbiased(x, y, degree, gamma, coef0):
    m, n = len(x), len(y)
    k_xx = polynomial_kernel(x, x, degree, gamma, coef0)
    k_yy = polynomial_kernel(y, y, degree, gamma, coef0)
    k_xy = polynomial_kernel(x, y, degree, gamma, coef0)
    return ((k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
            + (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
            - 2.0 * k_xy.mean())
