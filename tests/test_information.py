"""keras_genai.information against values computed by hand and Monte-Carlo."""

import math

import numpy as np
import pytest

from keras_genai import information


def test_information_in_bits_and_nats():
    np.testing.assert_allclose(information.information([1.0, 0.5, 0.125], base=2),
                               [0.0, 1.0, 3.0])
    np.testing.assert_allclose(information.information(0.01, base=10), 2.0)
    np.testing.assert_allclose(information.information(math.exp(-1.5)), 1.5)


def test_entropy_by_hand():
    assert float(information.entropy([0.25] * 4, base=2)) == pytest.approx(2.0)
    assert float(information.entropy([1.0, 0.0, 0.0])) == 0.0  # 0 log 0 = 0
    p = [0.5, 0.25, 0.25]
    assert float(information.entropy(p, base=2)) == pytest.approx(1.5)
    # A batch of distributions along the last axis.
    np.testing.assert_allclose(information.entropy([[0.5, 0.5], [1.0, 0.0]]),
                               [math.log(2), 0.0])


def test_kl_is_cross_entropy_minus_entropy_and_not_symmetric():
    p, q = [0.5, 0.5], [0.9, 0.1]
    kl_pq = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    kl_qp = 0.9 * math.log(0.9 / 0.5) + 0.1 * math.log(0.1 / 0.5)
    assert float(information.categorical_kl(p, q)) == pytest.approx(kl_pq)
    assert float(information.categorical_kl(q, p)) == pytest.approx(kl_qp)
    assert kl_pq != pytest.approx(kl_qp)
    assert float(information.cross_entropy(p, q)) == pytest.approx(
        float(information.entropy(p)) + kl_pq)
    assert float(information.categorical_kl(q, q)) == 0.0


def test_kl_is_not_bounded_by_one():
    # The notes say KL is between 0 and 1; it grows without bound.
    eps = 1e-4
    kl = float(information.categorical_kl([1.0, 0.0], [eps, 1 - eps]))
    assert kl == pytest.approx(-math.log(eps)) and kl > 9
    assert float(information.categorical_kl([1.0, 0.0], [0.0, 1.0])) == math.inf


def test_entropy_of_q_minus_entropy_of_p_is_not_the_kl():
    # The notes' first attempt can be negative; the KL never is.
    p, q = [0.5, 0.5], [0.9, 0.1]
    assert information.entropy(q) - information.entropy(p) < 0
    assert information.categorical_kl(p, q) > 0


def test_gaussian_entropy_matches_a_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    sd = np.array([0.5, 2.0])
    x = rng.normal(0.0, sd, (400_000, 2))
    log_p = np.sum(-0.5 * (x / sd) ** 2 - np.log(sd) - 0.5 * math.log(2 * math.pi),
                   axis=1)
    h = float(information.gaussian_entropy(sd ** 2))
    assert abs(h - (-log_p.mean())) < 0.01
    assert float(information.gaussian_entropy([0.01])) < 0  # can be negative


@pytest.mark.parametrize("call, name", [
    (lambda: information.information(0.0), "p"),
    (lambda: information.information(1.5), "p"),
    (lambda: information.entropy([0.5, 0.6]), "p"),
    (lambda: information.entropy([-0.5, 1.5]), "p"),
    (lambda: information.cross_entropy([0.5, 0.5], [1.0]), "q"),
    (lambda: information.categorical_kl([1.0], [0.5, 0.5]), "p"),
    (lambda: information.entropy([0.5, 0.5], base=3), "base"),
    (lambda: information.gaussian_entropy([0.0]), "variance"),
])
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=f"{name}"):
        call()
