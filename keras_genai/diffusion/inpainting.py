"""RePaint inpainting (Lugmayr et al. 2022, "RePaint: Inpainting using
Denoising Diffusion Probabilistic Models"): at every reverse step the known
pixels are replaced by the given image noised to the same level, so only the
hole is generated; and the chain repeatedly jumps back up (re-noises) and comes
down again, which gives the generated part time to agree with the known part.

Like the other samplers of `keras_genai.diffusion`, it holds no network: it
takes ``eps_fn(x_t, t) -> eps`` and a `NoiseSchedule`, so any trained noise
predictor works with no retraining, and the tests use dummy models.

Example:

>>> schedule = NoiseSchedule(timesteps=100)
>>> filled = repaint_loop(lambda x, t: tf.zeros_like(x), schedule,
...                       tf.zeros((2, 4, 4, 1)), tf.ones((2, 4, 4, 1)), steps=10)
"""

import numpy as np
import tensorflow as tf

from keras_genai.diffusion.samplers import _check_schedule
from keras_genai.diffusion.samplers import ddpm_step
from keras_genai.utils.checks import check_positive_int


def repaint_levels(steps, jump_length=10, resamplings=10):
    """The order in which RePaint visits the levels of a ``steps``-step chain:
    the resampling schedule of Lugmayr et al. 2022 (Algorithm 1, with the
    jumps of sec. 4.2 and fig. 3), as the authors' ``get_schedule_jump``
    (``guided_diffusion/scheduler.py`` in their repository
    ``andreas128/RePaint``) builds it with ``t_T = steps``, ``jump_length =
    jump_length``, ``jump_n_sample = resamplings`` and ``n_sample = 1`` (no
    second or third kind of jump); the paper uses 250 steps with
    ``jump_length = jump_n_sample = 10``.

    The authors' timesteps run from ``t_T - 1`` down to ``-1`` (the clean
    image); here ``level = timestep + 1``, so level ``steps`` is pure noise and
    level 0 the clean image, as ``t`` in Algorithm 1. The chain goes down one
    level at a time; each time it comes down to a level ``l`` with ``l - 1 =
    j * jump_length < steps - jump_length``, it goes back up ``jump_length``
    levels one at a time, ``resamplings - 1`` times per such level. The lowest
    jump starts at level 1: as in Algorithm 1, which resamples only while
    ``t > 1``, the finished ``x_0`` is never re-noised and the last step (level
    1 to 0) is taken once. The chain takes ``steps + len(range(0, steps -
    jump_length, jump_length)) * (resamplings - 1) * jump_length`` steps down
    (network calls).

    Args:
        steps: levels below pure noise, ``>= 1``.
        jump_length: how far each jump goes back up, ``>= 1``.
        resamplings: how many times each jump level is passed downwards
            (``1``: no jumps, the plain chain).

    Returns:
        A list of ints, from ``steps`` down to ``0``; neighbours differ by 1,
        and ``0`` comes only last.

    Example:

    >>> repaint_levels(4, jump_length=1, resamplings=2)
    [4, 3, 4, 3, 2, 3, 2, 1, 2, 1, 0]
    """
    steps = check_positive_int("steps", steps)
    jump_length = check_positive_int("jump_length", jump_length)
    resamplings = check_positive_int("resamplings", resamplings)
    # 1. jumps left at each of the authors' timesteps t = level - 1
    jumps = {j: resamplings - 1 for j in range(0, steps - jump_length, jump_length)}
    t, levels = steps, []
    while t >= 1:
        # 2. one step down (Algorithm 1, lines 5-8): x_t -> x_{t-1}
        t -= 1
        levels.append(t + 1)
        # 3. jump back up, re-noising one level at a time (lines 9-10)
        if jumps.get(t, 0) > 0:
            jumps[t] -= 1
            for _ in range(jump_length):
                t += 1
                levels.append(t + 1)
    # 4. the clean image x_0 (the authors' timestep -1)
    levels.append(0)
    return levels


def _level_timesteps(schedule, steps, spacing):
    """``timesteps[level]``: ``-1`` for level 0, the respaced chain above it."""
    return np.concatenate([[-1], schedule.timesteps_for(steps, spacing)[::-1]]
                          ).astype(np.int32)


def repaint_loop(eps_fn, schedule, images, known, steps=50, jump_length=10,
                 resamplings=10, seed=(0, 0), clip=None, spacing="trailing",
                 callback=None):
    """Fills the unknown pixels of ``images`` with RePaint (Lugmayr et al. 2022,
    Algorithm 1), on a chain of ``steps`` respaced DDPM steps.

    Going down from ``t`` to ``t_prev`` (Algorithm 1, lines 5-8):

        x_known   = sqrt(alpha_bar_prev) x_0 + sqrt(1 - alpha_bar_prev) eps  (eq. 8)
        x_unknown ~ p_theta(x_prev | x_t), the DDPM step            (eq. 9)
        x_prev    = m * x_known + (1 - m) * x_unknown                (eq. 10)

    (at ``t_prev = -1``, the last step, ``x_known`` is ``x_0`` itself). Going
    back up from ``t_prev`` to ``t`` (line 10, sec. 4.2) samples ``q(x_t |
    x_prev)`` (`NoiseSchedule.q_forward`). `repaint_levels` gives the order.

    With ``steps < T`` the DDPM step uses the respaced posterior (Nichol &
    Dhariwal 2021, sec. 4) and the jump back the matching ``q(x_t | x_prev)``,
    so the chain is the paper's on a coarser grid; the paper itself uses 250
    steps of a 1,000-step model with ``jump_length = resamplings = 10``.

    Args:
        eps_fn: ``eps_fn(x_t, t) -> eps``.
        schedule: a `NoiseSchedule`.
        images: the images to inpaint ``(batch, ...)``, in the model's range;
            the values under the hole are ignored.
        known: 1 where a pixel is known, 0 in the hole; broadcastable to
            ``images``.
        steps: levels of the respaced chain, ``1 <= steps <= T``.
        jump_length: see `repaint_levels`.
        resamplings: see `repaint_levels`.
        seed: two ints; transition ``i`` draws from ``stateless_fold_in(seed, i)``.
        clip: clip the predicted ``x_0`` to ``[-clip, clip]`` (``None``: no
            clipping).
        spacing: see `NoiseSchedule.timesteps_for`.
        callback: called as ``callback(i + 1, n)`` after each of the ``n``
            transitions (eagerly only).

    Returns:
        The inpainted images; the known pixels equal ``images`` there.

    Example:

    >>> filled = repaint_loop(lambda x, t: tf.zeros_like(x), NoiseSchedule(),
    ...                       tf.zeros((1, 4, 4, 1)), tf.ones((1, 4, 4, 1)),
    ...                       steps=5, jump_length=2, resamplings=2)
    """
    _check_schedule(schedule)
    x0 = tf.convert_to_tensor(images, tf.float32)
    known = tf.convert_to_tensor(known, tf.float32)
    try:
        known = tf.broadcast_to(known, tf.shape(x0))
    except (tf.errors.InvalidArgumentError, ValueError) as error:
        raise ValueError("`known` must broadcast to the images' shape "
                         f"{tuple(x0.shape)}. Received: known of shape "
                         f"{tuple(known.shape)}") from error
    # 1. the transitions: the resampling schedule of levels, as timesteps of
    #    the respaced chain (level 0 is t = -1, the clean image)
    timesteps = _level_timesteps(schedule, steps, spacing)
    levels = np.asarray(repaint_levels(steps, jump_length, resamplings))
    t_from, t_to = timesteps[levels[:-1]], timesteps[levels[1:]]
    seed = tf.cast(seed, tf.int32)
    batch = tf.shape(x0)[:1]
    # 2. x_T ~ N(0, I) (Algorithm 1, line 1)
    x = tf.random.stateless_normal(tf.shape(x0), tf.random.experimental
                                   .stateless_fold_in(seed, len(t_from)))

    def transition(i, x):
        s, t = (tf.fill(batch, v) for v in (t_from[i], t_to[i]))
        key = tf.random.experimental.stateless_fold_in(seed, i)
        z = tf.random.stateless_normal(tf.shape(x), key)
        if t_to[i] > t_from[i]:
            # 3. back up one level: x_t ~ q(x_t | x_prev) (Algorithm 1, line 10)
            return schedule.q_forward(x, s, t, z)
        z_known = tf.random.stateless_normal(
            tf.shape(x), tf.random.experimental.stateless_fold_in(key, 1))
        # 4. down one level, the hole: x_unknown ~ p_theta(x_prev | x_t) (eq. 9,
        #    the DDPM step, Ho et al. 2020 Algorithm 2)
        unknown = ddpm_step(schedule, x, s, eps_fn(x, s), z, t_prev=t, clip=clip)
        # 5. the known pixels noised to the same level (eq. 8)
        known_part = schedule.q_forward(x0, -1, t, z_known)
        # 6. x_prev = m * x_known + (1 - m) * x_unknown (eq. 10)
        return known * known_part + (1.0 - known) * unknown

    n = len(t_from)
    for i in range(n):
        x = transition(i, x)
        if callback is not None:
            callback(i + 1, n)
    return x


__all__ = ["repaint_levels", "repaint_loop"]
