"""keras_genai.metrics.manifold: precision / recall, density / coverage,
memorisation and intrinsic dimension on sets whose answer is known."""

import numpy as np
import pytest

from keras_genai import metrics


def _normal(seed, n=1000, d=8, scale=1.0):
    return np.random.default_rng(seed).normal(size=(n, d)) * scale


def test_pairwise_distances_match_brute_force_across_blocks():
    a, b = _normal(0, 7, 3), _normal(1, 5, 3)
    brute = np.linalg.norm(a[:, None] - b[None], axis=-1)
    np.testing.assert_allclose(metrics.pairwise_distances(a, b, batch_size=3), brute,
                               atol=1e-9)


def test_knn_radii_by_hand():
    points = np.array([[0.0], [1.0], [3.0], [7.0]])
    assert metrics.knn_radii(points, k=1).tolist() == [1.0, 1.0, 2.0, 4.0]
    assert metrics.knn_radii(points, k=2).tolist() == [3.0, 2.0, 3.0, 6.0]


def test_precision_recall_and_density_coverage_by_hand():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])  # k=1 radii: 1 each
    generated = np.array([[0.5], [10.0]])  # k=1 radii: 9.5 each
    # 0.5 is in the balls of 0 and 1; 10 in none. Every real point is within
    # 9.5 of 0.5.
    assert metrics.precision_recall(real, generated, k=1) == {"precision": 0.5,
                                                              "recall": 1.0}
    assert metrics.density_coverage(real, generated, k=1) == {"density": 1.0,
                                                              "coverage": 0.5}
    membership = metrics.manifold_membership(real, generated, k=1)
    assert membership["generated_inside"].tolist() == [True, False]
    assert membership["real_covered"].tolist() == [True] * 4


def test_a_set_against_itself_scores_one():
    x = _normal(0)
    assert metrics.precision_recall(x, x) == {"precision": 1.0, "recall": 1.0}
    assert metrics.density_coverage(x, x)["coverage"] == 1.0


def test_two_samples_of_one_distribution_score_high_on_both():
    result = metrics.precision_recall(_normal(0), _normal(1))
    assert 0.85 < result["precision"] < 0.97 and 0.85 < result["recall"] < 0.97
    dc = metrics.density_coverage(_normal(0), _normal(1))
    assert dc["density"] == pytest.approx(1.0, abs=0.1) and dc["coverage"] > 0.9


def test_a_collapsed_set_has_fidelity_without_variety():
    result = metrics.precision_recall(_normal(0), _normal(1, scale=0.2))
    assert result["precision"] > 0.99 and result["recall"] < 0.05
    dc = metrics.density_coverage(_normal(0), _normal(1, scale=0.2))
    assert dc["density"] > 1.5 and dc["coverage"] < 0.3


def test_a_spread_out_set_has_variety_without_fidelity():
    result = metrics.precision_recall(_normal(0), _normal(1, scale=3.0))
    assert result["precision"] < 0.05 and result["recall"] > 0.99


def test_memorised_samples_sit_on_training_images():
    train, test = _normal(0, 200, 16), _normal(1, 200, 16)
    copies = train[[5, 17, 42]] + 0.01 * _normal(2, 3, 16)
    result = metrics.memorisation(copies, train, test)
    assert result["train_index"].tolist() == [5, 17, 42]
    assert result["closer_to_train"] == 1.0 and result["ratio"] < 0.02
    np.testing.assert_allclose(
        result["test_distance"],
        np.linalg.norm(copies[:, None] - test[None], axis=-1).min(axis=1))


def test_fresh_samples_are_as_close_to_test_as_to_train_images():
    result = metrics.memorisation(_normal(2, 500, 16), _normal(0, 500, 16),
                                  _normal(1, 500, 16))
    assert result["closer_to_train"] == pytest.approx(0.5, abs=0.08)
    assert result["ratio"] == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("dimension", [1, 2, 5])
def test_intrinsic_dimension_of_flat_manifolds_in_ten_dimensions(dimension):
    rng = np.random.default_rng(dimension)
    points = rng.uniform(size=(2000, dimension)) @ rng.normal(size=(dimension, 10))
    assert metrics.intrinsic_dimension(points) == pytest.approx(dimension,
                                                                rel=0.12)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="same size per point"):
        metrics.precision_recall(_normal(0, 10, 2), _normal(0, 10, 3))
    with pytest.raises(ValueError, match="k=10"):
        metrics.precision_recall(_normal(0, 10, 2), _normal(0, 10, 2), k=10)
    with pytest.raises(ValueError, match="len\\(train\\)=5, len\\(test\\)=4"):
        metrics.memorisation(_normal(0, 3), _normal(0, 5), _normal(0, 4))
    with pytest.raises(ValueError, match="real.shape=\\(3,\\)"):
        metrics.precision_recall(np.zeros(3), _normal(0, 10, 2))
