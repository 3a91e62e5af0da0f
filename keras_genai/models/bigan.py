"""BiGAN (Donahue et al. 2017), also published as ALI (Dumoulin et al. 2017)."""

import keras
import tensorflow as tf

from keras_genai.models.adversarial import ADVERSARIAL_TRACKERS
from keras_genai.models.adversarial import AdversarialLoss
from keras_genai.models.inputs import unpack_images
from keras_genai.models.latent import LatentVariableModel
from keras_genai.utils.batching import predict_fixed
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_score_shape

# Families whose discriminator loss, with real and fake swapped, is the
# generator-and-encoder objective of the paper's "inverted labels".
BIGAN_LOSSES = ("non_saturating", "least_squares")


@keras.saving.register_keras_serializable(package="keras_genai")
class BiGAN(LatentVariableModel):
    """A GAN with an encoder: the discriminator judges ``(image, latent)`` pairs.

    Donahue, Krähenbühl & Darrell (2017), "Adversarial Feature Learning", eq. 2;
    Dumoulin et al. (2017), "Adversarially Learned Inference" (ALI, the same
    model). A generator ``G: z -> x``, an encoder ``E: x -> z`` and a
    discriminator ``D(x, z)`` play

        min_{G,E} max_D  E_x[log D(x, E(x))] + E_z[log(1 - D(G(z), z))]

    At the optimum ``E`` inverts ``G`` (the paper's Theorem 2), so ``encode(x)``
    infers latents that are useful features although no label was seen. Each
    ``train_step`` updates D on real pairs ``(x, E(x))`` vs fake pairs
    ``(G(z), z)``, then G and E together (``g_optimizer``) on the same loss with
    real and fake swapped (the "inverted labels" of the paper's sec. 3.4, which
    keeps the gradients from saturating).

    Logged: ``d_loss``, ``g_loss`` (of G and E), ``d_real_accuracy`` (real pairs
    D calls real) and ``d_fake_accuracy``.

    Args:
        generator: built `keras.Model` ``z -> images``.
        encoder: built `keras.Model` ``images -> z``.
        discriminator: built `keras.Model` ``[images, z] -> (batch, 1)`` logits
            (e.g. `builders.bigan_discriminator`).
        seed: seed of the model's noise.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> bigan = BiGAN(mlp_generator(50), dense_encoder(latent_dim=50,
    ...               hidden_units=(512, 512)), bigan_discriminator(latent_dim=50))
    >>> bigan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...               g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> bigan.fit(image_dataset(x, batch_size=64), epochs=50)
    >>> features = bigan.encode(x_test)
    """

    DECODER = "generator"
    NETWORKS = {"generator": ("z",), "encoder": ("images",),
                "discriminator": ("images", "z")}
    OPTIMIZERS = {"d_optimizer": ("discriminator",),
                  "g_optimizer": ("generator", "encoder")}
    TRACKERS = ADVERSARIAL_TRACKERS

    def __init__(self, generator, encoder, discriminator, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.generator = check_network("generator", generator)
        self.encoder = check_network("encoder", encoder)
        self.discriminator = check_network("discriminator", discriminator)
        self.latent_dim, self.image_shape = self._check_networks()
        self.adversarial = None  # set by compile
        self.built = True

    def _check_networks(self):
        z_shape = self._input_shapes("generator")[0]
        if len(z_shape) != 2:
            raise ValueError(f"`generator` must take z of shape (batch, latent_dim). "
                             f"Received: generator input shape {z_shape}")
        latent_dim = z_shape[1]
        image_shape = tuple(self.generator.output_shape)[1:]
        if self._input_shapes("encoder")[0][1:] != image_shape:
            raise ValueError(
                f"`encoder` must take the generator's images {image_shape}. "
                f"Received: encoder input shape {self._input_shapes('encoder')[0]}")
        code = [tuple(t.shape) for t in self.encoder.outputs]
        if code != [(None, latent_dim)]:
            raise ValueError(
                f"`encoder` must return one code (batch, {latent_dim}), the "
                f"generator's latent size. Received: encoder output shapes {code}")
        d_shapes = [s[1:] for s in self._input_shapes("discriminator")]
        if d_shapes != [image_shape, (latent_dim,)]:
            raise ValueError(
                f"`discriminator` must take [images {image_shape}, z "
                f"({latent_dim},)]. Received: discriminator input shapes {d_shapes}")
        check_score_shape("discriminator", self.discriminator)
        return latent_dim, image_shape

    def compile(self, d_optimizer=None, g_optimizer=None, loss="non_saturating",
                label_smoothing=0.0, **kwargs):
        """Sets the optimizers and the loss family.

        Args:
            d_optimizer: the discriminator's optimizer.
            g_optimizer: the optimizer of the generator and encoder together.
            loss: one of `BIGAN_LOSSES`.
            label_smoothing: one-sided smoothing of D's real target.
            **kwargs: `keras.Model.compile` options.
        """
        adversarial = AdversarialLoss(loss, BIGAN_LOSSES, label_smoothing)
        self._compile(dict(d_optimizer=d_optimizer, g_optimizer=g_optimizer), kwargs,
                      **adversarial.config())
        self.adversarial = adversarial

    def _pair_outputs(self, x, training):
        """D's outputs on real pairs ``(x, E(x))`` and on fake pairs
        ``(G(z), z)`` for fresh latents."""
        z = self.sample_normal(tf.shape(x)[0], (self.latent_dim,))
        real_out = self.discriminator([x, self.encoder(x, training=training)],
                                      training=training)
        fake_out = self.discriminator([self.generator(z, training=training), z],
                                      training=training)
        return real_out, fake_out

    def _discriminator_loss(self, x, training):
        real_out, fake_out = self._pair_outputs(x, training)
        return (self.adversarial.discriminator_loss(real_out, fake_out), real_out,
                fake_out)

    def _generator_loss(self, x, training):
        real_out, fake_out = self._pair_outputs(x, training)
        # D's loss with real and fake swapped (no smoothing: G's targets are
        # hard).
        return self.adversarial.family.discriminator_loss(fake_out, real_out)

    def _update_metrics(self, d_loss, g_loss, real_out, fake_out):
        return self._log(**self.adversarial.logs(d_loss, g_loss, real_out, fake_out))

    def train_step(self, data):
        """One D update, then one update of G and E together."""
        x = unpack_images(data)
        d_loss, real_out, fake_out = self._descend(
            "d_optimizer", lambda: self._discriminator_loss(x, training=True))
        g_loss = self._descend("g_optimizer",
                               lambda: self._generator_loss(x, training=True))
        return self._update_metrics(d_loss, g_loss, real_out, fake_out)

    def test_step(self, data):
        """Both losses and D's accuracies on a batch, without updates."""
        x = unpack_images(data)
        d_loss, real_out, fake_out = self._discriminator_loss(x, training=False)
        return self._update_metrics(d_loss, self._generator_loss(x, training=False),
                                    real_out, fake_out)

    def call(self, z, training=False):
        """Maps latents to images: ``G(z)``."""
        return self.generator(z, training=training)

    def encode(self, x, batch_size=256):
        """The inferred latent ``E(x)`` of each image, ``(n, latent_dim)``.

        Example:

        >>> features = bigan.encode(x_test)  # e.g. for a linear classifier
        """
        return predict_fixed(self.encoder, [x], batch_size)

    def reconstruct(self, x, batch_size=256):
        """``G(E(x))``: how the generator redraws an image from its inferred
        latent (a BiGAN is not trained to reconstruct; this shows what E keeps).
        """
        return self.decode(self.encode(x, batch_size), batch_size=batch_size)

    def _export_resources(self):
        return [self.generator, self.encoder]

    def _export_endpoints(self):
        """``serve(z)`` generates, ``encode(x)`` infers latents, ``decode(z)``
        and ``sample(n, seed)``."""
        return [
            ("serve", lambda z: self.generator(z, training=False),
             [tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")]),
            ("encode", lambda x: self.encoder(x, training=False),
             [self._image_spec()]),
        ] + self._latent_endpoints()


ALI = BiGAN
"""Adversarially Learned Inference (Dumoulin et al. 2017): the same model as
`BiGAN`, published at the same time."""
