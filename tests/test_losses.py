"""keras_genai.losses against values computed by hand."""

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
    assert losses.get_gan_loss("minimax") == (losses.minimax_generator_loss,
                                              losses.minimax_discriminator_loss)
    with pytest.raises(ValueError, match="loss"):
        losses.get_gan_loss("hinge_typo")


def test_discriminator_accuracy():
    real_acc, fake_acc = losses.discriminator_accuracy(np.array([1.0, -1.0]),
                                                       np.array([-1.0, -2.0]))
    assert float(real_acc) == 0.5 and float(fake_acc) == 1.0
