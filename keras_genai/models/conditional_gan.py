"""The class-conditional GAN of Mirza & Osindero (2014)."""

import keras
import tensorflow as tf

from keras_genai.models.gan import GAN
from keras_genai.models.inputs import images_and_labels
from keras_genai.utils.checks import check_num_classes


@keras.saving.register_keras_serializable(package="keras_genai")
class ConditionalGAN(GAN):
    """A GAN whose generator and discriminator both see the class label.

    Mirza & Osindero (2014), "Conditional Generative Adversarial Nets", eq. 2:

        min_G max_D E_x,y[log D(x | y)] + E_z,y[log(1 - D(G(z | y) | y))]

    The training algorithm is `GAN`'s (Algorithm 1 of Goodfellow et al. 2014,
    every loss family of ``compile(loss=...)``); the fakes of each step are
    conditioned on the labels of the real minibatch they are compared with, so
    the generated labels follow the data's label distribution and D must judge
    whether an image fits *its* label.

    ``fit`` takes ``(images, labels)`` batches with integer labels in
    ``[0, num_classes)``.

    Args:
        generator: built `keras.Model` ``[z (batch, latent_dim), labels (batch,)]
            -> images`` (e.g. `builders.conditional_dcgan_generator`).
        discriminator: built `keras.Model` ``[images, labels] -> (batch, 1)``
            (e.g. `builders.conditional_dcgan_discriminator`).
        latent_dim: size of z.
        num_classes: number of labels.
        ema: decay of the generator's weight average, or ``None`` (see `GAN`).
        seed: seed of the model's noise.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> cgan = ConditionalGAN(conditional_dcgan_generator(64, 10),
    ...                       conditional_dcgan_discriminator((28, 28, 1), 10),
    ...                       latent_dim=64, num_classes=10)
    >>> cgan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...              g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> cgan.fit(image_dataset(x_train, y_train, batch_size=64), epochs=10)
    >>> sevens = cgan.sample(labels=np.full(16, 7), seed=0)
    """

    def __init__(self, generator, discriminator, latent_dim, num_classes, ema=None,
                 seed=None, **kwargs):
        self._num_classes = check_num_classes(num_classes)
        super().__init__(generator, discriminator, latent_dim, ema=ema, seed=seed,
                         **kwargs)

    @property
    def num_classes(self):
        """Number of labels the model is conditioned on."""
        return self._num_classes

    NETWORKS = {"generator": ("z", "labels"), "discriminator": ("images", "labels")}
    DATA = ("images", "labels")

    def _check_networks(self):
        image_shape = super()._check_networks()
        label_shape = self._input_shapes("generator")[1]
        if label_shape[1:] not in ((), (1,)):
            raise ValueError(
                "`generator`'s second input must be one integer label per sample, "
                f"shape (batch,). Received: label input shape {label_shape}"
            )
        return image_shape

    def call(self, inputs, training=False):
        """Maps ``[z, labels]`` to images: ``G(z | y)``."""
        z, labels = inputs
        return self.generator([z, labels], training=training)

    def _unpack(self, data):
        return images_and_labels(data, self.num_classes, self)

    def _generate(self, z, labels, training):
        return self.generator([z, labels], training=training)

    def _discriminator_inputs(self, images, labels):
        return [images, labels]

    def _export_endpoints(self):
        signature = [tf.TensorSpec((None, self.latent_dim), tf.float32, name="z"),
                     tf.TensorSpec((None,), tf.int32, name="labels")]
        generator = self._decoder_network()
        return [("serve",
                 lambda z, labels: generator([z, labels], training=False),
                 signature)]
