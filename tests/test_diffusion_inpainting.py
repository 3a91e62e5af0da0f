"""RePaint (keras_genai.diffusion.inpainting) against the authors' schedule
and hand-computed values, with dummy noise predictors (no network)."""

import numpy as np
import pytest
import tensorflow as tf

from keras_genai.diffusion import NoiseSchedule
from keras_genai.diffusion import repaint_levels
from keras_genai.diffusion import repaint_loop


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
    from keras_genai.diffusion import sample_loop
    free = sample_loop(eps_fn, s, tf.random.stateless_normal((64, 4, 4, 1), (0, 0)),
                       steps=10, sampler="ddpm", seed=(3, 4)).numpy()
    assert 0.2 < (free.mean(axis=(1, 2, 3)) > 0).mean() < 0.8


def test_repaint_refuses_a_mask_of_another_shape():
    with pytest.raises(ValueError, match="known"):
        repaint_loop(Recorder(), NoiseSchedule(timesteps=10), np.zeros((2, 4, 4, 1)),
                     np.ones((3, 3)), steps=2)
