"""Denoising diffusion (DDPM training, DDPM/DDIM sampling) with class, text or
image conditioning and classifier-free guidance; RePaint inpainting and SDEdit
editing with a trained model."""

import keras
import numpy as np
import tensorflow as tf

from keras_genai.image_sampling import repaint_levels
from keras_genai.image_sampling import repaint_loop
from keras_genai.image_sampling import sdedit_loop
from keras_genai.image_sampling import sdedit_start
from keras_genai.image_sampling import sdedit_steps
from keras_genai.models.averaging import WeightAverage
from keras_genai.models.base import GenerativeModel
from keras_genai.models.inputs import check_images
from keras_genai.models.inputs import images_and_labels
from keras_genai.models.inputs import unpack_images
from keras_genai.models.inputs import unpack_pair
from keras_genai.schedules import NoiseSchedule
from keras_genai.schedules import sample_loop
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_labels
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_non_negative
from keras_genai.utils.checks import check_num_classes
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

    Sampling uses `keras_genai.schedules.sample_loop` (DDIM or DDPM) with
    classifier-free guidance (Ho & Salimans 2022, eq. 6, in the diffusers
    convention): ``eps = eps_uncond + w (eps_cond - eps_uncond)``; ``w = 1`` is
    the plain conditional model, ``w = 0`` the unconditional one, ``w > 1``
    trades diversity for agreement with the condition.

    Data are images in ``[-1, 1]`` (`keras_genai.data.image_dataset` with
    ``scale="tanh"``); the predicted ``x_0`` is clipped to ``[-clip, clip]`` while
    sampling.

    Args:
        network: built `keras.Model` with a dict of inputs ``image``,
            ``timestep`` (and ``label`` / ``context``) returning the noise, e.g.
            `keras_genai.builders.diffusion_unet`.
        schedule: a `keras_genai.schedules.NoiseSchedule` (default: linear,
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
            raise TypeError("`schedule` must be a keras_genai.schedules.NoiseSchedule. "
                            f"Received: schedule={schedule!r}")
        self.schedule = schedule
        num_classes = check_num_classes(num_classes, optional=True)
        if not isinstance(image_condition, bool):
            raise TypeError("`image_condition` must be True or False. Received: "
                            f"image_condition={image_condition!r}")
        if sum([num_classes is not None, text_encoder is not None,
                image_condition]) > 1:
            raise ValueError(
                "Pass one of `num_classes`, `text_encoder` and `image_condition`. "
                f"Received: num_classes={num_classes}, text_encoder="
                f"{getattr(text_encoder, 'name', None)}, "
                f"image_condition={image_condition}")
        self.image_condition = image_condition
        self.num_classes = num_classes
        self.text_encoder = (None if text_encoder is None
                             else check_network("text_encoder", text_encoder))
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
        """Checks the network's inputs against the conditioning; returns the
        image shape."""
        network = self.network
        names = sorted(network.input) if isinstance(network.input, dict) else None
        expected = ["image", "timestep"]
        if self.num_classes is not None:
            expected.append("label")
        if self.text_encoder is not None:
            expected.append("context")
        if self.image_condition:
            expected.append("condition")
        if names != sorted(expected):
            raise ValueError(
                f"`network` must take a dict of inputs {sorted(expected)} (for "
                f"num_classes={self.num_classes}, text_encoder="
                f"{None if self.text_encoder is None else self.text_encoder.name}, "
                f"image_condition={self.image_condition}). "
                f"Received: network inputs {names or network.input}")
        image_shape = tuple(network.input["image"].shape[1:])
        if self.image_condition:
            self.condition_shape = tuple(network.input["condition"].shape[1:])
        if tuple(network.output_shape[1:]) != image_shape:
            raise ValueError("`network` must predict noise of the image's shape "
                             f"{image_shape}. Received: network output shape "
                             f"{network.output_shape}")
        if self.num_classes is not None:
            rows = network.get_layer("label_embedding").input_dim if any(
                layer.name == "label_embedding" for layer in network.layers) else None
            if rows is not None and rows != self.num_classes + 1:
                raise ValueError(
                    f"`network` must embed num_classes + 1 = {self.num_classes + 1} "
                    "labels (the last is the null class of guidance). Received: "
                    f"label_embedding with {rows} rows")
        return image_shape

    @property
    def DATA(self):
        """What a training batch holds: images, and labels or captions for a
        conditional model."""
        if self.num_classes is not None:
            return ("images", "labels")
        if self.text_encoder is not None:
            return ("images", "captions")
        if self.image_condition:
            return ("images", "condition")
        return ("images",)

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
        return (self.num_classes is not None or self.text_encoder is not None
                or self.image_condition)

    def _unpack(self, data):
        """``(images, condition)``: labels (checked in the graph), captions, or
        ``None``."""
        if self.num_classes is not None:
            return images_and_labels(data, self.num_classes, self)
        if self.text_encoder is not None:
            if not isinstance(data, (tuple, list)) or len(data) < 2:
                raise ValueError("DiffusionModel with a text encoder trains on "
                                 "(images, captions) batches. Received: a batch "
                                 "without captions")
            return data[0], tf.reshape(data[1], [-1])
        if self.image_condition:
            return unpack_pair(data, self)
        return unpack_images(data), None

    def _null(self, condition):
        """The unconditional input of the same batch: the null class or ``""``."""
        if self.num_classes is not None:
            return tf.fill(tf.shape(condition), self.num_classes)
        return tf.fill(tf.shape(condition), "")

    def _network_inputs(self, network, x_t, t, condition, training):
        inputs = {"image": tf.convert_to_tensor(x_t),
                  "timestep": tf.cast(t, tf.int32)}
        if condition is not None:
            condition = tf.convert_to_tensor(condition)
        if self.num_classes is not None:
            inputs["label"] = tf.cast(condition, tf.int32)
        elif self.text_encoder is not None:
            inputs["context"] = self.text_encoder(condition, training=training)
        elif self.image_condition:
            inputs["condition"] = condition
        return network(inputs, training=training)

    # -- training ------------------------------------------------------------------

    def _loss(self, x, condition, training):
        x = tf.cast(x, tf.float32)
        batch = tf.shape(x)[0]
        T = self.schedule.timesteps
        t = tf.minimum(tf.cast(self.sample_uniform(batch) * T, tf.int32), T - 1)
        eps = self.sample_normal(batch, self.image_shape)
        x_t = self.schedule.q_sample(x, t, eps)
        if condition is not None and self.label_dropout > 0 and not self.image_condition:
            drop = self.sample_uniform(batch) < self.label_dropout
            condition = tf.where(drop, self._null(condition), condition)
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
        if condition is not None and self.num_classes is not None:
            condition = tf.cast(condition, tf.int32)
        if condition is None:
            return self._network_inputs(network, x_t, t, None, False)
        w = self.guidance_scale if guidance_scale is None else guidance_scale
        if self.image_condition or (isinstance(w, (int, float)) and w == 1.0):
            return self._network_inputs(network, x_t, t, condition, False)
        both = self._network_inputs(
            network, tf.concat([x_t, x_t], 0), tf.concat([t, t], 0),
            tf.concat([condition, self._null(condition)], 0), False)
        eps_c, eps_u = tf.split(tf.cast(both, tf.float32), 2)
        return eps_u + tf.cast(w, tf.float32) * (eps_c - eps_u)

    def _condition_and_count(self, n, labels, prompts, conditions=None):
        if self.image_condition:
            if conditions is None or labels is not None or prompts is not None:
                raise ValueError("An image-conditioned DiffusionModel samples from "
                                 "`conditions`. Received: conditions="
                                 f"{None if conditions is None else 'images'}, "
                                 f"labels={labels}, prompts={prompts}")
            conditions = check_images(conditions, self.condition_shape, "conditions")
            return conditions, len(conditions)
        if conditions is not None:
            raise ValueError("`conditions` are for a DiffusionModel with "
                             "image_condition=True. Received: conditions for one "
                             "without")
        if self.num_classes is not None:
            if labels is None or prompts is not None:
                raise ValueError("A class-conditional DiffusionModel samples from "
                                 f"`labels`. Received: labels={labels}, prompts={prompts}")
            return check_labels(labels, self.num_classes), len(labels)
        if self.text_encoder is not None:
            if prompts is None or labels is not None:
                raise ValueError("A text-conditional DiffusionModel samples from "
                                 f"`prompts`. Received: labels={labels}, prompts={prompts}")
            prompts = np.asarray(prompts, dtype=object)
            if prompts.ndim != 1 or prompts.size == 0 or not all(
                    isinstance(p, str) for p in prompts):
                raise ValueError("`prompts` must be a non-empty list of strings. "
                                 f"Received: prompts={prompts!r}")
            return prompts.astype(str), len(prompts)
        if labels is not None or prompts is not None:
            raise ValueError("An unconditional DiffusionModel takes `n`, not labels or "
                             f"prompts. Received: labels={labels}, prompts={prompts}")
        return None, check_positive_int("n", n)

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

        def run(eps_fn, k, start, stop, seed, callback):
            noise = tf.random.stateless_normal((stop - start,) + self.image_shape,
                                               seed=(seed, k))
            return sample_loop(eps_fn, self.schedule, noise, steps=steps,
                               sampler=sampler, eta=eta, seed=(seed, k + 1_000_000),
                               clip=self.clip, callback=callback)

        return self._in_batches(run, n, condition, w, steps, check_seed(seed),
                                batch_size, verbose)

    def inpaint(self, images, known, labels=None, prompts=None, steps=50,
                jump_length=5, resamplings=5, guidance_scale=None, seed=None,
                batch_size=256, verbose=True, conditions=None):
        """Fills the unknown pixels of ``images`` with RePaint (Lugmayr et al.
        2022; `keras_genai.image_sampling.repaint_loop`): the trained model, no
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

        def run(eps_fn, k, start, stop, seed, callback):
            return repaint_loop(eps_fn, self.schedule, images[start:stop],
                                known[start:stop], steps=steps,
                                jump_length=jump_length, resamplings=resamplings,
                                seed=(seed, k), clip=self.clip, callback=callback)

        return self._in_batches(run, len(images), condition, w, len(levels) - 1,
                                check_seed(seed), batch_size, verbose)

    def edit(self, images, strength, labels=None, prompts=None, steps=50,
             sampler="ddim", eta=0.0, guidance_scale=None, seed=None,
             batch_size=256, verbose=True, conditions=None):
        """Edits ``images`` with SDEdit (Meng et al. 2022;
        `keras_genai.image_sampling.sdedit_loop`): noise them to ``t0 =
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

        def run(eps_fn, k, start, stop, seed, callback):
            return sdedit_loop(eps_fn, self.schedule, images[start:stop], strength,
                               steps=steps, sampler=sampler, eta=eta,
                               seed=(seed, k), clip=self.clip, callback=callback)

        return self._in_batches(run, len(images), condition, w, taken,
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
        check_choice("sampler", sampler, ("ddim", "ddpm"))
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
        if (self.conditional and not self.image_condition and labels is None
                and prompts is None):
            null = self.num_classes if self.num_classes is not None else ""
            return np.full(n, null), 1.0
        condition, count = self._condition_and_count(n, labels, prompts, conditions)
        if count != n:
            raise ValueError(f"Give one label, prompt or condition image per image "
                             f"({n}). Received: {count}")
        return condition, self._guidance(guidance_scale)

    def _in_batches(self, run, n, condition, w, steps, seed, batch_size, verbose):
        """Runs ``run(eps_fn, k, start, stop, seed, callback)`` on batch ``k``
        (images ``start:stop``) and concatenates the results as NumPy; ``steps``
        is the progress bar's length per batch. ``seed=None`` draws one from
        the model's seed generator."""
        batch_size = check_positive_int("batch_size", batch_size)
        if seed is None:
            seed = int(keras.random.randint((), 0, 2 ** 30, seed=self.seed_generator))
        eps_fn = self._compiled_eps_fn()
        if condition is not None and w != 1.0:
            w = tf.constant(w, tf.float32)  # one trace for every scale but 1
        chunks = range(0, n, batch_size)
        bar = keras.utils.Progbar(steps * len(chunks), verbose=1) if verbose else None
        out = []
        for k, start in enumerate(chunks):
            stop = min(start + batch_size, n)
            cond = None if condition is None else tf.constant(condition[start:stop])
            images = run(lambda x, t, cond=cond: eps_fn(x, t, cond, w), k, start,
                         stop, seed,
                         None if bar is None else (
                             lambda i, _, k=k: bar.update(k * steps + i)))
            out.append(np.asarray(images))
        return np.concatenate(out)

    def _compiled_eps_fn(self):
        """`guided_noise` as one graph. `_in_batches` passes ``w = 1`` as a
        Python float, whose trace skips the unconditional pass, and any other
        scale as a tensor, so a sweep over scales traces twice, not once per
        scale. Batches of a new size reuse a trace of unknown batch size
        (``reduce_retracing``)."""
        if getattr(self, "_eps_fn", None) is None:
            def eps_fn(x, t, condition, w):
                return self.guided_noise(x, t, condition, w)
            self._eps_fn = tf.function(eps_fn, reduce_retracing=True)
        return self._eps_fn

    # -- export --------------------------------------------------------------------

    def _export_resources(self):
        return [self.ema_network] + ([self.text_encoder] if self.text_encoder else [])

    def _export_endpoints(self):
        """``serve(x_t, t[, condition])``: the EMA network's guided noise
        prediction at the model's guidance scale; ``sample(noise[, condition],
        guidance_scale, steps, eta, seed)``: the whole DDIM loop in the graph
        (``eta = 1`` with ``steps = T`` is DDPM)."""
        images = tf.TensorSpec((None,) + self.image_shape, tf.float32, name="x")
        t_spec = tf.TensorSpec((None,), tf.int32, name="t")
        cond_spec = []
        if self.num_classes is not None:
            cond_spec = [tf.TensorSpec((None,), tf.int32, name="labels")]
        elif self.text_encoder is not None:
            cond_spec = [tf.TensorSpec((None,), tf.string, name="prompts")]
        elif self.image_condition:
            cond_spec = [tf.TensorSpec((None,) + self.condition_shape, tf.float32,
                                       name="conditions")]
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
