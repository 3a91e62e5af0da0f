"""Image-conditioned GANs trained on (source, target) pairs: pix2pix and SRGAN.

Both learn a generator ``G: source -> target`` from the sum of an adversarial
term and a reconstruction term that compares ``G(source)`` with the paired
target; they differ in what the discriminator sees and in the reconstruction
term. `PairedGAN` holds the shared algorithm; `Pix2Pix` and `SRGAN` choose.
"""

import keras
import tensorflow as tf
from keras import ops

from keras_genai.models.adversarial import AdversarialLoss
from keras_genai.models.base import GenerativeModel
from keras_genai.models.inputs import unpack_pair
from keras_genai.utils.batching import predict_fixed
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_non_negative

# Families that need no Lipschitz constraint or extra critic steps.
PAIRED_LOSSES = ("minimax", "non_saturating", "least_squares", "hinge")


class PairedGAN(GenerativeModel):
    """The shared algorithm of paired image-to-image GANs.

    Each step: one discriminator update on (source, target) pairs against
    (source, ``G(source)``), then one generator update on
    ``adversarial_weight * L_adv + reconstruction_weight * L_rec``. Subclasses
    define `_discriminate` and `_reconstruction_loss`.

    Logged: ``d_loss``, ``g_loss`` (the weighted total), ``adversarial_loss``
    and the reconstruction term, under the last name of ``TRACKERS``.
    """

    NETWORKS = {"generator": ("source",), "discriminator": ("source", "image")}
    OPTIMIZERS = {"d_optimizer": ("discriminator",), "g_optimizer": ("generator",)}
    TRACKERS = ("d_loss", "g_loss", "adversarial_loss", "reconstruction_loss")
    DATA = ("source", "target")

    def __init__(self, generator, discriminator, reconstruction_weight,
                 adversarial_weight=1.0, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.generator = check_network("generator", generator)
        self.discriminator = check_network("discriminator", discriminator)
        self.reconstruction_weight = check_non_negative("reconstruction_weight",
                                                   reconstruction_weight)
        self.adversarial_weight = check_non_negative("adversarial_weight",
                                                adversarial_weight)
        self.source_shape = tuple(generator.input_shape)[1:]
        self.target_shape = tuple(generator.output_shape)[1:]
        self._check_discriminator()
        self.adversarial = None  # set by compile
        self.built = True

    def _check_discriminator(self):
        raise NotImplementedError

    def call(self, source, training=False):
        """``G(source)``."""
        return self.generator(source, training=training)

    def compile(self, d_optimizer=None, g_optimizer=None, loss="non_saturating",
                label_smoothing=0.0, **kwargs):
        """Sets the optimizers and the adversarial loss family.

        Args:
            d_optimizer: discriminator optimizer.
            g_optimizer: generator optimizer.
            loss: one of ``PAIRED_LOSSES`` (``"non_saturating"``, ``"minimax"``,
                ``"least_squares"``, ``"hinge"``).
            label_smoothing: one-sided smoothing of D's real target (not for
                ``"hinge"``).
            **kwargs: `keras.Model.compile` options.
        """
        adversarial = AdversarialLoss(loss, PAIRED_LOSSES, label_smoothing)
        self._compile(dict(d_optimizer=d_optimizer, g_optimizer=g_optimizer), kwargs,
                      **adversarial.config())
        self.adversarial = adversarial

    # -- what a subclass chooses -------------------------------------------------

    def _discriminate(self, source, image, training):
        raise NotImplementedError

    def _reconstruction_loss(self, target, fake):
        raise NotImplementedError

    # -- the algorithm -----------------------------------------------------------

    def _d_loss(self, source, target, fake, training):
        real_out = self._discriminate(source, target, training)
        fake_out = self._discriminate(source, fake, training)
        return self.adversarial.discriminator_loss(real_out, fake_out)

    def _g_losses(self, source, target, training):
        fake = self.generator(source, training=training)
        adversarial = self.adversarial.generator_loss(
            self._discriminate(source, fake, training))
        reconstruction = self._reconstruction_loss(target, fake)
        total = (self.adversarial_weight * adversarial
                 + self.reconstruction_weight * reconstruction)
        return total, adversarial, reconstruction

    def _update_metrics(self, d_loss, g_losses):
        return self._log(**dict(zip(self.TRACKERS, (d_loss,) + tuple(g_losses))))

    def train_step(self, data):
        """One D update, then one G update on the same pairs."""
        source, target = unpack_pair(data, self)
        fake = self.generator(source, training=True)
        d_loss = self._descend(
            "d_optimizer", lambda: self._d_loss(source, target, fake, training=True))
        g_losses = self._descend(
            "g_optimizer", lambda: self._g_losses(source, target, training=True))
        return self._update_metrics(d_loss, g_losses)

    def test_step(self, data):
        """The losses on a batch, without updates."""
        source, target = unpack_pair(data, self)
        fake = self.generator(source, training=False)
        d_loss = self._d_loss(source, target, fake, training=False)
        return self._update_metrics(d_loss,
                                    self._g_losses(source, target, training=False))

    def translate(self, source, batch_size=256):
        """``G(source)`` as a NumPy array (inference mode).

        Example:

        >>> restored = model.translate(masked_digits)
        """
        return predict_fixed(self.generator, [source], batch_size)

    # -- export --------------------------------------------------------------------

    def _export_resources(self):
        return [self.generator]

    def _export_endpoints(self):
        signature = [tf.TensorSpec((None,) + self.source_shape, tf.float32,
                                   name="source")]
        return [("serve", lambda source: self.generator(source, training=False),
                 signature)]


@keras.saving.register_keras_serializable(package="keras_genai")
class Pix2Pix(PairedGAN):
    """pix2pix: image-to-image translation with a conditional GAN and an L1 term.

    Isola et al. (2017), "Image-to-Image Translation with Conditional Adversarial
    Networks", eqs. 1-4:

        L_cGAN(G, D) = E_x,y[log D(x, y)] + E_x[log(1 - D(x, G(x)))]
        L_L1(G) = E_x,y[||y - G(x)||_1]
        G* = arg min_G max_D L_cGAN(G, D) + lambda L_L1(G),  lambda = 100

    D (a PatchGAN) sees the source next to the real or generated target; G is
    trained with the non-saturating form of ``L_cGAN`` by default (sec. 3.3).

    Args:
        generator: built `keras.Model` ``source -> target`` (e.g.
            `builders.unet_generator`).
        discriminator: built `keras.Model` ``[source, image] -> logits`` (e.g.
            `builders.patchgan_discriminator(condition_shape=...)`).
        l1_weight: ``lambda``.
        seed: seed of the model's randomness.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> model = Pix2Pix(unet_generator((28, 28, 1)),
    ...                 patchgan_discriminator((28, 28, 1), (28, 28, 1)))
    >>> model.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...               g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> model.fit(tf.data.Dataset.from_tensor_slices((masked, clean)).batch(64))
    """

    NETWORKS = {"generator": ("source",), "discriminator": ("source", "image")}
    TRACKERS = ("d_loss", "g_loss", "adversarial_loss", "l1_loss")

    def __init__(self, generator, discriminator, l1_weight=100.0, seed=None,
                 **kwargs):
        super().__init__(generator, discriminator,
                         reconstruction_weight=check_non_negative("l1_weight", l1_weight),
                         seed=seed, **kwargs)

    @property
    def l1_weight(self):
        """``lambda`` of the L1 term."""
        return self.reconstruction_weight

    def _check_discriminator(self):
        inputs = self.discriminator.inputs
        shapes = [tuple(t.shape)[1:] for t in inputs]
        if len(inputs) != 2 or shapes != [self.source_shape, self.target_shape]:
            raise ValueError(
                "`discriminator` must take [source, image] with the generator's "
                f"input and output shapes {[self.source_shape, self.target_shape]}."
                f" Received: discriminator input shapes {shapes}")

    def _discriminate(self, source, image, training):
        return self.discriminator([source, image], training=training)

    def _reconstruction_loss(self, target, fake):
        return ops.mean(ops.abs(target - fake))


@keras.saving.register_keras_serializable(package="keras_genai")
class SRGAN(PairedGAN):
    """SRGAN: super-resolution with an adversarial and a content loss.

    Ledig et al. (2017), "Photo-Realistic Single Image Super-Resolution Using a
    Generative Adversarial Network", eqs. 3-6: the generator minimises the
    perceptual loss

        l_SR = l_content + 1e-3 * l_Gen

    where ``l_Gen = -log D(G(x_LR))`` and the content loss compares *features*
    of the super-resolved and the true high-resolution image, ``phi(G(x_LR))``
    and ``phi(x_HR)`` (VGG features in the paper; any ``content_model`` here,
    e.g. a digit classifier's convolutional features), by mean squared error.
    Pixel MSE is added with ``pixel_weight`` (1 by default: it keeps overall
    intensities, which a feature loss alone can let drift). Without a
    ``content_model`` the content loss is the pixel MSE only (the paper's
    SRGAN-MSE). The discriminator sees only high-resolution images.

    Args:
        generator: built `keras.Model` ``low-resolution -> high-resolution``
            (e.g. `builders.sr_generator`).
        discriminator: built `keras.Model` ``high-resolution image -> (batch,
            1)`` logits (e.g. `builders.dcgan_discriminator`).
        content_model: optional built `keras.Model` mapping high-resolution
            images *in the generator's output range* to features; not trained.
        adversarial_weight: weight of ``l_Gen`` (1e-3 in the paper).
        pixel_weight: weight of the pixel MSE added to the feature loss.
        seed: seed of the model's randomness.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> model = SRGAN(sr_generator((7, 7, 1), scale=4),
    ...               dcgan_discriminator((28, 28, 1)), content_model=features)
    >>> model.compile(d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.9),
    ...               g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.9))
    >>> model.fit(tf.data.Dataset.from_tensor_slices((low, high)).batch(64))
    """

    NETWORKS = {"generator": ("source",), "discriminator": ("image",),
                "content_model": ("image",)}
    TRACKERS = ("d_loss", "g_loss", "adversarial_loss", "content_loss")

    def __init__(self, generator, discriminator, content_model=None,
                 adversarial_weight=1e-3, pixel_weight=1.0, seed=None, **kwargs):
        if content_model is not None:  # any feature extractor (a VGG...): its
            # outputs are cast to float32 in the loss, whatever its policy.
            check_network("content_model", content_model, float32_outputs=False)
        self._content_model = content_model
        self.pixel_weight = check_non_negative("pixel_weight", pixel_weight)
        super().__init__(generator, discriminator, reconstruction_weight=1.0,
                         adversarial_weight=adversarial_weight, seed=seed, **kwargs)
        if content_model is not None:
            shape = tuple(content_model.input_shape)[1:]
            if shape != self.target_shape:
                raise ValueError(
                    "`content_model` must take the generator's output shape "
                    f"{self.target_shape}. Received: content_model input shape "
                    f"{shape}")

    @property
    def content_model(self):
        """The fixed feature extractor of the content loss (or ``None``)."""
        return self._content_model

    def _check_discriminator(self):
        shapes = [tuple(t.shape)[1:] for t in self.discriminator.inputs]
        if shapes != [self.target_shape]:
            raise ValueError(
                "`discriminator` must take one high-resolution image of shape "
                f"{self.target_shape}. Received: discriminator input shapes {shapes}")

    def _discriminate(self, source, image, training):
        return self.discriminator(image, training=training)

    def _reconstruction_loss(self, target, fake):
        loss = self.pixel_weight * ops.mean(ops.square(target - fake))
        if self._content_model is not None:
            loss = loss + ops.mean(ops.square(
                ops.cast(self._content_model(target, training=False), "float32")
                - ops.cast(self._content_model(fake, training=False), "float32")))
        return loss
