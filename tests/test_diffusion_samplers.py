"""keras_genai.diffusion.samplers in the diffusers style: the DDPM and DDIM
steps and the chains, with dummy noise predictors, hand-computed formulas and
exact predictors of Gaussian data (no network)."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_genai.diffusion import ddim_step
from keras_genai.diffusion import ddpm_step
from keras_genai.diffusion import NoiseSchedule
from keras_genai.diffusion import run_chain
from keras_genai.diffusion import sample_loop


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
    step = ddpm_step(schedule, [[x_t]], t, [[eps]], [[z]])
    assert float(step[0, 0]) == pytest.approx(eq11 + math.sqrt(float(var[0, 0])) * z,
                                              rel=1e-4)
    # sigma^2 = beta_t instead of the posterior variance.
    step = ddpm_step(schedule, [[x_t]], t, [[eps]], [[z]], variance="beta")
    assert float(step[0, 0]) == pytest.approx(eq11 + math.sqrt(beta) * z, rel=1e-4)


def test_ddpm_adds_no_noise_on_the_last_step():
    schedule = NoiseSchedule("linear", timesteps=10)
    x, eps, z = tf.ones((1, 2)), tf.fill((1, 2), 0.5), tf.fill((1, 2), 3.0)
    for variance in ("posterior", "beta"):
        with_noise = ddpm_step(schedule, x, 0, eps, z, variance=variance)
        without = ddpm_step(schedule, x, 0, eps, tf.zeros((1, 2)), variance=variance)
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
    got = ddim_step(schedule, [[x_t]], t, t_prev, [[eps]], eta=eta, noise=[[z]])
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


def test_progress_callback_is_called_once_per_step():
    calls = []
    sample_loop(lambda x, t: tf.zeros_like(x), NoiseSchedule(timesteps=50),
                tf.ones((1, 2)), steps=7, callback=lambda i, n: calls.append((i, n)))
    assert calls == [(i, 7) for i in range(1, 8)]


def test_run_chain_from_the_top_is_sample_loop():
    schedule = NoiseSchedule("linear", timesteps=100)
    x_T = tf.random.stateless_normal((2, 3, 3, 1), seed=(5, 6))
    np.testing.assert_array_equal(
        run_chain(_dummy_eps, schedule, x_T, schedule.timesteps_for(8), eta=0.5,
                  seed=(1, 2)),
        sample_loop(_dummy_eps, schedule, x_T, steps=8, eta=0.5, seed=(1, 2)))


@pytest.mark.parametrize("call, name", [
    (lambda: ddim_step(NoiseSchedule(timesteps=10), tf.ones((1, 1)), 5, 4,
                       tf.ones((1, 1)), eta=-1.0), "eta"),
    (lambda: ddim_step(NoiseSchedule(timesteps=10), tf.ones((1, 1)), 5, 4,
                       tf.ones((1, 1)), eta=0.5), "noise"),
    (lambda: ddpm_step(NoiseSchedule(timesteps=10), tf.ones((1, 1)), 5, tf.ones((1, 1)),
                       tf.ones((1, 1)), variance="fixed"), "variance"),
    (lambda: sample_loop(lambda x, t: x, NoiseSchedule(timesteps=10), tf.ones((1, 1)),
                         steps=2, sampler="euler"), "sampler"),
    (lambda: sample_loop(lambda x, t: x, NoiseSchedule(timesteps=10), tf.ones((1, 1)),
                         steps=2, clip=0.0), "clip"),
    (lambda: sample_loop(lambda x, t: x, "linear", tf.ones((1, 1)), steps=2),
     "schedule"),
    (lambda: run_chain(lambda x, t: x, None, tf.ones((1, 1)), [1, 0]), "schedule"),
])
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=f"{name}"):
        call()
