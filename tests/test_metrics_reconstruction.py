"""PSNR, ROC AUC and principal angles, checked by hand."""

import numpy as np
import pytest

from keras_genai import metrics


def test_psnr_by_hand():
    assert metrics.psnr(np.zeros((2, 3)), np.full((2, 3), 0.1)) == pytest.approx(20.0)
    assert metrics.psnr(np.zeros(4), np.full(4, 25.5), max_value=255) == pytest.approx(
        20.0)
    assert metrics.psnr(np.ones(3), np.ones(3)) == float("inf")
    with pytest.raises(ValueError, match="images"):
        metrics.psnr(np.zeros(3), np.zeros(4))


def test_roc_auc_by_hand_and_against_pair_counting():
    assert metrics.roc_auc([0, 1], [2, 3]) == 1.0
    assert metrics.roc_auc([2, 3], [0, 1]) == 0.0
    assert metrics.roc_auc([1, 1], [1]) == 0.5  # ties count one half
    rng = np.random.default_rng(0)
    neg, pos = rng.normal(0, 1, 300).round(1), rng.normal(1, 1, 200).round(1)
    pairs = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert metrics.roc_auc(neg, pos) == pytest.approx(pairs)
    with pytest.raises(ValueError, match="negative_scores"):
        metrics.roc_auc([], [1.0])


def test_principal_angles_by_hand():
    e = np.eye(3)
    np.testing.assert_allclose(metrics.principal_angles(e[:, :2], e[:, :2]), [0, 0],
                               atol=1e-6)
    # A rotation of the basis inside the plane changes nothing...
    rotated = e[:, :2] @ np.array([[2.0, 1.0], [-1.0, 3.0]])
    np.testing.assert_allclose(metrics.principal_angles(e[:, :2], rotated), [0, 0],
                               atol=1e-6)
    # ...tilting one direction by 30 degrees out of the plane shows.
    tilted = np.stack([e[:, 0], np.cos(np.pi / 6) * e[:, 1] + np.sin(np.pi / 6) * e[:, 2]],
                      axis=1)
    np.testing.assert_allclose(metrics.principal_angles(e[:, :2], tilted), [0, 30],
                               atol=1e-6)
    np.testing.assert_allclose(metrics.principal_angles(e[:, :1], e[:, 1:2]), [90])
    with pytest.raises(ValueError, match="same number of rows"):
        metrics.principal_angles(np.eye(3), np.eye(4))
