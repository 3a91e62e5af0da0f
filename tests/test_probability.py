"""keras_genai.probability: Bayes' rule and the ELBO identity on cases with a
closed form."""

import numpy as np
import pytest

from keras_genai import probability


def test_normal_log_pdf_matches_the_density():
    x = np.array([-1.0, 0.5, 3.0])
    expected = np.log(np.exp(-0.5 * ((x - 1.0) / 2.0) ** 2)
                      / (2.0 * np.sqrt(2 * np.pi)))
    np.testing.assert_allclose(probability.normal_log_pdf(x, 1.0, 2.0), expected)


def test_the_flu_example_by_hand_and_by_counting():
    # 20 students, one has flu (each equally likely); the patient is a girl.
    girls = np.arange(20) < 5
    posterior = probability.bayes_posterior(np.full(20, 1 / 20), girls.astype(float))
    np.testing.assert_allclose(posterior, np.where(girls, 1 / 5, 0.0))
    # The same by simulation: pick the patient, keep the draws where it is a girl.
    patient = np.random.default_rng(0).integers(0, 20, 200_000)
    kept = patient[girls[patient]]
    assert np.bincount(kept, minlength=20)[0] / len(kept) == pytest.approx(0.2, abs=0.01)


def test_mixture_posterior_against_bayes_by_hand_and_by_sampling():
    weights, means, stds = [0.3, 0.7], [-2.0, 1.0], [1.0, 0.5]
    x = 0.0
    joint = [0.3 * np.exp(-2.0) / np.sqrt(2 * np.pi),
             0.7 * np.exp(-2.0) / (0.5 * np.sqrt(2 * np.pi))]
    exact = probability.gaussian_mixture_posterior(x, weights, means, stds)
    np.testing.assert_allclose(exact[0], np.array(joint) / sum(joint))
    # Sampled: draw (z, x), keep x near 0, count z.
    rng = np.random.default_rng(0)
    z = rng.random(400_000) < 0.7
    xs = np.where(z, rng.normal(1.0, 0.5, z.shape), rng.normal(-2.0, 1.0, z.shape))
    near = np.abs(xs - x) < 0.02
    assert z[near].mean() == pytest.approx(exact[0, 1], abs=0.02)


def test_elbo_is_exact_at_the_posterior_of_a_linear_gaussian_model():
    # x | z ~ N(2 z, 0.5^2), z ~ N(0, 1): p(x) = N(0, 4.25), the posterior
    # N(2 x / 4.25, 0.25 / 4.25).
    x = 1.3
    result = probability.latent_bound_by_quadrature(
        lambda z: probability.normal_log_pdf(x, 2.0 * z, 0.5), 2 * x / 4.25,
        np.sqrt(0.25 / 4.25))
    assert result["log_evidence"] == pytest.approx(
        float(probability.normal_log_pdf(x, 0.0, np.sqrt(4.25))), abs=1e-6)
    assert result["kl"] == pytest.approx(0.0, abs=1e-6)
    assert result["gap"] == pytest.approx(0.0, abs=1e-6)


def test_log_evidence_minus_elbo_is_the_kl_for_any_q():
    # A non-linear decoder: the posterior is not Gaussian, so no q closes the gap.
    def log_likelihood(z):
        return probability.normal_log_pdf(0.8, np.tanh(2.0 * z), 0.3)

    for mean, std in ((0.0, 1.0), (0.3, 0.2), (-1.0, 0.5)):
        result = probability.latent_bound_by_quadrature(log_likelihood, mean, std)
        assert result["kl"] > 0
        assert result["gap"] == pytest.approx(result["kl"], abs=1e-6)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="prior"):
        probability.bayes_posterior([0.5, 0.6], [1.0, 1.0])
    with pytest.raises(ValueError, match="probability 0"):
        probability.bayes_posterior([0.5, 0.5], [0.0, 0.0])
    with pytest.raises(ValueError, match="weights"):
        probability.gaussian_mixture_posterior(0.0, [0.5, 0.6], [0, 1], [1, 1])
    with pytest.raises(ValueError, match="q_std=0"):
        probability.latent_bound_by_quadrature(lambda z: z, 0.0, 0)
    with pytest.raises(ValueError, match="std"):
        probability.normal_log_pdf(0.0, 0.0, -1.0)


def _grid_densities():
    x = np.linspace(-12.0, 12.0, 24_001)
    data = 0.5 * np.exp(probability.normal_log_pdf(x, -2.0, 0.5)) \
        + 0.5 * np.exp(probability.normal_log_pdf(x, 2.0, 0.5))
    return x, data


def test_optimal_discriminator_by_hand():
    d = probability.optimal_discriminator(np.array([3.0, 1.0, 0.0, 0.0]),
                                          np.array([1.0, 1.0, 2.0, 0.0]))
    np.testing.assert_allclose(d, [0.75, 0.5, 0.0, 0.5])


def test_the_value_at_d_star_is_twice_js_minus_log_4():
    x, data = _grid_densities()
    for mean, std in ((0.0, 1.5), (2.0, 0.5), (5.0, 1.0)):
        g = np.exp(probability.normal_log_pdf(x, mean, std))
        d_star = probability.optimal_discriminator(data, g)
        value = probability.gan_value(d_star, data, g, x)
        js = probability.jensen_shannon(data, g, x)
        assert value == pytest.approx(2 * js - np.log(4), abs=1e-6)
        # D* is the best discriminator: any other does worse.
        for other in (np.full_like(x, 0.5), np.clip(d_star + 0.1, 0, 0.99)):
            assert probability.gan_value(other, data, g, x) < value
    # Equal densities: JS 0, V = -log 4; disjoint ones: JS = log 2, V = 0.
    assert probability.jensen_shannon(data, data, x) == pytest.approx(0.0, abs=1e-9)
    far = np.exp(probability.normal_log_pdf(x, 9.0, 0.3))
    assert probability.jensen_shannon(data, far, x) == pytest.approx(np.log(2),
                                                                     abs=1e-6)
