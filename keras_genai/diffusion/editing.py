"""SDEdit editing (Meng et al. 2022, "SDEdit: Guided Image Synthesis and
Editing with Stochastic Differential Equations"): noise an image to ``t0`` and
run the reverse chain from there, possibly under another condition. Small
``t0`` keeps the image; large ``t0`` follows the condition.

Like the other samplers of `keras_genai.diffusion`, it holds no network: it
takes ``eps_fn(x_t, t) -> eps`` and a `NoiseSchedule`.

Example:

>>> schedule = NoiseSchedule(timesteps=100)
>>> edited = sdedit_loop(lambda x, t: tf.zeros_like(x), schedule,
...                      tf.zeros((2, 4, 4, 1)), strength=0.5, steps=5)
"""

import tensorflow as tf

from keras_genai.diffusion.samplers import _check_schedule
from keras_genai.diffusion.samplers import run_chain
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_positive_int


def sdedit_start(schedule, strength):
    """The timestep ``t0`` at which SDEdit noises its input:
    ``round(strength * T) - 1``, at least 0.

    Example:

    >>> sdedit_start(NoiseSchedule(timesteps=1000), 0.4)
    399
    """
    strength = check_fraction("strength", strength, closed=True)
    if strength == 0:
        raise ValueError("`strength` must be in (0, 1]. Received: strength=0")
    return max(int(round(strength * schedule.timesteps)) - 1, 0)


def sdedit_steps(steps, strength, t0):
    """``round(strength * steps)`` clipped to ``[1, t0 + 1]``: the steps of an
    SDEdit chain from ``t0`` (`sdedit_loop`).

    Example:

    >>> sdedit_steps(50, 0.4, 399)
    20
    """
    return int(min(max(round(strength * steps), 1), t0 + 1))


def sdedit_loop(eps_fn, schedule, images, strength, steps=50, sampler="ddim",
                eta=0.0, seed=(0, 0), clip=None, callback=None):
    """SDEdit (Meng et al. 2022, Algorithm 1 with the VP-SDE, here its DDIM /
    DDPM discretisation): noise ``images`` to ``t0 = round(strength * T) - 1``
    in closed form, ``x_t0 = sqrt(alpha_bar_t0) x + sqrt(1 - alpha_bar_t0)
    eps`` (DDPM eq. 4), then denoise from ``t0`` with ``round(strength *
    steps)`` steps (at least 1) spaced over ``t0, ..., 0``: the step size of a
    ``steps``-step chain from pure noise, as diffusers' image-to-image
    pipelines do. ``eps_fn`` may carry another condition than the one the
    image was made with: that is the edit.

    Args:
        eps_fn: ``eps_fn(x_t, t) -> eps``.
        schedule: a `NoiseSchedule`.
        images: the images to edit, in the model's range.
        strength: ``t0 / T`` in ``(0, 1]``: 1 ignores the input (plain sampling),
            small values barely change it.
        steps: the steps of a whole chain; the edit takes ``round(strength *
            steps)`` of them, at most ``t0 + 1``.
        sampler, eta, clip, callback: as in `keras_genai.diffusion.sample_loop`.
        seed: two ints; the noise of ``x_t0`` comes from ``stateless_fold_in(seed,
            -1)``, the chain's as in `run_chain`.

    Returns:
        The edited images.

    Example:

    >>> out = sdedit_loop(lambda x, t: tf.zeros_like(x), NoiseSchedule(),
    ...                   tf.zeros((1, 4, 4, 1)), strength=0.4, steps=10)
    """
    _check_schedule(schedule)
    # 1. the start t0 = round(strength * T) - 1 and the steps of the chain from it
    t0 = sdedit_start(schedule, strength)
    steps = sdedit_steps(check_positive_int("steps", steps), strength, t0)
    x = tf.convert_to_tensor(images, tf.float32)
    seed = tf.cast(seed, tf.int32)
    # 2. perturb: x_t0 ~ q(x_t0 | x), Algorithm 1's x^(g) + sigma(t0) z written
    #    for the VP-SDE, which is DDPM eq. 4
    noise = tf.random.stateless_normal(
        tf.shape(x), tf.random.experimental.stateless_fold_in(seed, -1))
    x_t0 = schedule.q_sample(x, tf.fill(tf.shape(x)[:1], t0), noise)
    # 3. denoise: the reverse chain from t0 down to the clean image (Algorithm
    #    1's inner loop, here discretised by DDIM or DDPM)
    return run_chain(eps_fn, schedule, x_t0, schedule.timesteps_for(steps, start=t0),
                     sampler=sampler, eta=eta, seed=seed, clip=clip, callback=callback)


__all__ = ["sdedit_loop", "sdedit_start", "sdedit_steps"]
