"""RePaint and SDEdit against hand-computed values, with dummy noise predictors
(no network)."""

import numpy as np
import pytest
import tensorflow as tf

from keras_genai.image_sampling import repaint_levels
from keras_genai.image_sampling import repaint_loop
from keras_genai.image_sampling import sdedit_loop
from keras_genai.image_sampling import sdedit_start
from keras_genai.image_sampling import sdedit_steps
from keras_genai.schedules import NoiseSchedule


class Recorder:
    """A dummy ``eps_fn`` that predicts zero noise and keeps what it was given."""

    def __init__(self):
        self.calls = []

    def __call__(self, x, t):
        self.calls.append((np.asarray(x), np.asarray(t)))
        return tf.zeros_like(x)


def get_schedule_jump(t_T, jump_length, jump_n_sample):
    """The authors' schedule (``get_schedule_jump`` in
    ``guided_diffusion/scheduler.py`` of ``andreas128/RePaint``, with
    ``n_sample = 1`` and no second or third jumps), written out: timesteps from
    ``t_T - 1`` down to ``-1``, mapped to levels (``timestep + 1``)."""
    jumps = {}
    for j in range(0, t_T - jump_length, jump_length):
        jumps[j] = jump_n_sample - 1
    t = t_T
    ts = []
    while t >= 1:
        t = t - 1
        ts.append(t)
        if jumps.get(t, 0) > 0:
            jumps[t] = jumps[t] - 1
            for _ in range(jump_length):
                t = t + 1
                ts.append(t)
    ts.append(-1)
    return [t + 1 for t in ts]


@pytest.mark.parametrize("steps,jump,r", [(250, 10, 10), (50, 5, 5), (4, 1, 2)])
def test_repaint_levels_are_the_authors_schedule(steps, jump, r):
    assert repaint_levels(steps, jump_length=jump, resamplings=r) == (
        get_schedule_jump(steps, jump, r))


def test_repaint_levels_by_hand():
    # The authors' example mapped to levels: timesteps 3, 2, 3, 2, 1, 2, 1, 0,
    # 1, 0, -1. Jumps at levels 1, 2, 3, never from the clean image (level 0).
    assert repaint_levels(4, jump_length=1, resamplings=2) == [
        4, 3, 4, 3, 2, 3, 2, 1, 2, 1, 0]
    # 6 levels, jumps of 2 at levels 1 and 3 (timesteps 0 and 2 < 6 - 2), 3
    # passes each.
    assert repaint_levels(6, jump_length=2, resamplings=3) == [
        6, 5, 4, 3, 4, 5, 4, 3, 4, 5, 4, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 0]
    assert repaint_levels(5, jump_length=3, resamplings=1) == [5, 4, 3, 2, 1, 0]


@pytest.mark.parametrize("steps,jump,r", [(50, 5, 5), (250, 10, 10), (7, 3, 4)])
def test_repaint_levels_move_one_level_at_a_time(steps, jump, r):
    levels = np.array(repaint_levels(steps, jump, r))
    assert levels[0] == steps and levels[-1] == 0 and levels.max() == steps
    assert set(np.abs(np.diff(levels))) == {1}
    # x_0 is reached once, at the end (Algorithm 1 jumps only at t > 1).
    assert (levels == 0).sum() == 1
    jump_levels = len(range(0, steps - jump, jump))
    # Every jump back up is walked down again: steps + jumps * (r - 1) * length.
    assert (np.diff(levels) < 0).sum() == steps + jump_levels * (r - 1) * jump


def test_repaint_levels_refuse_bad_arguments():
    with pytest.raises(ValueError, match="jump_length"):
        repaint_levels(10, jump_length=0)
    with pytest.raises(ValueError, match="resamplings"):
        repaint_levels(10, resamplings=0)


def test_q_forward_composes_to_the_closed_form():
    s = NoiseSchedule("linear", timesteps=100)
    x = tf.fill((1, 3), 0.7)
    zero, one = tf.zeros((1, 3)), tf.ones((1, 3))
    # s = -1 is q(x_t | x_0); s = t - 1 one step.
    np.testing.assert_allclose(s.q_forward(x, -1, 40, one), s.q_sample(x, 40, one),
                               rtol=1e-6)
    np.testing.assert_allclose(s.q_forward(x, 39, 40, one), s.q_step(x, 40, one),
                               rtol=1e-6)
    # Two jumps, -1 -> 20 -> 70, are linear in their two noises: the mean and
    # the summed variance are those of q(x_70 | x_0).
    def two_jumps(z1, z2):
        return s.q_forward(s.q_forward(x, -1, 20, z1), 20, 70, z2).numpy()[0, 0]
    mean = two_jumps(zero, zero)
    a, b = two_jumps(one, zero) - mean, two_jumps(zero, one) - mean
    assert mean == pytest.approx(np.sqrt(s.alpha_bars[70]) * 0.7, rel=1e-5)
    assert a ** 2 + b ** 2 == pytest.approx(1 - s.alpha_bars[70], rel=1e-5)
    # t = s changes nothing.
    np.testing.assert_allclose(s.q_forward(x, 20, 20, one), x)


def test_a_single_repaint_step_by_hand():
    """One level: the hole is the DDPM step from x_T to the clean image, which
    with eps = 0 is clip(x_T / sqrt(alpha_bar_T)); the rest is the image."""
    s = NoiseSchedule("linear", timesteps=10)
    images = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 2, 2, 1)
    known = np.array([[1, 0], [0, 1]], "float32")[..., None]
    eps_fn = Recorder()
    out = repaint_loop(eps_fn, s, images, known, steps=1, clip=1.0).numpy()
    (x_T, t), = eps_fn.calls
    assert (t == 9).all()
    hole = np.clip(x_T / np.sqrt(s.alpha_bars[9]), -1, 1)
    expected = known * images + (1 - known) * hole
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_repaint_jumps_back_up_with_the_forward_process():
    """Levels 3, 2, 3, 2, 1, 2, 1, 0: with every pixel known, the image after
    the fifth transition (the jump from level 1 up to level 2) is q(x_t2 |
    x_0), and the clean image is never re-noised."""
    s = NoiseSchedule("linear", timesteps=100)
    t2, t1 = s.timesteps_for(3)[1:]
    images = np.full((4000, 2, 2, 1), 0.5, "float32")
    eps_fn = Recorder()
    out = repaint_loop(eps_fn, s, images, np.ones_like(images), steps=3,
                       jump_length=1, resamplings=2).numpy()
    assert [int(t[0]) for _, t in eps_fn.calls] == [99, 99, t2, t2, t1]
    jumped = eps_fn.calls[3][0]
    assert jumped.mean() == pytest.approx(np.sqrt(s.alpha_bars[t2]) * 0.5, abs=0.02)
    assert jumped.std() == pytest.approx(np.sqrt(1 - s.alpha_bars[t2]), rel=0.02)
    np.testing.assert_array_equal(out, images)  # known pixels come back exactly


def _alpha_bar(s, t):
    return tf.reshape(tf.gather(tf.constant(s.alpha_bars, tf.float32), t),
                      [-1, 1, 1, 1])


def test_repaint_fills_the_hole_to_agree_with_the_known_part():
    """Data: all-ones or all-minus-ones images, each half the time. The exact
    noise predictor of that data (posterior mean tanh(sqrt(a) sum(x_t) / (1 -
    a)) in every pixel) samples either at random; RePaint, given half of the
    pixels, fills the other half with the same sign, and is seed-stable."""
    s = NoiseSchedule("linear", timesteps=100)

    def eps_fn(x, t):
        a = _alpha_bar(s, t)
        total = tf.reduce_sum(x, axis=[1, 2, 3], keepdims=True)
        x0 = tf.tanh(tf.sqrt(a) * total / (1.0 - a)) * tf.ones_like(x)
        return s.predict_noise(x, t, x0)

    signs = np.where(np.arange(64) % 2, 1.0, -1.0).astype("float32")
    images = signs[:, None, None, None] * np.ones((64, 4, 4, 1), "float32")
    known = np.zeros((4, 4, 1), "float32")
    known[:2] = 1
    a = repaint_loop(eps_fn, s, images * known, known, steps=10, jump_length=2,
                     resamplings=2, seed=(1, 2)).numpy()
    b = repaint_loop(eps_fn, s, images * known, known, steps=10, jump_length=2,
                     resamplings=2, seed=(1, 2)).numpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a[:, :2], images[:, :2])
    hole_sign = np.sign(a[:, 2:].mean(axis=(1, 2, 3)))
    assert (hole_sign == signs).mean() >= 0.95
    # Unconditional samples of the same model pick either sign.
    from keras_genai.schedules import sample_loop
    free = sample_loop(eps_fn, s, tf.random.stateless_normal((64, 4, 4, 1), (0, 0)),
                       steps=10, sampler="ddpm", seed=(3, 4)).numpy()
    assert 0.2 < (free.mean(axis=(1, 2, 3)) > 0).mean() < 0.8


def test_repaint_refuses_a_mask_of_another_shape():
    with pytest.raises(ValueError, match="known"):
        repaint_loop(Recorder(), NoiseSchedule(timesteps=10), np.zeros((2, 4, 4, 1)),
                     np.ones((3, 3)), steps=2)


def test_timesteps_can_start_part_way():
    s = NoiseSchedule(timesteps=1000)
    np.testing.assert_array_equal(s.timesteps_for(4, start=999), s.timesteps_for(4))
    np.testing.assert_array_equal(s.timesteps_for(4, start=399), [399, 299, 199, 99])
    with pytest.raises(ValueError, match="start"):
        s.timesteps_for(4, start=1000)
    with pytest.raises(ValueError, match="steps"):
        s.timesteps_for(5, start=3)


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
