"""Discriminators of the autoencoder-GAN hybrids: BiGAN / ALI and VAE-GAN.

(The adversarial autoencoder's discriminator on latent codes is an MLP:
`keras_genai.builders.mlp_discriminator((latent_dim,))`.)
"""

import keras

from keras_genai.builders.common import float32_outputs
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_shape
from keras_genai.utils.checks import check_units


def _apply_down_convs(h, filters, kernel_size, leaky_relu_slope):
    """Stride-2 ``Conv2D`` + LeakyReLU per entry of ``filters`` (layers
    ``down{i}_conv`` / ``down{i}_lrelu``); returns each level's output."""
    outputs = []
    for i, f in enumerate(filters, start=1):
        h = keras.layers.Conv2D(f, kernel_size, strides=2, padding="same",
                                name=f"down{i}_conv")(h)
        h = keras.layers.LeakyReLU(negative_slope=leaky_relu_slope,
                                   name=f"down{i}_lrelu")(h)
        outputs.append(h)
    return outputs


def bigan_discriminator(image_shape=(28, 28, 1), latent_dim=50,
                        hidden_units=(512, 512), filters=None, kernel_size=4,
                        leaky_relu_slope=0.2, name="bigan_discriminator"):
    """Builds the joint discriminator ``D(x, z)`` of BiGAN / ALI.

    Donahue, Krähenbühl & Darrell (2017), "Adversarial Feature Learning", sec. 3:
    D tells real pairs ``(x, E(x))`` from generated pairs ``(G(z), z)``. The
    image (after stride-2 convolutions when ``filters`` is given, as in the
    paper's convolutional models) and the latent each go through a ``Dense``
    layer with LeakyReLU, the two are concatenated, then ``hidden_units[1:]``
    joint layers and one linear unit (the logit of "real pair").

    Args:
        image_shape: shape of one image.
        latent_dim: size of ``z``.
        hidden_units: width of the two branch layers (``hidden_units[0]``) and of
            each joint layer after them.
        filters: channels of stride-2 convolutions applied to the image before
            its dense layer (``None``: none, a fully connected D).
        kernel_size: their kernel size.
        leaky_relu_slope: negative slope of LeakyReLU.
        name: model name.

    Returns:
        A functional `keras.Model` ``[images, z] -> (batch, 1)`` logits.

    Example:

    >>> bigan_discriminator((28, 28, 1), latent_dim=50).output_shape
    (None, 1)
    """
    image_shape = check_shape("image_shape", image_shape, rank=(1, 2, 3))
    latent_dim = check_positive_int("latent_dim", latent_dim)
    hidden_units = check_units("hidden_units", hidden_units, allow_empty=False)
    filters = check_units("filters", filters or ())
    kernel_size = check_positive_int("kernel_size", kernel_size)

    def dense(h, units, layer_name):
        h = keras.layers.Dense(units, name=layer_name)(h)
        return keras.layers.LeakyReLU(negative_slope=leaky_relu_slope,
                                      name=f"{layer_name}_lrelu")(h)

    images = keras.Input(shape=image_shape, name="image")
    z = keras.Input(shape=(latent_dim,), name="z")
    hx = (_apply_down_convs(images, filters, kernel_size, leaky_relu_slope)
          or [images])[-1]
    hx = dense(keras.layers.Flatten(name="pixels")(hx), hidden_units[0],
               "image_dense")
    hz = dense(z, hidden_units[0], "z_dense")
    h = keras.layers.Concatenate(name="image_and_z")([hx, hz])
    for i, units in enumerate(hidden_units[1:], start=1):
        h = dense(h, units, f"joint{i}")
    logit = keras.layers.Dense(1, name="logit")(h)
    return keras.Model([images, z], float32_outputs(logit), name=name)


def vaegan_discriminator(image_shape=(28, 28, 1), filters=(32, 64), kernel_size=4,
                         feature_layer=None, leaky_relu_slope=0.2,
                         name="vaegan_discriminator"):
    """Builds a VAE-GAN discriminator returning its logit and its features.

    Larsen, Sønderby, Larochelle & Winther (2016), "Autoencoding beyond pixels
    using a learned similarity metric", sec. 2.2 and table 4: stride-2
    convolutions; the activations of a deep layer, ``Dis_l(x)``, are the features
    in which `keras_genai.models.VAEGAN` measures its reconstruction error. Here
    ``Dis_l`` is the flattened output of convolution number ``feature_layer``
    (the paper takes the third of four); the logit is one linear unit on the
    last convolution. The defaults are the ones that trained on the digits
    (units/unit5_autoencoder/hybrids.py): a deeper 32-64-128 D with 5x5 kernels won the
    game within a few epochs and left the generator nothing to learn from.

    Args:
        image_shape: ``(height, width, channels)``.
        filters: channels of each stride-2 convolution.
        kernel_size: convolution kernel size.
        feature_layer: which convolution (1-based) gives the features; default
            the one before the last (the last when there is one).
        leaky_relu_slope: negative slope of LeakyReLU.
        name: model name.

    Returns:
        A functional `keras.Model` ``images -> [logits (batch, 1), features
        (batch, n)]``.

    Example:

    >>> [t.shape for t in vaegan_discriminator((28, 28, 1), (8, 16)).outputs]
    [(None, 1), (None, 1568)]
    """
    image_shape = check_shape("image_shape", image_shape, rank=3)
    filters = check_units("filters", filters, allow_empty=False)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    if feature_layer is None:
        feature_layer = max(1, len(filters) - 1)
    feature_layer = check_positive_int("feature_layer", feature_layer)
    if feature_layer > len(filters):
        raise ValueError(f"`feature_layer` must be at most len(filters)="
                         f"{len(filters)}. Received: feature_layer={feature_layer}")
    images = keras.Input(shape=image_shape, name="image")
    levels = _apply_down_convs(images, filters, kernel_size, leaky_relu_slope)
    features = keras.layers.Flatten(name="features")(levels[feature_layer - 1])
    h = keras.layers.Flatten(name="flatten")(levels[-1])
    logit = keras.layers.Dense(1, name="logit")(h)
    return keras.Model(images, float32_outputs([logit, features]), name=name)
