"""The style-based GAN of Karras et al. (2019, 2020)."""

import keras
import numpy as np
import tensorflow as tf

from keras_genai.models.averaging import move_towards
from keras_genai.models.gan import GAN
from keras_genai.utils.batching import map_fixed_batches
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_score_shape
from keras_genai.utils.checks import check_seed


@keras.saving.register_keras_serializable(package="keras_genai")
class StyleGAN(GAN):
    """A GAN with a style-based generator (`builders.stylegan_generator`):
    style mixing, the R1 penalty, a weight-averaged generator and the
    truncation trick.

    Training is `GAN`'s algorithm (any loss family of ``compile``; by default
    the non-saturating loss with R1, as in StyleGAN) with two changes in how the
    fakes are drawn:

    * **Style-mixing regularisation** (Karras et al. 2019, sec. 3.1): with
      probability ``mixing`` an example gets two latents, and the style layers
      before a random crossover take their ``w`` from the first, the rest from
      the second, so the network cannot assume that neighbouring styles are
      correlated.
    * **Noise**: every noise layer gets fresh N(0, 1) noise per step, drawn by
      the model (per replica, like its latents).

    After every generator step the model also moves ``w_avg``, the running
    mean of ``w = f(z)``, towards the batch mean (decay ``w_avg_decay``); the
    **truncation trick** (2019, sec. 4.1; Brock et al. 2019) samples with
    ``w' = w_avg + psi (w - w_avg)``: ``psi < 1`` trades diversity for typical,
    cleaner images. `sample`, `decode`, `style_mix` and the export use the
    weight average of G (``ema``).

    **Deviation from the papers: no equalized learning rate.** Karras et al.
    (2018, "Progressive Growing of GANs", sec. 4.1) draw every weight from
    N(0, 1) and scale it at run time by He's constant ``sqrt(2 / fan_in)``:
    Adam's step is about ``learning_rate`` whatever a weight's scale, so every
    layer's effective weights then change by the same fraction per step.
    StyleGAN (Karras et al. 2019, app. C; StyleGAN2 keeps both) also
    multiplies the mapping network's learning rate by 0.01.
    `builders.stylegan_generator` does neither: its weights are plain Keras
    variables with Keras' initializers (Glorot uniform in the dense layers of
    the mapping network and the style affines, He normal in the modulated
    kernels), stored at their working scale ``sigma`` (of the order of ``1 /
    sqrt(fan_in)``) and trained by the optimizers given to ``compile`` (Adam in
    the example and the lab). Each step then moves a kernel weight by about
    ``learning_rate / sigma`` of its size instead of ``learning_rate``: faster
    than in the papers at the same learning rate, the more so the larger the
    fan-in, and in the mapping network at about the synthesis network's rate
    instead of 100 times slower. The papers' learning rates therefore do not
    carry over; the effect on this package's digit models has not been
    measured.

    Args:
        generator: a `builders.stylegan_generator` network: inputs ``{"z":
            (batch, num_ws, latent_dim), "noise": (batch, H, W, num_noise)}``,
            with layers ``"mapping"`` and ``"synthesis"``.
        discriminator: built `keras.Model` ``images -> (batch, 1)`` logits.
        latent_dim: size of z.
        mixing: probability of style mixing per training example (0.9 in the
            paper).
        ema: decay of the generator's weight average (``None``: sample from G
            itself).
        w_avg_decay: decay of the running mean of w (0.995 in the paper).
        seed: seed of the model's noise.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> gan = StyleGAN(stylegan_generator(64), dcgan_discriminator(), latent_dim=64)
    >>> gan.compile(d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.0, beta_2=0.99),
    ...             g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.0, beta_2=0.99))
    >>> gan.fit(image_dataset(x_train, batch_size=64), epochs=10)
    >>> images = gan.sample(16, truncation=0.7, seed=0)
    """

    NETWORKS = {"generator": ("z", "noise"), "discriminator": ("images",)}

    def __init__(self, generator, discriminator, latent_dim, mixing=0.9, ema=0.999,
                 w_avg_decay=0.995, seed=None, **kwargs):
        self.mixing = check_fraction("mixing", mixing, closed=True)
        self.w_avg_decay = check_fraction("w_avg_decay", w_avg_decay)
        super().__init__(generator, discriminator, latent_dim, ema=ema, seed=seed,
                         **kwargs)
        self.w_avg = self.add_weight(shape=(self.w_dim,), initializer="zeros",
                                     trainable=False, name="w_avg")

    def _check_networks(self):
        """Checks the generator's inputs and parts against ``latent_dim`` and
        D; sets ``num_ws``, ``w_dim`` and ``noise_shape``; returns the image
        shape."""
        generator = self.generator
        try:
            inputs = generator.input
        except AttributeError:  # a Sequential model
            inputs = None
        inputs = inputs if isinstance(inputs, dict) else None
        layers = {layer.name for layer in generator.layers}
        if inputs is None or sorted(inputs) != ["noise", "z"] \
                or not {"mapping", "synthesis"} <= layers:
            raise ValueError(
                "`generator` must be a style-based generator "
                "(builders.stylegan_generator): inputs {'z', 'noise'} and layers "
                "'mapping' and 'synthesis'. Received: generator with inputs "
                f"{sorted(inputs) if inputs else len(generator.inputs)} and layers "
                f"{sorted(layers)}")
        z_shape = tuple(inputs["z"].shape[1:])
        if z_shape[1:] != (self.latent_dim,):
            raise ValueError(
                "`latent_dim` must match the generator's z input shape (batch, "
                f"num_ws, latent_dim) = {(None,) + z_shape}. Received: "
                f"latent_dim={self.latent_dim}")
        self.num_ws = z_shape[0]
        self.noise_shape = tuple(inputs["noise"].shape[1:])
        self.w_dim = generator.get_layer("mapping").output_shape[-1]
        g_out = tuple(generator.output_shape)[1:]
        d_in = self._input_shapes("discriminator")[0][1:]
        if g_out != d_in:
            raise ValueError(
                "`discriminator` must take the generator's output shape "
                f"{g_out}. Received: discriminator image input shape {d_in}")
        check_score_shape("discriminator", self.discriminator)
        return g_out

    def compile(self, d_optimizer=None, g_optimizer=None, loss="non_saturating",
                r1_weight=0.01, **kwargs):
        """`GAN.compile` with the R1 penalty on by default.

        Args:
            d_optimizer: discriminator optimizer.
            g_optimizer: generator optimizer.
            loss: a loss family (`GAN.compile`).
            r1_weight: ``gamma`` of R1 (default 0.01). StyleGAN2-ADA's
                heuristic ``gamma = 0.0002 * resolution^2 / batch`` (Karras et
                al. 2020b, app. D.2) gives ``0.0002 * 784 / 64 = 0.00245`` for
                28x28 images at batch 64: the default is about four times
                that. (The Unit IV lab's ``stylegan`` exercise uses 5, its
                DCGAN's gamma.)
            **kwargs: the other arguments of `GAN.compile`.
        """
        super().compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer,
                        loss=loss, r1_weight=r1_weight, **kwargs)

    def call(self, inputs, training=False):
        """The trained generator on ``{"z": ..., "noise": ...}`` or ``[z,
        noise]``, ``z`` of shape ``(batch, num_ws, latent_dim)``."""
        if isinstance(inputs, (list, tuple)):
            inputs = {"z": inputs[0], "noise": inputs[1]}
        return self.generator(inputs, training=training)

    # -- training ------------------------------------------------------------------

    def _mixed_latents(self, batch):
        """``(batch, num_ws, latent_dim)`` latents: one per example, or, with
        probability ``mixing``, a second one from a crossover drawn uniformly
        in ``[1, num_ws)`` on."""
        z = self.sample_normal(batch, (2, self.latent_dim))
        mixed = self.sample_uniform(batch) < self.mixing
        crossover = 1 + tf.cast(self.sample_uniform(batch) * (self.num_ws - 1),
                                tf.int32)
        crossover = tf.where(mixed, crossover, self.num_ws)
        first = tf.range(self.num_ws)[None, :] < crossover[:, None]
        return tf.where(first[:, :, None], z[:, :1], z[:, 1:])

    def _fakes(self, batch, condition, training):
        return self.generator({"z": self._mixed_latents(batch),
                               "noise": self.sample_normal(batch, self.noise_shape)},
                              training=training)

    def train_step(self, data):
        """`GAN.train_step`, then the update of ``w_avg``."""
        logs = super().train_step(data)
        self._track_w_avg(tf.shape(self._unpack(data)[0])[0] // self.d_steps)
        return logs

    def _track_w_avg(self, batch):
        """``w_avg <- d w_avg + (1 - d) w_mean`` with the mean of ``f(z)``
        over fresh latents of the global batch (averaged across replicas, then
        written once by `move_towards`, so every replica keeps the same
        value)."""
        w = self.generator.get_layer("mapping")(
            self.sample_normal(batch, (1, self.latent_dim)), training=True)
        mean = tf.reduce_mean(tf.cast(w[:, 0], tf.float32), axis=0)
        ctx = tf.distribute.get_replica_context()
        if ctx is not None and ctx.num_replicas_in_sync > 1:
            mean = ctx.all_reduce(tf.distribute.ReduceOp.MEAN, mean)
        move_towards([(self.w_avg.value, mean)], self.w_avg_decay)

    # -- sampling ------------------------------------------------------------------

    def _parts(self):
        network = self._decoder_network()
        return network.get_layer("mapping"), network.get_layer("synthesis")

    def _truncated_w(self, z, truncation):
        """``w_avg + psi (f(z) - w_avg)`` for ``(batch, latent_dim)`` latents."""
        w = tf.cast(self._parts()[0](z[:, None], training=False)[:, 0], tf.float32)
        return self.w_avg + truncation * (w - self.w_avg)

    def _synthesize(self, z_coarse, z_fine, noise, crossover, truncation):
        """Images whose first ``crossover`` style layers take ``w`` of
        ``z_coarse``, the rest that of ``z_fine``."""
        w_coarse = self._truncated_w(z_coarse, truncation)
        w_fine = self._truncated_w(z_fine, truncation)
        coarse = tf.range(self.num_ws)[None, :, None] < crossover
        ws = tf.where(coarse, w_coarse[:, None], w_fine[:, None])
        return self._parts()[1]({"ws": ws, "noise": noise}, training=False)

    def _check_truncation(self, truncation):
        if isinstance(truncation, bool) or not isinstance(
                truncation, (int, float, np.floating, np.integer)) \
                or not 0 <= truncation <= 1:
            raise ValueError("`truncation` must be a number in [0, 1] (1: none). "
                             f"Received: truncation={truncation!r}")
        return float(truncation)

    def _noise(self, n, seed):
        """``(n, *noise_shape)`` noise from ``seed`` (the model's generator for
        ``None``)."""
        seed = check_seed(seed)
        return np.asarray(keras.random.normal(
            (n,) + self.noise_shape,
            seed=self.seed_generator if seed is None else seed + 1), np.float32)

    def _run(self, z_coarse, z_fine, crossover, truncation, seed, batch_size):
        truncation = self._check_truncation(truncation)
        z_coarse = np.asarray(z_coarse, np.float32)
        z_fine = np.asarray(z_fine, np.float32)
        for name, z in (("z_coarse", z_coarse), ("z_fine", z_fine)):
            if z.ndim != 2 or z.shape[1] != self.latent_dim or not len(z):
                raise ValueError(f"`{name}` must have shape (n, {self.latent_dim}). "
                                 f"Received: {name}.shape={z.shape}")
        if z_coarse.shape != z_fine.shape:
            raise ValueError("`z_coarse` and `z_fine` must have the same shape. "
                             f"Received: {z_coarse.shape} and {z_fine.shape}")
        fn = self._function("synthesize", lambda a, b, noise, c, psi:
                            self._synthesize(a, b, noise, c, psi))
        noise = self._noise(len(z_coarse), seed)
        return map_fixed_batches(
            lambda a, b, e: fn(a, b, e, tf.constant(crossover, tf.int32),
                               tf.constant(truncation, tf.float32)),
            [z_coarse, z_fine, noise], batch_size)

    def decode(self, z, labels=None, batch_size=256, truncation=1.0, seed=None):
        """Maps ``(n, latent_dim)`` latents to images, every style layer from
        the same latent, with the truncation trick.

        Args:
            z: ``(n, latent_dim)`` latents.
            labels: must be ``None`` (the model is unconditional).
            batch_size: batch size of the network.
            truncation: ``psi`` in ``[0, 1]``: 1 is none, 0 gives the image of
                ``w_avg`` for every latent (up to the noise).
            seed: seed of the noise inputs (``None``: the model's generator).

        Returns:
            A float32 NumPy array ``(n, *image_shape)``.
        """
        if labels is not None:
            raise ValueError(f"StyleGAN is unconditional. Received: labels={labels!r:.100}")
        return self._run(z, z, self.num_ws, truncation, seed, batch_size)

    def sample(self, n=None, labels=None, seed=None, batch_size=256, truncation=1.0):
        """Generates ``n`` images, with the truncation trick.

        Args:
            n: number of images.
            labels: must be ``None``.
            seed: int seed of the latents and the noise, or ``None``.
            batch_size: batch size of the network.
            truncation: ``psi`` in ``[0, 1]`` (1: none).

        Returns:
            A float32 NumPy array ``(n, *image_shape)``.

        Example:

        >>> typical = gan.sample(16, truncation=0.5, seed=0)
        """
        n, _ = self._sample_count(n, labels)
        truncation = self._check_truncation(truncation)
        return self.decode(self.sample_latents(n, seed=seed), batch_size=batch_size,
                           truncation=truncation, seed=seed)

    def style_mix(self, z_coarse, z_fine, crossover, truncation=1.0, seed=None,
                  batch_size=256):
        """Images with the coarse styles (the first ``crossover`` style layers:
        the low resolutions, pose and shape) of ``z_coarse`` and the fine ones
        of ``z_fine`` (Karras et al. 2019, fig. 3).

        Args:
            z_coarse: ``(n, latent_dim)`` latents of the coarse styles.
            z_fine: ``(n, latent_dim)`` latents of the fine styles.
            crossover: the first style layer taken from ``z_fine``, in ``[0,
                num_ws]``.
            truncation: ``psi`` in ``[0, 1]``.
            seed: seed of the noise.
            batch_size: batch size of the network.

        Returns:
            A float32 NumPy array ``(n, *image_shape)``.

        Example:

        >>> mixed = gan.style_mix(z[:1].repeat(8, 0), z[1:9], crossover=3)
        """
        crossover = check_positive_int("crossover", crossover, minimum=0)
        if crossover > self.num_ws:
            raise ValueError(f"`crossover` must be at most num_ws = {self.num_ws}. "
                             f"Received: crossover={crossover}")
        return self._run(z_coarse, z_fine, crossover, truncation, seed, batch_size)

    # -- export --------------------------------------------------------------------

    def _export_resources(self):
        return [self]  # the sampling generator and w_avg

    def _export_endpoints(self):
        """``serve(z, noise)``: images of ``(batch, latent_dim)`` latents, no
        truncation; ``sample(n, seed, truncation)``: ``n`` images of the
        stateless ``seed`` (two int32) with truncation ``psi``."""
        z_spec = tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")
        noise_spec = tf.TensorSpec((None,) + self.noise_shape, tf.float32,
                                   name="noise")

        def serve(z, noise):
            return self._synthesize(z, z, noise, self.num_ws, 1.0)

        def sample(n, seed, truncation):
            z = tf.random.stateless_normal(tf.stack([n, self.latent_dim]), seed)
            noise = tf.random.stateless_normal(
                tf.concat([[n], tf.constant(self.noise_shape)], 0), seed + 1)
            return self._synthesize(z, z, noise, self.num_ws, truncation)

        return [("serve", serve, [z_spec, noise_spec]),
                ("sample", sample, [tf.TensorSpec((), tf.int32, name="n"),
                                    tf.TensorSpec((2,), tf.int32, name="seed"),
                                    tf.TensorSpec((), tf.float32,
                                                  name="truncation")])]
