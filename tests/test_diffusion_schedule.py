"""keras_genai.diffusion.schedule in the diffusers style: the noise
schedules and the forward process against hand-computed formulas and closed
forms (no network)."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai.diffusion import cosine_beta_schedule
from keras_genai.diffusion import linear_beta_schedule
from keras_genai.diffusion import NoiseSchedule


def test_linear_schedule_is_ho_et_al():
    betas = linear_beta_schedule()
    assert betas.shape == (1000,)
    assert betas[0] == pytest.approx(1e-4) and betas[-1] == pytest.approx(0.02)
    np.testing.assert_allclose(np.diff(betas), (0.02 - 1e-4) / 999)


def test_cosine_schedule_alpha_bar_is_nichol_and_dhariwal_eq_17():
    T, s = 1000, 0.008
    schedule = NoiseSchedule("cosine", timesteps=T)
    f = lambda t: math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2  # noqa: E731
    for t in (0, 10, 500, 900):  # zero-based t is the paper's t + 1
        assert schedule.alpha_bars[t] == pytest.approx(f(t + 1) / f(0), rel=1e-9)
    assert cosine_beta_schedule(T).max() == pytest.approx(0.999)  # the clip
    assert np.all(np.diff(schedule.alpha_bars) < 0)
    # The cosine schedule destroys information more slowly in the middle.
    linear = NoiseSchedule("linear", timesteps=T)
    assert schedule.alpha_bars[300] > linear.alpha_bars[300]


def test_alphas_and_alpha_bars():
    schedule = NoiseSchedule(betas=[0.1, 0.2, 0.5])
    np.testing.assert_allclose(schedule.alphas, [0.9, 0.8, 0.5])
    np.testing.assert_allclose(schedule.alpha_bars, [0.9, 0.72, 0.36])
    assert schedule.timesteps == 3


def test_iterating_one_step_matches_the_closed_form_exactly_and_in_samples():
    schedule = NoiseSchedule("linear", timesteps=1000)
    t_end = 300
    # Exactly: with zero noise the mean is the product of the sqrt(1 - beta);
    # the variance follows var_t = (1 - beta_t) var_{t-1} + beta_t.
    x = tf.constant([[0.7]])
    var = 0.0
    for t in range(t_end):
        x = schedule.q_step(x, t, tf.zeros_like(x))
        var = (1 - schedule.betas[t]) * var + schedule.betas[t]
    a = schedule.alpha_bars[t_end - 1]
    assert float(x[0, 0]) == pytest.approx(math.sqrt(a) * 0.7, rel=1e-5)
    assert var == pytest.approx(1 - a, rel=1e-9)
    # In samples: 20,000 chains against q(x_t | x_0) = N(sqrt(a) x0, 1 - a).
    rng = np.random.default_rng(0)
    x = tf.fill((20_000, 1), 0.7)
    for t in range(t_end):
        x = schedule.q_step(x, t, rng.standard_normal((20_000, 1)).astype("float32"))
    closed = schedule.q_sample(tf.fill((20_000, 1), 0.7), t_end - 1,
                               rng.standard_normal((20_000, 1)).astype("float32"))
    for samples in (x.numpy(), closed.numpy()):
        assert samples.mean() == pytest.approx(math.sqrt(a) * 0.7, abs=0.02)
        assert samples.var() == pytest.approx(1 - a, rel=0.03)


def test_snr_by_hand():
    schedule = NoiseSchedule(betas=[0.1, 0.2, 0.5])
    np.testing.assert_allclose(schedule.snr(tf.constant([0, 1, 2])),
                               [0.9 / 0.1, 0.72 / 0.28, 0.36 / 0.64], rtol=1e-6)


def test_q_sample_by_hand_per_example_timesteps():
    schedule = NoiseSchedule(betas=[0.1, 0.2, 0.5])
    x0 = np.array([[1.0, 2.0], [1.0, 2.0]], "float32")
    noise = np.array([[0.5, -1.0], [0.5, -1.0]], "float32")
    out = schedule.q_sample(x0, tf.constant([0, 2]), noise).numpy()
    for row, a in zip(out, (0.9, 0.36)):
        np.testing.assert_allclose(row, math.sqrt(a) * x0[0] + math.sqrt(1 - a) * noise[0],
                                   rtol=1e-6)


def test_predict_x0_and_predict_noise_invert_q_sample():
    schedule = NoiseSchedule("cosine", timesteps=100)
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(4, 3, 3, 1)).astype("float32")
    eps = rng.normal(size=(4, 3, 3, 1)).astype("float32")
    t = tf.constant([0, 10, 50, 90])
    x_t = schedule.q_sample(x0, t, eps)
    np.testing.assert_allclose(schedule.predict_x0(x_t, t, eps), x0, atol=1e-4)
    np.testing.assert_allclose(schedule.predict_noise(x_t, t, x0), eps, atol=1e-4)


@pytest.mark.parametrize("t, t_prev", [(1, 0), (500, 499), (999, 999 - 50), (40, -1)])
def test_posterior_is_the_gaussian_conditional_of_the_forward_process(t, t_prev):
    """Eqs. 6-7 against conditioning the joint Gaussian (x_prev, x_t) | x0 by hand:
    x_prev = sqrt(a_p) x0 + sqrt(1 - a_p) e1, x_t = sqrt(a_t / a_p) x_prev + ..."""
    schedule = NoiseSchedule("linear", timesteps=1000)
    a_t = schedule.alpha_bars[t]
    a_p = schedule.alpha_bars[t_prev] if t_prev >= 0 else 1.0
    x0, x_t = 0.6, -0.3
    cov = math.sqrt(a_t / a_p) * (1 - a_p)
    mean = math.sqrt(a_p) * x0 + cov / (1 - a_t) * (x_t - math.sqrt(a_t) * x0)
    var = (1 - a_p) - cov ** 2 / (1 - a_t)
    got_mean, got_var = schedule.posterior_mean_variance(
        [[x0]], [[x_t]], tf.constant([t]), tf.constant([t_prev]))
    assert float(got_mean[0, 0]) == pytest.approx(mean, rel=1e-4, abs=1e-6)
    assert float(got_var[0, 0]) == pytest.approx(var, rel=1e-4, abs=1e-9)


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


@pytest.mark.parametrize("spacing", ["trailing", "leading", "linspace"])
def test_timestep_spacing(spacing):
    schedule = NoiseSchedule("linear", timesteps=100)
    for steps in range(1, 101):
        ts = schedule.timesteps_for(steps, spacing)
        assert ts.shape == (steps,) and ts.dtype == np.int32
        assert np.all(np.diff(ts) < 0) and ts.min() >= 0 and ts.max() <= 99
    np.testing.assert_array_equal(schedule.timesteps_for(100, spacing),
                                  np.arange(99, -1, -1))
    if spacing != "leading":
        assert schedule.timesteps_for(7, spacing)[0] == 99  # starts from pure noise


@pytest.mark.parametrize("spacing", ["trailing", "leading", "linspace"])
def test_timesteps_chosen_at_run_time_match_numpy(spacing):
    from keras_genai.diffusion.schedule import _timesteps

    def numpy_timesteps(T, steps):  # the definitions of timesteps_for
        if spacing == "leading":
            t = np.arange(0, steps) * (T // steps)
        elif spacing == "linspace":
            t = np.round(np.linspace(0, T - 1, steps))
        else:
            t = (np.round(T - np.arange(steps) * (T / steps)) - 1)[::-1]
        return t[::-1].astype(np.int32)

    graph = tf.function(lambda n: _timesteps(100, n, spacing))
    for steps in range(1, 101):
        expected = numpy_timesteps(100, steps)
        np.testing.assert_array_equal(graph(tf.constant(steps)).numpy(), expected)
        np.testing.assert_array_equal(
            NoiseSchedule(timesteps=100).timesteps_for(steps, spacing), expected)


def test_timesteps_by_hand():
    schedule = NoiseSchedule("linear", timesteps=1000)
    np.testing.assert_array_equal(schedule.timesteps_for(4), [999, 749, 499, 249])
    np.testing.assert_array_equal(schedule.timesteps_for(4, "leading"),
                                  [750, 500, 250, 0])
    np.testing.assert_array_equal(schedule.timesteps_for(4, "linspace"),
                                  [999, 666, 333, 0])


def test_timesteps_can_start_part_way():
    s = NoiseSchedule(timesteps=1000)
    np.testing.assert_array_equal(s.timesteps_for(4, start=999), s.timesteps_for(4))
    np.testing.assert_array_equal(s.timesteps_for(4, start=399), [399, 299, 199, 99])
    with pytest.raises(ValueError, match="start"):
        s.timesteps_for(4, start=1000)
    with pytest.raises(ValueError, match="steps"):
        s.timesteps_for(5, start=3)


def test_config_round_trip_and_keras_serialization():
    for schedule in (NoiseSchedule("cosine", timesteps=64),
                     NoiseSchedule(betas=[0.1, 0.2])):
        again = NoiseSchedule.from_config(schedule.get_config())
        np.testing.assert_array_equal(again.betas, schedule.betas)
        restored = keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(schedule))
        np.testing.assert_array_equal(restored.alpha_bars, schedule.alpha_bars)


@pytest.mark.parametrize("call, name", [
    (lambda: NoiseSchedule("quadratic"), "schedule"),
    (lambda: NoiseSchedule(timesteps=0), "timesteps"),
    (lambda: NoiseSchedule(betas=[0.1, 1.5]), "betas"),
    (lambda: linear_beta_schedule(10, 0.5, 0.1), "beta_start"),
    (lambda: cosine_beta_schedule(10, max_beta=1.0), "max_beta"),
    (lambda: NoiseSchedule(timesteps=10).timesteps_for(11), "steps"),
    (lambda: NoiseSchedule(timesteps=10).timesteps_for(5, "uniform"), "spacing"),
    (lambda: NoiseSchedule(timesteps=10).q_sample(tf.ones((1, 1)), 10,
                                                  tf.ones((1, 1))), "t"),
])
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=f"{name}"):
        call()
