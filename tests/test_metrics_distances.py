"""keras_genai.metrics.distances: FID and KID on cases with known answers."""

import numpy as np
import pytest

from keras_genai import metrics


def test_gaussian_frechet_distance_by_hand():
    # 1-D: (m1 - m2)^2 + (s1 - s2)^2.
    assert metrics.gaussian_frechet_distance(
        np.array([1.0]), np.array([[4.0]]), np.array([-2.0]), np.array([[1.0]])
    ) == pytest.approx(9.0 + 1.0)
    # N(0, I) vs N(1, 4I) in 2-D: 2 + (2 + 8 - 2 * 4) = 4.
    assert metrics.gaussian_frechet_distance(
        np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2)) == pytest.approx(4.0)


def test_gaussian_frechet_distance_with_covariances_that_do_not_commute():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 4, 4))
    cov_a, cov_b = a @ a.T + 0.1 * np.eye(4), b @ b.T + 0.1 * np.eye(4)
    mean_a, mean_b = rng.normal(size=(2, 4))
    # Tr((C_a C_b)^(1/2)) is the sum of the square roots of C_a C_b's eigenvalues.
    trace_root = np.sum(np.sqrt(np.linalg.eigvals(cov_a @ cov_b).real))
    expected = (np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b)
                - 2 * trace_root)
    got = metrics.gaussian_frechet_distance(mean_a, cov_a, mean_b, cov_b)
    assert got == pytest.approx(expected, rel=1e-8)
    assert metrics.gaussian_frechet_distance(mean_b, cov_b, mean_a, cov_a) == \
        pytest.approx(got, rel=1e-8)


def test_frechet_distance_of_identical_sets_is_zero():
    x = np.random.default_rng(0).normal(size=(500, 6))
    assert metrics.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_of_shifted_gaussian_samples_matches_the_formula():
    """Samples of N(0, I) and N(m, diag(s^2)) in 3-D: FID -> ||m||^2 +
    sum (1 - s)^2, here 1.25 + 0.25 + 0 + 1 = 2.5."""
    rng = np.random.default_rng(1)
    m, s = np.array([1.0, 0.5, 0.0]), np.array([1.5, 1.0, 2.0])
    a = rng.normal(size=(40000, 3))
    b = m + s * rng.normal(size=(40000, 3))
    assert metrics.frechet_distance(a, b) == pytest.approx(2.5, abs=0.05)


def test_kid_by_hand_on_two_points():
    """x = {(1,0), (0,1)}, y = {(1,1), (0,0)}, k = (x.y / 2 + 1)^3:
    within-x off-diagonal k = 1, within-y k = 1, cross k = 27/8, 1, 27/8, 1."""
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([[1.0, 1.0], [0.0, 0.0]])
    mean, std = metrics.kernel_inception_distance(x, y, num_subsets=1,
                                                  subset_size=2)
    assert mean == pytest.approx(1.0 + 1.0 - 2 * (27 / 8 + 1 + 27 / 8 + 1) / 4)
    assert std == 0.0
    assert metrics.polynomial_kernel(x, y).tolist() == [[27 / 8, 1.0], [27 / 8, 1.0]]


def test_kid_is_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 2000, 8))
    same, same_std = metrics.kernel_inception_distance(a, b, subset_size=500)
    shifted, _ = metrics.kernel_inception_distance(a, b + 0.5, subset_size=500)
    assert abs(same) < 3 * same_std + 1e-3
    assert shifted > 100 * abs(same) and shifted > 0.05


def test_kid_on_whole_sets_is_their_one_estimate():
    """With ``subset_size`` taking all of both sets, each subset is a
    reordering of the sets: one estimate, the unbiased MMD^2 of the sets."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(60, 4)), rng.normal(size=(60, 4)) + 0.3
    mean, std = metrics.kernel_inception_distance(a, b, subset_size=60)
    k = metrics.polynomial_kernel
    m = len(a)
    by_hand = ((k(a, a).sum() - np.trace(k(a, a))) / (m * (m - 1))
               + (k(b, b).sum() - np.trace(k(b, b))) / (m * (m - 1))
               - 2 * k(a, b).mean())
    assert mean == pytest.approx(by_hand, rel=1e-12) and std == 0.0
    # Subsets of 59 differ from each other.
    assert metrics.kernel_inception_distance(a, b, subset_size=59)[1] > 0


@pytest.mark.parametrize("fn", [metrics.frechet_distance,
                                metrics.kernel_inception_distance])
def test_bad_features_are_refused(fn):
    with pytest.raises(ValueError, match="features_a"):
        fn(np.zeros(5), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="feature size"):
        fn(np.zeros((5, 3)), np.zeros((5, 2)))


def test_bad_kid_arguments_are_refused():
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match="subset_size"):
        metrics.kernel_inception_distance(x, x, subset_size=1)
    with pytest.raises(ValueError, match="num_subsets"):
        metrics.kernel_inception_distance(x, x, num_subsets=0)
    with pytest.raises(ValueError, match="cov_b"):
        metrics.gaussian_frechet_distance(np.zeros(2), np.eye(2), np.zeros(2),
                                          np.eye(3))
