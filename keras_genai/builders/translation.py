"""Networks for image-to-image GANs: the U-Net generator and PatchGAN
discriminator of pix2pix (Isola et al. 2017), and the residual super-resolution
generator of SRGAN (Ledig et al. 2017)."""

import keras

from keras_genai.builders.common import float32_outputs
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_image_shape
from keras_genai.utils.checks import check_shape
from keras_genai.utils.checks import check_units


def unet_generator(input_shape=(28, 28, 1), output_channels=None, filters=(64, 128),
                   bottleneck_filters=256, dropout=0.5, kernel_size=4,
                   name="unet_generator"):
    """Builds pix2pix's U-Net generator (Isola et al. 2017, sec. 3.2.1 and
    appendix 6.1.1), sized for small images.

    Encoder: ``len(filters)`` stride-2 convolutions (batch norm after all but the
    first, LeakyReLU 0.2); a stride-1 bottleneck convolution at the lowest
    resolution; decoder: stride-2 transposed convolutions (batch norm, dropout,
    ReLU), each followed by concatenation with the encoder map of the same
    resolution (the skip connections that let low-level detail — stroke
    positions — pass straight through); the last one outputs ``tanh`` images.
    pix2pix has no noise input: dropout is its only randomness (on in training,
    off at inference here, as Keras does). Batch norm is synchronized across
    replicas, so a step on N devices uses the global batch's statistics.

    Args:
        input_shape: ``(H, W, C)``, H and W divisible by ``2 ** len(filters)``.
        output_channels: channels of the output (default: C).
        filters: encoder widths, one per stride-2 level.
        bottleneck_filters: width of the bottleneck convolution.
        dropout: dropout rate in the decoder (0 disables it).
        kernel_size: kernel size of the strided layers.
        name: model name.

    Returns:
        A functional `keras.Model` ``(batch, H, W, C) -> (batch, H, W,
        output_channels)`` in ``[-1, 1]``.

    Example:

    >>> unet_generator((28, 28, 1)).output_shape
    (None, 28, 28, 1)
    """
    filters = check_units("filters", filters, allow_empty=False)
    h, w, c = check_image_shape("input_shape", input_shape, 2 ** len(filters))
    output_channels = check_positive_int("output_channels", output_channels or c)
    bottleneck_filters = check_positive_int("bottleneck_filters", bottleneck_filters)
    dropout = check_fraction("dropout", dropout)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    inputs = keras.Input((h, w, c), name="source")
    x, skips = inputs, []
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, kernel_size, strides=2, padding="same",
                                use_bias=i == 1, name=f"down{i}_conv")(x)
        if i > 1:
            x = keras.layers.BatchNormalization(momentum=0.9, synchronized=True,
                                                name=f"down{i}_bn")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"down{i}_lrelu")(x)
        skips.append(x)
    x = keras.layers.Conv2D(bottleneck_filters, 3, padding="same", use_bias=False,
                            name="bottleneck_conv")(x)
    x = keras.layers.BatchNormalization(momentum=0.9, synchronized=True,
                                        name="bottleneck_bn")(x)
    x = keras.layers.ReLU(name="bottleneck_relu")(x)
    for i in range(len(filters), 0, -1):
        x = keras.layers.Concatenate(name=f"skip{i}")([x, skips[i - 1]])
        if i == 1:
            x = keras.layers.Conv2DTranspose(output_channels, kernel_size, strides=2,
                                             padding="same", name="up1_conv")(x)
            x = keras.layers.Activation("tanh", name="tanh")(x)
            break
        x = keras.layers.Conv2DTranspose(filters[i - 2], kernel_size, strides=2,
                                         padding="same", use_bias=False,
                                         name=f"up{i}_conv")(x)
        x = keras.layers.BatchNormalization(momentum=0.9, synchronized=True,
                                            name=f"up{i}_bn")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"up{i}_dropout")(x)
        x = keras.layers.ReLU(name=f"up{i}_relu")(x)
    return keras.Model(inputs, float32_outputs(x), name=name)


def patchgan_discriminator(image_shape=(28, 28, 1), condition_shape=None,
                           filters=(64, 128), kernel_size=4,
                           name="patchgan_discriminator"):
    """Builds a PatchGAN discriminator (Isola et al. 2017, sec. 3.2.2): it
    classifies each overlapping patch of an image as real or fake, returning a
    map of logits instead of one logit.

    ``len(filters)`` stride-2 convolutions with LeakyReLU 0.2, then a stride-1
    convolution with one output channel. With ``condition_shape`` (pix2pix) the
    discriminator takes ``[condition, image]`` and sees them concatenated on the
    channel axis, so it judges whether the output fits its input. No batch norm,
    for the reason given in `dcgan_discriminator`.

    Args:
        image_shape: ``(H, W, C)`` of the judged image, H and W divisible by
            ``2 ** len(filters)``.
        condition_shape: ``(H, W, C')`` of the conditioning image, or ``None``
            for an unconditional PatchGAN.
        filters: widths of the stride-2 convolutions.
        kernel_size: kernel size.
        name: model name.

    Returns:
        A functional `keras.Model` returning ``(batch, H / 2^n, W / 2^n, 1)``
        patch logits; its inputs are ``[condition, image]`` or ``image``.

    Example:

    >>> d = patchgan_discriminator((28, 28, 1), condition_shape=(28, 28, 1))
    >>> d.output_shape
    (None, 7, 7, 1)
    """
    filters = check_units("filters", filters, allow_empty=False)
    image_shape = check_image_shape("image_shape", image_shape, 2 ** len(filters))
    kernel_size = check_positive_int("kernel_size", kernel_size)
    image = keras.Input(image_shape, name="image")
    if condition_shape is not None:
        condition_shape = check_shape("condition_shape", condition_shape, rank=3)
        if condition_shape[:2] != image_shape[:2]:
            raise ValueError("`condition_shape` must have the image's height and "
                             f"width {image_shape[:2]}. Received: "
                             f"condition_shape={condition_shape!r}")
        condition = keras.Input(condition_shape, name="condition")
        x = keras.layers.Concatenate(name="condition_and_image")([condition, image])
        inputs = [condition, image]
    else:
        x, inputs = image, image
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, kernel_size, strides=2, padding="same",
                                name=f"down{i}_conv")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"down{i}_lrelu")(x)
    x = keras.layers.Conv2D(1, kernel_size, padding="same", name="patch_logits")(x)
    return keras.Model(inputs, float32_outputs(x), name=name)


def sr_generator(input_shape=(7, 7, 1), scale=4, filters=64, residual_blocks=4,
                 output_channels=None, name="sr_generator"):
    """Builds SRGAN's residual super-resolution generator (Ledig et al. 2017,
    fig. 4), sized for small images.

    A 9x9 convolution with PReLU; ``residual_blocks`` blocks of (3x3 conv, batch
    norm, PReLU, 3x3 conv, batch norm) with identity shortcuts; a 3x3 conv and
    batch norm added to the first features (the long skip); then ``log2(scale)``
    x2 upsampling stages and a 9x9 convolution with tanh. Each upsampling stage
    is nearest-neighbour upsampling followed by a 3x3 convolution and PReLU
    (resize-convolution, Odena et al. 2016) instead of the paper's sub-pixel
    convolution, which Keras has no serializable layer for.

    Args:
        input_shape: ``(h, w, C)`` of the low-resolution input.
        scale: upscaling factor, a power of 2.
        filters: width of every convolution but the last.
        residual_blocks: number of residual blocks.
        output_channels: channels of the output (default: C).
        name: model name.

    Returns:
        A functional `keras.Model` ``(batch, h, w, C) -> (batch, scale h, scale
        w, output_channels)`` in ``[-1, 1]``.

    Example:

    >>> sr_generator((7, 7, 1), scale=4).output_shape
    (None, 28, 28, 1)
    """
    h, w, c = check_shape("input_shape", input_shape, rank=3)
    scale = check_positive_int("scale", scale, minimum=2)
    if scale & (scale - 1):
        raise ValueError(f"`scale` must be a power of 2. Received: scale={scale}")
    filters = check_positive_int("filters", filters)
    residual_blocks = check_positive_int("residual_blocks", residual_blocks,
                                         minimum=0)
    output_channels = check_positive_int("output_channels", output_channels or c)

    def bn(layer_name):
        return keras.layers.BatchNormalization(momentum=0.9, synchronized=True,
                                               name=layer_name)

    def prelu(layer_name):
        return keras.layers.PReLU(shared_axes=[1, 2], name=layer_name)

    inputs = keras.Input((h, w, c), name="low_resolution")
    x = keras.layers.Conv2D(filters, 9, padding="same", name="stem_conv")(inputs)
    stem = x = prelu("stem_prelu")(x)
    for i in range(1, residual_blocks + 1):
        y = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False,
                                name=f"res{i}_conv1")(x)
        y = prelu(f"res{i}_prelu")(bn(f"res{i}_bn1")(y))
        y = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False,
                                name=f"res{i}_conv2")(y)
        x = keras.layers.Add(name=f"res{i}_add")([x, bn(f"res{i}_bn2")(y)])
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False,
                            name="trunk_conv")(x)
    x = keras.layers.Add(name="long_skip")([stem, bn("trunk_bn")(x)])
    stage = 1
    while 2 ** stage <= scale:
        x = keras.layers.UpSampling2D(2, name=f"up{stage}_resize")(x)
        x = keras.layers.Conv2D(filters, 3, padding="same", name=f"up{stage}_conv")(x)
        x = prelu(f"up{stage}_prelu")(x)
        stage += 1
    x = keras.layers.Conv2D(output_channels, 9, padding="same", name="out_conv")(x)
    x = keras.layers.Activation("tanh", name="tanh")(x)
    return keras.Model(inputs, float32_outputs(x), name=name)
