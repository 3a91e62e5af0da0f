"""LAPGAN: a Laplacian pyramid of generative adversarial networks."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_genai.models.adversarial import AdversarialLoss
from keras_genai.models.base import GenerativeModel
from keras_genai.models.inputs import unpack_images
from keras_genai.models.paired_gan import PAIRED_LOSSES
from keras_genai.utils.batching import map_fixed_batches
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed


def downsample2(images):
    """``d(.)``: 2x2 average pooling, halving height and width."""
    return ops.average_pool(images, 2, strides=2, padding="valid")


def upsample2(images):
    """``u(.)``: bilinear upsampling doubling height and width."""
    shape = ops.shape(images)
    return tf.image.resize(images, (shape[1] * 2, shape[2] * 2), method="bilinear")


def laplacian_pyramid(images, levels):
    """The Gaussian and Laplacian pyramids of a batch (Burt & Adelson 1983;
    Denton et al. 2015, sec. 3).

    ``I_{k} = d(I_{k+1})`` from the full image down, and the band-pass residuals
    ``h_k = I_k - u(I_{k-1})``. Levels are ordered coarse to fine: index 0 is the
    coarsest image (which is its own "residual"), index ``levels - 1`` the input.

    Args:
        images: ``(batch, H, W, C)`` with H and W divisible by ``2 ** (levels - 1)``.
        levels: number of levels.

    Returns:
        ``(gaussian, residuals)``: two lists of ``levels`` tensors; the image is
        rebuilt exactly by ``I_k = u(I_{k-1}) + h_k``.

    Example:

    >>> gaussian, residuals = laplacian_pyramid(images, 3)  # 7, 14, 28
    """
    gaussian = [images]
    for _ in range(levels - 1):
        gaussian.insert(0, downsample2(gaussian[0]))
    residuals = [gaussian[0]] + [gaussian[k] - upsample2(gaussian[k - 1])
                                 for k in range(1, levels)]
    return gaussian, residuals


@keras.saving.register_keras_serializable(package="keras_genai")
class LAPGAN(GenerativeModel):
    """A Laplacian pyramid of GANs (Denton et al. 2015, "Deep Generative Image
    Models using a Laplacian Pyramid of Adversarial Networks").

    Level 0 is an ordinary GAN for the coarsest image ``I_0 = G_0(z_0)``. Every
    finer level ``k`` is a conditional GAN that generates the *residual detail*
    ``h_k = G_k(z_k, u(I_{k-1}))`` given the upsampled coarser image; sampling
    runs coarse to fine, ``I_k = u(I_{k-1}) + h_k`` (eq. 2). In training every
    level learns independently from the Laplacian pyramid of real images: level
    ``k``'s discriminator sees real residuals and generated ones, each next to
    the real upsampled coarse image they refine (eq. 3).

    One ``train_step`` updates every level's discriminator (one optimizer over
    all their variables) and then every generator, on the same batch. Logged:
    ``d_loss`` and ``g_loss``, summed over levels.

    Args:
        generators: built models, coarse to fine: ``generators[0]: z ->
            (h0, w0, C)`` images in ``[-1, 1]``; ``generators[k]: [z, coarse]
            -> residual`` at ``2^k`` times the size.
        discriminators: built models, coarse to fine: ``discriminators[0]:
            image -> logit``; ``discriminators[k]: [coarse, residual] -> logit``.
        latent_dim: size of each level's ``z_k``.
        seed: seed of the model's noise.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> model = LAPGAN([mlp_generator(32, (7, 7, 1)),
    ...                 lapgan_generator((14, 14, 1), 32),
    ...                 lapgan_generator((28, 28, 1), 32)],
    ...                [mlp_discriminator((7, 7, 1)),
    ...                 lapgan_discriminator((14, 14, 1)),
    ...                 lapgan_discriminator((28, 28, 1))], latent_dim=32)
    """

    # Lists of networks, coarse to fine; level 0 takes only z (G) or the image
    # (D), each finer level the upsampled coarser image too.
    NETWORKS = {"generators": ("z", "coarse"), "discriminators": ("coarse", "residual")}
    OPTIMIZERS = {"d_optimizer": ("discriminators",), "g_optimizer": ("generators",)}
    TRACKERS = ("d_loss", "g_loss")

    def __init__(self, generators, discriminators, latent_dim, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not isinstance(generators, (list, tuple)) or len(generators) < 2:
            raise ValueError("`generators` must be a list of at least 2 models, "
                             f"coarse to fine. Received: generators={generators!r}")
        if not isinstance(discriminators, (list, tuple)) or \
                len(discriminators) != len(generators):
            raise ValueError("`discriminators` must be a list with one model per "
                             f"level ({len(generators)}). Received: "
                             f"discriminators={discriminators!r}")
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.generators = [check_network("generators", g) for g in generators]
        self.discriminators = [check_network("discriminators", d)
                               for d in discriminators]
        self.num_levels = len(generators)
        self.image_shape = self._check_levels()
        self.adversarial = None  # set by compile
        self.built = True

    def _check_levels(self):
        first = tuple(self.generators[0].output_shape)[1:]
        if tuple(self.generators[0].input_shape)[1:] != (self.latent_dim,):
            raise ValueError("`latent_dim` must match generators[0]'s input "
                             f"{self.generators[0].input_shape}. Received: "
                             f"latent_dim={self.latent_dim}")
        h, w, c = first
        for k in range(self.num_levels):
            shape = (h * 2 ** k, w * 2 ** k, c)
            g, d = self.generators[k], self.discriminators[k]
            if k == 0:
                expected_g = [(self.latent_dim,)]
                expected_d = [shape]
            else:
                expected_g = [(self.latent_dim,), shape]
                expected_d = [shape, shape]
            got_g = [tuple(t.shape)[1:] for t in g.inputs]
            got_d = [tuple(t.shape)[1:] for t in d.inputs]
            if got_g != expected_g or tuple(g.output_shape)[1:] != shape:
                raise ValueError(
                    f"`generators` level {k} must map {expected_g} to {shape}. "
                    f"Received: {got_g} -> {tuple(g.output_shape)[1:]}")
            if got_d != expected_d or tuple(d.output_shape)[1:] not in ((1,), ()):
                raise ValueError(
                    f"`discriminators` level {k} must map {expected_d} to one "
                    f"logit. Received: {got_d} -> {tuple(d.output_shape)[1:]}")
        return shape

    def compile(self, d_optimizer=None, g_optimizer=None, loss="non_saturating",
                **kwargs):
        """Sets the optimizers (each shared by all levels) and the loss family.

        Args:
            d_optimizer: optimizer of every level's discriminator.
            g_optimizer: optimizer of every level's generator.
            loss: one of ``PAIRED_LOSSES``.
            **kwargs: `keras.Model.compile` options.
        """
        adversarial = AdversarialLoss(loss, PAIRED_LOSSES)
        self._compile(dict(d_optimizer=d_optimizer, g_optimizer=g_optimizer), kwargs,
                      loss=loss)
        self.adversarial = adversarial

    # -- the algorithm -----------------------------------------------------------

    def _generate_level(self, k, z, coarse, training):
        if k == 0:
            return self.generators[0](z, training=training)
        return self.generators[k]([z, coarse], training=training)

    def _discriminate_level(self, k, residual, coarse, training):
        if k == 0:
            return self.discriminators[0](residual, training=training)
        return self.discriminators[k]([coarse, residual], training=training)

    def _levels(self, data):
        gaussian, residuals = laplacian_pyramid(unpack_images(data), self.num_levels)
        coarse = [None] + [upsample2(gaussian[k - 1])
                           for k in range(1, self.num_levels)]
        return residuals, coarse

    def _d_loss(self, residuals, coarse, fakes, training):
        return sum(self.adversarial.discriminator_loss(
            self._discriminate_level(k, residuals[k], coarse[k], training),
            self._discriminate_level(k, fakes[k], coarse[k], training))
            for k in range(self.num_levels))

    def _fakes(self, batch, coarse, training):
        return [self._generate_level(k, self.sample_normal(batch, (self.latent_dim,)),
                                     coarse[k], training)
                for k in range(self.num_levels)]

    def _g_loss(self, batch, coarse, training):
        fakes = self._fakes(batch, coarse, training)
        return sum(self.adversarial.generator_loss(
            self._discriminate_level(k, fakes[k], coarse[k], training))
            for k in range(self.num_levels))

    def train_step(self, data):
        """Every level's D, then every level's G, on the batch's pyramid."""
        residuals, coarse = self._levels(data)
        batch = tf.shape(residuals[0])[0]
        fakes = self._fakes(batch, coarse, training=True)
        d_loss = self._descend(
            "d_optimizer",
            lambda: self._d_loss(residuals, coarse, fakes, training=True))
        g_loss = self._descend("g_optimizer",
                               lambda: self._g_loss(batch, coarse, training=True))
        return self._log(d_loss=d_loss, g_loss=g_loss)

    def test_step(self, data):
        """The summed losses on a batch, without updates."""
        residuals, coarse = self._levels(data)
        batch = tf.shape(residuals[0])[0]
        fakes = self._fakes(batch, coarse, training=False)
        return self._log(d_loss=self._d_loss(residuals, coarse, fakes, training=False),
                         g_loss=self._g_loss(batch, coarse, training=False))

    # -- sampling ------------------------------------------------------------------

    def call(self, z, training=False, return_levels=False):
        """Samples coarse to fine: ``I_0 = G_0(z_0)``, ``I_k = u(I_{k-1}) +
        G_k(z_k, u(I_{k-1}))``; the final image is clipped to ``[-1, 1]``.

        Args:
            z: ``(batch, num_levels, latent_dim)``, one latent per level.
            training: training mode of the networks.
            return_levels: also return every level's image.

        Returns:
            The finest images, or the list of all levels' images (coarse to
            fine) with ``return_levels``.
        """
        image = self.generators[0](z[:, 0], training=training)
        levels = [image]
        for k in range(1, self.num_levels):
            coarse = upsample2(image)
            image = coarse + self.generators[k]([z[:, k], coarse], training=training)
            levels.append(image)
        levels[-1] = ops.clip(levels[-1], -1.0, 1.0)
        return levels if return_levels else levels[-1]

    def sample(self, n=None, labels=None, seed=None, batch_size=256,
               return_levels=False):
        """Samples ``n`` images.

        Args:
            n: number of images.
            labels: must be ``None`` (LAPGAN is unconditional); here so that
                every model's ``sample`` takes the same arguments.
            seed: int seed for reproducible samples, or ``None``.
            batch_size: images generated at once; every batch has this size
                (the last is padded), so repeated calls never retrace.
            return_levels: also return the coarser levels.

        Returns:
            float32 NumPy images ``(n, H, W, C)`` in ``[-1, 1]`` (or a list of
            every level's images, coarse to fine).

        Example:

        >>> images = lapgan.sample(16, seed=0)
        """
        n = check_positive_int("n", n)
        seed = check_seed(seed)
        batch_size = check_positive_int("batch_size", batch_size)
        if labels is not None:
            raise ValueError("LAPGAN is unconditional: it takes `n`, not labels. "
                             f"Received: labels={labels!r:.100}")
        z = keras.random.normal((n, self.num_levels, self.latent_dim),
                                seed=self.seed_generator if seed is None else seed)
        fn = self._function("sample", lambda z: tuple(
            self(z, training=False, return_levels=True)))
        levels = map_fixed_batches(fn, [np.asarray(z, np.float32)], batch_size)
        levels = [np.asarray(level, np.float32) for level in levels]
        return levels if return_levels else levels[-1]

    # -- export --------------------------------------------------------------------

    def _export_resources(self):
        return list(self.generators)

    def _export_endpoints(self):
        signature = [tf.TensorSpec((None, self.num_levels, self.latent_dim),
                                   tf.float32, name="z")]
        return [("serve", lambda z: self(z, training=False), signature)]
