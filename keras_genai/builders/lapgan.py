"""Networks of a Laplacian-pyramid GAN (Denton et al. 2015): per-level residual
generators and discriminators conditioned on the upsampled coarser image."""

import keras

from keras_genai.builders.common import float32_outputs
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_shape
from keras_genai.utils.checks import check_units


def lapgan_generator(image_shape=(14, 14, 1), latent_dim=32, filters=(64, 64),
                     name="lapgan_generator"):
    """Builds the generator of one LAPGAN level above the coarsest.

    Denton et al. (2015), sec. 3.1: ``G_k(z_k, l_k)`` outputs the *residual*
    ``h_k`` (the band-pass detail) to add to ``l_k``, the upsampled coarser
    image. The noise is projected to one ``H x W`` plane and concatenated with
    ``l_k`` as a channel (the paper's code does the same), then
    3x3 convolutions with ReLU and a linear 3x3 output (residuals are signed and
    unbounded).

    Args:
        image_shape: ``(H, W, C)`` of this level.
        latent_dim: size of ``z_k``.
        filters: widths of the hidden convolutions.
        name: model name.

    Returns:
        A functional `keras.Model` ``[z (batch, latent_dim), coarse (batch, H,
        W, C)] -> residual (batch, H, W, C)``.

    Example:

    >>> lapgan_generator((14, 14, 1), latent_dim=32).output_shape
    (None, 14, 14, 1)
    """
    h, w, c = check_shape("image_shape", image_shape, rank=3)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    filters = check_units("filters", filters, allow_empty=False)
    z = keras.Input((latent_dim,), name="z")
    coarse = keras.Input((h, w, c), name="coarse")
    plane = keras.layers.Dense(h * w, name="z_project")(z)
    plane = keras.layers.Reshape((h, w, 1), name="z_plane")(plane)
    x = keras.layers.Concatenate(name="coarse_and_z")([coarse, plane])
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu",
                                name=f"conv{i}")(x)
    x = keras.layers.Conv2D(c, 3, padding="same", name="residual")(x)
    return keras.Model([z, coarse], float32_outputs(x), name=name)


def lapgan_discriminator(image_shape=(14, 14, 1), filters=(32, 64),
                         name="lapgan_discriminator"):
    """Builds the discriminator of one LAPGAN level above the coarsest.

    ``D_k(h_k, l_k)`` (Denton et al. 2015, eq. 3): it sees the residual together
    with the coarse image it refines (concatenated channels) and returns one
    logit: is this detail real *for this coarse image*? Stride-2 3x3
    convolutions with LeakyReLU 0.2, then a linear unit.

    Args:
        image_shape: ``(H, W, C)`` of this level.
        filters: widths of the stride-2 convolutions.
        name: model name.

    Returns:
        A functional `keras.Model` ``[coarse, residual] -> (batch, 1)`` logits.

    Example:

    >>> lapgan_discriminator((28, 28, 1)).output_shape
    (None, 1)
    """
    image_shape = check_shape("image_shape", image_shape, rank=3)
    filters = check_units("filters", filters, allow_empty=False)
    coarse = keras.Input(image_shape, name="coarse")
    residual = keras.Input(image_shape, name="residual")
    x = keras.layers.Concatenate(name="coarse_and_residual")([coarse, residual])
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, 3, strides=2, padding="same",
                                name=f"down{i}_conv")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"down{i}_lrelu")(x)
    x = keras.layers.Flatten(name="features")(x)
    x = keras.layers.Dense(1, name="logit")(x)
    return keras.Model([coarse, residual], float32_outputs(x), name=name)
