"""keras_genai.classical: generative classifiers fitted by hand-checkable rules."""

import numpy as np
import pytest

from keras_genai.classical import GaussianMixtureClassifier
from keras_genai.classical import GaussianNaiveBayes


def test_naive_bayes_estimates_and_bayes_rule_by_hand():
    x = np.array([[0.0], [2.0], [10.0], [14.0]])
    y = np.array([0, 0, 1, 1])
    nb = GaussianNaiveBayes(var_floor=1e-6).fit(x, y)
    np.testing.assert_allclose(nb.means_[0], [[1.0]])
    np.testing.assert_allclose(nb.variances_[1], [[4.0]])  # biased (ML) variance
    # p(y=0 | x=4): N(4|1,1) vs N(4|12,4), equal priors.
    log0 = -0.5 * (9.0 + np.log(2 * np.pi))
    log1 = -0.5 * (64.0 / 4.0 + np.log(2 * np.pi * 4.0))
    np.testing.assert_allclose(nb.predict_proba(np.array([[4.0]]))[0, 0],
                               1 / (1 + np.exp(log1 - log0)), rtol=1e-10)
    assert nb.predict(np.array([[1.5], [11.0]])).tolist() == [0, 1]


def test_mixture_finds_two_modes_of_one_class_and_samples_from_them():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-5, 0.5, (200, 1)), rng.normal(5, 0.5, (200, 1)),
                        rng.normal(0, 0.5, (200, 1))])
    y = np.array([0] * 400 + [1] * 200)
    gmm = GaussianMixtureClassifier(components=2, iterations=30,
                                    var_floor=1e-3).fit(x, y)
    np.testing.assert_allclose(np.sort(gmm.means_[0].ravel()), [-5, 5], atol=0.15)
    np.testing.assert_allclose(gmm.weights_[0], [0.5, 0.5], atol=0.05)
    # A single Gaussian puts class 0's mean at 0, where class 1 lives.
    nb = GaussianNaiveBayes(var_floor=1e-3).fit(x, y)
    test = np.array([[0.0], [-5.0], [5.0]])
    assert gmm.predict(test).tolist() == [1, 0, 0]
    samples = gmm.sample(np.zeros(1000, int), seed=1)
    assert np.mean(np.abs(np.abs(samples) - 5) < 2) > 0.95
    assert nb.sample(np.array([1, 1]), seed=0).shape == (2, 1)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="x"):
        GaussianNaiveBayes().fit(np.zeros(3), np.zeros(3, int))
    with pytest.raises(ValueError, match="y"):
        GaussianNaiveBayes().fit(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="fitted"):
        GaussianNaiveBayes().predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="labels"):
        GaussianNaiveBayes().fit(np.zeros((2, 1)), np.array([0, 1])).sample([2])
    with pytest.raises(ValueError, match="components"):
        GaussianMixtureClassifier(components=0)
