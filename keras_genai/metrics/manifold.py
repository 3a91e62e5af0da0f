"""Nearest-neighbour measures of sample sets: fidelity and variety apart
(precision / recall, density / coverage), memorisation, and the intrinsic
dimension of a data set.

FID and KID fold two failures into one number: samples off the data's
manifold (low *fidelity*) and parts of the manifold never reached (low
*variety*). The k-nearest-neighbour estimates here separate them. Each set's
manifold is approximated by the union of balls around its points, each ball's
radius the distance to the point's k-th nearest neighbour in the same set.
"""

import numpy as np

from keras_genai.utils.checks import check_positive_int


def _check_set(name, points, minimum=2):
    points = np.asarray(points, dtype=np.float64)
    if points.ndim < 2 or len(points) < minimum:
        raise ValueError(
            f"`{name}` must be (N, ...) points with N >= {minimum}. "
            f"Received: {name}.shape={points.shape}")
    return points.reshape(len(points), -1)


def _check_sets(**sets):
    checked = {}
    for name, (points, minimum) in sets.items():
        checked[name] = _check_set(name, points, minimum)
    sizes = {name: points.shape[1] for name, points in checked.items()}
    if len(set(sizes.values())) > 1:
        raise ValueError(
            "The point sets must have the same size per point. Received: "
            + ", ".join(f"{name}.shape={checked[name].shape}" for name in checked))
    return [checked[name] for name in sets]


def pairwise_distances(a, b, batch_size=1024):
    """Euclidean distances between the rows of ``a`` ``(N, D)`` and ``b``
    ``(M, D)``, computed in row blocks of ``batch_size`` so that memory stays
    ``batch_size * M``.

    Example:

    >>> pairwise_distances(np.zeros((1, 2)), np.array([[3.0, 4.0]])).tolist()
    [[5.0]]
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    b_norms = np.sum(b * b, axis=1)
    blocks = []
    for start in range(0, len(a), batch_size):
        rows = a[start:start + batch_size]
        squared = (np.sum(rows * rows, axis=1)[:, None] + b_norms[None, :]
                   - 2.0 * rows @ b.T)
        blocks.append(np.sqrt(np.clip(squared, 0.0, None)))
    return np.concatenate(blocks) if blocks else np.zeros((0, len(b)))


def knn_radii(points, k=3):
    """The distance from each point to its ``k``-th nearest neighbour in the
    same set (itself excluded): the radius of its ball in the k-NN manifold.

    Example:

    >>> knn_radii(np.array([[0.0], [1.0], [3.0]]), k=1).tolist()
    [1.0, 1.0, 2.0]
    """
    points = _check_set("points", points)
    k = check_positive_int("k", k)
    if k >= len(points):
        raise ValueError(f"`k` must be smaller than the number of points "
                         f"({len(points)}). Received: k={k}")
    distances = pairwise_distances(points, points)
    # Column 0 of each sorted row is the point itself (distance 0).
    return np.partition(distances, k, axis=1)[:, k]


def _inside(queries, centres, radii):
    """``(Q, C)`` booleans: query q lies in the ball of centre c."""
    return pairwise_distances(queries, centres) <= radii[None, :]


def manifold_membership(real, generated, k=3):
    """Which points of each set lie in the other's k-NN manifold: the
    per-point terms of `precision_recall`, for asking *which* samples are off
    the data's manifold and *which* real points no sample reaches.

    Returns:
        A dict of boolean arrays: ``generated_inside`` ``(M,)`` (a generated
        point inside some real ball) and ``real_covered`` ``(N,)`` (a real
        point inside some generated ball).

    Example:

    >>> inside = manifold_membership(real, fake)["generated_inside"]
    >>> off_manifold = fake_images[~inside]
    """
    real, generated = _check_sets(real=(real, 2), generated=(generated, 2))
    k = check_positive_int("k", k)
    return {
        "generated_inside": _inside(generated, real, knn_radii(real, k)).any(axis=1),
        "real_covered": _inside(real, generated, knn_radii(generated, k)).any(axis=1),
    }


def precision_recall(real, generated, k=3):
    """Improved precision and recall (Kynkäänniemi et al. 2019, sec. 2, eqs. 1-2).

    The real manifold is the union of balls ``B(r, NND_k(r))`` around the real
    points, the generated one likewise around the generated points;

        precision = share of generated points inside the real manifold
        recall    = share of real points inside the generated manifold.

    Precision measures fidelity (samples look like data), recall variety (the
    data's whole support is reached). A collapsed generator has high precision
    and low recall; a blurry, spread-out one the reverse. Two samples of the
    same distribution score near 1 / 1 (somewhat less with few points: the
    balls then miss the edges of the support).

    Args:
        real: ``(N, ...)`` real points (features of real images, for example).
        generated: ``(M, ...)`` generated points of the same size.
        k: the neighbour whose distance is each ball's radius (3 in the paper).

    Returns:
        A dict with floats ``precision`` and ``recall``.

    Example:

    >>> x = np.random.default_rng(0).normal(size=(1000, 2))
    >>> precision_recall(x, x)
    {'precision': 1.0, 'recall': 1.0}
    """
    membership = manifold_membership(real, generated, k)
    return {"precision": float(membership["generated_inside"].mean()),
            "recall": float(membership["real_covered"].mean())}


def density_coverage(real, generated, k=5):
    """Density and coverage (Naeem et al. 2020, sec. 3, eqs. 3-4).

    Both use only the real balls ``B(r_i, NND_k(r_i))``, so an outlier among
    the generated points cannot inflate them as it inflates recall:

        density  = 1 / (k M) * sum_j sum_i 1[g_j in B(r_i, NND_k(r_i))]
        coverage = 1 / N * sum_i 1[some g_j in B(r_i, NND_k(r_i))]

    Density counts how many real balls hold each generated point (about 1 for
    a sample of the data distribution, above 1 for samples crowded where the
    data is dense); coverage is the share of real points with a generated point
    in their ball. Named apart from `mode_coverage`, which counts a mixture's
    known modes.

    Args:
        real: ``(N, ...)`` real points.
        generated: ``(M, ...)`` generated points of the same size.
        k: the neighbour whose distance is each ball's radius (5 in the paper).

    Returns:
        A dict with floats ``density`` and ``coverage``.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> density_coverage(rng.normal(size=(1000, 2)), rng.normal(size=(1000, 2)))
    """
    real, generated = _check_sets(real=(real, 2), generated=(generated, 1))
    k = check_positive_int("k", k)
    inside = _inside(generated, real, knn_radii(real, k))
    return {
        "density": float(inside.sum() / (k * len(generated))),
        "coverage": float(inside.any(axis=0).mean()),
    }


def memorisation(generated, train, test):
    """How close generated images come to the training images, against how
    close they come to test images the model never saw.

    A model that copies its training set puts its samples much nearer some
    training image than any test image; one that generalises is as near to
    both. ``train`` and ``test`` must have the same number of images, since the
    nearest-neighbour distance shrinks as the reference set grows (take an
    equal-size subset of the training images). Distances are Euclidean, on the
    flattened images as given.

    Args:
        generated: ``(M, ...)`` generated images.
        train: ``(N, ...)`` training images.
        test: ``(N, ...)`` test images.

    Returns:
        A dict: ``train_distance`` and ``test_distance`` (``(M,)`` distance of
        each sample to its nearest training / test image), ``train_index`` and
        ``test_index`` (which image), ``ratio`` (the median over samples of
        train distance / test distance: about 1 without memorisation, near 0
        for copies) and ``closer_to_train`` (the share of samples nearer a
        training image than any test image: about 0.5 without memorisation).

    Example:

    >>> m = memorisation(samples, x_train[:1000], x_test[:1000])
    >>> m["ratio"], m["closer_to_train"]
    """
    generated, train, test = _check_sets(generated=(generated, 1), train=(train, 1),
                                         test=(test, 1))
    if len(train) != len(test):
        raise ValueError(
            "`train` and `test` must hold as many images each (the nearest "
            "distance depends on the set's size). Received: "
            f"len(train)={len(train)}, len(test)={len(test)}")
    to_train = pairwise_distances(generated, train)
    to_test = pairwise_distances(generated, test)
    train_index, test_index = to_train.argmin(axis=1), to_test.argmin(axis=1)
    rows = np.arange(len(generated))
    train_distance = to_train[rows, train_index]
    test_distance = to_test[rows, test_index]
    ratio = train_distance / np.maximum(test_distance, 1e-12)
    return {
        "train_distance": train_distance,
        "test_distance": test_distance,
        "train_index": train_index,
        "test_index": test_index,
        "ratio": float(np.median(ratio)),
        "closer_to_train": float(np.mean(train_distance < test_distance)),
    }


def intrinsic_dimension(points, k=10):
    """The maximum-likelihood intrinsic dimension (Levina & Bickel 2004, eq. 8,
    with MacKay & Ghahramani's correction: the average of the inverses).

    Around each point the neighbours of a ``d``-dimensional manifold arrive as
    a Poisson process whose rate grows as ``r^d``; the likelihood of the
    distances ``T_1 <= ... <= T_k`` to its ``k`` nearest neighbours is highest
    at

        m_k(x)^-1 = 1 / (k - 1) * sum_{j<k} log(T_k(x) / T_j(x))

    and the estimate is ``1 / mean_x(m_k(x)^-1)``. Duplicate points (distance
    0) are dropped first.

    Args:
        points: ``(N, ...)`` points (images are flattened).
        k: neighbours per point (10 to 20 in the paper).

    Returns:
        The estimated dimension, a float.

    Example:

    >>> plane = np.random.default_rng(0).uniform(size=(2000, 2))
    >>> intrinsic_dimension(plane @ np.random.default_rng(1).normal(size=(2, 5)))
    1.9...
    """
    points = np.unique(_check_set("points", points, minimum=3), axis=0)
    k = check_positive_int("k", k, minimum=2)
    if k >= len(points):
        raise ValueError(f"`k` must be smaller than the number of distinct points "
                         f"({len(points)}). Received: k={k}")
    distances = np.sort(pairwise_distances(points, points), axis=1)[:, 1:k + 1]
    distances = np.maximum(distances, 1e-12)
    inverse = np.log(distances[:, -1:] / distances[:, :-1]).sum(axis=1) / (k - 1)
    return float(1.0 / np.mean(inverse))
