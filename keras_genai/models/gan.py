"""The GAN of Goodfellow et al. (2014), with any generator / discriminator pair."""

import keras
import tensorflow as tf
from keras import ops

from keras_genai import losses as losses_module
from keras_genai.models.base import GenerativeModel
from keras_genai.models.base import check_network
from keras_genai.utils.checks import check_non_negative
from keras_genai.utils.checks import check_positive_int


def unpack_images(data):
    """Returns the images of a batch that is ``x``, ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``."""
    if isinstance(data, (tuple, list)):
        return data[0]
    return data


def check_score_shape(discriminator):
    """Checks that a discriminator returns one score per example, ``(batch, 1)``."""
    d_out = tuple(discriminator.output_shape)[1:]
    if d_out not in ((1,), ()):
        raise ValueError(
            "`discriminator` must return one logit per image, shape (batch, 1). "
            f"Received: discriminator output shape {(None,) + d_out}"
        )


@keras.saving.register_keras_serializable(package="keras_genai")
class GAN(GenerativeModel):
    """A generative adversarial network trained with Goodfellow's Algorithm 1.

    Goodfellow et al. (2014), "Generative Adversarial Nets": the value function
    ``min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]`` (eq. 1) is
    optimised by alternating ``k = d_steps`` discriminator updates with one
    generator update (Algorithm 1).

    One call of ``train_step`` consumes one batch of ``k * m`` real images: the
    ``k`` discriminator updates use its ``k`` disjoint minibatches of ``m`` images
    (Algorithm 1 samples a fresh real minibatch for each update) with fresh noise
    each, then the generator is updated on ``m`` new latents. Each network has its
    own optimizer and variable list; nothing toggles ``trainable``.

    The objective is chosen by name in ``compile(loss=...)``: minimax,
    non-saturating, least-squares, hinge, Wasserstein or WGAN-GP (see
    `keras_genai.losses`).

    Logged (epoch means): ``d_loss``, ``g_loss``, and ``d_real_accuracy`` (share of
    real images D calls real) / ``d_fake_accuracy`` (share of fakes D calls fake),
    or for a Wasserstein critic ``wasserstein_distance`` (``E[D(x)] -
    E[D(G(z))]``); ``gradient_penalty`` when it is on.

    Args:
        generator: built `keras.Model` ``(batch, latent_dim) -> images``.
        discriminator: built `keras.Model` ``images -> (batch, 1)`` logits.
        latent_dim: size of the latent vector; must match the generator's input.
        seed: seed of the model's noise (``None`` for a random seed).
        **kwargs: `keras.Model` arguments (``name``).

    Example:

    >>> gan = GAN(dcgan_generator(64), dcgan_discriminator(), latent_dim=64)
    >>> gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...             g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> gan.fit(image_dataset(x_train, batch_size=64), epochs=10)
    >>> images = gan.generate(16, seed=0)
    """

    def __init__(self, generator, discriminator, latent_dim, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.generator = check_network("generator", generator)
        self.discriminator = check_network("discriminator", discriminator)
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.image_shape = self._check_networks()
        self._add_adversarial_trackers()
        self.wasserstein_tracker = keras.metrics.Mean(name="wasserstein_distance")
        self.penalty_tracker = keras.metrics.Mean(name="gradient_penalty")
        # Built here, so Keras never builds it by calling it on a data batch
        # (KERAS3_PITFALLS.md, item 2).
        self.built = True

    # A conditional GAN adds "labels".
    NETWORK_INPUTS = {"generator": ("z",), "discriminator": ("images",)}

    def _check_networks(self):
        """Checks that G and D fit together; returns the image shape."""
        z_shape = self._input_shapes("generator")[0]
        if z_shape[1:] != (self.latent_dim,):
            raise ValueError(
                "`latent_dim` must match the generator's z input shape "
                f"{z_shape}. Received: latent_dim={self.latent_dim}"
            )
        g_out = tuple(self.generator.output_shape)[1:]
        d_in = self._input_shapes("discriminator")[0][1:]
        if g_out != d_in:
            raise ValueError(
                "`discriminator` must take the generator's output shape "
                f"{g_out}. Received: discriminator image input shape {d_in}"
            )
        check_score_shape(self.discriminator)
        return g_out

    def call(self, z, training=False):
        """Maps latents to images: ``G(z)``."""
        return self.generator(z, training=training)

    @property
    def metrics(self):
        """The epoch-mean trackers logged by ``fit`` and ``evaluate``.

        ``d_loss`` and ``g_loss`` always; D's accuracies on real and fake images
        for the losses with a decision threshold, and the critic's estimate
        ``E[D(x)] - E[D(G(z))]`` (``wasserstein_distance``) for the Wasserstein
        losses; ``gradient_penalty`` when the penalty is on.
        """
        trackers = [self.d_loss_tracker, self.g_loss_tracker]
        if getattr(self, "decision_threshold", 0.0) is None:
            trackers.append(self.wasserstein_tracker)
        else:
            trackers += [self.d_real_accuracy, self.d_fake_accuracy]
        if getattr(self, "gradient_penalty_weight", 0.0):
            trackers.append(self.penalty_tracker)
        return trackers

    def compile(self, d_optimizer=None, g_optimizer=None, loss="non_saturating",
                d_steps=None, label_smoothing=0.0, gradient_penalty_weight=None,
                **kwargs):
        """Sets the optimizers and the objective.

        Args:
            d_optimizer: discriminator optimizer (instance or name).
            g_optimizer: generator optimizer (instance or name).
            loss: a loss family of `keras_genai.losses.GAN_LOSSES`:
                ``"non_saturating"`` (G minimises ``-log D(G(z))``),
                ``"minimax"`` (G minimises ``log(1 - D(G(z)))``),
                ``"least_squares"`` (LSGAN), ``"hinge"``, ``"wasserstein"``
                (the critic is unconstrained unless you constrain it) or
                ``"wasserstein_gp"`` (WGAN-GP, Gulrajani et al. 2017).
            d_steps: ``k``, discriminator updates per generator update; the
                batch size must be divisible by ``k``. Default 5 for
                ``"wasserstein_gp"`` (the paper's ``n_critic``), else 1.
            label_smoothing: one-sided label smoothing of D's real target
                (``minimax``, ``non_saturating`` and ``least_squares`` only).
            gradient_penalty_weight: ``lambda`` of the gradient penalty added
                to D's loss (`keras_genai.losses.gradient_penalty`). Default 10
                for ``"wasserstein_gp"`` (the paper's value), else 0 (off).
            **kwargs: `keras.Model.compile` options (``steps_per_execution``,
                ``jit_compile``, ``run_eagerly``).

        Example:

        >>> gan.compile(d_optimizer=keras.optimizers.Adam(1e-4, 0.0, 0.9),
        ...             g_optimizer=keras.optimizers.Adam(1e-4, 0.0, 0.9),
        ...             loss="wasserstein_gp")  # 5 critic steps, lambda = 10
        """
        d_opt, g_opt = self._two_optimizers(d_optimizer, g_optimizer, kwargs)
        wgan_gp = loss == "wasserstein_gp"
        d_steps = check_positive_int(
            "d_steps", (5 if wgan_gp else 1) if d_steps is None else d_steps)
        gradient_penalty_weight = check_non_negative(
            "gradient_penalty_weight",
            (10.0 if wgan_gp else 0.0) if gradient_penalty_weight is None
            else gradient_penalty_weight)
        # Every argument is checked before the model changes.
        self._set_adversarial_loss(loss, losses_module.GAN_LOSSES, label_smoothing)
        self.d_steps = d_steps
        self.decision_threshold = losses_module.DECISION_THRESHOLDS[loss]
        self.gradient_penalty_weight = gradient_penalty_weight
        self._finish_compile(
            {
                "d_optimizer": (d_opt, self.discriminator.trainable_variables),
                "g_optimizer": (g_opt, self.generator.trainable_variables),
            },
            dict(d_optimizer=d_opt, g_optimizer=g_opt, loss=loss,
                 d_steps=self.d_steps, label_smoothing=self.label_smoothing,
                 gradient_penalty_weight=self.gradient_penalty_weight),
            **kwargs,
        )

    # -- what a conditional subclass changes ---------------------------------------

    def _unpack(self, data):
        """Returns ``(real_images, condition)`` of a batch (no condition here)."""
        return unpack_images(data), None

    def _generate(self, z, condition, training):
        """``G(z)`` (a conditional GAN passes the condition too)."""
        return self.generator(z, training=training)

    def _discriminate(self, images, condition, training):
        """``D(x)`` (a conditional GAN passes the condition too)."""
        return self.discriminator(images, training=training)

    # -- the algorithm -----------------------------------------------------------

    def _fakes(self, batch, condition, training):
        """``G(z)`` for ``batch`` fresh latents of this replica."""
        return self._generate(self.sample_normal(batch, (self.latent_dim,)),
                              condition, training)

    def _discriminator_loss(self, real, fake, condition, training):
        """D's loss (penalty included), its outputs on ``real`` and ``fake``, and
        the gradient penalty (0 when off)."""
        real_out = self._discriminate(real, condition, training)
        fake_out = self._discriminate(fake, condition, training)
        d_loss = self._adversarial_d_loss(real_out, fake_out)
        penalty = tf.constant(0.0)
        if self.gradient_penalty_weight:
            penalty = losses_module.gradient_penalty(
                lambda x: self._discriminate(x, condition, training), real, fake,
                epsilon=self.sample_uniform(tf.shape(real)[0]))
            d_loss = d_loss + self.gradient_penalty_weight * penalty
        return d_loss, real_out, fake_out, penalty

    def _generator_loss(self, batch, condition, training):
        fake = self._fakes(batch, condition, training)
        return self.g_loss_fn(self._discriminate(fake, condition, training))

    def _update_metrics(self, d_loss, g_loss, real_out, fake_out, penalty):
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        if getattr(self, "decision_threshold", 0.0) is None:
            self.wasserstein_tracker.update_state(
                ops.mean(real_out) - ops.mean(fake_out))
        else:
            real_acc, fake_acc = losses_module.discriminator_accuracy(
                real_out, fake_out, threshold=self.decision_threshold)
            self.d_real_accuracy.update_state(real_acc)
            self.d_fake_accuracy.update_state(fake_acc)
        if getattr(self, "gradient_penalty_weight", 0.0):
            self.penalty_tracker.update_state(penalty)
        return self._logs()

    def _minibatches(self, real, condition):
        """Splits a batch (and its condition) into ``d_steps`` disjoint
        minibatches, strided so that the split of a global batch is the same on
        any number of replicas."""
        k = self.d_steps
        if k == 1:
            return [(real, condition)]
        message = f"The batch size must be divisible by d_steps={k}."
        n = real.shape[0]
        if n is not None and n % k:
            raise ValueError(f"{message} Received: batch of {n} images")
        if n is None:  # Unknown until run time: checked in the graph.
            tf.debugging.assert_equal(tf.shape(real)[0] % k, 0, message=message)
        return [(real[i::k], None if condition is None else condition[i::k])
                for i in range(k)]

    def train_step(self, data):
        """One iteration of Algorithm 1: ``d_steps`` D updates, one G update.

        The generator step uses the condition of the last minibatch (none for an
        unconditional GAN).
        """
        real, condition = self._unpack(data)
        d_vars = self.discriminator.trainable_variables
        g_vars = self.generator.trainable_variables
        d_losses = []
        for real_i, condition_i in self._minibatches(real, condition):
            batch = tf.shape(real_i)[0]
            # The fakes need no gradient in the D step: draw them off the tape.
            fake = self._fakes(batch, condition_i, training=True)
            d_loss, real_out, fake_out, penalty = self._descend(
                self.d_optimizer, d_vars,
                lambda: self._discriminator_loss(real_i, fake, condition_i,
                                                 training=True))
            d_losses.append(d_loss)
        g_loss = self._descend(
            self.g_optimizer, g_vars,
            lambda: self._generator_loss(batch, condition_i, training=True))
        return self._update_metrics(tf.add_n(d_losses) / len(d_losses), g_loss,
                                    real_out, fake_out, penalty)

    def test_step(self, data):
        """Both losses and D's accuracies (or the critic's estimate) on a batch,
        without updates."""
        real, condition = self._unpack(data)
        batch = tf.shape(real)[0]
        d_loss, real_out, fake_out, penalty = self._discriminator_loss(
            real, self._fakes(batch, condition, training=False), condition,
            training=False)
        g_loss = self._generator_loss(batch, condition, training=False)
        return self._update_metrics(d_loss, g_loss, real_out, fake_out, penalty)

    # -- using the trained model -------------------------------------------------

    def generate(self, n, seed=None, batch_size=256):
        """Generates ``n`` images from fresh latents.

        Args:
            n: number of images.
            seed: int seed for reproducible samples, or ``None``.
            batch_size: generator batch size.

        Returns:
            A float32 NumPy array ``(n, *image_shape)`` in the generator's output
            range (``[-1, 1]`` for a tanh generator).

        Example:

        >>> images = gan.generate(16, seed=0)
        """
        z = self.sample_latents(n, seed=seed)
        return self.generator.predict(z, batch_size=batch_size, verbose=0)

    # -- serialization and export ------------------------------------------------

    def get_config(self):
        """The constructor arguments, networks serialized."""
        return {"name": self.name, **self._network_configs(),
                "latent_dim": self.latent_dim, "seed": self.seed}

    def _export_resources(self):
        return [self.generator]

    def _export_endpoints(self):
        signature = [tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")]
        return [("serve", lambda z: self.generator(z, training=False), signature)]
