"""GAN generator and discriminator builders.

DCGAN: Radford, Metz and Chintala (2016), "Unsupervised Representation Learning with
Deep Convolutional Generative Adversarial Networks", sec. 3: strided convolutions
instead of pooling, fractionally-strided (transposed) convolutions in G, batch norm
in G, ReLU in G with a tanh output, LeakyReLU (slope 0.2) in D, no fully connected
hidden layers.
"""

import keras
import numpy as np

from keras_genai.builders.common import float32_output_layers
from keras_genai.builders.common import float32_outputs
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_image_shape
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_shape
from keras_genai.utils.checks import check_units


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
    h, w, c = check_image_shape("image_shape", image_shape, 2 ** len(filters))

    body = _dcgan_generator_body(h, w, c, filters, kernel_size, synchronized_bn)
    return keras.Sequential(
        [keras.Input(shape=(latent_dim,), name="z")] + body + float32_output_layers(),
        name=name)


def _dcgan_generator_body(h, w, c, filters, kernel_size, synchronized_bn):
    """The DCGAN generator's layers after its input: projection, upsampling
    transposed convolutions, tanh."""
    h0, w0 = h // 2 ** len(filters), w // 2 ** len(filters)

    def bn(layer_name):
        return keras.layers.BatchNormalization(
            synchronized=synchronized_bn, name=layer_name)

    layers = [
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
    return layers


def dcgan_discriminator(image_shape=(28, 28, 1), filters=(64, 128, 256),
                        kernel_size=4, leaky_relu_slope=0.2, dropout=0.0,
                        spectral_norm=False, name="dcgan_discriminator"):
    """Builds a DCGAN discriminator returning one real/fake logit per image.

    ``len(filters)`` stride-2 convolutions, each followed by LeakyReLU (and
    dropout when ``dropout > 0``), then a single linear unit (a logit: the losses
    apply the sigmoid). No pooling and no batch norm: D sees real and fake batches
    separately, and batch norm would let it tell them apart by batch statistics.

    The defaults are the ones tuned for the embedded digits: on 4,000 images a
    third convolution (64-128-256) gave clearly better samples than two, and
    dropout slowed learning without curbing overfitting, which D never showed
    (see units/unit4_gan/dcgan.py).

    Note: dropout masks come from Keras' layer seed generators; under a
    distribution strategy they differ from a one-device run, so a one-step
    comparison across device counts needs ``dropout=0``.

    Args:
        image_shape: ``(height, width, channels)``.
        filters: channels of each stride-2 convolution.
        kernel_size: convolution kernel size.
        leaky_relu_slope: negative slope of LeakyReLU.
        dropout: dropout rate after each convolution (0 disables it).
        spectral_norm: divide every layer's kernel by its largest singular
            value, estimated by one power iteration per training step (Miyato
            et al. 2018, "Spectral Normalization for GANs", eq. 8), which
            bounds D's Lipschitz constant; usually with the hinge loss.
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
    image_shape = check_image_shape("image_shape", image_shape, 1)
    dropout = check_fraction("dropout", dropout)
    if not isinstance(spectral_norm, bool):
        raise TypeError("`spectral_norm` must be True or False. Received: "
                        f"spectral_norm={spectral_norm!r}")
    body = _dcgan_discriminator_body(filters, kernel_size, leaky_relu_slope,
                                     dropout, spectral_norm)
    return keras.Sequential(
        [keras.Input(shape=image_shape, name="image")] + body
        + float32_output_layers(), name=name)


def _dcgan_discriminator_body(filters, kernel_size, leaky_relu_slope, dropout,
                              spectral_norm=False):
    """The DCGAN discriminator's layers after its input: strided convolutions
    with LeakyReLU (and dropout), then one linear unit."""

    def normed(layer):
        if not spectral_norm:
            return layer
        return keras.layers.SpectralNormalization(layer, name=f"{layer.name}_sn")

    layers = []
    for i, f in enumerate(filters, start=1):
        layers += [
            normed(keras.layers.Conv2D(f, kernel_size, strides=2, padding="same",
                                       name=f"down{i}_conv")),
            keras.layers.LeakyReLU(negative_slope=leaky_relu_slope,
                                   name=f"down{i}_lrelu"),
        ]
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"down{i}_dropout"))
    layers += [
        keras.layers.Flatten(name="features"),
        normed(keras.layers.Dense(1, name="logit")),
    ]
    return layers


# -- conditional DCGAN (Mirza & Osindero 2014) ------------------------------------

LABEL_ENCODINGS = ("embedding", "one_hot")


def _label_input():
    return keras.Input(shape=(), dtype="int32", name="label")


def _label_vector(labels, num_classes, encoding, units, prefix):
    """A learned embedding of ``units`` numbers, or the one-hot vector, of each
    label."""
    if encoding == "embedding":
        return keras.layers.Embedding(num_classes, units,
                                      name=f"{prefix}_embedding")(labels)
    return keras.layers.CategoryEncoding(num_classes, output_mode="one_hot",
                                         name=f"{prefix}_one_hot")(labels)


def _check_conditioning(num_classes, label_encoding):
    num_classes = check_positive_int("num_classes", num_classes, minimum=2)
    check_choice("label_encoding", label_encoding, LABEL_ENCODINGS)
    return num_classes


def conditional_dcgan_generator(latent_dim=64, num_classes=10,
                                image_shape=(28, 28, 1), filters=(128, 64),
                                kernel_size=4, label_encoding="embedding",
                                embedding_dim=16, synchronized_bn=True,
                                name="conditional_dcgan_generator"):
    """Builds a class-conditional DCGAN generator ``G(z, y)``.

    Mirza & Osindero (2014), "Conditional Generative Adversarial Nets", sec. 3.2:
    the label ``y`` enters G next to the noise: its vector (a learned embedding of
    ``embedding_dim`` numbers, or the one-hot vector) is concatenated with ``z``,
    and the rest is `dcgan_generator`'s network.

    Args:
        latent_dim: size of z.
        num_classes: number of labels (``>= 2``); labels are ints in
            ``[0, num_classes)``.
        image_shape: ``(height, width, channels)``, divisible by
            ``2 ** len(filters)``.
        filters: as in `dcgan_generator`.
        kernel_size: transposed-convolution kernel size.
        label_encoding: ``"embedding"`` or ``"one_hot"``.
        embedding_dim: size of the label embedding (``"embedding"`` only).
        synchronized_bn: synchronize batch norm across replicas.
        name: model name.

    Returns:
        A functional `keras.Model` ``[z (batch, latent_dim), labels (batch,)] ->
        (batch, *image_shape)`` in ``[-1, 1]``.

    Example:

    >>> g = conditional_dcgan_generator(64, num_classes=10)
    >>> g([np.zeros((2, 64)), np.array([3, 7])]).shape
    TensorShape([2, 28, 28, 1])
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    num_classes = _check_conditioning(num_classes, label_encoding)
    embedding_dim = check_positive_int("embedding_dim", embedding_dim)
    filters = check_units("filters", filters, allow_empty=False)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    h, w, c = check_image_shape("image_shape", image_shape, 2 ** len(filters))
    z = keras.Input(shape=(latent_dim,), name="z")
    labels = _label_input()
    label_vector = _label_vector(labels, num_classes, label_encoding,
                                 embedding_dim, "label")
    x = keras.layers.Concatenate(name="z_and_label")([z, label_vector])
    for layer in _dcgan_generator_body(h, w, c, filters, kernel_size,
                                       synchronized_bn):
        x = layer(x)
    return keras.Model([z, labels], float32_outputs(x), name=name)


def conditional_dcgan_discriminator(image_shape=(28, 28, 1), num_classes=10,
                                    filters=(64, 128, 256), kernel_size=4,
                                    label_encoding="embedding",
                                    leaky_relu_slope=0.2, dropout=0.0,
                                    name="conditional_dcgan_discriminator"):
    """Builds a class-conditional DCGAN discriminator ``D(x, y)``.

    Mirza & Osindero (2014), sec. 3.2: D sees the image together with its label.
    The label becomes extra image channels concatenated with ``x``: a learned
    ``height x width`` map (``"embedding"``), or ``num_classes`` constant planes
    of the one-hot vector (``"one_hot"``). The rest is `dcgan_discriminator`'s
    network, returning one logit per (image, label) pair.

    Args:
        image_shape: ``(height, width, channels)``.
        num_classes: number of labels (``>= 2``).
        filters: channels of each stride-2 convolution.
        kernel_size: convolution kernel size.
        label_encoding: ``"embedding"`` or ``"one_hot"``.
        leaky_relu_slope: negative slope of LeakyReLU.
        dropout: dropout rate after each convolution.
        name: model name.

    Returns:
        A functional `keras.Model` ``[images, labels (batch,)] -> (batch, 1)``.

    Example:

    >>> d = conditional_dcgan_discriminator((28, 28, 1), num_classes=10)
    >>> d.output_shape
    (None, 1)
    """
    image_shape = check_image_shape("image_shape", image_shape, 1)
    num_classes = _check_conditioning(num_classes, label_encoding)
    filters = check_units("filters", filters, allow_empty=False)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    dropout = check_fraction("dropout", dropout)
    h, w, _ = image_shape
    images = keras.Input(shape=image_shape, name="image")
    labels = _label_input()
    if label_encoding == "embedding":
        label_map = _label_vector(labels, num_classes, label_encoding, h * w,
                                  "label")
        label_map = keras.layers.Reshape((h, w, 1), name="label_map")(label_map)
    else:
        label_map = _label_vector(labels, num_classes, label_encoding, None, "label")
        label_map = keras.layers.Reshape((1, 1, num_classes),
                                         name="label_planes")(label_map)
        label_map = keras.layers.UpSampling2D((h, w), name="label_map")(label_map)
    x = keras.layers.Concatenate(name="image_and_label")([images, label_map])
    for layer in _dcgan_discriminator_body(filters, kernel_size, leaky_relu_slope,
                                           dropout):
        x = layer(x)
    return keras.Model([images, labels], float32_outputs(x), name=name)


# -- vanilla GAN (Goodfellow et al. 2014) ------------------------------------------

def mlp_generator(latent_dim=64, output_shape=(28, 28, 1), hidden_units=(256, 512),
                  activation="relu", output_activation="tanh", batch_norm=False,
                  name="mlp_generator"):
    """Builds the "vanilla GAN" generator: a multi-layer perceptron.

    Goodfellow et al. (2014) used fully connected G and D on MNIST: ``z`` goes
    through ``Dense`` layers (with batch norm when asked) and a last ``Dense``
    with ``prod(output_shape)`` units, reshaped to ``output_shape``.

    Args:
        latent_dim: size of z.
        output_shape: shape of one sample, e.g. ``(28, 28, 1)`` or ``(2,)`` for
            points in the plane.
        hidden_units: width of each hidden layer.
        activation: hidden activation.
        output_activation: ``"tanh"`` for images in ``[-1, 1]``, ``None`` for
            unbounded data (2-D points).
        batch_norm: batch normalisation before each hidden activation.
        name: model name.

    Returns:
        A `keras.Sequential` model ``(batch, latent_dim) -> (batch, *output_shape)``.

    Example:

    >>> mlp_generator(2, output_shape=(2,), output_activation=None).output_shape
    (None, 2)
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    output_shape = check_shape("output_shape", output_shape, rank=(1, 2, 3))
    hidden_units = check_units("hidden_units", hidden_units)
    layers = [keras.Input(shape=(latent_dim,), name="z")]
    for i, units in enumerate(hidden_units, start=1):
        layers.append(keras.layers.Dense(units, use_bias=not batch_norm,
                                         name=f"hidden{i}"))
        if batch_norm:
            layers.append(keras.layers.BatchNormalization(
                synchronized=True, name=f"hidden{i}_bn"))
        layers.append(keras.layers.Activation(activation, name=f"hidden{i}_act"))
    layers += [
        keras.layers.Dense(int(np.prod(output_shape)), activation=output_activation,
                           name="output"),
        keras.layers.Reshape(output_shape, name="sample"),
    ]
    return keras.Sequential(layers + float32_output_layers(), name=name)


def mlp_discriminator(input_shape=(28, 28, 1), hidden_units=(512, 256),
                      leaky_relu_slope=0.2, dropout=0.0, name="mlp_discriminator"):
    """Builds the "vanilla GAN" discriminator: a multi-layer perceptron.

    ``Flatten``, then ``Dense`` + LeakyReLU (+ dropout) per hidden layer, then one
    linear unit: the logit of "real".

    Args:
        input_shape: shape of one sample.
        hidden_units: width of each hidden layer.
        leaky_relu_slope: negative slope of LeakyReLU.
        dropout: dropout rate after each hidden layer.
        name: model name.

    Returns:
        A `keras.Sequential` model ``(batch, *input_shape) -> (batch, 1)`` logits.

    Example:

    >>> mlp_discriminator((2,)).output_shape
    (None, 1)
    """
    input_shape = check_shape("input_shape", input_shape, rank=(1, 2, 3))
    hidden_units = check_units("hidden_units", hidden_units)
    dropout = check_fraction("dropout", dropout)
    layers = [keras.Input(shape=input_shape, name="sample"),
              keras.layers.Flatten(name="pixels")]
    for i, units in enumerate(hidden_units, start=1):
        layers += [
            keras.layers.Dense(units, name=f"hidden{i}"),
            keras.layers.LeakyReLU(negative_slope=leaky_relu_slope,
                                   name=f"hidden{i}_lrelu"),
        ]
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"hidden{i}_dropout"))
    layers.append(keras.layers.Dense(1, name="logit"))
    return keras.Sequential(layers + float32_output_layers(), name=name)
