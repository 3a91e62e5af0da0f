"""Character-level language models: each maps a sequence of character ids
to the logits of every next character (the chain rule of a text, one factor
per position)."""

import keras

from keras_genai.builders.common import float32_outputs
from keras_genai.builders.rnn import RNN_LAYERS
from keras_genai.builders.transformer import apply_transformer
from keras_genai.builders.transformer import check_transformer
from keras_genai.layers.time_embedding import PositionEmbedding
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_positive_int


def _tokens_and_embedding(vocabulary_size, embedding_dim):
    vocabulary_size = check_positive_int("vocabulary_size", vocabulary_size,
                                         minimum=2)
    embedding_dim = check_positive_int("embedding_dim", embedding_dim)
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocabulary_size, embedding_dim,
                               name="embedding")(tokens)
    return vocabulary_size, tokens, x


def char_rnn(vocabulary_size, cell="lstm", units=256, num_layers=1,
             embedding_dim=32, dropout=0.0, name=None):
    """A recurrent character model: embedding, ``num_layers`` recurrent
    layers returning every step, and a dense read-out of the next
    character's logits at every step (Karpathy's char-rnn; Graves 2013,
    "Generating Sequences With Recurrent Neural Networks", sec. 2).

    Args:
        vocabulary_size: number of characters.
        cell: ``"lstm"``, ``"gru"`` or ``"simple"``.
        units: hidden units per layer.
        num_layers: stacked recurrent layers.
        embedding_dim: width of the character embedding.
        dropout: dropout rate on each recurrent layer's inputs.
        name: model name (default ``"char_<cell>"``).

    Returns:
        A functional `keras.Model` ``(batch, time) int32 -> (batch, time,
        vocabulary_size)`` logits, float32; any number of time steps.

    Example:

    >>> char_rnn(94, cell="gru", units=64).output_shape
    (None, None, 94)
    """
    vocabulary_size, tokens, x = _tokens_and_embedding(vocabulary_size,
                                                       embedding_dim)
    check_choice("cell", cell, tuple(RNN_LAYERS))
    units = check_positive_int("units", units)
    num_layers = check_positive_int("num_layers", num_layers)
    dropout = check_fraction("dropout", dropout)
    for i in range(1, num_layers + 1):
        x = RNN_LAYERS[cell](units, return_sequences=True, dropout=dropout,
                             name=f"{cell}{i}")(x)
    logits = keras.layers.Dense(vocabulary_size, name="logits")(x)
    return keras.Model(tokens, float32_outputs(logits), name=name or f"char_{cell}")


def char_transformer(vocabulary_size, context=128, dim=128, depth=2, heads=4,
                     mlp_dim=None, dropout=0.0, name="char_transformer"):
    """A causal Transformer character model (a small GPT; Radford et al.
    2018): embedding plus a learned position embedding, ``depth`` pre-norm
    blocks with causal self-attention (each position sees itself and the
    earlier ones only), and the next character's logits at every position.

    Args:
        vocabulary_size: number of characters.
        context: the longest sequence (the position embedding's length).
        dim: token width.
        depth: number of blocks.
        heads: attention heads.
        mlp_dim: hidden width of the blocks' MLP (default ``2 * dim``).
        dropout: dropout rate in the blocks.
        name: model name.

    Returns:
        A functional `keras.Model` ``(batch, time) int32 -> (batch, time,
        vocabulary_size)`` logits, float32; up to ``context`` time steps.

    Example:

    >>> char_transformer(94, context=64, dim=32).output_shape
    (None, None, 94)
    """
    dim, depth, heads, mlp_dim, dropout = check_transformer(dim, depth, heads,
                                                            mlp_dim, dropout)
    context = check_positive_int("context", context)
    vocabulary_size, tokens, x = _tokens_and_embedding(vocabulary_size, dim)
    x = PositionEmbedding(context, name="position_embedding")(x)
    x = apply_transformer(x, depth, heads, mlp_dim, dropout, causal=True)
    logits = keras.layers.Dense(vocabulary_size, name="logits")(x)
    return keras.Model(tokens, float32_outputs(logits), name=name)
