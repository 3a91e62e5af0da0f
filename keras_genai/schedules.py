"""Noise schedules and samplers for diffusion models; no networks in here.

Everything follows Ho et al. (2020), "Denoising Diffusion Probabilistic Models"
(DDPM), Song et al. (2020), "Denoising Diffusion Implicit Models" (DDIM), and
Nichol & Dhariwal (2021), "Improved Denoising Diffusion Probabilistic Models".
A sampler only needs a function ``eps_fn(x_t, t)`` that predicts the noise, so
the schedules are tested with dummy models (diffusers style) and any network can
be plugged in.

Timesteps are zero-based: ``t = 0 .. T-1`` here is the papers' ``t = 1 .. T``, and
``t_prev = -1`` stands for the clean image (``alpha_bar = 1``).

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
>>> images = sample_loop(lambda x, t: tf.zeros_like(x), schedule,
...                      tf.random.normal((2, 4, 4, 1)), steps=10)
"""

import keras
import numpy as np
import tensorflow as tf

from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_positive_int

SCHEDULES = ("linear", "cosine")
SAMPLERS = ("ddim", "ddpm")
SPACINGS = ("trailing", "leading", "linspace")
VARIANCES = ("posterior", "beta")


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
    return [tf.cast(v, tf.float32) for v in values]


@keras.saving.register_keras_serializable(package="keras_genai")
class NoiseSchedule:
    """The variance schedule of a diffusion process and the maths built on it.

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
        a = self._alpha_bar(t, x0.shape.rank)
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
        ratio = self._alpha_bar(t, rank, prev=True) / self._alpha_bar(s, rank, prev=True)
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
        a_t = self._alpha_bar(t, rank)
        a_prev = self._alpha_bar(t_prev, rank, prev=True)
        alpha = a_t / a_prev
        beta = 1.0 - alpha
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

    def ddpm_step(self, x_t, t, eps, noise, t_prev=None, variance="posterior",
                  clip=None):
        """One ancestral step of DDPM sampling (Algorithm 2, eq. 11):

            x_{t-1} = 1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - alpha_bar_t) eps)
                      + sigma_t z

        computed as the posterior mean (eq. 7) at ``x0_hat = predict_x0(x_t, t,
        eps)``, which is the same thing and lets ``x0_hat`` be clipped to the data
        range first. ``sigma_t^2`` is ``beta~_t`` (``"posterior"``) or ``beta_t``
        (``"beta"``); Ho et al. found both to work (sec. 3.2). No noise is added on
        the last step (``t_prev = -1``).

        Args:
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
        >>> s.ddpm_step(tf.zeros((1, 2)), 0, tf.zeros((1, 2)), tf.ones((1, 2))).shape
        TensorShape([1, 2])
        """
        check_choice("variance", variance, VARIANCES)
        x_t = tf.convert_to_tensor(x_t, tf.float32)
        if t_prev is None:
            t_prev = tf.cast(t, tf.int32) - 1
        x0 = self._clip(self.predict_x0(x_t, t, eps), clip)
        mean, var = self.posterior_mean_variance(x0, x_t, t, t_prev)
        if variance == "beta":
            rank = x_t.shape.rank
            var = 1.0 - self._alpha_bar(t, rank) / self._alpha_bar(t_prev, rank, True)
            last = tf.reshape(tf.cast(t_prev, tf.int32) < 0, [-1] + [1] * (rank - 1))
            var = tf.cast(tf.where(last, tf.zeros_like(var), var), tf.float32)
        return mean + tf.sqrt(var) * tf.cast(noise, tf.float32)

    def ddim_step(self, x_t, t, t_prev, eps, eta=0.0, noise=None, clip=None):
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
        >>> s.ddim_step(tf.zeros((1, 2)), 999, 899, tf.zeros((1, 2))).shape
        TensorShape([1, 2])
        """
        if isinstance(eta, (int, float)) and not eta >= 0:
            raise ValueError(f"`eta` must be >= 0. Received: eta={eta}")
        if noise is None and not (isinstance(eta, (int, float)) and eta == 0):
            raise ValueError(f"`noise` is needed when eta != 0. Received: eta={eta}")
        x_t = tf.convert_to_tensor(x_t, tf.float32)
        rank = x_t.shape.rank
        a_t = self._alpha_bar(t, rank)
        a_prev = self._alpha_bar(t_prev, rank, prev=True)
        eps = tf.cast(eps, tf.float32)
        x0 = self.predict_x0(x_t, t, eps)
        if clip is not None:
            x0 = self._clip(x0, clip)
            eps = self.predict_noise(x_t, t, x0)
        sigma = (tf.cast(eta, tf.float64) * tf.sqrt((1.0 - a_prev) / (1.0 - a_t))
                 * tf.sqrt(1.0 - a_t / a_prev))
        c0, c1, sigma = _f32(tf.sqrt(a_prev),
                             tf.sqrt(tf.maximum(1.0 - a_prev - sigma ** 2, 0.0)), sigma)
        x_prev = c0 * x0 + c1 * eps
        if noise is not None:
            x_prev = x_prev + sigma * tf.cast(noise, tf.float32)
        return x_prev

    @staticmethod
    def _clip(x0, clip):
        if clip is None:
            return x0
        if not clip > 0:
            raise ValueError(f"`clip` must be > 0 or None. Received: clip={clip}")
        return tf.clip_by_value(x0, -float(clip), float(clip))


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


def sample_loop(eps_fn, schedule, noise, steps=50, sampler="ddim", eta=0.0,
                seed=(0, 0), clip=None, spacing="trailing", callback=None):
    """Runs a sampler from ``x_T = noise`` down to ``x_0``.

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
        sampler: ``"ddim"`` (`NoiseSchedule.ddim_step`) or ``"ddpm"``
            (`NoiseSchedule.ddpm_step`, respaced when ``steps < T``).
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
    if isinstance(steps, tf.Tensor):  # chosen at run time (an exported sampler)
        steps = tf.clip_by_value(tf.cast(steps, tf.int32), 1, schedule.timesteps)
        check_choice("spacing", spacing, SPACINGS)
        timesteps = _timesteps(schedule.timesteps, steps, spacing)
    else:
        timesteps = schedule.timesteps_for(steps, spacing)
    return run_chain(eps_fn, schedule, noise, timesteps, sampler=sampler, eta=eta,
                     seed=seed, clip=clip, callback=callback)


def run_chain(eps_fn, schedule, x, timesteps, sampler="ddim", eta=0.0,
              seed=(0, 0), clip=None, callback=None):
    """Denoises ``x``, which is at ``timesteps[0]``, through the given
    descending ``timesteps`` down to the clean image: the loop of `sample_loop`,
    for a chain that does not start from pure noise (SDEdit starts part-way).

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
        eps = eps_fn(x, t)
        z = (tf.random.stateless_normal(tf.shape(x), tf.random.experimental
                                        .stateless_fold_in(seed, i))
             if draws_noise else None)
        if sampler == "ddpm":
            return schedule.ddpm_step(x, t, eps, z, t_prev=t_prev, clip=clip)
        return schedule.ddim_step(x, t, t_prev, eps, eta=eta, noise=z, clip=clip)

    if tf.executing_eagerly() and not isinstance(n, tf.Tensor):
        for i in range(n):
            x = step(tf.constant(i), x)
            if callback is not None:
                callback(i + 1, n)
        return x
    _, x = tf.while_loop(lambda i, x: i < n, lambda i, x: (i + 1, step(i, x)),
                         (tf.constant(0), x))
    return x


__all__ = [
    "NoiseSchedule",
    "cosine_beta_schedule",
    "linear_beta_schedule",
    "run_chain",
    "sample_loop",
]
