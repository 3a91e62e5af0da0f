"""The reverse (denoising) process: one DDPM step, one DDIM step, and the
chains that repeat them. No network in here: a sampler only needs a function
``eps_fn(x_t, t)`` that predicts the noise, so the samplers are tested with
dummy models (diffusers style) and any network can be plugged in.

* `ddpm_step`: Ho et al. (2020), "Denoising Diffusion Probabilistic Models",
  Algorithm 2 and eq. 11, as the posterior of eqs. 6-7 at the predicted
  ``x_0``; respaced (fewer, larger steps) as in Nichol & Dhariwal (2021),
  sec. 4.
* `ddim_step`: Song et al. (2020), "Denoising Diffusion Implicit Models",
  eq. 12 with the ``sigma`` of eq. 16.
* `sample_loop`: the chain from pure noise; `run_chain`: the chain from any
  level (SDEdit starts part-way).

Timesteps are zero-based, as in `keras_genai.diffusion.NoiseSchedule`: ``t =
0 .. T-1`` is the papers' ``t = 1 .. T`` and ``t_prev = -1`` the clean image.

Example:

>>> schedule = NoiseSchedule("linear", timesteps=1000)
>>> images = sample_loop(lambda x, t: tf.zeros_like(x), schedule,
...                      tf.random.normal((2, 4, 4, 1)), steps=10)
"""

import numpy as np
import tensorflow as tf

from keras_genai.diffusion.schedule import _f32
from keras_genai.diffusion.schedule import _timesteps
from keras_genai.diffusion.schedule import NoiseSchedule
from keras_genai.diffusion.schedule import SPACINGS
from keras_genai.utils.checks import check_choice

SAMPLERS = ("ddim", "ddpm")
VARIANCES = ("posterior", "beta")


def _check_schedule(schedule):
    """Returns ``schedule`` if it is a `NoiseSchedule`, else raises a
    ``TypeError`` (the samplers of this package call it first)."""
    if not isinstance(schedule, NoiseSchedule):
        raise TypeError("`schedule` must be a keras_genai.diffusion.NoiseSchedule. "
                        f"Received: schedule={schedule!r}")
    return schedule


def _clip(x0, clip):
    """``x0`` clipped to ``[-clip, clip]`` (``clip=None``: unchanged)."""
    if clip is None:
        return x0
    if not clip > 0:
        raise ValueError(f"`clip` must be > 0 or None. Received: clip={clip}")
    return tf.clip_by_value(x0, -float(clip), float(clip))


def ddpm_step(schedule, x_t, t, eps, noise, t_prev=None, variance="posterior",
              clip=None):
    """One ancestral step of DDPM sampling (Ho et al. 2020, Algorithm 2, eq. 11):

        x_{t-1} = 1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - alpha_bar_t) eps)
                  + sigma_t z

    computed as the posterior mean (eq. 7) at ``x0_hat = predict_x0(x_t, t,
    eps)`` (eq. 15), which is the same thing and lets ``x0_hat`` be clipped to
    the data range first. ``sigma_t^2`` is ``beta~_t`` (``"posterior"``, eq. 7)
    or ``beta_t`` (``"beta"``); Ho et al. found both to work (sec. 3.2). No
    noise is added on the last step (``t_prev = -1``; Algorithm 2, line 3).

    Args:
        schedule: a `NoiseSchedule`.
        x_t: current images.
        t: their timesteps.
        eps: the predicted noise.
        noise: ``z ~ N(0, I)``.
        t_prev: where to step to (default ``t - 1``; fewer, larger steps use
            the respaced betas of Nichol & Dhariwal sec. 4).
        variance: ``"posterior"`` or ``"beta"``.
        clip: clip ``x0_hat`` to ``[-clip, clip]`` (``None``: no clipping).

    Returns:
        ``x_{t_prev}``.

    Example:

    >>> s = NoiseSchedule()
    >>> ddpm_step(s, tf.zeros((1, 2)), 0, tf.zeros((1, 2)), tf.ones((1, 2))).shape
    TensorShape([1, 2])
    """
    check_choice("variance", variance, VARIANCES)
    x_t = tf.convert_to_tensor(x_t, tf.float32)
    if t_prev is None:
        t_prev = tf.cast(t, tf.int32) - 1
    # 1. x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t) (eq. 15),
    #    clipped to the data range
    x0 = _clip(schedule.predict_x0(x_t, t, eps), clip)
    # 2. the posterior q(x_{t_prev} | x_t, x0_hat): mean mu~ and variance beta~
    #    (eqs. 6-7); at x0_hat the mean equals eq. 11
    mean, var = schedule.posterior_mean_variance(x0, x_t, t, t_prev)
    if variance == "beta":
        # 3. or sigma^2 = beta = 1 - alpha_bar_t / alpha_bar_prev (sec. 3.2),
        #    0 on the last step
        rank = x_t.shape.rank
        var = 1.0 - schedule._alpha_bar(t, rank) / schedule._alpha_bar(t_prev, rank,
                                                                        True)
        last = tf.reshape(tf.cast(t_prev, tf.int32) < 0, [-1] + [1] * (rank - 1))
        var = tf.cast(tf.where(last, tf.zeros_like(var), var), tf.float32)
    # 4. x_{t_prev} = mu~ + sigma z (Algorithm 2, line 4)
    return mean + tf.sqrt(var) * tf.cast(noise, tf.float32)


def ddim_step(schedule, x_t, t, t_prev, eps, eta=0.0, noise=None, clip=None):
    """One DDIM step (Song et al. 2020, eq. 12) with ``sigma`` from eq. 16:

        x_prev = sqrt(alpha_bar_prev) x0_hat
                 + sqrt(1 - alpha_bar_prev - sigma^2) eps + sigma z,
        sigma = eta sqrt((1 - alpha_bar_prev) / (1 - alpha_bar_t))
                    sqrt(1 - alpha_bar_t / alpha_bar_prev).

    ``eta = 0`` is the deterministic DDIM; ``eta = 1`` is DDPM's ancestral step
    with the posterior variance. If ``x0_hat`` is clipped, ``eps`` is
    recomputed from the clipped ``x0_hat`` so both stay consistent (and the
    ``eta = 1`` step still equals `ddpm_step`).

    Args:
        schedule: a `NoiseSchedule`.
        x_t: current images.
        t: their timesteps.
        t_prev: where to step to (``-1`` is the clean image).
        eps: the predicted noise.
        eta: the stochasticity ``eta >= 0`` (a float or a scalar tensor).
        noise: ``z ~ N(0, I)``; may be ``None`` when ``eta`` is the number 0.
        clip: clip ``x0_hat`` to ``[-clip, clip]`` (``None``: no clipping).

    Returns:
        ``x_{t_prev}``.

    Example:

    >>> s = NoiseSchedule()
    >>> ddim_step(s, tf.zeros((1, 2)), 999, 899, tf.zeros((1, 2))).shape
    TensorShape([1, 2])
    """
    if isinstance(eta, (int, float)) and not eta >= 0:
        raise ValueError(f"`eta` must be >= 0. Received: eta={eta}")
    if noise is None and not (isinstance(eta, (int, float)) and eta == 0):
        raise ValueError(f"`noise` is needed when eta != 0. Received: eta={eta}")
    x_t = tf.convert_to_tensor(x_t, tf.float32)
    rank = x_t.shape.rank
    # 1. alpha_bar_t and alpha_bar_prev (1 for the clean image)
    a_t = schedule._alpha_bar(t, rank)
    a_prev = schedule._alpha_bar(t_prev, rank, prev=True)
    eps = tf.cast(eps, tf.float32)
    # 2. the "predicted x_0" of eq. 12 (eq. 9 inverted)
    x0 = schedule.predict_x0(x_t, t, eps)
    if clip is not None:
        # 3. clipped, with the noise that the clipped x_0 implies
        x0 = _clip(x0, clip)
        eps = schedule.predict_noise(x_t, t, x0)
    # 4. sigma_t(eta) (eq. 16)
    sigma = (tf.cast(eta, tf.float64) * tf.sqrt((1.0 - a_prev) / (1.0 - a_t))
             * tf.sqrt(1.0 - a_t / a_prev))
    # 5. x_prev = sqrt(a_prev) x0 + sqrt(1 - a_prev - sigma^2) eps + sigma z
    #    (eq. 12: "predicted x_0", "direction pointing to x_t", random noise)
    c0, c1, sigma = _f32(tf.sqrt(a_prev),
                         tf.sqrt(tf.maximum(1.0 - a_prev - sigma ** 2, 0.0)), sigma)
    x_prev = c0 * x0 + c1 * eps
    if noise is not None:
        x_prev = x_prev + sigma * tf.cast(noise, tf.float32)
    return x_prev


def sample_loop(eps_fn, schedule, noise, steps=50, sampler="ddim", eta=0.0,
                seed=(0, 0), clip=None, spacing="trailing", callback=None):
    """Runs a sampler from ``x_T = noise`` down to ``x_0`` (DDPM Algorithm 2,
    or DDIM on a subsequence of the timesteps, Song et al. 2020, sec. 4.2).

    Eagerly the loop is a Python loop (``callback(step, steps)`` after each step,
    for a progress bar); inside a ``tf.function`` it is one ``tf.while_loop``, so a
    SavedModel can sample in its graph. Step ``i`` draws its noise from
    ``stateless_fold_in(seed, i)``: the same seed gives the same images.

    Args:
        eps_fn: ``eps_fn(x_t, t) -> eps``, ``t`` an int32 vector of one timestep
            per image.
        schedule: a `NoiseSchedule`.
        noise: ``x_T``, shape ``(batch, ...)``.
        steps: how many denoising steps (``T`` for the full DDPM chain); an int,
            or a scalar int32 tensor inside a ``tf.function``.
        sampler: ``"ddim"`` (`ddim_step`) or ``"ddpm"`` (`ddpm_step`, respaced
            when ``steps < T``).
        eta: DDIM's stochasticity (ignored by DDPM).
        seed: two ints (or an int32 tensor of shape ``(2,)``).
        clip: clip the predicted ``x_0`` to ``[-clip, clip]`` at every step.
        spacing: see `NoiseSchedule.timesteps_for`.
        callback: eager only: called as ``callback(i + 1, steps)``.

    Returns:
        The sampled images ``x_0``.

    Example:

    >>> s = NoiseSchedule(timesteps=100)
    >>> x = sample_loop(lambda x, t: tf.zeros_like(x), s, tf.ones((1, 2)), steps=5)
    """
    check_choice("sampler", sampler, SAMPLERS)
    _check_schedule(schedule)
    # 1. the timesteps T-1 = t_1 > ... > t_steps the chain visits
    if isinstance(steps, tf.Tensor):  # chosen at run time (an exported sampler)
        steps = tf.clip_by_value(tf.cast(steps, tf.int32), 1, schedule.timesteps)
        check_choice("spacing", spacing, SPACINGS)
        timesteps = _timesteps(schedule.timesteps, steps, spacing)
    else:
        timesteps = schedule.timesteps_for(steps, spacing)
    # 2. denoise x_T through them
    return run_chain(eps_fn, schedule, noise, timesteps, sampler=sampler, eta=eta,
                     seed=seed, clip=clip, callback=callback)


def run_chain(eps_fn, schedule, x, timesteps, sampler="ddim", eta=0.0,
              seed=(0, 0), clip=None, callback=None):
    """Denoises ``x``, which is at ``timesteps[0]``, through the given
    descending ``timesteps`` down to the clean image: the loop of `sample_loop`
    (DDPM Algorithm 2, lines 2-5), for a chain that does not start from pure
    noise (SDEdit starts part-way).

    Args:
        eps_fn: ``eps_fn(x_t, t) -> eps``.
        schedule: a `NoiseSchedule`.
        x: images at ``timesteps[0]``.
        timesteps: descending int timesteps (a NumPy array, or an int32 tensor
            inside a ``tf.function``).
        sampler, eta, seed, clip, callback: as in `sample_loop`.

    Returns:
        The images at ``t = -1`` (clean).

    Example:

    >>> s = NoiseSchedule(timesteps=100)
    >>> x = run_chain(lambda x, t: tf.zeros_like(x), s, tf.ones((1, 2)), [49, 24])
    """
    check_choice("sampler", sampler, SAMPLERS)
    _check_schedule(schedule)
    # 1. pair each timestep with the next one; the last goes to -1, the clean image
    if isinstance(timesteps, tf.Tensor):
        timesteps = tf.cast(timesteps, tf.int32)
        previous = tf.concat([timesteps[1:], [-1]], 0)
        n = tf.size(timesteps)
    else:
        timesteps = np.asarray(timesteps, np.int32)
        previous = np.append(timesteps[1:], -1).astype(np.int32)
        n = len(timesteps)
    x = tf.convert_to_tensor(x, tf.float32)
    seed = tf.cast(seed, tf.int32)
    draws_noise = sampler == "ddpm" or not (isinstance(eta, (int, float)) and eta == 0)
    batch = tf.shape(x)[:1]

    def step(i, x):
        t = tf.fill(batch, tf.gather(timesteps, i))
        t_prev = tf.fill(batch, tf.gather(previous, i))
        # 2. the predicted noise eps_theta(x_t, t)
        eps = eps_fn(x, t)
        # 3. z ~ N(0, I) from the step's own seed (Algorithm 2, line 3)
        z = (tf.random.stateless_normal(tf.shape(x), tf.random.experimental
                                        .stateless_fold_in(seed, i))
             if draws_noise else None)
        # 4. x_{t_prev} by the chosen step
        if sampler == "ddpm":
            return ddpm_step(schedule, x, t, eps, z, t_prev=t_prev, clip=clip)
        return ddim_step(schedule, x, t, t_prev, eps, eta=eta, noise=z, clip=clip)

    if tf.executing_eagerly() and not isinstance(n, tf.Tensor):
        for i in range(n):
            x = step(tf.constant(i), x)
            if callback is not None:
                callback(i + 1, n)
        return x
    _, x = tf.while_loop(lambda i, x: i < n, lambda i, x: (i + 1, step(i, x)),
                         (tf.constant(0), x))
    return x


__all__ = ["ddim_step", "ddpm_step", "run_chain", "sample_loop"]
