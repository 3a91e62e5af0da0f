"""keras_genai.metrics.coverage: modes covered and high-quality share."""

import numpy as np
import pytest

from keras_genai import metrics
from keras_genai.data import gaussian_mixture


def test_samples_of_the_mixture_cover_every_mode():
    x, _, centres = gaussian_mixture(4000, modes=8, std=0.02, return_labels=True)
    result = metrics.mode_coverage(x, centres, std=0.02)
    assert result["modes_covered"] == 8 and result["num_modes"] == 8
    # P(|r| <= 3 sigma) for a 2-D isotropic Gaussian is 1 - exp(-9/2) = 0.989.
    assert result["high_quality_fraction"] == pytest.approx(1 - np.exp(-4.5),
                                                            abs=0.01)
    assert sum(result["counts"]) == pytest.approx(0.989 * 4000, abs=40)


def test_a_collapsed_generator_covers_one_mode():
    _, _, centres = gaussian_mixture(8, modes=8, return_labels=True)
    collapsed = centres[3] + np.random.default_rng(0).normal(0, 0.01, (500, 2))
    result = metrics.mode_coverage(collapsed, centres, std=0.02)
    assert result["modes_covered"] == 1 and result["counts"][3] == 500


def test_points_between_modes_are_not_high_quality():
    _, _, centres = gaussian_mixture(8, modes=8, return_labels=True)
    result = metrics.mode_coverage(np.zeros((10, 2)), centres, std=0.02)
    assert result["modes_covered"] == 0 and result["high_quality_fraction"] == 0.0


def test_min_samples_decides_what_counts_as_covered():
    centres = np.array([[0.0, 0.0], [1.0, 0.0]])
    x = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    assert metrics.mode_coverage(x, centres, std=0.1)["modes_covered"] == 2
    assert metrics.mode_coverage(x, centres, std=0.1,
                                 min_samples=2)["modes_covered"] == 1


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="samples"):
        metrics.mode_coverage(np.zeros((3, 3)), np.zeros((2, 2)), std=0.1)
    with pytest.raises(ValueError, match="std"):
        metrics.mode_coverage(np.zeros((3, 2)), np.zeros((2, 2)), std=0.0)
