"""The GAN of Goodfellow et al. (2014), with any generator / discriminator pair."""

import keras
import numpy as np
import tensorflow as tf

from keras_genai import losses as losses_module
from keras_genai.models.base import GenerativeModel
from keras_genai.models.base import check_network
from keras_genai.models.base import get_optimizer
from keras_genai.utils.checks import check_positive_int


def unpack_images(data):
    """Returns the images of a batch that is ``x``, ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``."""
    if isinstance(data, (tuple, list)):
        return data[0]
    return data


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

    Logged (epoch means): ``d_loss``, ``g_loss``, ``d_real_accuracy`` (share of
    real images D calls real), ``d_fake_accuracy`` (share of fakes D calls fake).

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
        g_in = tuple(generator.input_shape)
        if g_in[1:] != (self.latent_dim,):
            raise ValueError(
                "`latent_dim` must match the generator's input shape "
                f"{g_in}. Received: latent_dim={latent_dim}"
            )
        g_out = tuple(generator.output_shape)[1:]
        d_in = tuple(discriminator.input_shape)[1:]
        if g_out != d_in:
            raise ValueError(
                "`discriminator` must take the generator's output shape "
                f"{g_out}. Received: discriminator input shape {d_in}"
            )
        d_out = tuple(discriminator.output_shape)[1:]
        if d_out not in ((1,), ()):
            raise ValueError(
                "`discriminator` must return one logit per image, shape (batch, 1). "
                f"Received: discriminator output shape {(None,) + d_out}"
            )
        self.image_shape = g_out
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_accuracy = keras.metrics.Mean(name="d_real_accuracy")
        self.d_fake_accuracy = keras.metrics.Mean(name="d_fake_accuracy")
        # Built here, so Keras never builds it by calling it on a data batch
        # (KERAS3_PITFALLS.md, item 2).
        self.built = True

    def call(self, z, training=False):
        """Maps latents to images: ``G(z)``."""
        return self.generator(z, training=training)

    @property
    def metrics(self):
        """The epoch-mean trackers logged by ``fit`` and ``evaluate``."""
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_accuracy,
                self.d_fake_accuracy]

    def compile(self, d_optimizer=None, g_optimizer=None, loss="non_saturating",
                d_steps=1, label_smoothing=0.0, **kwargs):
        """Sets the optimizers and the objective.

        Args:
            d_optimizer: discriminator optimizer (instance or name).
            g_optimizer: generator optimizer (instance or name).
            loss: ``"non_saturating"`` (G minimises ``-log D(G(z))``) or
                ``"minimax"`` (G minimises ``log(1 - D(G(z)))``); see
                `keras_genai.losses.GAN_LOSSES`.
            d_steps: ``k``, discriminator updates per generator update. The
                batch size must be divisible by ``k``.
            label_smoothing: one-sided label smoothing of D's real target.
            **kwargs: `keras.Model.compile` options (``steps_per_execution``,
                ``jit_compile``, ``run_eagerly``).
        """
        for key in ("optimizer", "loss_weights", "metrics", "weighted_metrics"):
            if kwargs.get(key) is not None:
                raise ValueError(
                    f"GAN.compile does not take `{key}`; use d_optimizer / "
                    f"g_optimizer and loss. Received: {key}={kwargs[key]!r}"
                )
        d_opt = get_optimizer("d_optimizer", d_optimizer)
        g_opt = get_optimizer("g_optimizer", g_optimizer)
        if d_opt is g_opt:
            raise ValueError(
                "`d_optimizer` and `g_optimizer` must be two optimizer instances "
                f"(each keeps its own state). Received the same object twice: {d_opt}"
            )
        self.g_loss_fn, self.d_loss_fn = losses_module.get_gan_loss(loss)
        self.d_steps = check_positive_int("d_steps", d_steps)
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(
                "`label_smoothing` must be in [0, 1). "
                f"Received: label_smoothing={label_smoothing}"
            )
        self.loss_name = loss
        self.label_smoothing = float(label_smoothing)
        self._finish_compile(
            {
                "d_optimizer": (d_opt, self.discriminator.trainable_variables),
                "g_optimizer": (g_opt, self.generator.trainable_variables),
            },
            dict(d_optimizer=d_opt, g_optimizer=g_opt, loss=loss, d_steps=d_steps,
                 label_smoothing=self.label_smoothing),
            **kwargs,
        )

    # -- the algorithm -----------------------------------------------------------

    def _fakes(self, batch, training):
        """``G(z)`` for ``batch`` fresh latents of this replica."""
        return self.generator(self.sample_normal(batch, (self.latent_dim,)),
                              training=training)

    def _discriminator_loss(self, real, fake, training):
        """D's loss, and its logits on ``real`` and ``fake``."""
        real_logits = self.discriminator(real, training=training)
        fake_logits = self.discriminator(fake, training=training)
        d_loss = self.d_loss_fn(real_logits, fake_logits,
                                label_smoothing=self.label_smoothing)
        return d_loss, real_logits, fake_logits

    def _generator_loss(self, batch, training):
        return self.g_loss_fn(self.discriminator(self._fakes(batch, training),
                                                 training=training))

    def _update_metrics(self, d_loss, g_loss, real_logits, fake_logits):
        real_acc, fake_acc = losses_module.discriminator_accuracy(real_logits,
                                                                  fake_logits)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_accuracy.update_state(real_acc)
        self.d_fake_accuracy.update_state(fake_acc)
        return {m.name: m.result() for m in self.metrics}

    def _minibatches(self, real):
        """Splits a batch into ``d_steps`` disjoint minibatches, strided so that
        the split of a global batch is the same on any number of replicas."""
        k = self.d_steps
        if k == 1:
            return [real]
        message = f"The batch size must be divisible by d_steps={k}."
        n = real.shape[0]
        if n is not None and n % k:
            raise ValueError(f"{message} Received: batch of {n} images")
        if n is None:  # Unknown until run time: checked in the graph.
            tf.debugging.assert_equal(tf.shape(real)[0] % k, 0, message=message)
        return [real[i::k] for i in range(k)]

    def train_step(self, data):
        """One iteration of Algorithm 1: ``d_steps`` D updates, one G update."""
        real = unpack_images(data)
        d_vars = self.discriminator.trainable_variables
        g_vars = self.generator.trainable_variables
        d_losses = []
        for real_i in self._minibatches(real):
            batch = tf.shape(real_i)[0]
            # The fakes need no gradient in the D step: draw them off the tape.
            fake = self._fakes(batch, training=True)
            with tf.GradientTape() as tape:
                d_loss, real_logits, fake_logits = self._discriminator_loss(
                    real_i, fake, training=True)
                scaled_loss = self.scale_loss(d_loss)
            self.d_optimizer.apply(tape.gradient(scaled_loss, d_vars), d_vars)
            d_losses.append(d_loss)
        with tf.GradientTape() as tape:
            g_loss = self._generator_loss(batch, training=True)
            scaled_loss = self.scale_loss(g_loss)
        self.g_optimizer.apply(tape.gradient(scaled_loss, g_vars), g_vars)
        return self._update_metrics(tf.add_n(d_losses) / len(d_losses), g_loss,
                                    real_logits, fake_logits)

    def test_step(self, data):
        """Both losses and D's accuracies on a batch, without updates."""
        real = unpack_images(data)
        batch = tf.shape(real)[0]
        d_loss, real_logits, fake_logits = self._discriminator_loss(
            real, self._fakes(batch, training=False), training=False)
        g_loss = self._generator_loss(batch, training=False)
        return self._update_metrics(d_loss, g_loss, real_logits, fake_logits)

    # -- using the trained model -------------------------------------------------

    def sample_latents(self, n, seed=None):
        """Draws ``n`` standard normal latents.

        Args:
            n: number of latents.
            seed: int seed for reproducible latents; ``None`` uses (and advances)
                the model's seed generator.

        Returns:
            A float32 NumPy array ``(n, latent_dim)``.
        """
        n = check_positive_int("n", n)
        if seed is None:
            seed = self.seed_generator
        elif isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"`seed` must be an int or None. Received: seed={seed!r}")
        z = keras.random.normal((n, self.latent_dim), seed=seed)
        return np.asarray(keras.ops.convert_to_numpy(z), dtype=np.float32)

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
        return {
            "name": self.name,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        """Rebuilds the model (networks deserialized) from `get_config`."""
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    def _export_resources(self):
        return [self.generator]

    def _export_endpoints(self):
        signature = [tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")]
        return [("serve", lambda z: self.generator(z, training=False), signature)]
