"""The forward (noising) process of a diffusion model: the variance schedules
and `NoiseSchedule`, which holds them and the closed forms built on them. No
network and no sampler in here (the samplers are in
`keras_genai.diffusion.samplers`).

Everything follows Ho et al. (2020), "Denoising Diffusion Probabilistic Models"
(DDPM), and Nichol & Dhariwal (2021), "Improved Denoising Diffusion
Probabilistic Models". Timesteps are zero-based: ``t = 0 .. T-1`` here is the
papers' ``t = 1 .. T``, and ``t_prev = -1`` stands for the clean image
(``alpha_bar = 1``).

Where the course notes differ: they write the forward process in closed form as
``x_t = sqrt(a_t) x_0 + (1 - a_t) eps``. The correct form (DDPM eq. 4) uses the
*cumulative* product ``alpha_bar_t = prod_{s<=t} (1 - beta_s)`` and the *square
root* of ``1 - alpha_bar_t``: ``x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t)
eps``. Likewise the posterior mean in terms of the noise (DDPM eq. 11) is
``1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - alpha_bar_t) eps)``; the notes write
``(1 - a_t) / sqrt(1 - a_t)`` for the coefficient and, in one place, ``x_0`` for
``x_t``.

Example:

>>> schedule = NoiseSchedule("linear", timesteps=1000)
>>> x0 = tf.zeros((2, 4, 4, 1))
>>> x_t = schedule.q_sample(x0, tf.constant([0, 999]), tf.ones((2, 4, 4, 1)))
"""

import keras
import numpy as np
import tensorflow as tf

from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_positive_int

SCHEDULES = ("linear", "cosine")
SPACINGS = ("trailing", "leading", "linspace")


def linear_beta_schedule(timesteps=1000, beta_start=1e-4, beta_end=0.02):
    """Ho et al. (2020), sec. 4: betas rising linearly from 1e-4 to 0.02 over T = 1000.

    Args:
        timesteps: the number of diffusion steps ``T``.
        beta_start: ``beta_1``.
        beta_end: ``beta_T``.

    Returns:
        float64 array of shape ``(timesteps,)``.

    Example:

    >>> linear_beta_schedule(3, 0.1, 0.3)
    array([0.1, 0.2, 0.3])
    """
    timesteps = check_positive_int("timesteps", timesteps)
    if not 0.0 < beta_start <= beta_end < 1.0:
        raise ValueError(
            "Need 0 < beta_start <= beta_end < 1. "
            f"Received: beta_start={beta_start}, beta_end={beta_end}")
    return np.linspace(beta_start, beta_end, timesteps, dtype=np.float64)


def cosine_beta_schedule(timesteps=1000, s=0.008, max_beta=0.999):
    """Nichol & Dhariwal (2021), eq. 17: ``alpha_bar_t = f(t) / f(0)`` with
    ``f(t) = cos(((t/T + s) / (1 + s)) * pi/2)^2``, ``beta_t = 1 - alpha_bar_t /
    alpha_bar_{t-1}`` clipped to ``max_beta`` (their sec. 3.2).

    Args:
        timesteps: the number of diffusion steps ``T``.
        s: the small offset that keeps ``beta_1`` from being too small.
        max_beta: the clip that avoids the singularity at ``t = T``.

    Returns:
        float64 array of shape ``(timesteps,)``.

    Example:

    >>> betas = cosine_beta_schedule(1000)
    >>> float(np.prod(1 - betas)) < 1e-6
    True
    """
    timesteps = check_positive_int("timesteps", timesteps)
    if not s >= 0.0:
        raise ValueError(f"`s` must be >= 0. Received: s={s}")
    if not 0.0 < max_beta < 1.0:
        raise ValueError(f"`max_beta` must be in (0, 1). Received: max_beta={max_beta}")
    f = np.cos((np.arange(timesteps + 1, dtype=np.float64) / timesteps + s)
               / (1.0 + s) * np.pi / 2.0) ** 2
    alpha_bar = f / f[0]
    return np.clip(1.0 - alpha_bar[1:] / alpha_bar[:-1], 0.0, max_beta)


def _per_example(table, index, rank):
    """``table[index]`` in float64, shaped to broadcast against a rank-``rank`` x.

    The coefficients are computed in float64 and cast to float32 only when they
    meet the images: ``1 - alpha_bar_t / alpha_bar_{t-1}`` near ``t = 0`` loses
    three significant digits in float32.
    """
    values = tf.gather(tf.constant(table, tf.float64), tf.cast(index, tf.int32))
    return tf.reshape(values, [-1] + [1] * (rank - 1))


def _f32(*values):
    """The float64 coefficients cast to float32, where they meet the images."""
    return [tf.cast(v, tf.float32) for v in values]


# Registered as "keras_genai>NoiseSchedule", the name it had in
# keras_genai.schedules: .keras files saved before the package still load.
@keras.saving.register_keras_serializable(package="keras_genai")
class NoiseSchedule:
    """The variance schedule of a diffusion process and the forward-process
    maths built on it (DDPM eqs. 2, 4, 6-7, 15); the reverse steps that use it
    are `keras_genai.diffusion.ddpm_step` and `ddim_step`.

    Holds ``betas`` (``beta_t``), ``alphas = 1 - betas`` and ``alpha_bars``
    (``alpha_bar_t = prod_{s<=t} alpha_s``) as float64 NumPy arrays; its methods
    take and return float32 tensors and work eagerly and inside ``tf.function``.
    Each method's docstring names the equation it implements. ``t`` is a scalar or
    one int per example (zero-based, see the module docstring).

    Args:
        schedule: ``"linear"`` (Ho et al.) or ``"cosine"`` (Nichol & Dhariwal).
        timesteps: ``T``.
        betas: optional explicit betas (overrides ``schedule`` and ``timesteps``).

    Example:

    >>> schedule = NoiseSchedule("cosine", timesteps=1000)
    >>> schedule.alpha_bars.shape
    (1000,)
    """

    def __init__(self, schedule="linear", timesteps=1000, betas=None):
        if betas is not None:
            betas = np.asarray(betas, dtype=np.float64)
            if betas.ndim != 1 or betas.size == 0 or not (
                    np.all(betas > 0) and np.all(betas < 1)):
                raise ValueError("`betas` must be a non-empty 1-D sequence in (0, 1). "
                                 f"Received: betas={betas!r}")
            self.schedule = "custom"
        else:
            check_choice("schedule", schedule, SCHEDULES)
            betas = (linear_beta_schedule(timesteps) if schedule == "linear"
                     else cosine_beta_schedule(timesteps))
            self.schedule = schedule
        self.betas = betas
        self.timesteps = int(betas.size)
        self.alphas = 1.0 - betas
        self.alpha_bars = np.cumprod(self.alphas)
        # alpha_bar at t_prev = -1 (the clean image) is 1: index with t_prev + 1.
        self._alpha_bars_prev = np.concatenate([[1.0], self.alpha_bars])

    def get_config(self):
        """Returns the constructor arguments (the betas themselves if custom)."""
        if self.schedule == "custom":
            return {"betas": self.betas.tolist()}
        return {"schedule": self.schedule, "timesteps": self.timesteps}

    @classmethod
    def from_config(cls, config):
        """Rebuilds the schedule from `get_config`."""
        return cls(**config)

    def __repr__(self):
        return f"NoiseSchedule(schedule={self.schedule!r}, timesteps={self.timesteps})"

    def _check_t(self, t):
        if isinstance(t, (int, np.integer)) and not 0 <= t < self.timesteps:
            raise ValueError(f"`t` must be in [0, {self.timesteps - 1}]. Received: t={t}")

    def _alpha_bar(self, t, rank, prev=False):
        """``alpha_bar_t`` in float64, shaped for a rank-``rank`` batch (also
        read by the samplers of this package). With ``prev=True``, ``t`` is a
        ``t_prev`` and may be ``-1`` (the clean image, ``alpha_bar = 1``)."""
        if prev:  # t is t_prev, which may be -1
            return _per_example(self._alpha_bars_prev, tf.cast(t, tf.int32) + 1, rank)
        return _per_example(self.alpha_bars, t, rank)

    def snr(self, t):
        """The signal-to-noise ratio of ``x_t``: ``alpha_bar_t / (1 - alpha_bar_t)``
        (Kingma et al. 2021, "Variational Diffusion Models", eq. 2).

        Args:
            t: timesteps, scalar or ``(batch,)``.

        Returns:
            float32 ``(batch,)``.

        Example:

        >>> float(NoiseSchedule(betas=[0.5]).snr(0)[0])
        1.0
        """
        self._check_t(t)
        a = self._alpha_bar(t, rank=1)
        return tf.cast(a / (1.0 - a), tf.float32)

    def q_sample(self, x0, t, noise):
        """Samples ``q(x_t | x_0)`` in closed form (DDPM eq. 4):
        ``x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps``.

        Args:
            x0: clean images ``(batch, ...)``.
            t: timesteps, scalar or ``(batch,)``.
            noise: ``eps ~ N(0, I)``, same shape as ``x0``.

        Returns:
            ``x_t``, same shape as ``x0``.

        Example:

        >>> NoiseSchedule().q_sample(tf.ones((1, 2)), 0, tf.zeros((1, 2))).shape
        TensorShape([1, 2])
        """
        self._check_t(t)
        x0 = tf.convert_to_tensor(x0, tf.float32)
        # 1. alpha_bar_t = prod_{s<=t} (1 - beta_s), one per example
        a = self._alpha_bar(t, x0.shape.rank)
        # 2. x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps (eq. 4)
        c0, c1 = _f32(tf.sqrt(a), tf.sqrt(1.0 - a))
        return c0 * x0 + c1 * tf.cast(noise, tf.float32)

    def q_step(self, x_prev, t, noise):
        """One forward step ``q(x_t | x_{t-1})`` (DDPM eq. 2):
        ``x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps``.

        Args:
            x_prev: ``x_{t-1}`` ``(batch, ...)``.
            t: timesteps, scalar or ``(batch,)``.
            noise: ``eps ~ N(0, I)``.

        Returns:
            ``x_t``.

        Example:

        >>> NoiseSchedule().q_step(tf.ones((1, 2)), 0, tf.zeros((1, 2))).shape
        TensorShape([1, 2])
        """
        self._check_t(t)
        x_prev = tf.convert_to_tensor(x_prev, tf.float32)
        beta = _per_example(self.betas, t, x_prev.shape.rank)
        # x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps (eq. 2)
        c0, c1 = _f32(tf.sqrt(1.0 - beta), tf.sqrt(beta))
        return c0 * x_prev + c1 * tf.cast(noise, tf.float32)

    def q_forward(self, x_s, s, t, noise):
        """Samples ``q(x_t | x_s)`` for ``s < t`` (``s = -1``: the clean image):
        ``x_t = sqrt(alpha_bar_t / alpha_bar_s) x_s + sqrt(1 - alpha_bar_t /
        alpha_bar_s) eps``. The forward process is Markov with Gaussian steps, so
        any number of steps composes into one (DDPM eq. 4 is ``s = -1``, eq. 2
        is ``s = t - 1``); RePaint uses it to jump back up a respaced chain.

        Args:
            x_s: images at ``s``.
            s: their timesteps, ``-1 <= s``, scalar or ``(batch,)``.
            t: the timesteps to noise to, ``s <= t <= T - 1`` (``t = s`` returns
                ``x_s``).
            noise: ``eps ~ N(0, I)``.

        Returns:
            ``x_t``.

        Example:

        >>> s = NoiseSchedule()
        >>> x = s.q_forward(tf.ones((1, 2)), -1, 499, tf.zeros((1, 2)))
        """
        x_s = tf.convert_to_tensor(x_s, tf.float32)
        rank = x_s.shape.rank
        # 1. the product of the alphas from s + 1 to t: alpha_bar_t / alpha_bar_s
        ratio = self._alpha_bar(t, rank, prev=True) / self._alpha_bar(s, rank, prev=True)
        # 2. eq. 4 from x_s instead of x_0
        c0, c1 = _f32(tf.sqrt(ratio), tf.sqrt(tf.maximum(1.0 - ratio, 0.0)))
        return c0 * x_s + c1 * tf.cast(noise, tf.float32)

    def predict_x0(self, x_t, t, eps):
        """Inverts eq. 4 for ``x_0`` given the noise (DDPM eq. 15 / DDIM eq. 9):
        ``x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t)``.

        Args:
            x_t: noisy images.
            t: timesteps.
            eps: the (predicted) noise.

        Returns:
            ``x0_hat``.

        Example:

        >>> s = NoiseSchedule()
        >>> x_t = s.q_sample(tf.ones((1, 2)), 10, tf.zeros((1, 2)))
        >>> s.predict_x0(x_t, 10, tf.zeros((1, 2))).numpy().round(5)
        array([[1., 1.]], dtype=float32)
        """
        x_t = tf.convert_to_tensor(x_t, tf.float32)
        a = self._alpha_bar(t, x_t.shape.rank)
        # x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t) (eq. 15)
        c0, c1 = _f32(tf.sqrt(1.0 - a), 1.0 / tf.sqrt(a))
        return (x_t - c0 * tf.cast(eps, tf.float32)) * c1

    def predict_noise(self, x_t, t, x0):
        """Inverts eq. 4 for the noise: ``eps = (x_t - sqrt(alpha_bar_t) x0) /
        sqrt(1 - alpha_bar_t)``.

        Args:
            x_t: noisy images.
            t: timesteps.
            x0: the (predicted) clean images.

        Returns:
            ``eps``.

        Example:

        >>> s = NoiseSchedule()
        >>> s.predict_noise(s.q_sample(tf.zeros((1, 1)), 5, tf.ones((1, 1))), 5,
        ...                 tf.zeros((1, 1))).numpy().round(5)
        array([[1.]], dtype=float32)
        """
        x_t = tf.convert_to_tensor(x_t, tf.float32)
        a = self._alpha_bar(t, x_t.shape.rank)
        # eps = (x_t - sqrt(alpha_bar_t) x0) / sqrt(1 - alpha_bar_t) (eq. 4)
        c0, c1 = _f32(tf.sqrt(a), 1.0 / tf.sqrt(1.0 - a))
        return (x_t - c0 * tf.cast(x0, tf.float32)) * c1

    def posterior_mean_variance(self, x0, x_t, t, t_prev=None):
        """Mean and variance of ``q(x_{t_prev} | x_t, x_0)`` (DDPM eqs. 6-7):

            mu~ = sqrt(alpha_bar_prev) beta / (1 - alpha_bar_t) x_0
                  + sqrt(alpha) (1 - alpha_bar_prev) / (1 - alpha_bar_t) x_t
            beta~ = (1 - alpha_bar_prev) / (1 - alpha_bar_t) beta

        with ``alpha = alpha_bar_t / alpha_bar_prev`` and ``beta = 1 - alpha``; for
        ``t_prev = t - 1`` these are ``alpha_t`` and ``beta_t``. A larger gap
        (``t_prev < t - 1``) is the respaced process of Nichol & Dhariwal (sec. 4).

        Args:
            x0: clean (or predicted clean) images.
            x_t: noisy images.
            t: timesteps.
            t_prev: the earlier timesteps (default ``t - 1``; ``-1`` is ``x_0``).

        Returns:
            ``(mean, variance)``; the variance has shape ``(batch, 1, ...)``.

        Example:

        >>> mean, var = NoiseSchedule().posterior_mean_variance(
        ...     tf.zeros((1, 2)), tf.zeros((1, 2)), 0)
        >>> float(var[0, 0])
        0.0
        """
        self._check_t(t)
        x_t = tf.convert_to_tensor(x_t, tf.float32)
        rank = x_t.shape.rank
        if t_prev is None:
            t_prev = tf.cast(t, tf.int32) - 1
        # 1. alpha_bar_t, alpha_bar_prev and the step's alpha and beta (the
        #    respaced ones when t_prev < t - 1)
        a_t = self._alpha_bar(t, rank)
        a_prev = self._alpha_bar(t_prev, rank, prev=True)
        alpha = a_t / a_prev
        beta = 1.0 - alpha
        # 2. the coefficients of x_0 and x_t in mu~, and beta~ (both eq. 7)
        c0, c1, variance = _f32(tf.sqrt(a_prev) * beta / (1.0 - a_t),
                                tf.sqrt(alpha) * (1.0 - a_prev) / (1.0 - a_t),
                                (1.0 - a_prev) / (1.0 - a_t) * beta)
        return c0 * tf.cast(x0, tf.float32) + c1 * x_t, variance

    def timesteps_for(self, steps, spacing="trailing", start=None):
        """The descending timesteps a sampler visits when it takes ``steps`` steps.

        ``"leading"`` is DDIM's ``range(0, T, T // steps)``; ``"linspace"`` rounds
        ``linspace(0, T - 1, steps)``; ``"trailing"`` (the default) is
        ``round(arange(T, 0, -T / steps)) - 1``, which always starts from the
        last, pure-noise step (Lin et al. 2024, "Common Diffusion Noise Schedules
        and Sample Steps are Flawed", table 2). With ``steps = T`` all three are
        ``T-1, ..., 0``. ``start`` spaces the steps over ``start, ..., 0``
        instead (a chain that begins part-way, as SDEdit's).

        Args:
            steps: how many steps, ``1 <= steps <= start + 1``.
            spacing: ``"trailing"``, ``"leading"`` or ``"linspace"``.
            start: the first timestep, ``0 <= start <= T - 1`` (default
                ``T - 1``).

        Returns:
            int32 array of ``steps`` distinct descending timesteps.

        Example:

        >>> NoiseSchedule(timesteps=1000).timesteps_for(4)
        array([999, 749, 499, 249], dtype=int32)
        """
        steps = check_positive_int("steps", steps)
        check_choice("spacing", spacing, SPACINGS)
        length = self.timesteps
        if start is not None:
            if not (isinstance(start, (int, np.integer)) and 0 <= start < length):
                raise ValueError(f"`start` must be an int in [0, {length - 1}]. "
                                 f"Received: start={start!r}")
            length = int(start) + 1
        if steps > length:
            raise ValueError(f"`steps` must be at most {length} (T={self.timesteps},"
                             f" start={start}). Received: steps={steps}")
        with tf.init_scope():  # NumPy values, even inside a tf.function
            return _timesteps(length, steps, spacing).numpy()


def _timesteps(T, steps, spacing):
    """The timesteps of `NoiseSchedule.timesteps_for`; ``steps`` may be a scalar
    int32 tensor (for a SavedModel whose caller picks the number of steps).
    Computed in float64, rounding half to even."""
    i = tf.cast(tf.range(steps), tf.float64)
    n = tf.cast(steps, tf.float64)
    if spacing == "leading":
        t = tf.reverse(i * tf.floor(T / n), [0])
    elif spacing == "linspace":
        t = tf.reverse(tf.round(i * ((T - 1) / tf.maximum(n - 1, 1.0))), [0])
    else:
        t = tf.round(T - i * (T / n)) - 1
    return tf.cast(t, tf.int32)


__all__ = ["NoiseSchedule", "cosine_beta_schedule", "linear_beta_schedule"]
