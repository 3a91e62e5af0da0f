"""SDEdit (keras_genai.diffusion.editing) against hand-computed values and
an exact noise predictor, with dummy noise predictors (no network)."""

import numpy as np
import pytest
import tensorflow as tf

from keras_genai.diffusion import NoiseSchedule
from keras_genai.diffusion import sdedit_loop
from keras_genai.diffusion import sdedit_start
from keras_genai.diffusion import sdedit_steps


class Recorder:
    """A dummy ``eps_fn`` that predicts zero noise and keeps what it was given."""

    def __init__(self):
        self.calls = []

    def __call__(self, x, t):
        self.calls.append((np.asarray(x), np.asarray(t)))
        return tf.zeros_like(x)


def _alpha_bar(s, t):
    return tf.reshape(tf.gather(tf.constant(s.alpha_bars, tf.float32), t),
                      [-1, 1, 1, 1])


def test_sdedit_starts_at_t0_from_the_noised_image():
    s = NoiseSchedule("linear", timesteps=100)
    assert sdedit_start(s, 0.4) == 39 and sdedit_start(s, 1.0) == 99
    assert sdedit_start(s, 0.001) == 0
    assert sdedit_steps(50, 0.4, 39) == 20 and sdedit_steps(50, 0.4, 9) == 10
    assert sdedit_steps(50, 0.001, 0) == 1
    images = np.full((4000, 2, 2, 1), -0.5, "float32")
    eps_fn = Recorder()
    sdedit_loop(eps_fn, s, images, strength=0.4, steps=10)  # 4 of 10 steps
    assert [int(t[0]) for _, t in eps_fn.calls] == [39, 29, 19, 9]
    x_t0 = eps_fn.calls[0][0]
    assert x_t0.mean() == pytest.approx(np.sqrt(s.alpha_bars[39]) * -0.5, abs=0.02)
    assert x_t0.std() == pytest.approx(np.sqrt(1 - s.alpha_bars[39]), rel=0.02)


def test_sdedit_keeps_the_input_when_weak_and_follows_the_model_when_strong():
    """Data: Gaussian pixels around another image (std 0.1), with its exact
    noise predictor. Deterministic DDIM from t0: a weak edit stays near the
    input, the full strength lands near the model's image."""
    s = NoiseSchedule("linear", timesteps=100)
    rng = np.random.default_rng(0)
    source = rng.uniform(-1, 1, (64, 4, 4, 1)).astype("float32")
    mean = rng.uniform(-1, 1, (64, 4, 4, 1)).astype("float32")
    var = 0.1 ** 2

    def eps_fn(x, t):
        a = _alpha_bar(s, t)
        x0 = mean + tf.sqrt(a) * var / (a * var + 1 - a) * (x - tf.sqrt(a) * mean)
        return s.predict_noise(x, t, x0)

    to_source, to_mean = [], []
    for strength in (0.05, 0.3, 0.6, 1.0):
        out = sdedit_loop(eps_fn, s, source, strength, steps=20).numpy()
        to_source.append(np.abs(out - source).mean())
        to_mean.append(np.abs(out - mean).mean())
    assert to_source == sorted(to_source) and to_mean == sorted(to_mean)[::-1]
    assert to_source[0] < 0.15 and to_mean[-1] < 0.1
    with pytest.raises(ValueError, match="strength"):
        sdedit_loop(eps_fn, s, source, 0.0)
    with pytest.raises(ValueError, match="strength"):
        sdedit_loop(eps_fn, s, source, 1.5)
