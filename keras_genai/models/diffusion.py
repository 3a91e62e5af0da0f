"""Denoising diffusion (DDPM training, DDPM/DDIM sampling) with class, text or
image conditioning and classifier-free guidance; RePaint inpainting and SDEdit
editing with a trained model."""

import keras
import numpy as np
import tensorflow as tf

from keras_genai.diffusion.conditioning import conditioning_for
from keras_genai.diffusion.editing import sdedit_loop
from keras_genai.diffusion.editing import sdedit_start
from keras_genai.diffusion.editing import sdedit_steps
from keras_genai.diffusion.inpainting import repaint_levels
from keras_genai.diffusion.inpainting import repaint_loop
from keras_genai.diffusion.samplers import SAMPLERS
from keras_genai.diffusion.samplers import sample_loop
from keras_genai.diffusion.schedule import NoiseSchedule
from keras_genai.models.averaging import WeightAverage
from keras_genai.models.base import GenerativeModel
from keras_genai.models.inputs import check_images
from keras_genai.utils.batching import cached_function
from keras_genai.utils.batching import pad_to_batches
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_non_negative
from keras_genai.utils.checks import check_optional_positive
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed


@keras.saving.register_keras_serializable(package="keras_genai")
class DiffusionModel(GenerativeModel):
    """A denoising diffusion model: trains ``eps_theta(x_t, t [, y])`` and samples
    by reversing the noise.

    Training is Ho et al. (2020), Algorithm 1: for each image draw ``t`` uniformly
    from ``0 .. T-1`` and ``eps ~ N(0, I)``, noise it in closed form, ``x_t =
    sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps`` (eq. 4), and minimise
    ``||eps - eps_theta(x_t, t)||^2`` (eq. 14, the "simple" loss; logged as
    ``loss``, the mean over pixels). An exponential moving average of the weights,
    ``ema_network`` (Ho et al. sec. 4, decay 0.9999 there), is what `sample` and
    the export use; its decay warms up as ``min(ema, (1 + n) / (10 + n))`` after
    ``n`` updates, so a short run is not dominated by the initial weights.

    Conditioning (``fit`` on ``(images, labels)``, ``(images, captions)`` or
    ``(images, condition images)``):
      * ``num_classes``: the network takes a ``label`` input with one extra "null"
        class (``num_classes``); each label is replaced by it with probability
        ``label_dropout``, so one network learns both ``eps(x_t, t, y)`` and
        ``eps(x_t, t, null)`` (Ho & Salimans 2022, Algorithm 1).
      * ``text_encoder``: a model ``captions (strings) -> (batch, L, D)`` tokens,
        trained jointly; the network cross-attends to them (``context`` input).
        Captions are dropped to the empty string with probability
        ``label_dropout``. Pass them as ``y``, a NumPy array or a list of
        strings, or in a ``tf.data.Dataset`` (e.g. ``image_dataset(x,
        captions)``).
      * ``image_condition``: the network takes a ``condition`` image,
        concatenated with ``x_t`` (`keras_genai.builders.diffusion_unet` with
        ``condition_channels``): SR3 (Saharia et al. 2021) learns
        ``eps(x_t, t, upsampled low-resolution image)`` this way. The condition
        is never dropped and guidance does not apply: the model is always
        conditional, as SR3's is.

    The condition is one `keras_genai.diffusion.Conditioning` object,
    ``conditioning`` (`Unconditional`, `ClassLabels`, `Captions` or
    `ConditionImages`), made from the arguments below: it names the network's
    input, unpacks the batches, drops to the null condition and turns the
    arguments of `sample` into a batch, so the model's methods do not branch
    on the kind.

    Sampling uses `keras_genai.diffusion.sample_loop` (DDIM or DDPM) with
    classifier-free guidance (Ho & Salimans 2022, eq. 6, in the diffusers
    convention): ``eps = eps_uncond + w (eps_cond - eps_uncond)``; ``w = 1`` is
    the plain conditional model, ``w = 0`` the unconditional one, ``w > 1``
    trades diversity for agreement with the condition.

    Data are images in ``[-1, 1]`` (`keras_genai.data.image_dataset` with
    ``scale="tanh"``); the predicted ``x_0`` is clipped to ``[-clip, clip]`` while
    sampling.

    Args:
        network: built `keras.Model` with a dict of inputs ``image``,
            ``timestep`` (and ``label``, ``context`` or ``condition``) returning
            the noise, e.g. `keras_genai.builders.diffusion_unet`.
        schedule: a `keras_genai.diffusion.NoiseSchedule` (default: linear,
            T = 1000).
        num_classes: number of classes for class conditioning.
        text_encoder: built `keras.Model` ``strings -> (batch, L, D)`` for text
            conditioning (e.g. `keras_genai.builders.text_encoder`).
        image_condition: whether the network takes a ``condition`` image.
        label_dropout: probability of dropping the condition in training.
        ema: decay of the weight average (0 keeps a copy of the weights).
        clip: clip of the predicted clean image while sampling (``None``: none).
        guidance_scale: the default ``w`` of `sample`.
        min_snr_gamma: ``None`` for Ho et al.'s unweighted loss, or ``gamma`` of
            the Min-SNR weighting (Hang et al. 2023, eq. 10 for noise
            prediction): each image's error is weighted by ``min(SNR_t, gamma) /
            SNR_t`` with ``SNR_t = alpha_bar_t / (1 - alpha_bar_t)``, which
            down-weights the nearly clean timesteps whose gradients conflict
            with the others (they report about 3x faster convergence, gamma 5).
        seed: seed of the model's noise.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> net = builders.diffusion_unet((28, 28, 1), num_classes=10)
    >>> model = DiffusionModel(net, NoiseSchedule("linear"), num_classes=10)
    >>> model.compile(optimizer=keras.optimizers.Adam(2e-4))
    >>> model.fit(image_dataset(x, y, batch_size=64), epochs=20)
    >>> sevens = model.sample(labels=np.full(16, 7), steps=50, guidance_scale=3.0)
    """

    # The network's dict of inputs adds "label" (class-conditional) or "context"
    # (text-conditional).
    NETWORKS = {"network": ("image", "timestep"), "text_encoder": ("captions",)}
    OPTIMIZERS = {"optimizer": ("network", "text_encoder")}
    TRACKERS = ("loss",)

    def __init__(self, network, schedule=None, num_classes=None, text_encoder=None,
                 label_dropout=0.1, ema=0.999, clip=1.0, guidance_scale=3.0,
                 min_snr_gamma=None, image_condition=False, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.network = check_network("network", network)
        if schedule is None:
            schedule = NoiseSchedule()
        if not isinstance(schedule, NoiseSchedule):
            raise TypeError("`schedule` must be a keras_genai.diffusion.NoiseSchedule. "
                            f"Received: schedule={schedule!r}")
        self.schedule = schedule
        # The condition (keras_genai.diffusion.conditioning), checked against
        # the network's inputs; the arguments stay attributes for get_config.
        self.conditioning = conditioning_for(self.network, num_classes=num_classes,
                                             text_encoder=text_encoder,
                                             image_condition=image_condition)
        self.image_condition = self.conditioning.image_condition
        self.num_classes = self.conditioning.num_classes
        self.text_encoder = self.conditioning.text_encoder
        self.label_dropout = check_fraction("label_dropout", label_dropout)
        self.ema = check_fraction("ema", ema)
        self.clip = check_optional_positive("clip", clip)
        self.guidance_scale = check_non_negative("guidance_scale", guidance_scale)
        self.min_snr_gamma = check_optional_positive("min_snr_gamma", min_snr_gamma)
        self.image_shape = self._check_network()
        self._ema_average = WeightAverage(self.network, self.ema)
        self.ema_network = self._ema_average.average
        self.built = True

    def _check_network(self):
        """Checks that the network predicts noise of its image's shape (the
        conditioning checked its inputs); returns the image shape."""
        network = self.network
        image_shape = tuple(network.input["image"].shape[1:])
        if tuple(network.output_shape[1:]) != image_shape:
            raise ValueError("`network` must predict noise of the image's shape "
                             f"{image_shape}. Received: network output shape "
                             f"{network.output_shape}")
        return image_shape

    @property
    def condition_shape(self):
        """The shape of one condition image (``image_condition=True``), else
        ``None``."""
        return self.conditioning.shape

    @property
    def DATA(self):
        """What a training batch holds: images, and labels, captions or
        condition images for a conditional model."""
        return ("images",) + self.conditioning.data

    def compile(self, optimizer="adam", **kwargs):
        """Sets the optimizer of the network (and the text encoder).

        Args:
            optimizer: a keras optimizer or its name.
            **kwargs: `keras.Model.compile` options; ``loss`` and ``metrics`` are
                refused (the model owns its loss).
        """
        self._compile({"optimizer": optimizer}, kwargs)

    # -- conditioning --------------------------------------------------------------

    @property
    def conditional(self):
        """Whether the model takes labels, captions or condition images."""
        return self.conditioning.conditional

    def _unpack(self, data):
        """``(images, condition)``: labels (checked in the graph), captions,
        condition images, or ``None``."""
        return self.conditioning.unpack(data, self)

    def _network_inputs(self, network, x_t, t, condition, training):
        inputs = {"image": tf.convert_to_tensor(x_t),
                  "timestep": tf.cast(t, tf.int32)}
        if condition is not None:
            condition = tf.convert_to_tensor(condition)
        inputs.update(self.conditioning.network_inputs(condition, training))
        return network(inputs, training=training)

    # -- training ------------------------------------------------------------------

    def _loss(self, x, condition, training):
        x = tf.cast(x, tf.float32)
        batch = tf.shape(x)[0]
        T = self.schedule.timesteps
        t = tf.minimum(tf.cast(self.sample_uniform(batch) * T, tf.int32), T - 1)
        eps = self.sample_normal(batch, self.image_shape)
        x_t = self.schedule.q_sample(x, t, eps)
        if condition is not None:  # to the null condition (guided kinds only)
            condition = self.conditioning.drop(
                condition, self.label_dropout, lambda: self.sample_uniform(batch))
        eps_hat = self._network_inputs(self.network, x_t, t, condition, training)
        per_image = tf.reduce_mean(
            tf.square(tf.cast(eps_hat, tf.float32) - eps),
            axis=tf.range(1, tf.rank(eps)))
        if self.min_snr_gamma is not None:
            snr = self.schedule.snr(t)
            per_image = per_image * tf.minimum(snr, self.min_snr_gamma) / snr
        return tf.reduce_mean(per_image)

    def train_step(self, data):
        """One gradient step on the simple loss, then the EMA update."""
        x, condition = self._unpack(data)
        loss = self._descend("optimizer",
                             lambda: self._loss(x, condition, training=True))
        self._update_ema()
        return self._log(loss=loss)

    def test_step(self, data):
        """The simple loss of a batch (random ``t`` and noise), no updates."""
        x, condition = self._unpack(data)
        return self._log(loss=self._loss(x, condition, training=False))

    def _update_ema(self):
        """Moves ``ema_network`` towards ``network``."""
        self._ema_average.update(self.optimizer.iterations)

    def call(self, inputs, training=False):
        """The training network's (unguided) noise prediction.

        Args:
            inputs: ``[x_t, t]``, or ``[x_t, t, condition]`` with labels,
                captions or condition images for a conditional model.
            training: training mode.

        Returns:
            The predicted noise, shape of ``x_t``.
        """
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2 + self.conditional:
            raise ValueError(
                f"DiffusionModel takes [x_t, t{', condition' if self.conditional else ''}]."
                f" Received: inputs={inputs!r:.200}")
        condition = inputs[2] if self.conditional else None
        return self._network_inputs(self.network, inputs[0], inputs[1], condition,
                                    training)

    # -- sampling ------------------------------------------------------------------

    def guided_noise(self, x_t, t, condition=None, guidance_scale=None,
                     use_ema=True):
        """The guided noise prediction ``eps_u + w (eps_c - eps_u)`` (graph-safe).

        Args:
            x_t: noisy images ``(batch, *image_shape)``.
            t: int32 timesteps ``(batch,)``.
            condition: labels or captions ``(batch,)``, or condition images
                (``None`` if unconditional).
            guidance_scale: ``w`` (a float or scalar tensor; default the model's).
            use_ema: use the averaged weights.

        Returns:
            The noise estimate, shape of ``x_t``.
        """
        network = self.ema_network if use_ema else self.network
        if condition is None:
            return self._network_inputs(network, x_t, t, None, False)
        condition = self.conditioning.prepare(condition)
        w = self.guidance_scale if guidance_scale is None else guidance_scale
        if not self.conditioning.guided or (isinstance(w, (int, float)) and w == 1.0):
            return self._network_inputs(network, x_t, t, condition, False)
        # Ho & Salimans 2022, eq. 6: the conditional and the null predictions
        # in one batch
        both = self._network_inputs(
            network, tf.concat([x_t, x_t], 0), tf.concat([t, t], 0),
            tf.concat([condition, self.conditioning.null(condition)], 0), False)
        eps_c, eps_u = tf.split(tf.cast(both, tf.float32), 2)
        return eps_u + tf.cast(w, tf.float32) * (eps_c - eps_u)

    def _condition_and_count(self, n, labels, prompts, conditions=None):
        return self.conditioning.batch(n, labels, prompts, conditions)

    def sample(self, n=None, labels=None, prompts=None, steps=50, sampler="ddim",
               eta=0.0, guidance_scale=None, seed=None, batch_size=256, verbose=True,
               conditions=None):
        """Generates images by running a sampler from pure noise.

        Args:
            n: number of images (unconditional models).
            labels: one int per image (class-conditional models).
            prompts: one string per image (text-conditional models).
            steps: denoising steps (``T`` for the full DDPM chain).
            sampler: ``"ddim"`` (Song et al. 2020) or ``"ddpm"`` (Ho et al. 2020,
                respaced when ``steps < T``).
            eta: DDIM's stochasticity (0: deterministic).
            guidance_scale: ``w`` of classifier-free guidance (default: the
                model's ``guidance_scale``).
            seed: int seed (same seed, same images) or ``None``.
            batch_size: images denoised at once.
            verbose: show a progress bar over the steps.
            conditions: one condition image per sample (image-conditioned
                models).

        Returns:
            float32 NumPy images ``(n, *image_shape)`` in ``[-1, 1]`` (if clipped).

        Example:

        >>> grid = model.sample(labels=np.repeat(np.arange(10), 8), steps=50)
        """
        steps = self._check_chain(sampler, steps, eta)
        w = self._guidance(guidance_scale)
        condition, n = self._condition_and_count(n, labels, prompts, conditions)

        def run(eps_fn, k, size, batch, seed, callback):
            noise = tf.random.stateless_normal((size,) + self.image_shape,
                                               seed=(seed, k))
            return sample_loop(eps_fn, self.schedule, noise, steps=steps,
                               sampler=sampler, eta=eta, seed=(seed, k + 1_000_000),
                               clip=self.clip, callback=callback)

        return self._in_batches(run, n, [], condition, w, steps, check_seed(seed),
                                batch_size, verbose)

    def inpaint(self, images, known, labels=None, prompts=None, steps=50,
                jump_length=5, resamplings=5, guidance_scale=None, seed=None,
                batch_size=256, verbose=True, conditions=None):
        """Fills the unknown pixels of ``images`` with RePaint (Lugmayr et al.
        2022; `keras_genai.diffusion.repaint_loop`): the trained model, no
        retraining.

        Args:
            images: ``(n, *image_shape)`` in ``[-1, 1]``; the hole's values are
                ignored.
            known: 1 where a pixel is kept, 0 in the hole; broadcastable to
                ``images``.
            labels / prompts / conditions: the condition, as in `sample`;
                no labels or prompts on a class- or text-conditional model
                fills the hole unconditionally (the null class or the empty
                caption).
            steps: levels of the respaced chain (at most ``T``).
            jump_length, resamplings: RePaint's jumps (`repaint_levels`): about
                ``steps * resamplings`` network calls in all.
            guidance_scale, seed, batch_size, verbose: as in `sample`.

        Returns:
            float32 NumPy images; the known pixels are ``images``' own.

        Example:

        >>> known = np.ones((28, 28, 1), "float32"); known[8:20, 8:20] = 0
        >>> filled = model.inpaint(x_test[:16], known, steps=50)
        """
        images = check_images(images, self.image_shape)
        steps = self._check_steps(steps)
        levels = repaint_levels(steps, jump_length, resamplings)
        try:
            known = np.broadcast_to(np.asarray(known, np.float32), images.shape)
        except ValueError:
            raise ValueError("`known` must broadcast to the images' shape "
                             f"{images.shape}. Received: known of shape "
                             f"{np.shape(known)}") from None
        condition, w = self._optional_condition(len(images), labels, prompts,
                                                conditions, guidance_scale)

        def run(eps_fn, k, size, batch, seed, callback):
            return repaint_loop(eps_fn, self.schedule, *batch, steps=steps,
                                jump_length=jump_length, resamplings=resamplings,
                                seed=(seed, k), clip=self.clip, callback=callback)

        return self._in_batches(run, len(images), [images, known], condition, w,
                                len(levels) - 1, check_seed(seed), batch_size,
                                verbose)

    def edit(self, images, strength, labels=None, prompts=None, steps=50,
             sampler="ddim", eta=0.0, guidance_scale=None, seed=None,
             batch_size=256, verbose=True, conditions=None):
        """Edits ``images`` with SDEdit (Meng et al. 2022;
        `keras_genai.diffusion.sdedit_loop`): noise them to ``t0 =
        strength * T``, then denoise under ``labels`` / ``prompts``.

        Args:
            images: ``(n, *image_shape)`` in ``[-1, 1]``.
            strength: ``t0 / T`` in ``(0, 1]``; small keeps the image, large
                follows the condition.
            labels / prompts / conditions: the new condition; no labels or
                prompts on a class- or text-conditional model denoises
                unconditionally.
            steps: the steps of a whole chain; the edit from ``t0`` takes
                ``round(strength * steps)`` of them (`sdedit_steps`).
            sampler, eta, guidance_scale, seed, batch_size, verbose: as in
                `sample`.

        Returns:
            float32 NumPy images.

        Example:

        >>> as_sevens = model.edit(x_test[:16], 0.6, labels=np.full(16, 7))
        """
        images = check_images(images, self.image_shape)
        steps = self._check_chain(sampler, steps, eta)
        taken = sdedit_steps(steps, strength, sdedit_start(self.schedule, strength))
        condition, w = self._optional_condition(len(images), labels, prompts,
                                                conditions, guidance_scale)

        def run(eps_fn, k, size, batch, seed, callback):
            return sdedit_loop(eps_fn, self.schedule, batch[0], strength,
                               steps=steps, sampler=sampler, eta=eta,
                               seed=(seed, k), clip=self.clip, callback=callback)

        return self._in_batches(run, len(images), [images], condition, w, taken,
                                check_seed(seed), batch_size, verbose)

    def _check_steps(self, steps):
        steps = check_positive_int("steps", steps)
        if steps > self.schedule.timesteps:
            raise ValueError(f"`steps` must be at most T={self.schedule.timesteps}. "
                             f"Received: steps={steps}")
        return steps

    def _check_chain(self, sampler, steps, eta):
        """The checks `sample` and `edit` share: the sampler's name, ``1 <=
        steps <= T`` (returned as an int) and ``eta >= 0``."""
        check_choice("sampler", sampler, SAMPLERS)
        steps = self._check_steps(steps)
        if not isinstance(eta, (int, float)) or eta < 0:
            raise ValueError(f"`eta` must be a number >= 0. Received: eta={eta!r}")
        return steps

    def _guidance(self, guidance_scale):
        """``w``: the model's guidance scale, or the checked one given."""
        return (self.guidance_scale if guidance_scale is None
                else check_non_negative("guidance_scale", guidance_scale))

    def _optional_condition(self, n, labels, prompts, conditions, guidance_scale):
        """``(condition, w)`` of `inpaint` / `edit`: the given one, or on a
        class- or text-conditional model given none, the null condition with
        ``w = 1`` (one unconditional pass)."""
        if self.conditioning.guided and labels is None and prompts is None:
            return self.conditioning.null_batch(n), 1.0
        condition, count = self._condition_and_count(n, labels, prompts, conditions)
        if count != n:
            raise ValueError(f"Give one label, prompt or condition image per image "
                             f"({n}). Received: {count}")
        return condition, self._guidance(guidance_scale)

    def _in_batches(self, run, n, arrays, condition, w, steps, seed, batch_size,
                    verbose):
        """Runs ``run(eps_fn, k, size, batch, seed, callback)`` on batch ``k``
        of ``size = min(batch_size, n)`` examples, where ``batch`` holds that
        batch of each of ``arrays`` (NumPy), and returns the results for the
        ``n`` examples as one NumPy array.

        The last batch is padded to ``size`` (`pad_to_batches`), so every batch
        runs at one shape and the noise prediction traces once per call;
        because stateless noise of ``size`` rows starts with the rows of a
        smaller draw, the padding changes no image. ``steps`` is the progress
        bar's length per batch; ``seed=None`` draws one from the model's seed
        generator."""
        if n < 1:
            raise ValueError(f"There must be at least one image to make. Received: "
                             f"{n} images")
        size = min(check_positive_int("batch_size", batch_size), n)
        if seed is None:
            seed = int(keras.random.randint((), 0, 2 ** 30, seed=self.seed_generator))
        eps_fn = self._compiled_eps_fn()
        if condition is not None and w != 1.0:
            w = tf.constant(w, tf.float32)  # one trace for every scale but 1
        arrays = list(arrays) + ([] if condition is None else [condition])
        padded = pad_to_batches(arrays, size) if arrays else []
        count = -(-n // size)
        bar = keras.utils.Progbar(steps * count, verbose=1) if verbose else None
        out = []
        for k in range(count):
            batch = [a[k * size:(k + 1) * size] for a in padded]
            cond = None if condition is None else tf.constant(batch.pop())
            images = run(lambda x, t, cond=cond: eps_fn(x, t, cond, w), k, size,
                         batch, seed,
                         None if bar is None else (
                             lambda i, _, k=k: bar.update(k * steps + i)))
            out.append(np.asarray(images))
        return np.concatenate(out)[:n]

    def _compiled_eps_fn(self):
        """`guided_noise` as one graph. `_in_batches` passes ``w = 1`` as a
        Python float, whose trace skips the unconditional pass, and any other
        scale as a tensor, so a sweep over scales traces twice, not once per
        scale. Calls with another batch size reuse a trace of unknown batch
        size (``reduce_retracing``)."""
        return cached_function(
            self, "guided_noise",
            lambda x, t, condition, w: self.guided_noise(x, t, condition, w),
            reduce_retracing=True)

    # -- export --------------------------------------------------------------------

    def _export_resources(self):
        return [self.ema_network] + self.conditioning.networks()

    def _export_endpoints(self):
        """``serve(x_t, t[, condition])``: the EMA network's guided noise
        prediction at the model's guidance scale; ``sample(noise[, condition],
        guidance_scale, steps, eta, seed)``: the whole DDIM loop in the graph
        (``eta = 1`` with ``steps = T`` is DDPM)."""
        images = tf.TensorSpec((None,) + self.image_shape, tf.float32, name="x")
        t_spec = tf.TensorSpec((None,), tf.int32, name="t")
        spec = self.conditioning.spec()
        cond_spec = [] if spec is None else [spec]
        scalars = [tf.TensorSpec((), tf.float32, name="guidance_scale"),
                   tf.TensorSpec((), tf.int32, name="steps"),
                   tf.TensorSpec((), tf.float32, name="eta"),
                   tf.TensorSpec((2,), tf.int32, name="seed")]

        def serve(x, t, *cond):
            return self.guided_noise(x, t, cond[0] if cond else None)

        def sample(noise, *args):
            cond = args[0] if cond_spec else None
            w, steps, eta, seed = args[len(cond_spec):]
            return sample_loop(lambda x, t: self.guided_noise(x, t, cond, w),
                               self.schedule, noise, steps=steps, eta=eta, seed=seed,
                               clip=self.clip)

        return [("serve", serve, [images, t_spec] + cond_spec),
                ("sample", sample, [images] + cond_spec + scalars)]


__all__ = ["DiffusionModel"]
