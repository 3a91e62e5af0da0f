"""GAN generator and discriminator builders.

DCGAN: Radford, Metz and Chintala (2016), "Unsupervised Representation Learning with
Deep Convolutional Generative Adversarial Networks", sec. 3: strided convolutions
instead of pooling, fractionally-strided (transposed) convolutions in G, batch norm
in G, ReLU in G with a tanh output, LeakyReLU (slope 0.2) in D, no fully connected
hidden layers.
"""

import keras

from keras_genai.builders.common import check_rate
from keras_genai.builders.common import check_shape
from keras_genai.builders.common import check_units
from keras_genai.utils.checks import check_positive_int


def _check_image_shape(image_shape, factor, name="image_shape"):
    image_shape = check_shape(name, image_shape, rank=3)
    if image_shape[0] % factor or image_shape[1] % factor:
        raise ValueError(
            f"`{name}` height and width must be divisible by {factor} "
            f"(2 ** number of stride-2 layers). Received: {name}={image_shape!r}"
        )
    return image_shape


def dcgan_generator(latent_dim=64, image_shape=(28, 28, 1), filters=(128, 64),
                    kernel_size=4, synchronized_bn=True, name="dcgan_generator"):
    """Builds a DCGAN generator mapping latents to images in ``[-1, 1]``.

    The latent is projected (Dense, no bias) to a ``(H / 2^n, W / 2^n, filters[0])``
    map, then ``n = len(filters)`` stride-2 transposed convolutions double the
    resolution; every layer but the last has batch norm and ReLU, the last has
    ``channels`` filters and tanh. For 28x28 digits with ``filters=(128, 64)``:
    7x7x128 -> 14x14x64 -> 28x28x1.

    Batch norm is synchronized across replicas by default, so the statistics of a
    step on N devices are those of the global batch, the same as on one device.

    Args:
        latent_dim: size of the latent vector z.
        image_shape: ``(height, width, channels)``; height and width divisible by
            ``2 ** len(filters)``.
        filters: channels of the projected map and of each upsampling layer but
            the last.
        kernel_size: transposed-convolution kernel size.
        synchronized_bn: synchronize batch-norm statistics across replicas.
        name: model name.

    Returns:
        A `keras.Sequential` model ``(batch, latent_dim) -> (batch, *image_shape)``.

    Example:

    >>> g = dcgan_generator(latent_dim=64)
    >>> g.output_shape
    (None, 28, 28, 1)
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    filters = check_units("filters", filters, allow_empty=False)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    h, w, c = _check_image_shape(image_shape, 2 ** len(filters))
    h0, w0 = h // 2 ** len(filters), w // 2 ** len(filters)

    def bn(layer_name):
        return keras.layers.BatchNormalization(
            synchronized=synchronized_bn, name=layer_name)

    layers = [
        keras.Input(shape=(latent_dim,), name="z"),
        keras.layers.Dense(h0 * w0 * filters[0], use_bias=False, name="project"),
        bn("project_bn"),
        keras.layers.ReLU(name="project_relu"),
        keras.layers.Reshape((h0, w0, filters[0]), name="project_reshape"),
    ]
    for i, f in enumerate(filters[1:], start=1):
        layers += [
            keras.layers.Conv2DTranspose(f, kernel_size, strides=2, padding="same",
                                         use_bias=False, name=f"up{i}_conv"),
            bn(f"up{i}_bn"),
            keras.layers.ReLU(name=f"up{i}_relu"),
        ]
    layers += [
        keras.layers.Conv2DTranspose(c, kernel_size, strides=2, padding="same",
                                     name=f"up{len(filters)}_conv"),
        keras.layers.Activation("tanh", name="tanh"),
    ]
    return keras.Sequential(layers, name=name)


def dcgan_discriminator(image_shape=(28, 28, 1), filters=(64, 128, 256),
                        kernel_size=4, leaky_relu_slope=0.2, dropout=0.0,
                        name="dcgan_discriminator"):
    """Builds a DCGAN discriminator returning one real/fake logit per image.

    ``len(filters)`` stride-2 convolutions, each followed by LeakyReLU (and
    dropout when ``dropout > 0``), then a single linear unit (a logit: the losses
    apply the sigmoid). No pooling and no batch norm: D sees real and fake batches
    separately, and batch norm would let it tell them apart by batch statistics.

    The defaults are the ones tuned for the embedded digits: on 4,000 images a
    third convolution (64-128-256) gave clearly better samples than two, and
    dropout slowed learning without curbing overfitting, which D never showed
    (see units/unit4_gan.py).

    Note: dropout masks come from Keras' layer seed generators; under a
    distribution strategy they differ from a one-device run, so a one-step
    comparison across device counts needs ``dropout=0``.

    Args:
        image_shape: ``(height, width, channels)``.
        filters: channels of each stride-2 convolution.
        kernel_size: convolution kernel size.
        leaky_relu_slope: negative slope of LeakyReLU.
        dropout: dropout rate after each convolution (0 disables it).
        name: model name.

    Returns:
        A `keras.Sequential` model ``(batch, *image_shape) -> (batch, 1)`` logits.

    Example:

    >>> d = dcgan_discriminator((28, 28, 1))
    >>> d.output_shape
    (None, 1)
    """
    filters = check_units("filters", filters, allow_empty=False)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    image_shape = _check_image_shape(image_shape, 1)
    dropout = check_rate("dropout", dropout)
    layers = [keras.Input(shape=image_shape, name="image")]
    for i, f in enumerate(filters, start=1):
        layers += [
            keras.layers.Conv2D(f, kernel_size, strides=2, padding="same",
                                name=f"down{i}_conv"),
            keras.layers.LeakyReLU(negative_slope=leaky_relu_slope,
                                   name=f"down{i}_lrelu"),
        ]
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"down{i}_dropout"))
    layers += [
        keras.layers.Flatten(name="features"),
        keras.layers.Dense(1, name="logit"),
    ]
    return keras.Sequential(layers, name=name)
