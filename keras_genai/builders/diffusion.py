"""The noise-prediction U-Net of diffusion models (Ho et al. 2020, appendix B),
with optional class and text conditioning (the text encoder it cross-attends to
is `keras_genai.builders.text_encoder`)."""

import keras

from keras_genai.builders.common import float32_outputs
from keras_genai.builders.common import normalization_layer
from keras_genai.builders.transformer import text_encoder  # noqa: F401 (moved)
from keras_genai.layers.time_embedding import SinusoidalEmbedding
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_image_shape
from keras_genai.utils.checks import check_units


def apply_residual_block(x, embedding, filters, dropout, name):
    """Ho et al.'s residual block (their appendix B, after Wide ResNet): group norm,
    swish, 3x3 convolution, plus a per-channel projection of the time (and class)
    embedding, then group norm, swish, dropout, 3x3 convolution; a 1x1 convolution
    on the skip path when the width changes.

    Args:
        x: feature maps ``(batch, H, W, C)``.
        embedding: the conditioning vector ``(batch, E)``.
        filters: output channels.
        dropout: dropout rate before the second convolution.
        name: prefix of the layer names.

    Returns:
        ``(batch, H, W, filters)``.
    """
    h = normalization_layer("group", f"{name}_norm1", channels=x.shape[-1])(x)
    h = keras.layers.Activation("swish", name=f"{name}_swish1")(h)
    h = keras.layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv1")(h)
    e = keras.layers.Dense(filters, name=f"{name}_embedding")(embedding)
    e = keras.layers.Reshape((1, 1, filters), name=f"{name}_embedding_reshape")(e)
    h = keras.layers.Add(name=f"{name}_add_embedding")([h, e])
    h = normalization_layer("group", f"{name}_norm2", channels=filters)(h)
    h = keras.layers.Activation("swish", name=f"{name}_swish2")(h)
    if dropout:
        h = keras.layers.Dropout(dropout, name=f"{name}_dropout")(h)
    h = keras.layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv2")(h)
    if x.shape[-1] != filters:
        x = keras.layers.Conv2D(filters, 1, name=f"{name}_skip")(x)
    return keras.layers.Add(name=f"{name}_add")([x, h])


def apply_attention_block(x, heads, name, context=None):
    """Residual attention over the positions of ``x`` (Ho et al. use self-attention
    at 16x16, after Wang et al. 2018's non-local block): group norm, multi-head
    attention with queries from the image features, keys and values from the image
    itself (self-attention) or from ``context`` (cross-attention to text tokens, as
    in Rombach et al. 2022, sec. 3.3), added back to ``x``.

    Args:
        x: feature maps ``(batch, H, W, C)``.
        heads: attention heads (``C`` must be divisible by it).
        name: prefix of the layer names; the attention layer is ``{name}_mha``.
        context: ``(batch, L, D)`` token embeddings, or ``None`` for self-attention.

    Returns:
        ``(batch, H, W, C)``.
    """
    h_size, w_size, channels = x.shape[1:]
    h = normalization_layer("group", f"{name}_norm", channels=channels)(x)
    h = keras.layers.Reshape((h_size * w_size, channels), name=f"{name}_flatten")(h)
    mha = keras.layers.MultiHeadAttention(heads, channels // heads, name=f"{name}_mha")
    if context is None:
        h = mha(h, h)
    else:  # keep the scores as the layer's second output, for attention maps
        h, _ = mha(h, context, return_attention_scores=True)
    h = keras.layers.Reshape((h_size, w_size, channels), name=f"{name}_unflatten")(h)
    return keras.layers.Add(name=f"{name}_add")([x, h])


def diffusion_unet(image_shape=(28, 28, 1), widths=(32, 64, 128), blocks_per_level=1,
                   attention_levels=None, num_classes=None, text_embedding_dim=None,
                   condition_channels=None, heads=4, dropout=0.0,
                   name="diffusion_unet"):
    """Builds the noise-prediction network ``eps_theta(x_t, t [, y])`` of DDPM.

    Ho et al. (2020), appendix B (a PixelCNN++-style U-Net): a sinusoidal embedding
    of ``t`` (``4 * widths[0]`` wide) through a two-layer MLP conditions every
    residual block; level ``i``
    works at resolution ``H / 2^i`` with ``widths[i]`` channels and
    ``blocks_per_level`` residual blocks (self-attention after each at the levels
    in ``attention_levels``, and always in the middle); stride-2 convolutions go down, nearest upsampling and
    a convolution go up, and the decoder concatenates every encoder activation
    (``blocks_per_level + 1`` per level). The middle is residual, attention,
    residual. The output convolution starts at zero, so the untrained network
    predicts ``eps = 0``.

    Conditioning:
      * ``num_classes``: a ``label`` input; its embedding is added to the time
        embedding. The embedding has ``num_classes + 1`` rows: label
        ``num_classes`` is the "null" class that classifier-free guidance trains
        with and samples the unconditional prediction from (Ho & Salimans 2022).
      * ``text_embedding_dim``: a ``context`` input of token embeddings ``(L,
        text_embedding_dim)``; at the attention levels a cross-attention block
        follows each self-attention (queries from the image, keys and values from
        the tokens; Rombach et al. 2022). The cross-attention layers are named
        ``*_cross_mha``; their attention scores are their second output.
      * ``condition_channels``: a ``condition`` input image ``(H, W,
        condition_channels)`` concatenated with ``x_t`` on the channel axis
        before the first convolution (SR3, Saharia et al. 2021, sec. 2: the
        bicubic-upsampled low-resolution image, "concatenated with y_t along the
        channel dimension"; any image-to-image task can use it the same way).

    Args:
        image_shape: ``(H, W, C)``; H and W divisible by ``2 ** (len(widths) - 1)``.
        widths: channels per level.
        blocks_per_level: residual blocks per level on the way down.
        attention_levels: level indices that get attention (default: the
            lowest resolution, ``len(widths) - 1``).
        num_classes: number of classes for class conditioning (``None``: none).
        text_embedding_dim: width of the text tokens for cross-attention.
        condition_channels: channels of a conditioning image (``None``: none).
        heads: attention heads.
        dropout: dropout in the residual blocks.
        name: model name.

    Returns:
        A functional `keras.Model` with inputs ``{"image", "timestep"[, "label"]
        [, "context"][, "condition"]}`` (timesteps and labels int32 of shape
        ``(batch,)``) and the predicted noise ``(batch, H, W, C)`` as output.

    Example:

    >>> net = diffusion_unet((8, 8, 1), widths=(8, 16), num_classes=10)
    >>> sorted(net.input)
    ['image', 'label', 'timestep']
    """
    widths = check_units("widths", widths, allow_empty=False)
    h, w, c = check_image_shape("image_shape", image_shape, 2 ** (len(widths) - 1),
                                reason="2 ** (len(widths) - 1), one halving per "
                                       "level below the first")
    blocks_per_level = check_positive_int("blocks_per_level", blocks_per_level)
    attention_levels = ((len(widths) - 1,) if attention_levels is None
                        else tuple(attention_levels))
    if any(not isinstance(i, int) or not 0 <= i < len(widths) for i in attention_levels):
        raise ValueError(f"`attention_levels` must hold level indices in "
                         f"[0, {len(widths) - 1}]. Received: "
                         f"attention_levels={attention_levels!r}")
    heads = check_positive_int("heads", heads)
    for i in set(attention_levels) | {len(widths) - 1}:  # the middle attends too
        if widths[i] % heads:
            raise ValueError(f"`widths` at attention level {i} ({widths[i]}) must be "
                             f"divisible by `heads`. Received: heads={heads}")
    if num_classes is not None:
        num_classes = check_positive_int("num_classes", num_classes)
    if text_embedding_dim is not None:
        text_embedding_dim = check_positive_int("text_embedding_dim", text_embedding_dim)
    if condition_channels is not None:
        condition_channels = check_positive_int("condition_channels",
                                                condition_channels)
    dropout = check_fraction("dropout", dropout)

    image = keras.Input((h, w, c), name="image")
    timestep = keras.Input((), dtype="int32", name="timestep")
    inputs = {"image": image, "timestep": timestep}
    embed_dim = 4 * widths[0]
    e = SinusoidalEmbedding(embed_dim, name="time_sinusoidal")(timestep)
    e = keras.layers.Dense(embed_dim, activation="swish", name="time_dense1")(e)
    e = keras.layers.Dense(embed_dim, name="time_dense2")(e)
    if num_classes is not None:
        label = keras.Input((), dtype="int32", name="label")
        inputs["label"] = label
        y = keras.layers.Embedding(num_classes + 1, embed_dim, name="label_embedding")(label)
        e = keras.layers.Add(name="add_label_embedding")([e, y])
    context = None
    if text_embedding_dim is not None:
        context = keras.Input((None, text_embedding_dim), name="context")
        inputs["context"] = context
    e = keras.layers.Activation("swish", name="embedding_swish")(e)

    def attend(x, level, prefix):
        if level in attention_levels:
            x = apply_attention_block(x, heads, f"{prefix}_attention")
            if context is not None:
                x = apply_attention_block(x, heads, f"{prefix}_cross", context=context)
        return x

    x = image
    if condition_channels is not None:
        condition = keras.Input((h, w, condition_channels), name="condition")
        inputs["condition"] = condition
        x = keras.layers.Concatenate(name="concat_condition")([image, condition])
    x = keras.layers.Conv2D(widths[0], 3, padding="same", name="stem")(x)
    skips = [x]
    for level, width in enumerate(widths):
        for b in range(blocks_per_level):
            prefix = f"down{level}_block{b}"
            x = apply_residual_block(x, e, width, dropout, prefix)
            x = attend(x, level, prefix)
            skips.append(x)
        if level < len(widths) - 1:
            x = keras.layers.Conv2D(width, 3, strides=2, padding="same",
                                    name=f"down{level}_downsample")(x)
            skips.append(x)
    x = apply_residual_block(x, e, widths[-1], dropout, "middle_block0")
    x = apply_attention_block(x, heads, "middle_attention")
    if context is not None:
        x = apply_attention_block(x, heads, "middle_cross", context=context)
    x = apply_residual_block(x, e, widths[-1], dropout, "middle_block1")
    for level in reversed(range(len(widths))):
        for b in range(blocks_per_level + 1):
            prefix = f"up{level}_block{b}"
            x = keras.layers.Concatenate(name=f"{prefix}_concat")([x, skips.pop()])
            x = apply_residual_block(x, e, widths[level], dropout, prefix)
            x = attend(x, level, prefix)
        if level > 0:
            x = keras.layers.UpSampling2D(2, name=f"up{level}_upsample")(x)
            x = keras.layers.Conv2D(widths[level], 3, padding="same",
                                    name=f"up{level}_upsample_conv")(x)
    x = normalization_layer("group", "out_norm", channels=widths[0])(x)
    x = keras.layers.Activation("swish", name="out_swish")(x)
    eps = keras.layers.Conv2D(c, 3, padding="same", kernel_initializer="zeros",
                              name="eps")(x)
    return keras.Model(inputs, float32_outputs(eps), name=name)


__all__ = ["apply_attention_block", "apply_residual_block", "diffusion_unet"]
