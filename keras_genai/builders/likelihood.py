"""Networks of the likelihood models: PixelCNN's masked stack and the
convolutional scale-and-shift networks of RealNVP's coupling layers."""

import keras

from keras_genai.builders.common import float32_outputs
from keras_genai.builders.common import seed_counter
from keras_genai.layers.autoregressive import MaskedConv2D
from keras_genai.layers.flow import ChannelScale
from keras_genai.utils.checks import check_image_shape
from keras_genai.utils.checks import check_positive_int


def _glorot(seeds):
    return keras.initializers.GlorotUniform(seed=next(seeds))


def apply_pixelcnn_block(x, filters, gated, seeds, name):
    """One residual block of van den Oord et al. (2016a), fig. 5: a 1x1
    convolution to ``filters``, a 3x3 type-B masked convolution, a 1x1 back
    to ``2 * filters``, added to the input. With ``gated`` the masked
    convolution's ReLU becomes the gated unit ``tanh(W_f * x) * sigmoid(W_g *
    x)`` of van den Oord et al. (2016b), eq. 2."""
    h = keras.layers.ReLU(name=f"{name}_relu1")(x)
    h = keras.layers.Conv2D(filters, 1, kernel_initializer=_glorot(seeds),
                            name=f"{name}_reduce")(h)
    h = keras.layers.ReLU(name=f"{name}_relu2")(h)
    if gated:
        value, gate = (MaskedConv2D(filters, 3, "B", activation=act,
                                    kernel_initializer=_glorot(seeds),
                                    name=f"{name}_masked_{act}")(h)
                       for act in ("tanh", "sigmoid"))
        h = keras.layers.Multiply(name=f"{name}_gate")([value, gate])
    else:
        h = MaskedConv2D(filters, 3, "B", activation="relu",
                         kernel_initializer=_glorot(seeds), name=f"{name}_masked")(h)
    h = keras.layers.Conv2D(2 * filters, 1, kernel_initializer=_glorot(seeds),
                            name=f"{name}_expand")(h)
    return keras.layers.Add(name=f"{name}_add")([x, h])


def pixelcnn(image_shape=(28, 28, 1), filters=32, num_blocks=5, gated=False,
             head_filters=64, seed=None, name="pixelcnn"):
    """PixelCNN's network: binary images to one Bernoulli logit per pixel and
    channel, each computed from the pixels before it in raster order only.

    van den Oord et al. (2016a), "Pixel Recurrent Neural Networks", sec. 3.4
    and table 4 (the residual PixelCNN): a 7x7 type-A masked convolution,
    ``num_blocks`` residual blocks with a 3x3 type-B masked convolution each
    (`apply_pixelcnn_block`), then two 1x1 layers (ReLU, ``head_filters``) and
    the 1x1 logits. Stacked masked convolutions leave a "blind spot" above
    and to the right of each pixel, which the gated PixelCNN's two stacks
    remove (van den Oord et al. 2016b); ``gated=True`` here uses that paper's
    gated activation unit only.

    The inputs are the binary pixels as 0/1 floats; the network centres them
    to -1/+1.

    Args:
        image_shape: ``(height, width, channels)`` of the images (any size,
            down to 1x1).
        filters: ``h`` of the residual blocks (their inputs have ``2h``).
        num_blocks: residual blocks.
        gated: gated activation units in the blocks.
        head_filters: width of the two 1x1 layers before the logits.
        seed: int seed of the initial weights.
        name: the model's name.

    Returns:
        A functional `keras.Model` ``(batch, H, W, C) -> (batch, H, W, C)``
        logits, float32.

    Example:

    >>> network = pixelcnn((28, 28, 1), filters=32, num_blocks=5)
    >>> network.output_shape
    (None, 28, 28, 1)
    """
    image_shape = check_image_shape("image_shape", image_shape)
    filters = check_positive_int("filters", filters)
    num_blocks = check_positive_int("num_blocks", num_blocks, minimum=0)
    head_filters = check_positive_int("head_filters", head_filters)
    if not isinstance(gated, bool):
        raise TypeError(f"`gated` must be a bool. Received: gated={gated!r}")
    seeds = seed_counter(seed)
    images = keras.Input(image_shape, name="images")
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="centre")(images)
    x = MaskedConv2D(2 * filters, 7, "A", kernel_initializer=_glorot(seeds),
                     name="masked_a")(x)
    for i in range(1, num_blocks + 1):
        x = apply_pixelcnn_block(x, filters, gated, seeds, f"block{i}")
    x = keras.layers.ReLU(name="head_relu1")(x)
    x = keras.layers.Conv2D(head_filters, 1, activation="relu",
                            kernel_initializer=_glorot(seeds), name="head")(x)
    logits = keras.layers.Conv2D(image_shape[-1], 1,
                                 kernel_initializer=_glorot(seeds), name="logits")(x)
    return keras.Model(images, float32_outputs(logits), name=name)


def coupling_network(input_shape, filters=32, num_blocks=2, seed=None,
                     name="coupling"):
    """The scale-and-shift network of one affine coupling layer: ``(batch, H,
    W, C)`` masked inputs (with the mask as ``C`` more channels, so the
    network knows which values it sees) to ``[log_scale, shift]``, each
    ``(batch, H, W, C)``.

    Dinh et al. (2017), "Density estimation using Real NVP", sec. 4.1: a
    convolutional residual network. The log-scale is ``scale * tanh(raw)``
    with a learned per-channel ``scale``, and the last convolution starts at
    zero, so every coupling starts as the identity (as Glow does, Kingma &
    Dhariwal 2018): the flow starts at the logit transform alone and training
    is stable from the first step.

    Args:
        input_shape: ``(height, width, channels)`` of the flow at this layer.
        filters: width of the hidden convolutions.
        num_blocks: residual blocks of two 3x3 convolutions.
        seed: int seed of the initial weights.
        name: the model's name.

    Returns:
        A functional `keras.Model` ``[inputs, mask] -> [log_scale, shift]``,
        float32.

    Example:

    >>> network = coupling_network((28, 28, 1), filters=32)
    >>> [tuple(t.shape) for t in network.outputs]
    [(None, 28, 28, 1), (None, 28, 28, 1)]
    """
    input_shape = check_image_shape("input_shape", input_shape)
    filters = check_positive_int("filters", filters)
    num_blocks = check_positive_int("num_blocks", num_blocks, minimum=0)
    seeds = seed_counter(seed)
    channels = input_shape[-1]
    inputs = keras.Input(input_shape, name="inputs")
    mask = keras.Input(input_shape, name="mask")
    x = keras.layers.Concatenate(name="with_mask")([inputs, mask])
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                            kernel_initializer=_glorot(seeds), name="stem")(x)
    for i in range(1, num_blocks + 1):
        h = keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                                kernel_initializer=_glorot(seeds),
                                name=f"block{i}_conv1")(x)
        h = keras.layers.Conv2D(filters, 3, padding="same",
                                kernel_initializer=_glorot(seeds),
                                name=f"block{i}_conv2")(h)
        x = keras.layers.ReLU(name=f"block{i}_relu")(
            keras.layers.Add(name=f"block{i}_add")([x, h]))
    # The last convolutions start at zero: log_scale = shift = 0, the identity.
    raw_scale = keras.layers.Conv2D(channels, 3, padding="same", activation="tanh",
                                    kernel_initializer="zeros", name="raw_scale")(x)
    log_scale = ChannelScale(name="log_scale")(raw_scale)
    shift = keras.layers.Conv2D(channels, 3, padding="same",
                                kernel_initializer="zeros", name="shift")(x)
    return keras.Model([inputs, mask], float32_outputs([log_scale, shift]),
                       name=name)
