"""Transformer networks (beyond the syllabus, from the attention lecture): a
stack of pre-norm blocks over patches (ViT), over time steps (the Unit III
sequence tasks) and over words (captions), and the two halves of a masked
autoencoder."""

import keras

from keras_genai.builders.common import float32_outputs
from keras_genai.layers.attention import TransformerBlock
from keras_genai.layers.patches import MaskTokens
from keras_genai.layers.patches import PatchEmbedding
from keras_genai.layers.time_embedding import PositionEmbedding
from keras_genai.layers.tokens import MaskedMeanPooling
from keras_genai.layers.tokens import PaddingMask
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_image_shape
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_shape


def check_transformer(dim, depth, heads, mlp_dim, dropout, dim_name="dim"):
    """Checks the sizes of a Transformer stack; returns them, ``mlp_dim``
    defaulting to ``2 * dim``."""
    dim = check_positive_int(dim_name, dim)
    depth = check_positive_int("depth", depth)
    heads = check_positive_int("heads", heads)
    if dim % heads:
        raise ValueError(f"`{dim_name}` must be divisible by `heads`. Received: "
                         f"{dim_name}={dim}, heads={heads}")
    mlp_dim = 2 * dim if mlp_dim is None else check_positive_int("mlp_dim", mlp_dim)
    return dim, depth, heads, mlp_dim, check_fraction("dropout", dropout)


def apply_transformer(x, depth, heads, mlp_dim, dropout=0.0, causal=False,
                      padding_mask=None, name="transformer"):
    """``depth`` `TransformerBlock` layers, named ``{name}_block{i}``, then a
    final layer norm ``{name}_norm`` (pre-norm stacks need one at the end).

    Args:
        x: ``(batch, length, dim)`` tokens.
        depth: number of blocks.
        heads: attention heads per block.
        mlp_dim: hidden width of each block's MLP.
        dropout: dropout rate in each block.
        causal: causal self-attention.
        padding_mask: optional boolean ``(batch, length)``, True at real tokens.
        name: prefix of the layer names.

    Returns:
        ``(batch, length, dim)``.
    """
    for i in range(1, depth + 1):
        block = TransformerBlock(heads, mlp_dim, dropout=dropout, causal=causal,
                                 name=f"{name}_block{i}")
        x = block(x) if padding_mask is None else block(x, padding_mask=padding_mask)
    return keras.layers.LayerNormalization(name=f"{name}_norm")(x)


def vit(image_shape=(28, 28, 1), patch_size=7, num_classes=10, dim=64, depth=4,
        heads=4, mlp_dim=None, dropout=0.0, name="vit"):
    """Builds a Vision Transformer (Dosovitskiy et al. 2021, "An Image is Worth
    16x16 Words").

    The image is cut into ``patch_size`` patches, each projected to ``dim``
    features (`keras_genai.layers.PatchEmbedding`, eq. 1) plus a learned
    position embedding; ``depth`` pre-norm Transformer blocks (eq. 2-3) and a
    layer norm follow, and the tokens are averaged (global average pooling
    instead of the class token, as in Beyer et al. 2022's plain ViT baseline;
    the two score alike). Without the convolution's locality and weight
    sharing, a ViT must learn from data what a CNN is built to assume: the
    paper's ViT lost to ResNets on ImageNet alone and won with 14-300 million
    pre-training images.

    Args:
        image_shape: ``(H, W, C)``, sides divisible by ``patch_size``.
        patch_size: side of a patch (7 gives 16 tokens on a 28x28 digit).
        num_classes: classes of the logits output; ``None`` returns the pooled
            ``(batch, dim)`` features instead (an image encoder, e.g. for CLIP).
        dim: token width.
        depth: number of Transformer blocks.
        heads: attention heads (``dim`` divisible by it).
        mlp_dim: hidden width of the blocks' MLP (default ``2 * dim``).
        dropout: dropout rate in the blocks.
        name: model name.

    Returns:
        A functional `keras.Model` ``images -> logits`` (or features).

    Example:

    >>> vit((28, 28, 1), patch_size=7, dim=32, depth=2).output_shape
    (None, 10)
    """
    image_shape, patch_size, num_patches, _ = _check_patches(image_shape, patch_size)
    if num_classes is not None:
        num_classes = check_positive_int("num_classes", num_classes, minimum=2)
    dim, depth, heads, mlp_dim, dropout = check_transformer(dim, depth, heads,
                                                            mlp_dim, dropout)
    images = keras.Input(image_shape, name="images")
    x = PatchEmbedding(patch_size, dim, name="patch_embedding")(images)
    x = PositionEmbedding(num_patches, name="position_embedding")(x)
    x = apply_transformer(x, depth, heads, mlp_dim, dropout)
    x = keras.layers.GlobalAveragePooling1D(name="pool")(x)
    if num_classes is not None:
        x = keras.layers.Dense(num_classes, name="logits")(x)
    return keras.Model(images, float32_outputs(x), name=name)


def sequence_transformer(input_shape=(50, 2), dim=32, depth=2, heads=4,
                         mlp_dim=None, output_units=1, output_activation=None,
                         causal=False, return_sequences=False, dropout=0.0,
                         name="sequence_transformer"):
    """Builds a Transformer encoder for the sequence tasks of Unit III
    (`keras_genai.data.adding_problem`, `sine_waves`, `future_context`), the
    counterpart of `sequence_model`'s recurrent stacks.

    Each time step is projected to ``dim`` features plus a learned position
    embedding, ``depth`` pre-norm blocks follow, and a dense read-out gives
    one output per sequence (the mean over time) or per step
    (``return_sequences``). Any step reaches any other in one attention hop,
    where an RNN carries it through every step in between; the price is
    attention's ``length^2`` cost.

    Args:
        input_shape: ``(time_steps, features)``; ``time_steps`` must be known
            (the position embedding has one vector per step).
        dim: token width.
        depth: number of blocks.
        heads: attention heads.
        mlp_dim: hidden width of the blocks' MLP (default ``2 * dim``).
        output_units: width of the read-out.
        output_activation: activation of the read-out (``None``: linear).
        causal: each step sees only itself and earlier steps (a left-to-right
            model, like a unidirectional RNN).
        return_sequences: read out every step.
        dropout: dropout rate in the blocks.
        name: model name.

    Returns:
        A functional `keras.Model` ``(batch, time, features) -> (batch,
        output_units)`` or ``(batch, time, output_units)``.

    Example:

    >>> sequence_transformer((100, 2), dim=32).output_shape
    (None, 1)
    """
    input_shape = check_shape("input_shape", input_shape, rank=2)
    dim, depth, heads, mlp_dim, dropout = check_transformer(dim, depth, heads,
                                                            mlp_dim, dropout)
    output_units = check_positive_int("output_units", output_units)
    for key, value in (("causal", causal), ("return_sequences", return_sequences)):
        if not isinstance(value, bool):
            raise TypeError(f"`{key}` must be a bool. Received: {key}={value!r}")
    sequence = keras.Input(input_shape, name="sequence")
    x = keras.layers.Dense(dim, name="input_projection")(sequence)
    x = PositionEmbedding(input_shape[0], name="position_embedding")(x)
    x = apply_transformer(x, depth, heads, mlp_dim, dropout, causal=causal)
    if not return_sequences:
        x = keras.layers.GlobalAveragePooling1D(name="pool")(x)
    x = keras.layers.Dense(output_units, activation=output_activation,
                           name="readout")(x)
    return keras.Model(sequence, float32_outputs(x), name=name)


def _check_patches(image_shape, patch_size):
    """Checks that ``patch_size`` patches tile ``image_shape``; returns
    ``(image_shape, patch_size, num_patches, values per patch)``."""
    patch_size = check_positive_int("patch_size", patch_size)
    image_shape = check_image_shape("image_shape", image_shape, patch_size,
                                    reason=f"patch_size={patch_size}: the patches "
                                           "tile the image")
    num_patches = (image_shape[0] // patch_size) * (image_shape[1] // patch_size)
    return (image_shape, patch_size, num_patches,
            patch_size * patch_size * image_shape[2])


def mae_encoder(image_shape=(28, 28, 1), patch_size=7, dim=64, depth=4, heads=4,
                mlp_dim=None, name="mae_encoder"):
    """Builds the encoder of a masked autoencoder (He et al. 2022, sec. 3): a
    ViT that sees only the visible patches.

    It takes flattened patches (`keras_genai.layers.patchify`) and their patch
    indices, any number of them, so the same network encodes the 25% visible
    patches in training and all of them for a probe. Each patch is projected
    to ``dim`` features plus the learned embedding of its index.

    Args:
        image_shape: ``(H, W, C)`` of the images the patches come from, H and
            W divisible by ``patch_size``.
        patch_size: side of a patch.
        dim: token width.
        depth: number of blocks.
        heads: attention heads.
        mlp_dim: hidden width of the blocks' MLP (default ``2 * dim``).
        name: model name.

    Returns:
        A functional `keras.Model` ``[patches (batch, n, p*p*C), positions
        (batch, n) int32] -> (batch, n, dim)``.

    Example:

    >>> mae_encoder(dim=32, depth=2).output_shape
    (None, None, 32)
    """
    _, _, num_patches, patch_dim = _check_patches(image_shape, patch_size)
    dim, depth, heads, mlp_dim, _ = check_transformer(dim, depth, heads, mlp_dim, 0.0)
    patches = keras.Input((None, patch_dim), name="patches")
    positions = keras.Input((None,), dtype="int32", name="positions")
    x = keras.layers.Dense(dim, name="patch_projection")(patches)
    x = keras.layers.Add(name="add_positions")([
        x, keras.layers.Embedding(num_patches, dim, name="position_embedding")(
            positions)])
    x = apply_transformer(x, depth, heads, mlp_dim)
    return keras.Model([patches, positions], float32_outputs(x), name=name)


def mae_decoder(image_shape=(28, 28, 1), patch_size=7, encoder_dim=64, dim=32,
                depth=2, heads=4, mlp_dim=None, name="mae_decoder"):
    """Builds the decoder of a masked autoencoder (He et al. 2022, sec. 3,
    "MAE decoder"): the encoded visible patches are projected to the
    decoder's (narrower) width, put back in place among learned mask tokens
    (`keras_genai.layers.MaskTokens`), given position embeddings, passed
    through ``depth`` blocks and projected to each patch's pixels.

    Args:
        image_shape: ``(H, W, C)``, H and W divisible by ``patch_size``.
        patch_size: side of a patch.
        encoder_dim: width of the encoder's tokens.
        dim: the decoder's width (MAE's decoder is light: about a tenth of the
            encoder's compute per token).
        depth: number of blocks.
        heads: attention heads.
        mlp_dim: hidden width of the blocks' MLP (default ``2 * dim``).
        name: model name.

    Returns:
        A functional `keras.Model` ``[tokens (batch, n, encoder_dim),
        positions (batch, n) int32] -> (batch, num_patches, p*p*C)`` (linear
        outputs: pixels, or normalized pixels).

    Example:

    >>> mae_decoder(encoder_dim=32, dim=16, depth=1).output_shape
    (None, 16, 49)
    """
    _, _, num_patches, patch_dim = _check_patches(image_shape, patch_size)
    encoder_dim = check_positive_int("encoder_dim", encoder_dim)
    dim, depth, heads, mlp_dim, _ = check_transformer(dim, depth, heads, mlp_dim, 0.0)
    tokens = keras.Input((None, encoder_dim), name="tokens")
    positions = keras.Input((None,), dtype="int32", name="positions")
    x = keras.layers.Dense(dim, name="decoder_projection")(tokens)
    x = MaskTokens(num_patches, name="mask_tokens")(x, positions)
    x = PositionEmbedding(num_patches, name="position_embedding")(x)
    x = apply_transformer(x, depth, heads, mlp_dim)
    x = keras.layers.Dense(patch_dim, name="pixels")(x)
    return keras.Model([tokens, positions], float32_outputs(x), name=name)


def _check_vocabulary(vocabulary):
    vocabulary = list(vocabulary)
    if not vocabulary or not all(isinstance(w, str) and w and " " not in w
                                 for w in vocabulary) or len(set(vocabulary)) != len(
                                     vocabulary):
        raise ValueError("`vocabulary` must be a non-empty list of distinct single "
                         f"words. Received: vocabulary={vocabulary!r}")
    return vocabulary


def apply_token_embedding(captions, vocabulary, sequence_length, embedding_dim):
    """Strings to token embeddings: a ``TextVectorization`` layer ``tokenize``
    (lower-cased, punctuation stripped, padded or cut to ``sequence_length``;
    index 0 is padding, 1 unknown words), a token embedding and a learned
    position embedding.

    Returns:
        ``(embeddings (batch, sequence_length, embedding_dim), token ids)``.
    """
    tokens = keras.layers.TextVectorization(
        vocabulary=vocabulary, output_sequence_length=sequence_length,
        name="tokenize")(captions)
    x = keras.layers.Embedding(len(vocabulary) + 2, embedding_dim,
                               name="token_embedding")(tokens)
    return PositionEmbedding(sequence_length, name="position_embedding")(x), tokens


def text_encoder(vocabulary, sequence_length=6, embedding_dim=64, heads=2,
                 name="text_encoder"):
    """Builds a small text encoder for conditioning: captions in, token
    embeddings out.

    `apply_token_embedding`, one `TransformerBlock` (self-attention and a
    two-layer MLP of width ``2 * embedding_dim``) and a final layer norm. The
    diffusion U-Net cross-attends to the ``(sequence_length, embedding_dim)``
    output. The empty caption ``""`` (all padding) is the "no text" input of
    classifier-free guidance, so padding tokens are attended to like words.

    Args:
        vocabulary: the words (e.g. `keras_genai.data.caption_vocabulary()`).
        sequence_length: tokens per caption.
        embedding_dim: width of the token embeddings.
        heads: attention heads (``embedding_dim`` divisible by it).
        name: model name.

    Returns:
        A functional `keras.Model` ``(batch,) strings -> (batch, sequence_length,
        embedding_dim)``.

    Example:

    >>> encoder = text_encoder(["a", "thick", "seven"])
    >>> encoder(np.array(["a thick seven"])).shape
    TensorShape([1, 6, 64])
    """
    vocabulary = _check_vocabulary(vocabulary)
    sequence_length = check_positive_int("sequence_length", sequence_length)
    embedding_dim, _, heads, mlp_dim, _ = check_transformer(
        embedding_dim, 1, heads, None, 0.0, dim_name="embedding_dim")
    captions = keras.Input((), dtype="string", name="caption")
    x, _ = apply_token_embedding(captions, vocabulary, sequence_length, embedding_dim)
    x = apply_transformer(x, 1, heads, mlp_dim)
    return keras.Model(captions, float32_outputs(x), name=name)


def caption_encoder(vocabulary, sequence_length=6, embedding_dim=64, depth=2,
                    heads=2, mlp_dim=None, dropout=0.0, name="caption_encoder"):
    """Builds a caption encoder: strings in, one vector per caption out (the
    text tower of CLIP, Radford et al. 2021, sec. 2.4, at toy size).

    `apply_token_embedding`, ``depth`` Transformer blocks in which no word
    attends to padding, a final layer norm and the mean over the words (CLIP
    reads the end-of-text token instead; over captions of at most six words the
    mean does as well and needs no special token).

    Args:
        vocabulary: the words (e.g. `keras_genai.data.caption_vocabulary()`).
        sequence_length: tokens per caption.
        embedding_dim: token width and output size.
        depth: number of blocks.
        heads: attention heads.
        mlp_dim: hidden width of the blocks' MLP (default ``2 * embedding_dim``).
        dropout: dropout rate in the blocks.
        name: model name.

    Returns:
        A functional `keras.Model` ``(batch,) strings -> (batch,
        embedding_dim)``.

    Example:

    >>> encoder = caption_encoder(caption_vocabulary(), embedding_dim=32)
    >>> encoder(np.array(["a thick seven", "a zero"])).shape
    TensorShape([2, 32])
    """
    vocabulary = _check_vocabulary(vocabulary)
    sequence_length = check_positive_int("sequence_length", sequence_length)
    embedding_dim, depth, heads, mlp_dim, dropout = check_transformer(
        embedding_dim, depth, heads, mlp_dim, dropout, dim_name="embedding_dim")
    captions = keras.Input((), dtype="string", name="caption")
    x, tokens = apply_token_embedding(captions, vocabulary, sequence_length,
                                      embedding_dim)
    words = PaddingMask(name="words")(tokens)
    x = apply_transformer(x, depth, heads, mlp_dim, dropout, padding_mask=words)
    x = MaskedMeanPooling(name="pool")(x, words)
    return keras.Model(captions, float32_outputs(x), name=name)


__all__ = ["apply_token_embedding", "apply_transformer", "caption_encoder",
           "check_transformer", "mae_decoder", "mae_encoder",
           "sequence_transformer", "text_encoder", "vit"]
