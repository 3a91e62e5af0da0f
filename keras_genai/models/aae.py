"""The adversarial autoencoder of Makhzani et al. (2016)."""

import keras
import tensorflow as tf
from keras import ops

from keras_genai.models.adversarial import ADVERSARIAL_TRACKERS
from keras_genai.models.adversarial import AdversarialLoss
from keras_genai.models.inputs import unpack_images
from keras_genai.models.latent import LatentVariableModel
from keras_genai.utils.batching import predict_fixed
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_score_shape

# Families without a gradient penalty (the latent critic has no Lipschitz
# constraint here, so the Wasserstein ones are left out).
AAE_LOSSES = ("non_saturating", "minimax", "least_squares", "hinge")


@keras.saving.register_keras_serializable(package="keras_genai")
class AdversarialAutoencoder(LatentVariableModel):
    """An autoencoder whose codes are matched to a prior by a GAN in latent space.

    Makhzani, Shlens, Jaitly, Goodfellow & Frey (2016), "Adversarial
    Autoencoders", sec. 2: a deterministic encoder ``q(z | x)`` and a decoder are
    trained to reconstruct, and a discriminator on codes tells samples of the
    prior ``p(z) = N(0, I)`` (real) from codes ``q(z) = E_x q(z | x)`` (fake); the
    encoder, as the generator, learns to fool it. The adversarial game replaces
    the VAE's KL term: it matches the aggregated posterior ``q(z)`` to the prior,
    so decoding prior samples gives images. Each ``train_step`` runs the paper's
    two phases on one minibatch:

    1. reconstruction: encoder and decoder descend the reconstruction loss
       (``ae_optimizer``);
    2. regularization: the discriminator descends its loss on prior samples vs
       codes (``d_optimizer``), then the encoder descends the generator loss on
       its codes (``g_optimizer``).

    Logged: ``reconstruction`` (per image), ``d_loss``, ``g_loss`` and the
    discriminator's accuracies on prior samples (``d_real_accuracy``) and codes
    (``d_fake_accuracy``).

    Args:
        encoder: built `keras.Model` ``images -> z`` (one output, linear; e.g.
            `builders.dense_encoder(...)`).
        decoder: built `keras.Model` ``z -> images``.
        discriminator: built `keras.Model` ``z -> (batch, 1)`` logits (e.g.
            `builders.mlp_discriminator((latent_dim,))`).
        reconstruction: ``"mse"`` or ``"bce"`` (per-image sums, see
            `keras_genai.losses`).
        seed: seed of the model's noise.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> aae = AdversarialAutoencoder(
    ...     dense_encoder((28, 28, 1), 8, (512, 256)),
    ...     dense_decoder((28, 28, 1), 8, (256, 512)),
    ...     mlp_discriminator((8,), (256, 256)))
    >>> aae.compile(ae_optimizer=keras.optimizers.Adam(1e-3),
    ...             d_optimizer=keras.optimizers.Adam(2e-4),
    ...             g_optimizer=keras.optimizers.Adam(2e-4))
    >>> aae.fit(x_train, epochs=50, batch_size=100)
    >>> images = aae.sample(16, seed=0)
    """

    NETWORKS = {"encoder": ("images",), "decoder": ("z",), "discriminator": ("z",)}
    OPTIMIZERS = {"ae_optimizer": ("encoder", "decoder"),
                  "d_optimizer": ("discriminator",), "g_optimizer": ("encoder",)}
    TRACKERS = ("reconstruction",) + ADVERSARIAL_TRACKERS

    def __init__(self, encoder, decoder, discriminator, reconstruction="mse",
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.encoder = check_network("encoder", encoder)
        self.decoder = check_network("decoder", decoder)
        self.discriminator = check_network("discriminator", discriminator)
        self._set_reconstruction(reconstruction)
        self.latent_dim, self.image_shape = self._check_networks()
        self.adversarial = None  # set by compile
        self.built = True

    def _check_networks(self):
        image_shape = self._input_shapes("encoder")[0][1:]
        code_shapes = [tuple(t.shape) for t in self.encoder.outputs]
        if len(code_shapes) != 1 or len(code_shapes[0]) != 2:
            raise ValueError(
                "`encoder` must return one code of shape (batch, latent_dim) "
                "(a deterministic encoder, not a variational one). Received: "
                f"encoder output shapes {code_shapes}")
        latent_dim = code_shapes[0][1]
        self._check_decoder(latent_dim, image_shape)
        z_shape = self._input_shapes("discriminator")[0]
        if z_shape[1:] != (latent_dim,):
            raise ValueError(
                f"`discriminator` must take the encoder's code size {latent_dim}. "
                f"Received: discriminator input shape {z_shape}")
        check_score_shape("discriminator", self.discriminator)
        return latent_dim, image_shape

    def compile(self, ae_optimizer=None, d_optimizer=None, g_optimizer=None,
                loss="non_saturating", label_smoothing=0.0, **kwargs):
        """Sets the three optimizers and the adversarial loss family.

        Args:
            ae_optimizer: encoder + decoder, on the reconstruction loss.
            d_optimizer: the latent discriminator.
            g_optimizer: the encoder, on the generator loss.
            loss: one of `AAE_LOSSES`.
            label_smoothing: one-sided smoothing of D's "prior" target.
            **kwargs: `keras.Model.compile` options.
        """
        adversarial = AdversarialLoss(loss, AAE_LOSSES, label_smoothing)
        self._compile(dict(ae_optimizer=ae_optimizer, d_optimizer=d_optimizer,
                           g_optimizer=g_optimizer), kwargs, **adversarial.config())
        self.adversarial = adversarial

    def _reconstruction_loss(self, x, training):
        x_hat = self.decoder(self.encoder(x, training=training), training=training)
        return ops.mean(self.reconstruction_fn(x, x_hat))

    def _discriminator_loss(self, x, training):
        prior = self.sample_normal(tf.shape(x)[0], (self.latent_dim,))
        codes = self.encoder(x, training=training)
        real_out = self.discriminator(prior, training=training)
        fake_out = self.discriminator(codes, training=training)
        return (self.adversarial.discriminator_loss(real_out, fake_out), real_out,
                fake_out)

    def _generator_loss(self, x, training):
        return self.adversarial.generator_loss(
            self.discriminator(self.encoder(x, training=training), training=training))

    def _update_metrics(self, reconstruction, d_loss, g_loss, real_out, fake_out):
        return self._log(reconstruction=reconstruction, **self.adversarial.logs(
            d_loss, g_loss, real_out, fake_out))

    def train_step(self, data):
        """The reconstruction phase, then the regularization phase (D, then the
        encoder as generator)."""
        x = unpack_images(data)
        reconstruction = self._descend(
            "ae_optimizer", lambda: self._reconstruction_loss(x, training=True))
        d_loss, real_out, fake_out = self._descend(
            "d_optimizer", lambda: self._discriminator_loss(x, training=True))
        g_loss = self._descend("g_optimizer",
                               lambda: self._generator_loss(x, training=True))
        return self._update_metrics(reconstruction, d_loss, g_loss, real_out,
                                    fake_out)

    def test_step(self, data):
        """The three losses and D's accuracies on a batch, without updates."""
        x = unpack_images(data)
        d_loss, real_out, fake_out = self._discriminator_loss(x, training=False)
        return self._update_metrics(self._reconstruction_loss(x, training=False),
                                    d_loss, self._generator_loss(x, training=False),
                                    real_out, fake_out)

    def call(self, x, training=False):
        """Reconstructs ``x``: ``decoder(encoder(x))``."""
        return self.decoder(self.encoder(x, training=training), training=training)

    def encode(self, x, batch_size=256):
        """The code ``z = encoder(x)`` of each image, a NumPy array
        ``(n, latent_dim)``."""
        return predict_fixed(self.encoder, [x], batch_size)

    def _export_resources(self):
        return [self.encoder, self.decoder]

    def _export_endpoints(self):
        """``serve(x)`` reconstructs, ``encode(x)``, ``decode(z)`` and
        ``sample(n, seed)``."""
        images = self._image_spec()
        return [
            ("serve", lambda x: self(x, training=False), [images]),
            ("encode", lambda x: self.encoder(x, training=False), [images]),
        ] + self._latent_endpoints()
