"""keras_genai.losses against values computed by hand."""

import inspect
import math

import numpy as np
import pytest

from keras_genai import losses


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


REAL = np.array([2.0, -1.0, 0.5], np.float32)
FAKE = np.array([-3.0, 0.25, 1.0], np.float32)


def test_minimax_discriminator_loss_by_hand():
    expected = (-np.mean(np.log(sigmoid(REAL)))
                - np.mean(np.log(1.0 - sigmoid(FAKE))))
    np.testing.assert_allclose(float(losses.minimax_discriminator_loss(REAL, FAKE)),
                               expected, rtol=1e-6)


def test_discriminator_loss_at_equilibrium_is_2_log_2():
    zeros = np.zeros(5, np.float32)  # D(x) = 1/2 everywhere
    np.testing.assert_allclose(float(losses.minimax_discriminator_loss(zeros, zeros)),
                               2 * math.log(2), rtol=1e-6)


def test_one_sided_label_smoothing_by_hand():
    s = 0.1
    p = sigmoid(REAL)
    expected = (np.mean(-(1 - s) * np.log(p) - s * np.log(1 - p))
                - np.mean(np.log(1.0 - sigmoid(FAKE))))
    got = losses.minimax_discriminator_loss(REAL, FAKE, label_smoothing=s)
    np.testing.assert_allclose(float(got), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.minimax_discriminator_loss(REAL, FAKE, label_smoothing=1.0)


def test_generator_losses_by_hand():
    np.testing.assert_allclose(float(losses.minimax_generator_loss(FAKE)),
                               np.mean(np.log(1.0 - sigmoid(FAKE))), rtol=1e-6)
    np.testing.assert_allclose(float(losses.non_saturating_generator_loss(FAKE)),
                               -np.mean(np.log(sigmoid(FAKE))), rtol=1e-6)


def test_non_saturating_discriminator_is_the_minimax_one():
    np.testing.assert_allclose(
        float(losses.non_saturating_discriminator_loss(REAL, FAKE, 0.2)),
        float(losses.minimax_discriminator_loss(REAL, FAKE, 0.2)))


def test_losses_are_finite_for_extreme_logits():
    big = np.array([-200.0, 200.0], np.float32)
    for value in (losses.minimax_discriminator_loss(big, big),
                  losses.minimax_generator_loss(big),
                  losses.non_saturating_generator_loss(big)):
        assert np.isfinite(float(value))
    # log(1 + e^200) ~ 200: softplus, not log(sigmoid) that would give inf.
    np.testing.assert_allclose(float(losses.non_saturating_generator_loss(big)),
                               100.0, rtol=1e-5)


def test_saturation_gradients():
    """Where D rejects fakes (logit -5), the minimax G loss has a vanishing
    gradient and the non-saturating one a strong gradient (Goodfellow 2014, sec. 3)."""
    import tensorflow as tf

    x = tf.Variable([-5.0])
    with tf.GradientTape(persistent=True) as tape:
        minimax = losses.minimax_generator_loss(x)
        non_saturating = losses.non_saturating_generator_loss(x)
    g_mm = float(tape.gradient(minimax, x)[0])
    g_ns = float(tape.gradient(non_saturating, x)[0])
    np.testing.assert_allclose(g_mm, -sigmoid(-5.0), rtol=1e-5)   # ~ -0.0067
    np.testing.assert_allclose(g_ns, -(1 - sigmoid(-5.0)), rtol=1e-5)  # ~ -0.993
    assert abs(g_ns) > 100 * abs(g_mm)


def test_get_gan_loss():
    family = losses.get_gan_loss("minimax")
    assert family.generator_loss is losses.minimax_generator_loss
    assert family.discriminator_loss is losses.minimax_discriminator_loss
    with pytest.raises(ValueError, match="loss"):
        losses.get_gan_loss("hinge_typo")


def test_discriminator_accuracy():
    real_acc, fake_acc = losses.discriminator_accuracy(np.array([1.0, -1.0]),
                                                       np.array([-1.0, -2.0]))
    assert float(real_acc) == 0.5 and float(fake_acc) == 1.0
    # Least-squares outputs are called real above 1/2.
    real_acc, fake_acc = losses.discriminator_accuracy(
        np.array([0.4, 0.6]), np.array([0.4, 0.6, 0.5, 0.9]), threshold=0.5)
    assert float(real_acc) == 0.5 and float(fake_acc) == 0.5


def test_every_loss_family_is_one_complete_record():
    thresholds = {"minimax": 0.0, "non_saturating": 0.0, "least_squares": 0.5,
                  "hinge": 0.0, "wasserstein": None, "wasserstein_gp": None}
    assert set(losses.GAN_LOSSES) == set(thresholds)
    for name, family in losses.GAN_LOSSES.items():
        assert isinstance(family, losses.LossFamily)
        assert callable(family.generator_loss) and callable(family.discriminator_loss)
        assert family.decision_threshold == thresholds[name]
        # The families that take label smoothing are exactly those whose D loss
        # has the argument.
        assert family.smoothable == ("label_smoothing" in inspect.signature(
            family.discriminator_loss).parameters)
    gp, plain = losses.GAN_LOSSES["wasserstein_gp"], losses.GAN_LOSSES["wasserstein"]
    assert gp[:2] == plain[:2]  # the same pair of losses ...
    assert (gp.d_steps, gp.gradient_penalty_weight) == (5, 10.0)  # Gulrajani et al.
    assert (plain.d_steps, plain.gradient_penalty_weight) == (1, 0.0)


def test_least_squares_losses_by_hand():
    real, fake = np.array([1.0, 0.0]), np.array([0.5, -1.0])
    # 1/2 mean((D(x) - 1)^2) + 1/2 mean(D(G(z))^2) = 1/2 * 0.5 + 1/2 * 0.625
    assert float(losses.least_squares_discriminator_loss(real, fake)) == \
        pytest.approx(0.25 + 0.3125)
    # Smoothing 0.1: real target 0.9 -> 1/2 mean(0.01, 0.81) = 0.205
    assert float(losses.least_squares_discriminator_loss(
        real, fake, label_smoothing=0.1)) == pytest.approx(0.205 + 0.3125)
    # 1/2 mean((D(G(z)) - 1)^2) = 1/2 * (0.25 + 4) / 2
    assert float(losses.least_squares_generator_loss(fake)) == pytest.approx(1.0625)


def test_hinge_losses_by_hand():
    real, fake = np.array([2.0, 0.5, -1.0]), np.array([-2.0, 0.0, 1.0])
    # mean(relu(1 - real)) = (0 + 0.5 + 2) / 3; mean(relu(1 + fake)) = (0 + 1 + 2) / 3
    assert float(losses.hinge_discriminator_loss(real, fake)) == \
        pytest.approx(2.5 / 3 + 3.0 / 3)
    assert float(losses.hinge_generator_loss(fake)) == pytest.approx(1.0 / 3)


def test_wasserstein_losses_by_hand():
    real, fake = np.array([3.0, 1.0]), np.array([0.5, -0.5])
    assert float(losses.wasserstein_discriminator_loss(real, fake)) == \
        pytest.approx(0.0 - 2.0)
    assert float(losses.wasserstein_generator_loss(fake)) == pytest.approx(0.0)


def test_gradient_penalty_of_a_linear_critic_is_exact():
    """D(x) = w . x has gradient w everywhere: the penalty is (||w|| - 1)^2."""
    import keras

    critic = keras.Sequential([keras.Input((2, 2, 1)),
                               keras.layers.Flatten(name="flat"),
                               keras.layers.Dense(1, name="score")])
    w = np.array([[3.0], [0.0], [4.0], [0.0]], "float32")  # ||w|| = 5
    critic.get_layer("score").kernel.assign(w)
    rng = np.random.default_rng(0)
    real = rng.normal(size=(6, 2, 2, 1)).astype("float32")
    fake = rng.normal(size=(6, 2, 2, 1)).astype("float32")
    assert float(losses.gradient_penalty(critic, real, fake, seed=[1, 2])) == \
        pytest.approx(16.0, rel=1e-5)


def test_gradient_penalty_at_given_interpolates():
    """D(x) = sum(x^2): grad at x_hat is 2 x_hat; check the mean by hand."""
    from keras import ops

    critic = lambda x: ops.sum(ops.square(x), axis=[1, 2])  # noqa: E731
    real = np.array([[[1.0, 0.0]], [[0.0, 2.0]]], "float32")  # (2, 1, 2)
    fake = np.zeros_like(real)
    eps = np.array([0.5, 0.25], "float32")
    # x_hat = (0.5, 0) and (0, 0.5): grad norms 1 and 1 -> penalty 0.
    assert float(losses.gradient_penalty(critic, real, fake, epsilon=eps)) == \
        pytest.approx(0.0, abs=1e-6)
    eps = np.array([1.0, 1.0], "float32")
    # x_hat = real: grad norms 2 and 4 -> mean((1)^2, (3)^2) = 5.
    assert float(losses.gradient_penalty(critic, real, fake, epsilon=eps)) == \
        pytest.approx(5.0, rel=1e-5)
    with pytest.raises(ValueError, match="fake_images"):
        losses.gradient_penalty(critic, real, np.zeros((2, 3, 2), "float32"))


def test_r1_penalty_by_hand():
    """D(x) = sum(x^2) has gradient 2x: R1 = mean over images of 4 ||x||^2, and
    D's outputs come back with it."""
    from keras import ops

    critic = lambda x: ops.sum(ops.square(x), axis=[1, 2])  # noqa: E731
    real = np.array([[[1.0, 0.0]], [[0.0, 2.0]]], "float32")  # (2, 1, 2)
    penalty, outputs = losses.r1_penalty(critic, real)
    assert float(penalty) == pytest.approx((4.0 * 1.0 + 4.0 * 4.0) / 2, rel=1e-6)
    np.testing.assert_allclose(np.asarray(outputs).ravel(), [1.0, 4.0])


def test_r1_penalty_of_a_linear_critic_is_its_squared_weight_norm():
    import keras

    critic = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(1, name="score")])
    critic.get_layer("score").kernel.assign(
        np.array([[3.0], [0.0], [4.0], [0.0]], "float32"))
    real = np.random.default_rng(0).normal(size=(5, 2, 2, 1)).astype("float32")
    assert float(losses.r1_penalty(critic, real)[0]) == pytest.approx(25.0,
                                                                      rel=1e-6)


# -- autoencoder losses -------------------------------------------------------------


def test_kl_divergence_by_hand():
    mean = np.array([[1.0, 0.0], [0.0, 0.0]], "float32")
    log_var = np.log(np.array([[1.0, 4.0], [1.0, 1.0]], "float32"))
    # 1/2 [(1 + 1 - 0 - 1) + (0 + 4 - log 4 - 1)] and 0 for the prior itself.
    expected = [0.5 * (1 + 3 - math.log(4)), 0.0]
    np.testing.assert_allclose(losses.kl_divergence(mean, log_var), expected,
                               rtol=1e-6, atol=1e-7)


def test_kl_divergence_matches_a_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    mu, sigma = 0.7, 0.5
    z = rng.normal(mu, sigma, 400_000)
    log_q = -0.5 * ((z - mu) / sigma) ** 2 - math.log(sigma)
    log_p = -0.5 * z ** 2
    kl = float(losses.kl_divergence([[mu]], [[2 * math.log(sigma)]])[0])
    assert abs(kl - (log_q - log_p).mean()) < 0.01


def test_gaussian_kl_by_hand_and_as_the_vae_special_case():
    # 1-D: KL(N(1, 4) || N(0, 1)) = 1/2 (4 + 1 - 1 + 0 - log 4); the second
    # example sums two dimensions, the second of which is P = Q (adds 0).
    mu_p = np.array([[1.0, 0.0], [2.0, 3.0]], "float32")
    var_p = np.array([[4.0, 1.0], [0.5, 2.0]], "float32")
    mu_q = np.array([[0.0, 0.0], [1.0, 3.0]], "float32")
    var_q = np.array([[1.0, 1.0], [2.0, 2.0]], "float32")
    expected = [0.5 * (4 + 1 - 1 - math.log(4)),
                0.5 * (0.25 + 0.5 - 1 + math.log(2) - math.log(0.5))]
    np.testing.assert_allclose(losses.gaussian_kl(mu_p, var_p, mu_q, var_q), expected,
                               rtol=1e-5)
    # Q = N(0, I) is the VAE's KL; a scalar Q broadcasts.
    np.testing.assert_allclose(losses.gaussian_kl(mu_p, var_p, 0.0, 1.0),
                               losses.kl_divergence(mu_p, np.log(var_p)), rtol=1e-5)
    # Not symmetric.
    assert not np.allclose(losses.gaussian_kl(mu_p, var_p, mu_q, var_q),
                           losses.gaussian_kl(mu_q, var_q, mu_p, var_p))


def test_gaussian_kl_matches_a_monte_carlo_estimate():
    rng = np.random.default_rng(1)
    mu_p, sd_p, mu_q, sd_q = 0.3, 0.8, -0.4, 1.5
    x = rng.normal(mu_p, sd_p, 400_000)
    log_p = -0.5 * ((x - mu_p) / sd_p) ** 2 - math.log(sd_p)
    log_q = -0.5 * ((x - mu_q) / sd_q) ** 2 - math.log(sd_q)
    kl = float(losses.gaussian_kl([[mu_p]], [[sd_p ** 2]], [[mu_q]], [[sd_q ** 2]])[0])
    assert abs(kl - (log_p - log_q).mean()) < 0.01


def test_reconstruction_losses_by_hand():
    x = np.array([[[1.0, 0.0]], [[1.0, 1.0]]], "float32")
    p = np.array([[[0.8, 0.4]], [[0.5, 1.0]]], "float32")
    bce = losses.bernoulli_reconstruction_loss(x, p)
    np.testing.assert_allclose(
        bce, [-(math.log(0.8) + math.log(0.6)), -math.log(0.5) - math.log(1 - 1e-7)],
        rtol=1e-5)
    assert np.isfinite(losses.bernoulli_reconstruction_loss([[1.0]], [[0.0]])).all()
    np.testing.assert_allclose(losses.gaussian_reconstruction_loss(x, p),
                               [0.04 + 0.16, 0.25], rtol=1e-5)
    assert losses.get_reconstruction_loss("bce") is losses.bernoulli_reconstruction_loss
    with pytest.raises(ValueError, match="reconstruction"):
        losses.get_reconstruction_loss("l1")


def test_feature_matching_generator_loss_by_hand():
    real = np.array([[1.0, 2.0], [3.0, 4.0]])  # mean (2, 3)
    fake = np.array([[0.0, 0.0], [2.0, 1.0], [1.0, 2.0]])  # mean (1, 1)
    # ((2 - 1)^2 + (3 - 1)^2) / 2 features
    assert float(losses.feature_matching_generator_loss(real, fake)) == \
        pytest.approx(2.5)
    maps = np.ones((2, 3, 3, 4))  # feature maps are flattened first
    assert float(losses.feature_matching_generator_loss(maps, maps * 0.5)) == \
        pytest.approx(0.25)
