"""keras_genai.schedules in the diffusers style: no network, only dummy noise
predictors, hand-computed formulas and closed forms."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai.schedules import cosine_beta_schedule
from keras_genai.schedules import linear_beta_schedule
from keras_genai.schedules import NoiseSchedule
from keras_genai.schedules import sample_loop


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


def test_posterior_mean_formula_eq_7_and_the_noise_form_eq_11():
    schedule = NoiseSchedule("linear", timesteps=1000)
    t = 200
    beta, alpha, a_t, a_p = (schedule.betas[t], schedule.alphas[t],
                             schedule.alpha_bars[t], schedule.alpha_bars[t - 1])
    x0, eps = np.float32(0.4), np.float32(-1.2)
    x_t = math.sqrt(a_t) * x0 + math.sqrt(1 - a_t) * eps
    eq7 = (math.sqrt(a_p) * beta / (1 - a_t) * x0
           + math.sqrt(alpha) * (1 - a_p) / (1 - a_t) * x_t)
    mean, var = schedule.posterior_mean_variance([[x0]], [[x_t]], t)
    assert float(mean[0, 0]) == pytest.approx(eq7, rel=1e-5)
    assert float(var[0, 0]) == pytest.approx((1 - a_p) / (1 - a_t) * beta, rel=1e-5)
    # Eq. 11 (what the DDPM sampler computes from the predicted noise).
    eq11 = (x_t - beta / math.sqrt(1 - a_t) * eps) / math.sqrt(alpha)
    assert eq11 == pytest.approx(eq7, rel=1e-6)
    z = np.float32(0.3)
    step = schedule.ddpm_step([[x_t]], t, [[eps]], [[z]])
    assert float(step[0, 0]) == pytest.approx(eq11 + math.sqrt(float(var[0, 0])) * z,
                                              rel=1e-4)
    # sigma^2 = beta_t instead of the posterior variance.
    step = schedule.ddpm_step([[x_t]], t, [[eps]], [[z]], variance="beta")
    assert float(step[0, 0]) == pytest.approx(eq11 + math.sqrt(beta) * z, rel=1e-4)


def test_ddpm_adds_no_noise_on_the_last_step():
    schedule = NoiseSchedule("linear", timesteps=10)
    x, eps, z = tf.ones((1, 2)), tf.fill((1, 2), 0.5), tf.fill((1, 2), 3.0)
    for variance in ("posterior", "beta"):
        with_noise = schedule.ddpm_step(x, 0, eps, z, variance=variance)
        without = schedule.ddpm_step(x, 0, eps, tf.zeros((1, 2)), variance=variance)
        np.testing.assert_allclose(with_noise, without)
        np.testing.assert_allclose(without, schedule.predict_x0(x, 0, eps), rtol=1e-6)


def test_ddim_step_by_hand():
    schedule = NoiseSchedule("linear", timesteps=1000)
    t, t_prev, x_t, eps, z, eta = 700, 600, 0.8, 0.5, -0.7, 0.6
    a_t, a_p = schedule.alpha_bars[t], schedule.alpha_bars[t_prev]
    x0 = (x_t - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
    sigma = eta * math.sqrt((1 - a_p) / (1 - a_t)) * math.sqrt(1 - a_t / a_p)
    expected = (math.sqrt(a_p) * x0 + math.sqrt(1 - a_p - sigma ** 2) * eps
                + sigma * z)
    got = schedule.ddim_step([[x_t]], t, t_prev, [[eps]], eta=eta, noise=[[z]])
    assert float(got[0, 0]) == pytest.approx(expected, rel=1e-4)


def _dummy_eps(x, t):
    """A noise 'predictor' that depends on x and t: enough to make paths differ."""
    return 0.3 * x + tf.reshape(tf.cast(t, tf.float32), [-1, 1, 1, 1]) / 2000.0


def test_ddim_with_eta_zero_is_deterministic_and_eta_one_is_not():
    schedule = NoiseSchedule("linear", timesteps=1000)
    x_T = tf.random.stateless_normal((3, 4, 4, 1), seed=(1, 2))
    a = sample_loop(_dummy_eps, schedule, x_T, steps=20, eta=0.0, seed=(0, 0))
    b = sample_loop(_dummy_eps, schedule, x_T, steps=20, eta=0.0, seed=(5, 6))
    np.testing.assert_array_equal(a, b)
    c = sample_loop(_dummy_eps, schedule, x_T, steps=20, eta=1.0, seed=(0, 0))
    d = sample_loop(_dummy_eps, schedule, x_T, steps=20, eta=1.0, seed=(5, 6))
    assert not np.allclose(c, d)
    # The same seed gives the same stochastic samples.
    np.testing.assert_array_equal(
        c, sample_loop(_dummy_eps, schedule, x_T, steps=20, eta=1.0, seed=(0, 0)))


@pytest.mark.parametrize("steps, clip", [(1000, None), (1000, 1.0), (37, None)])
def test_ddim_with_eta_one_equals_ddpm(steps, clip):
    """All T steps (and respaced ones): DDIM eta = 1 is DDPM's ancestral sampler with
    the posterior variance (Song et al. 2020, sec. 4.1). The DDIM run is traced
    into one tf.while_loop, so this also checks the graph path against eager."""
    schedule = NoiseSchedule("linear", timesteps=1000)
    x_T = tf.random.stateless_normal((2, 3, 3, 1), seed=(3, 4))
    ddpm = sample_loop(_dummy_eps, schedule, x_T, steps=steps, sampler="ddpm",
                       seed=(7, 8), clip=clip)
    ddim = tf.function(lambda x: sample_loop(
        _dummy_eps, schedule, x, steps=steps, sampler="ddim", eta=1.0, seed=(7, 8),
        clip=clip))(x_T)
    np.testing.assert_allclose(ddim, ddpm, rtol=1e-4, atol=1e-4)
    if clip is not None:
        assert np.abs(ddpm.numpy()).max() <= clip + 1e-5


@pytest.mark.parametrize("sampler, steps", [("ddim", 10), ("ddpm", 1000), ("ddpm", 25)])
def test_an_oracle_for_one_image_denoises_any_noise_to_it(sampler, steps):
    schedule = NoiseSchedule("cosine", timesteps=1000)
    target = tf.constant([[[[0.5]], [[-0.25]]]])  # (1, 2, 1, 1)

    def oracle(x, t):
        return schedule.predict_noise(x, t, tf.broadcast_to(target, tf.shape(x)))

    x_T = tf.random.stateless_normal((5, 2, 1, 1), seed=(0, 1))
    out = sample_loop(oracle, schedule, x_T, steps=steps, sampler=sampler)
    np.testing.assert_allclose(out, np.broadcast_to(target, (5, 2, 1, 1)), atol=1e-4)


M, S = 1.5, 0.4


def _exact_eps_for_gaussian_data(schedule):
    """Data N(M, S^2): x_t is N(sqrt(a) M, a S^2 + 1 - a), so the best noise
    prediction is E[eps | x_t] = sqrt(1 - a) (x_t - sqrt(a) M) / (a S^2 + 1 - a)."""
    table = tf.constant(schedule.alpha_bars, tf.float32)

    def exact(x, t):
        a = tf.reshape(tf.gather(table, t), [-1, 1])
        return tf.sqrt(1 - a) * (x - tf.sqrt(a) * M) / (a * S ** 2 + 1 - a)
    return exact


def _sample_gaussian(sampler, steps):
    schedule = NoiseSchedule("linear", timesteps=1000)
    x_T = tf.random.stateless_normal((4000, 1), seed=(0, 3))
    run = tf.function(lambda x: sample_loop(_exact_eps_for_gaussian_data(schedule),
                                            schedule, x, steps=steps, sampler=sampler,
                                            seed=(1, 1)))
    return run(x_T).numpy()


@pytest.mark.parametrize("sampler", ["ddpm", "ddim"])
def test_samplers_with_the_exact_score_of_gaussian_data_sample_that_gaussian(sampler):
    """DDPM and deterministic DDIM over all T steps driven by the exact noise
    prediction return N(M, S^2) (4,000 samples: standard error of the std 0.005)."""
    out = _sample_gaussian(sampler, 1000)
    assert out.mean() == pytest.approx(M, abs=0.03)
    assert out.std() == pytest.approx(S, rel=0.03)


def test_ddim_discretisation_error_shrinks_with_more_steps():
    """Deterministic DDIM integrates an ODE (Song et al. 2020, sec. 4.3) with a
    first-order scheme: with few steps the samples come out too narrow, and the
    error shrinks as the steps grow."""
    errors = [abs(_sample_gaussian("ddim", steps).std() - S) for steps in (10, 50, 200)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[0] > 0.05


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
    from keras_genai.schedules import _timesteps

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


def test_sample_loop_with_steps_as_a_tensor_matches_python_steps():
    schedule = NoiseSchedule("linear", timesteps=200)
    x_T = tf.random.stateless_normal((2, 3, 3, 1), seed=(3, 4))
    graph = tf.function(lambda x, n: sample_loop(_dummy_eps, schedule, x, steps=n,
                                                 eta=0.5, seed=(1, 2)))
    for steps in (1, 7, 200):
        np.testing.assert_allclose(
            graph(x_T, tf.constant(steps)),
            sample_loop(_dummy_eps, schedule, x_T, steps=steps, eta=0.5, seed=(1, 2)),
            rtol=1e-5, atol=1e-5)


def test_timesteps_by_hand():
    schedule = NoiseSchedule("linear", timesteps=1000)
    np.testing.assert_array_equal(schedule.timesteps_for(4), [999, 749, 499, 249])
    np.testing.assert_array_equal(schedule.timesteps_for(4, "leading"),
                                  [750, 500, 250, 0])
    np.testing.assert_array_equal(schedule.timesteps_for(4, "linspace"),
                                  [999, 666, 333, 0])


def test_progress_callback_is_called_once_per_step():
    calls = []
    sample_loop(lambda x, t: tf.zeros_like(x), NoiseSchedule(timesteps=50),
                tf.ones((1, 2)), steps=7, callback=lambda i, n: calls.append((i, n)))
    assert calls == [(i, 7) for i in range(1, 8)]


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
    (lambda: NoiseSchedule(timesteps=10).ddim_step(tf.ones((1, 1)), 5, 4,
                                                   tf.ones((1, 1)), eta=-1.0), "eta"),
    (lambda: NoiseSchedule(timesteps=10).ddim_step(tf.ones((1, 1)), 5, 4,
                                                   tf.ones((1, 1)), eta=0.5), "noise"),
    (lambda: NoiseSchedule(timesteps=10).ddpm_step(tf.ones((1, 1)), 5, tf.ones((1, 1)),
                                                   tf.ones((1, 1)), variance="fixed"),
     "variance"),
    (lambda: sample_loop(lambda x, t: x, NoiseSchedule(timesteps=10), tf.ones((1, 1)),
                         steps=2, sampler="euler"), "sampler"),
    (lambda: sample_loop(lambda x, t: x, NoiseSchedule(timesteps=10), tf.ones((1, 1)),
                         steps=2, clip=0.0), "clip"),
])
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=f"{name}"):
        call()
