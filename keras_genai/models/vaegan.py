"""VAE-GAN: the VAE of Larsen et al. (2016) with a learned similarity metric."""

import keras
import tensorflow as tf
from keras import ops

from keras_genai import losses as losses_module
from keras_genai.models.adversarial import ADVERSARIAL_TRACKERS
from keras_genai.models.adversarial import AdversarialLoss
from keras_genai.models.vae import VAE
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_non_negative

VAEGAN_LOSSES = ("non_saturating", "minimax", "least_squares")


@keras.saving.register_keras_serializable(package="keras_genai")
class VAEGAN(VAE):
    """A VAE whose decoder is also a GAN generator, reconstructing in the
    discriminator's feature space.

    Larsen, Sønderby, Larochelle & Winther (2016), "Autoencoding beyond pixels
    using a learned similarity metric", eq. 8-9 and Algorithm 1. With
    ``x~ = Dec(z)``, ``z ~ q(z | x)``, prior samples ``x_p = Dec(z_p)``,
    ``z_p ~ N(0, I)`` and ``Dis_l`` the discriminator's feature layer:

        L_prior = KL(q(z | x) || p(z))
        L_llike = 1/2 sum_j (Dis_l(x)_j - Dis_l(x~)_j)^2   (Gaussian in features)
        L_GAN   = log Dis(x) + log(1 - Dis(x~)) + log(1 - Dis(x_p))

    and, computed from one forward pass and applied together:

        encoder       descends  beta * L_prior + L_llike
        decoder       descends  gamma * L_llike + (generator loss on x~ and x_p)
        discriminator descends  -L_GAN (the chosen family's D loss, real x vs
                                both kinds of fakes)

    The discriminator is not trained on ``L_llike`` and the encoder gets no
    adversarial gradient, as in the paper. Replacing the pixel-wise
    reconstruction by the feature-wise one trades pixel accuracy for sharper
    samples: on the digits (units/unit5_autoencoder/hybrids.py) samples FID 131 against a
    VAE's 191 with the same networks, reconstructions FID 13.1 against 6.5.

    ``pixel_weight > 0`` adds ``pixel_weight`` times the pixel reconstruction
    error (``reconstruction``) to the encoder's and the decoder's losses (not in
    the paper). On the digits it sharpens the reconstructions and costs the
    samples their advantage over a VAE's (units/unit5_autoencoder/hybrids.py).

    Logged: ``kl``, ``feature_reconstruction`` (``L_llike``),
    ``reconstruction`` (the pixel error of ``x~`` under ``reconstruction``;
    trained on only with ``pixel_weight > 0``), ``d_loss``, ``g_loss``,
    ``d_real_accuracy`` and ``d_fake_accuracy``.

    Args:
        encoder: built `keras.Model` ``images -> [z_mean, z_log_var]``.
        decoder: built `keras.Model` ``z -> images`` (the generator).
        discriminator: built `keras.Model` ``images -> [logits (batch, 1),
            features (batch, ...)]`` (e.g. `builders.vaegan_discriminator`).
        beta: weight of the KL term in the encoder's loss.
        gamma: weight of ``L_llike`` against the GAN loss in the decoder's loss.
        pixel_weight: weight of a pixel reconstruction term in the encoder's
            and decoder's losses (0: the paper's objective).
        reconstruction: pixel error to report, ``"mse"`` or ``"bce"``.
        seed: seed of the model's noise.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> vaegan = VAEGAN(conv_encoder(latent_dim=32, variational=True),
    ...                 dcgan_generator(32), vaegan_discriminator())
    >>> adam = lambda: keras.optimizers.Adam(2e-4, beta_1=0.5)
    >>> vaegan.compile(encoder_optimizer=adam(), decoder_optimizer=adam(),
    ...                d_optimizer=adam(), label_smoothing=0.1)
    >>> vaegan.fit(image_dataset(x, batch_size=64), epochs=20)
    """

    NETWORKS = {"encoder": ("images",), "decoder": ("z",),
                "discriminator": ("images",)}
    OPTIMIZERS = {"encoder_optimizer": ("encoder",),
                  "decoder_optimizer": ("decoder",),
                  "d_optimizer": ("discriminator",)}
    TRACKERS = ("kl", "feature_reconstruction", "reconstruction") + ADVERSARIAL_TRACKERS

    def __init__(self, encoder, decoder, discriminator, beta=1.0, gamma=1.0,
                 pixel_weight=0.0, reconstruction="mse", seed=None, **kwargs):
        super().__init__(encoder, decoder, beta=beta, reconstruction=reconstruction,
                         seed=seed, **kwargs)
        self.discriminator = check_network("discriminator", discriminator)
        self.gamma = check_non_negative("gamma", gamma)
        self.pixel_weight = check_non_negative("pixel_weight", pixel_weight)
        self._check_discriminator()
        self.adversarial = None  # set by compile

    def _check_discriminator(self):
        image_shape = self._input_shapes("discriminator")[0][1:]
        if image_shape != self.image_shape:
            raise ValueError(
                f"`discriminator` must take the images {self.image_shape}. "
                f"Received: discriminator input shape {image_shape}")
        shapes = [tuple(t.shape) for t in self.discriminator.outputs]
        if len(shapes) != 2 or shapes[0][1:] not in ((1,), ()):
            raise ValueError(
                "`discriminator` must return [logits (batch, 1), features] (e.g. "
                "builders.vaegan_discriminator). Received: discriminator output "
                f"shapes {shapes}")

    def compile(self, encoder_optimizer=None, decoder_optimizer=None,
                d_optimizer=None, loss="non_saturating", label_smoothing=0.0,
                **kwargs):
        """Sets one optimizer per network and the adversarial loss family.

        Args:
            encoder_optimizer: the encoder's optimizer.
            decoder_optimizer: the decoder's (generator's) optimizer.
            d_optimizer: the discriminator's optimizer.
            loss: one of `VAEGAN_LOSSES`.
            label_smoothing: one-sided smoothing of D's real target.
            **kwargs: `keras.Model.compile` options.
        """
        adversarial = AdversarialLoss(loss, VAEGAN_LOSSES, label_smoothing)
        self._compile(dict(encoder_optimizer=encoder_optimizer,
                           decoder_optimizer=decoder_optimizer,
                           d_optimizer=d_optimizer), kwargs, **adversarial.config())
        self.adversarial = adversarial

    def _vaegan_losses(self, x, training):
        """Every loss of Algorithm 1 from one forward pass."""
        mean, log_var, z = self._posterior_sample(x, None, training)
        x_tilde = self.decoder(z, training=training)
        x_prior = self.decoder(self.sample_normal(tf.shape(x)[0], (self.latent_dim,)),
                               training=training)
        real_out, real_features = self.discriminator(x, training=training)
        tilde_out, tilde_features = self.discriminator(x_tilde, training=training)
        prior_out, _ = self.discriminator(x_prior, training=training)
        fake_out = ops.concatenate([tilde_out, prior_out], axis=0)
        kl = ops.mean(losses_module.kl_divergence(mean, log_var))
        feature = 0.5 * ops.mean(losses_module.gaussian_reconstruction_loss(
            real_features, tilde_features))
        g_loss = self.adversarial.generator_loss(fake_out)
        pixel = ops.mean(self.reconstruction_fn(x, x_tilde))
        return {
            "encoder": self.beta * kl + feature + self.pixel_weight * pixel,
            "decoder": self.gamma * feature + g_loss + self.pixel_weight * pixel,
            "discriminator": self.adversarial.discriminator_loss(real_out, fake_out),
            "kl": kl, "feature": feature, "g_loss": g_loss, "pixel": pixel,
            "real_out": real_out, "fake_out": fake_out,
        }

    def _update_metrics(self, terms):
        return self._log(
            kl=terms["kl"], feature_reconstruction=terms["feature"],
            reconstruction=terms["pixel"],
            **self.adversarial.logs(terms["discriminator"], terms["g_loss"],
                                    terms["real_out"], terms["fake_out"]))

    def train_step(self, data):
        """Algorithm 1: the three losses from one forward pass, each network's
        gradient from its own loss, the three updates applied together."""
        x, _ = self._unpack(data)
        # {optimizer: the loss it descends}
        updates = {"encoder_optimizer": "encoder", "decoder_optimizer": "decoder",
                   "d_optimizer": "discriminator"}
        with tf.GradientTape(persistent=True) as tape:
            terms = self._vaegan_losses(x, training=True)
            scaled = {name: self._scaled(getattr(self, name), terms[loss])
                      for name, loss in updates.items()}
        gradients = {name: tape.gradient(scaled[name], self._variables(name))
                     for name in updates}
        del tape
        for name in updates:
            getattr(self, name).apply(gradients[name], self._variables(name))
        return self._update_metrics(terms)

    def test_step(self, data):
        """Every loss and D's accuracies on a batch, without updates."""
        x, _ = self._unpack(data)
        return self._update_metrics(self._vaegan_losses(x, training=False))
