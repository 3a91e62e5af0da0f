"""Convolutional networks (Unit II): the course's CIFAR-10 listing, VGG,
GoogLeNet's inception block and ResNet."""

import keras

from keras_genai.builders.common import float32_output_layers
from keras_genai.builders.common import float32_outputs
from keras_genai.builders.common import normalization_layer
from keras_genai.builders.common import NORMALIZATIONS
from keras_genai.builders.common import seed_counter
from keras_genai.layers.extrema import MinPooling2D
from keras_genai.layers.shortcut import PaddedShortcut
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_image_shape
from keras_genai.utils.checks import check_num_classes
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_units

# Simonyan & Zisserman (2015), Table 1, configurations A, B, D and E: the number
# of 3x3 filters of each convolution, "M" for 2x2 max pooling.
VGG_CONFIGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512,
              "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512,
              512, "M", 512, 512, 512, 512, "M"],
}

# He et al. (2016), Table 1: residual blocks per stage and block kind.
RESNET_DEPTHS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}

# Where a residual block changes shape (He et al. 2016, Sec. 3.3): "A" pads
# with zero channels, "B" projects; None removes the shortcuts (a plain net).
SHORTCUTS = ("A", "B", None)

# A GoogLeNet sized for 28x28 inputs: inception blocks given as (1x1, 3x3 reduce,
# 3x3, 5x5 reduce, 5x5, pool projection) filters, "M" for 3x3/2 max pooling
# (28 -> 14 -> 7). Szegedy et al. 2015, Table 1, has blocks 3a (64, 96, 128, 16,
# 32, 32) through 5b; the first two here are 3a and 3b at a quarter of the width.
GOOGLENET_SMALL_BLOCKS = ["M", (16, 24, 32, 4, 8, 8), (32, 32, 48, 8, 24, 16), "M",
                          (48, 24, 52, 4, 12, 16)]


def _conv_init(seeds):
    return keras.initializers.HeNormal(seed=next(seeds))


def _logits(num_classes, seeds):
    """The linear classifier layer every network here ends with."""
    return keras.layers.Dense(num_classes, name="logits",
                              kernel_initializer=keras.initializers.GlorotUniform(
                                  seed=next(seeds)))


def _pooled_head(x, num_classes, dropout, seeds):
    """Global average pooling, optional dropout, logits (GoogLeNet, ResNet)."""
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, seed=next(seeds), name="head_dropout")(x)
    return _logits(num_classes, seeds)(x)


def first_cnn(input_shape=(64, 64, 3), num_classes=10, output="softmax", seed=None,
              name="first_cnn"):
    """The course's first CNN listing, as written: one convolution, one pooling,
    two dense layers.

    ``Conv2D(32, (3, 3), relu) -> MaxPooling2D(2, 2) -> Flatten ->
    Dense(128, relu) -> Dense(num_classes, softmax)``, compiled in the listing
    with ``categorical_crossentropy`` on one-hot labels. At 64x64x3 it has
    3,938,570 weights, 3,936,384 of them in the first dense layer (the
    31x31x32 pooled map times 128, plus biases): the convolution shares its
    896 weights across the image, the dense layer shares none.

    Args:
        input_shape: ``(height, width, channels)``.
        num_classes: number of classes.
        output: ``"softmax"`` (the listing: probabilities, for
            ``categorical_crossentropy``) or ``"logits"`` (for a loss with
            ``from_logits=True``).
        seed: int seed of the initial weights.
        name: model name.

    Returns:
        A `keras.Sequential` model.

    Example:

    >>> first_cnn().count_params()
    3938570
    """
    input_shape = check_image_shape("input_shape", input_shape)
    num_classes = check_num_classes(num_classes)
    check_choice("output", output, ("softmax", "logits"))
    if min(input_shape[:2]) < 4:
        raise ValueError("`input_shape` must be at least 4x4 for a valid 3x3 "
                         f"convolution and a 2x2 pooling. Received: "
                         f"input_shape={input_shape!r}")
    seeds = seed_counter(seed)
    layers = [
        keras.Input(shape=input_shape, name="image"),
        keras.layers.Conv2D(32, (3, 3), activation="relu",
                            kernel_initializer=keras.initializers.GlorotUniform(
                                seed=next(seeds)), name="conv"),
        keras.layers.MaxPooling2D(2, 2, name="pool"),
        keras.layers.Flatten(name="flatten_features"),
        keras.layers.Dense(128, activation="relu",
                           kernel_initializer=keras.initializers.GlorotUniform(
                               seed=next(seeds)), name="hidden_dense"),
        _logits(num_classes, seeds),
    ]
    if output == "softmax":
        layers.append(keras.layers.Softmax(name="probabilities", dtype="float32"))
        return keras.Sequential(layers, name=name)
    return keras.Sequential(layers + float32_output_layers(), name=name)


def conv_output_size(size, kernel_size, strides=1, padding="valid"):
    """The output length of a convolution or pooling along one axis.

    ``floor((n + 2p - k) / s) + 1`` for an input of ``n``, a kernel of ``k``,
    stride ``s`` and ``p`` zeros of padding on each side (Dumoulin & Visin
    2016, relationship 6): ``padding="valid"`` is ``p = 0``; Keras'
    ``"same"`` pads so that the output is ``ceil(n / s)``.

    Args:
        size: input length ``n``.
        kernel_size: kernel length ``k``.
        strides: stride ``s``.
        padding: ``"valid"``, ``"same"`` or an int ``p``.

    Returns:
        The output length, an int.

    Example:

    >>> conv_output_size(64, 3), conv_output_size(62, 2, strides=2)
    (62, 31)
    """
    size = check_positive_int("size", size)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    strides = check_positive_int("strides", strides)
    if padding == "same":
        return -(-size // strides)
    pad = 0 if padding == "valid" else padding
    if isinstance(pad, bool) or not isinstance(pad, int) or pad < 0:
        raise ValueError("`padding` must be 'valid', 'same' or an int >= 0. "
                         f"Received: padding={padding!r}")
    if size + 2 * pad < kernel_size:
        raise ValueError(f"The kernel ({kernel_size}) is larger than the padded "
                         f"input ({size} + 2 * {pad}). Received: size={size}")
    return (size + 2 * pad - kernel_size) // strides + 1


def simple_cnn(input_shape=(32, 32, 3), num_classes=10, filters=(32, 64, 64),
               dense_units=64, normalization="batch", pooling="max", dropout=0.0,
               head="flatten", spatial_dropout=0.0, seed=None, name="simple_cnn"):
    """The course's CIFAR-10 CNN listing: Conv-BN-Pool x2, Conv, Dense, logits.

    ``Conv2D(32, 3, relu) -> BatchNorm -> MaxPool(2) -> Conv2D(64, 3, relu) ->
    BatchNorm -> MaxPool(2) -> Conv2D(64, 3, relu) -> Flatten -> Dense(64, relu) ->
    Dense(num_classes)`` ("valid" convolutions, as in the listing). The
    normalisation, the pooling kind (or none), the head and a dropout before
    the last layer are arguments, for the ablation exercises.

    Args:
        input_shape: ``(height, width, channels)``.
        num_classes: number of classes (the output is logits).
        filters: channels of the three convolutions.
        dense_units: width of the hidden dense layer.
        normalization: ``"batch"``, ``"layer"``, ``"group"``, ``"instance"`` or
            ``None`` after the first two convolutions.
        pooling: ``"max"``, ``"average"``, ``"min"`` (`layers.MinPooling2D`)
            or ``None`` (no pooling: the dense layer sees the full-size map).
        dropout: dropout rate before the logits (0: none).
        head: what turns the last feature map into a vector: ``"flatten"``
            (the listing), ``"global_average"`` or ``"global_max"`` (one number
            per channel, wherever it fired).
        spatial_dropout: rate of ``SpatialDropout2D`` after each of the first
            two blocks (0: none): whole feature maps dropped, since
            neighbouring pixels of one map are too alike for dropping single
            ones to regularise (Tompson et al. 2015).
        seed: int seed of the initial weights and dropout.
        name: model name.

    Returns:
        A `keras.Sequential` model returning logits.

    Example:

    >>> simple_cnn((28, 28, 1)).count_params()
    93706
    """
    input_shape = check_image_shape("input_shape", input_shape)
    num_classes = check_num_classes(num_classes)
    filters = check_units("filters", filters)
    if len(filters) != 3:
        raise ValueError("`filters` must give the 3 convolutions' channels. "
                         f"Received: filters={filters!r}")
    dense_units = check_positive_int("dense_units", dense_units)
    check_choice("normalization", normalization, NORMALIZATIONS)
    check_choice("pooling", pooling, ("max", "average", "min", None))
    check_choice("head", head, ("flatten", "global_average", "global_max"))
    dropout = check_fraction("dropout", dropout)
    spatial_dropout = check_fraction("spatial_dropout", spatial_dropout)
    shrink = 1 if pooling is None else 2
    if ((min(input_shape[:2]) - 2) // shrink - 2) // shrink - 2 < 1:
        raise ValueError("`input_shape` must be at least 18x18 for three valid "
                         f"3x3 convolutions and two poolings. Received: "
                         f"input_shape={input_shape!r}")
    seeds = seed_counter(seed)
    pool = {"max": keras.layers.MaxPooling2D, "average": keras.layers.AveragePooling2D,
            "min": MinPooling2D}.get(pooling)
    layers = [keras.Input(shape=input_shape, name="image")]
    for i, f in enumerate(filters[:2], start=1):
        layers.append(keras.layers.Conv2D(f, 3, activation="relu",
                                          kernel_initializer=_conv_init(seeds),
                                          name=f"conv{i}"))
        norm = normalization_layer(normalization, f"conv{i}_norm",
                                   channels=f)
        if norm is not None:
            layers.append(norm)
        if pool is not None:
            layers.append(pool(2, name=f"pool{i}"))
        if spatial_dropout:
            layers.append(keras.layers.SpatialDropout2D(
                spatial_dropout, seed=next(seeds), name=f"block{i}_dropout"))
    layers += [
        keras.layers.Conv2D(filters[2], 3, activation="relu",
                            kernel_initializer=_conv_init(seeds), name="conv3"),
        {"flatten": keras.layers.Flatten,
         "global_average": keras.layers.GlobalAveragePooling2D,
         "global_max": keras.layers.GlobalMaxPooling2D}[head](
            name="flatten_features" if head == "flatten" else head),
        keras.layers.Dense(dense_units, activation="relu",
                           kernel_initializer=_conv_init(seeds), name="hidden_dense"),
    ]
    if dropout:
        layers.append(keras.layers.Dropout(dropout, seed=next(seeds),
                                           name="hidden_dropout"))
    layers.append(_logits(num_classes, seeds))
    return keras.Sequential(layers + float32_output_layers(), name=name)


def vgg(config="vgg16", input_shape=(224, 224, 3), num_classes=1000, width=1.0,
        dense_units=4096, dropout=0.5, normalization=None, head="flatten",
        seed=None, name=None):
    """VGG (Simonyan & Zisserman 2015): stacks of 3x3 convolutions and max pooling.

    Every convolution is 3x3, stride 1, "same" padding, ReLU; "M" is 2x2/2 max
    pooling; the classifier is two ``dense_units`` ReLU layers with dropout, then
    the logits. With the defaults, ``vgg("vgg16")`` is the paper's configuration D:
    138,357,544 parameters, as ``keras.applications.VGG16``.

    Args:
        config: ``"vgg11"``, ``"vgg13"``, ``"vgg16"``, ``"vgg19"`` (configurations
            A, B, D, E) or a list of filter counts and ``"M"``.
        input_shape: ``(height, width, channels)``; large enough for the poolings.
        num_classes: number of classes (the output is logits).
        width: multiplier on every convolution's filters (1.0: the paper).
        dense_units: width of the two hidden dense layers (0: a single linear
            classifier).
        dropout: dropout rate after each hidden dense layer (paper: 0.5).
        normalization: ``None`` (paper) or a normalisation after each convolution
            (``"batch"`` gives the later "VGG-BN").
        head: ``"flatten"`` (paper) or ``"average"`` (global average pooling).
        seed: int seed of the initial weights and dropout.
        name: model name (default: the config's name, or ``"vgg"``).

    Returns:
        A `keras.Sequential` model returning logits.

    Example:

    >>> small = vgg([16, "M", 32, "M"], input_shape=(28, 28, 1), num_classes=10,
    ...             dense_units=64)
    >>> small.output_shape
    (None, 10)
    """
    if isinstance(config, str):
        check_choice("config", config, tuple(VGG_CONFIGS))
        layout, default_name = VGG_CONFIGS[config], config
    else:
        layout, default_name = list(config), "vgg"
        if not layout or any(not (c == "M" or (isinstance(c, int) and c > 0))
                             for c in layout):
            raise ValueError("`config` must be a VGG name or a list of positive "
                             f"filter counts and 'M'. Received: config={config!r}")
    input_shape = check_image_shape("input_shape", input_shape)
    num_classes = check_num_classes(num_classes)
    if not width > 0:
        raise ValueError(f"`width` must be > 0. Received: width={width!r}")
    dense_units = check_positive_int("dense_units", dense_units, minimum=0)
    dropout = check_fraction("dropout", dropout)
    check_choice("normalization", normalization, NORMALIZATIONS)
    check_choice("head", head, ("flatten", "average"))
    pools = layout.count("M")
    if min(input_shape[:2]) < 2 ** pools:
        raise ValueError(f"`input_shape` {input_shape} is too small for {pools} "
                         f"2x2 poolings; use a config with fewer 'M' entries. "
                         f"Received: input_shape={input_shape!r}, config={config!r}")
    seeds = seed_counter(seed)
    layers = [keras.Input(shape=input_shape, name="image")]
    block, conv = 1, 1
    for entry in layout:
        if entry == "M":
            layers.append(keras.layers.MaxPooling2D(2, name=f"block{block}_pool"))
            block, conv = block + 1, 1
            continue
        filters = max(1, int(round(entry * width)))
        layers.append(keras.layers.Conv2D(
            filters, 3, padding="same", use_bias=normalization is None,
            activation=None if normalization else "relu",
            kernel_initializer=_conv_init(seeds), name=f"block{block}_conv{conv}"))
        if normalization:
            layers.append(normalization_layer(normalization,
                                              f"block{block}_conv{conv}_norm",
                                              channels=filters))
            layers.append(keras.layers.ReLU(name=f"block{block}_conv{conv}_relu"))
        conv += 1
    if head == "flatten":
        layers.append(keras.layers.Flatten(name="flatten_features"))
    else:
        layers.append(keras.layers.GlobalAveragePooling2D(name="avg_pool"))
    if dense_units:
        for i in (1, 2):
            layers.append(keras.layers.Dense(dense_units, activation="relu",
                                             kernel_initializer=_conv_init(seeds),
                                             name=f"fc{i}"))
            if dropout:
                layers.append(keras.layers.Dropout(dropout, seed=next(seeds),
                                                   name=f"fc{i}_dropout"))
    layers.append(_logits(num_classes, seeds))
    return keras.Sequential(layers + float32_output_layers(),
                            name=name or default_name)


def _conv_norm_act(x, filters, kernel_size, strides, normalization, name, seeds,
                   activation=True):
    """Conv (no bias when normalised) -> normalisation -> ReLU."""
    x = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding="same",
                            use_bias=normalization is None,
                            kernel_initializer=_conv_init(seeds),
                            name=f"{name}_conv")(x)
    norm = normalization_layer(normalization, f"{name}_norm",
                               channels=filters)
    if norm is not None:
        x = norm(x)
    if activation:
        x = keras.layers.ReLU(name=f"{name}_relu")(x)
    return x


def inception_block(x, filters_1x1, filters_3x3_reduce, filters_3x3,
                    filters_5x5_reduce, filters_5x5, filters_pool_proj,
                    normalization=None, name="inception", seed=None):
    """GoogLeNet's inception module (Szegedy et al. 2015, Figure 2b).

    Four parallel branches over the same input, concatenated along channels:
    a 1x1 convolution; a 1x1 reduction then a 3x3; a 1x1 reduction then a 5x5;
    3x3/1 max pooling then a 1x1 projection. The 1x1 reductions keep the 3x3 and
    5x5 convolutions cheap. Every convolution is followed by ReLU (and by the
    chosen normalisation, which the paper predates, before it).

    Args:
        x: input tensor ``(batch, H, W, C)`` of a functional model.
        filters_1x1: filters of the 1x1 branch.
        filters_3x3_reduce: filters of the 1x1 before the 3x3.
        filters_3x3: filters of the 3x3 branch.
        filters_5x5_reduce: filters of the 1x1 before the 5x5.
        filters_5x5: filters of the 5x5 branch.
        filters_pool_proj: filters of the 1x1 after the pooling.
        normalization: ``None`` or a normalisation kind.
        name: prefix of the block's layer names.
        seed: int seed of the block's initial weights.

    Returns:
        The output tensor ``(batch, H, W, sum of the four branches' filters)``.

    Example:

    >>> inputs = keras.Input((28, 28, 8))
    >>> inception_block(inputs, 8, 4, 8, 2, 4, 4).shape
    (None, 28, 28, 24)
    """
    for arg, value in (("filters_1x1", filters_1x1),
                       ("filters_3x3_reduce", filters_3x3_reduce),
                       ("filters_3x3", filters_3x3),
                       ("filters_5x5_reduce", filters_5x5_reduce),
                       ("filters_5x5", filters_5x5),
                       ("filters_pool_proj", filters_pool_proj)):
        check_positive_int(arg, value)
    check_choice("normalization", normalization, NORMALIZATIONS)
    seeds = seed if hasattr(seed, "__next__") else seed_counter(seed)
    b1 = _conv_norm_act(x, filters_1x1, 1, 1, normalization, f"{name}_1x1", seeds)
    b3 = _conv_norm_act(x, filters_3x3_reduce, 1, 1, normalization,
                        f"{name}_3x3_reduce", seeds)
    b3 = _conv_norm_act(b3, filters_3x3, 3, 1, normalization, f"{name}_3x3", seeds)
    b5 = _conv_norm_act(x, filters_5x5_reduce, 1, 1, normalization,
                        f"{name}_5x5_reduce", seeds)
    b5 = _conv_norm_act(b5, filters_5x5, 5, 1, normalization, f"{name}_5x5", seeds)
    bp = keras.layers.MaxPooling2D(3, strides=1, padding="same",
                                   name=f"{name}_pool")(x)
    bp = _conv_norm_act(bp, filters_pool_proj, 1, 1, normalization,
                        f"{name}_pool_proj", seeds)
    return keras.layers.Concatenate(name=f"{name}_concat")([b1, b3, b5, bp])


def googlenet(input_shape=(28, 28, 1), num_classes=10, stem_filters=32,
              blocks=None, normalization="batch", dropout=0.4, seed=None,
              name="googlenet"):
    """A small GoogLeNet (Szegedy et al. 2015): a stem, inception blocks, global
    average pooling, dropout and a linear classifier.

    Args:
        input_shape: ``(height, width, channels)``.
        num_classes: number of classes (the output is logits).
        stem_filters: filters of the 3x3 stem convolution.
        blocks: a list of 6-tuples (the arguments of `inception_block`) and
            ``"M"`` (3x3/2 max pooling); default `GOOGLENET_SMALL_BLOCKS`.
        normalization: normalisation after each convolution (``None``: as the
            paper, which predates batch norm).
        dropout: dropout before the classifier (paper: 0.4).
        seed: int seed of the initial weights and dropout.
        name: model name.

    Returns:
        A functional `keras.Model` returning logits.

    Example:

    >>> googlenet().output_shape
    (None, 10)
    """
    input_shape = check_image_shape("input_shape", input_shape)
    num_classes = check_num_classes(num_classes)
    stem_filters = check_positive_int("stem_filters", stem_filters)
    blocks = GOOGLENET_SMALL_BLOCKS if blocks is None else list(blocks)
    for block in blocks:
        if block != "M" and (not isinstance(block, (tuple, list)) or len(block) != 6):
            raise ValueError("`blocks` entries must be 6-tuples of filters or 'M'. "
                             f"Received: blocks={blocks!r}")
    check_choice("normalization", normalization, NORMALIZATIONS)
    dropout = check_fraction("dropout", dropout)
    seeds = seed_counter(seed)
    inputs = keras.Input(shape=input_shape, name="image")
    x = _conv_norm_act(inputs, stem_filters, 3, 1, normalization, "stem", seeds)
    pool, index = 1, 1
    for block in blocks:
        if block == "M":
            x = keras.layers.MaxPooling2D(3, strides=2, padding="same",
                                          name=f"pool{pool}")(x)
            pool += 1
        else:
            x = inception_block(x, *block, normalization=normalization,
                                name=f"inception{index}", seed=seeds)
            index += 1
    outputs = _pooled_head(x, num_classes, dropout, seeds)
    return keras.Model(inputs, float32_outputs(outputs), name=name)


def residual_block(x, filters, stride=1, kind="basic", normalization="batch",
                   shortcut="B", name="residual", seed=None):
    """A ResNet residual block (He et al. 2016): ``y = ReLU(F(x) + shortcut(x))``.

    * ``kind="basic"``: ``F`` is two 3x3 convolutions with ``filters`` channels
      (ResNet-18/34); the output has ``filters`` channels.
    * ``kind="bottleneck"``: ``F`` is 1x1 (``filters``), 3x3 (``filters``), 1x1
      (``4 * filters``) convolutions (ResNet-50/101/152); the output has
      ``4 * filters`` channels. The stride sits on the 3x3 convolution ("ResNet
      v1.5"; the parameter count is the same as the paper's).

    The shortcut is the identity when shapes match. Where they do not, option
    ``"B"`` (the default) is a strided 1x1 convolution with normalisation (the
    paper's projection shortcut) and option ``"A"`` subsamples and pads with
    zero channels (`layers.PaddedShortcut`, no parameters; the paper's CIFAR
    networks). ``shortcut=None`` drops the shortcut: ``y = ReLU(F(x))``, a
    block of the paper's plain networks. Convolutions followed by a
    normalisation carry no bias (it would be cancelled by the normalisation's
    mean subtraction).

    Args:
        x: input tensor ``(batch, H, W, C)`` of a functional model.
        filters: the block's base number of filters.
        stride: stride of the block (2 halves H and W).
        kind: ``"basic"`` or ``"bottleneck"``.
        normalization: normalisation after each convolution (default batch norm,
            as the paper).
        shortcut: ``"A"``, ``"B"`` or ``None`` (plain), as above.
        name: prefix of the block's layer names.
        seed: int seed of the block's initial weights.

    Returns:
        The output tensor.

    Example:

    >>> inputs = keras.Input((28, 28, 16))
    >>> residual_block(inputs, 32, stride=2).shape
    (None, 14, 14, 32)
    """
    filters = check_positive_int("filters", filters)
    stride = check_positive_int("stride", stride)
    check_choice("kind", kind, ("basic", "bottleneck"))
    check_choice("normalization", normalization, NORMALIZATIONS)
    check_choice("shortcut", shortcut, SHORTCUTS)
    seeds = seed if hasattr(seed, "__next__") else seed_counter(seed)
    out_filters = filters if kind == "basic" else 4 * filters
    if kind == "basic":
        y = _conv_norm_act(x, filters, 3, stride, normalization, f"{name}_1", seeds)
        y = _conv_norm_act(y, filters, 3, 1, normalization, f"{name}_2", seeds,
                           activation=False)
    else:
        y = _conv_norm_act(x, filters, 1, 1, normalization, f"{name}_1", seeds)
        y = _conv_norm_act(y, filters, 3, stride, normalization, f"{name}_2", seeds)
        y = _conv_norm_act(y, out_filters, 1, 1, normalization, f"{name}_3", seeds,
                           activation=False)
    if shortcut is not None:
        skip = x
        if stride != 1 or x.shape[-1] != out_filters:
            if shortcut == "B":
                skip = _conv_norm_act(x, out_filters, 1, stride, normalization,
                                      f"{name}_shortcut", seeds, activation=False)
            else:
                skip = PaddedShortcut(out_filters, stride,
                                      name=f"{name}_shortcut")(x)
        y = keras.layers.Add(name=f"{name}_add")([skip, y])
    return keras.layers.ReLU(name=f"{name}_out")(y)


def resnet(depth=50, input_shape=(224, 224, 3), num_classes=1000, width=64,
           kind=None, stem="imagenet", normalization="batch", shortcut="B",
           dropout=0.0, seed=None, name=None):
    """ResNet (He et al. 2016): a stem, four stages of residual blocks, global
    average pooling and a linear classifier.

    Stage ``i`` has ``width * 2**i`` base filters; every stage after the first
    starts with a stride-2 block. With the defaults, ``resnet(50)`` is the paper's
    ResNet-50: 25,557,032 trainable parameters (``keras.applications.ResNet50``
    keeps biases on its convolutions: 25,583,592 trainable, 25,636,712 in all).

    Args:
        depth: 18, 34, 50, 101 or 152 (Table 1 of the paper), or a list of blocks
            per stage such as ``[2, 2]`` (then ``kind`` says which blocks).
        input_shape: ``(height, width, channels)``.
        num_classes: number of classes (the output is logits).
        width: base filters of the first stage (paper: 64).
        kind: ``"basic"`` or ``"bottleneck"``; only with a list ``depth`` (default
            ``"basic"``).
        stem: ``"imagenet"`` (7x7/2 convolution and 3x3/2 max pooling, for
            224x224) or ``"small"`` (one 3x3 convolution, for 28x28 or 32x32 inputs,
            as the paper's CIFAR-10 networks).
        normalization: normalisation after each convolution.
        shortcut: where a block changes shape, ``"B"`` projects with a 1x1
            convolution, ``"A"`` pads with zero channels (the paper's CIFAR
            networks); ``None`` removes every shortcut, the paper's plain
            network of the same depth (see `residual_block`).
        dropout: dropout before the classifier (paper: none).
        seed: int seed of the initial weights and dropout.
        name: model name (default ``"resnet<depth>"``).

    Returns:
        A functional `keras.Model` returning logits.

    Example:

    >>> resnet([1, 1], input_shape=(28, 28, 1), num_classes=10, width=8,
    ...        stem="small").output_shape
    (None, 10)
    """
    if isinstance(depth, int) and not isinstance(depth, bool):
        if depth not in RESNET_DEPTHS:
            raise ValueError(f"`depth` must be one of {sorted(RESNET_DEPTHS)} or a "
                             f"list of blocks per stage. Received: depth={depth!r}")
        if kind is not None:
            raise ValueError("`kind` is set by a named depth; pass a list of "
                             f"blocks per stage to choose it. Received: "
                             f"depth={depth!r}, kind={kind!r}")
        kind, stages = RESNET_DEPTHS[depth]
        default_name = f"resnet{depth}"
    else:
        stages = check_units("depth", depth, allow_empty=False)
        kind = check_choice("kind", kind or "basic", ("basic", "bottleneck"))
        default_name = "resnet"
    input_shape = check_image_shape("input_shape", input_shape)
    num_classes = check_num_classes(num_classes)
    width = check_positive_int("width", width)
    check_choice("stem", stem, ("imagenet", "small"))
    check_choice("normalization", normalization, NORMALIZATIONS)
    check_choice("shortcut", shortcut, SHORTCUTS)
    dropout = check_fraction("dropout", dropout)
    seeds = seed_counter(seed)
    inputs = keras.Input(shape=input_shape, name="image")
    if stem == "imagenet":
        x = _conv_norm_act(inputs, width, 7, 2, normalization, "stem", seeds)
        x = keras.layers.MaxPooling2D(3, strides=2, padding="same",
                                      name="stem_pool")(x)
    else:
        x = _conv_norm_act(inputs, width, 3, 1, normalization, "stem", seeds)
    for s, blocks in enumerate(stages):
        for b in range(blocks):
            stride = 2 if (s > 0 and b == 0) else 1
            x = residual_block(x, width * 2 ** s, stride=stride, kind=kind,
                               normalization=normalization, shortcut=shortcut,
                               name=f"stage{s + 1}_block{b + 1}", seed=seeds)
    outputs = _pooled_head(x, num_classes, dropout, seeds)
    return keras.Model(inputs, float32_outputs(outputs), name=name or default_name)
