"""keras_genai.models.adversarial.AdversarialLoss against hand-computed values."""

import math

import numpy as np
import pytest

from keras_genai import losses
from keras_genai.models.adversarial import AdversarialLoss


def test_the_family_and_its_smoothing_come_from_the_one_table():
    adversarial = AdversarialLoss("least_squares", losses.GAN_LOSSES, 0.1)
    assert adversarial.family is losses.GAN_LOSSES["least_squares"]
    assert adversarial.decision_threshold == 0.5
    real, fake = np.array([1.0, 0.0]), np.array([0.5, -1.0])
    # 1/2 mean((D(x) - 0.9)^2) + 1/2 mean(D(G(z))^2)
    expected = 0.5 * np.mean((real - 0.9) ** 2) + 0.5 * np.mean(fake ** 2)
    np.testing.assert_allclose(float(adversarial.discriminator_loss(real, fake)),
                               expected, rtol=1e-6)
    np.testing.assert_allclose(float(adversarial.generator_loss(fake)),
                               0.5 * np.mean((fake - 1.0) ** 2), rtol=1e-6)
    assert adversarial.config() == {"loss": "least_squares", "label_smoothing": 0.1}


def test_logs_hold_accuracies_or_the_wasserstein_estimate():
    real, fake = np.array([2.0, -1.0]), np.array([-3.0, -1.0])
    logs = AdversarialLoss("non_saturating", losses.GAN_LOSSES).logs(
        1.0, 2.0, real, fake)
    assert float(logs["d_real_accuracy"]) == 0.5 and float(logs["d_fake_accuracy"]) == 1.0
    logs = AdversarialLoss("wasserstein", losses.GAN_LOSSES).logs(1.0, 2.0, real, fake)
    assert set(logs) == {"d_loss", "g_loss", "wasserstein_distance"}
    assert math.isclose(float(logs["wasserstein_distance"]), 0.5 - (-2.0))


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match=r"loss.*Received: loss='hinge'"):
        AdversarialLoss("hinge", ("non_saturating",))
    with pytest.raises(ValueError, match=r"label_smoothing.*\['minimax'\].*hinge"):
        AdversarialLoss("hinge", ("minimax", "hinge"), label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"label_smoothing.*\[0, 1\)"):
        AdversarialLoss("minimax", losses.GAN_LOSSES, label_smoothing=1.0)
