"""Language networks: character-level language models, each mapping a
sequence of character ids to the logits of every next character (the chain
rule of a text, one factor per position), and a text classifier (many to
one)."""

import keras

from keras_genai.builders.common import float32_outputs
from keras_genai.builders.common import seed_counter
from keras_genai.builders.rnn import RNN_LAYERS
from keras_genai.builders.rnn import bidirectional_layer
from keras_genai.builders.rnn import recurrent_layer
from keras_genai.builders.transformer import apply_transformer
from keras_genai.builders.transformer import check_transformer
from keras_genai.layers.time_embedding import PositionEmbedding
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed


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


TEXT_CLASSIFIERS = (*RNN_LAYERS, "bag_of_words")


def text_classifier(vocabulary_size, num_classes, kind="lstm", units=64,
                    embedding_dim=64, bidirectional=False, dropout=0.0, seed=None,
                    name=None):
    """A text classifier on token ids (id 0 is padding): many to one.

    A recurrent ``kind`` (``"lstm"``, ``"gru"``, ``"simple"``) embeds the
    tokens, reads them in order (padding masked) and classifies its last
    state (Sutskever-style many-to-one; in both directions with
    ``bidirectional``). ``"bag_of_words"`` is the baseline that ignores the
    order: which words the text holds (``CategoryEncoding``, multi-hot) and
    a linear classifier, logistic regression on word presence (the padding
    id sets a bin too: one more feature, whether the text is shorter than
    the batch's length).

    Args:
        vocabulary_size: token ids are ``0 .. vocabulary_size - 1``.
        num_classes: classes (the output is logits).
        kind: ``"lstm"``, ``"gru"``, ``"simple"`` or ``"bag_of_words"``.
        units: hidden units of the recurrent layer (per direction).
        embedding_dim: width of the token embedding.
        bidirectional: read in both directions (recurrent kinds only).
        dropout: dropout before the classifier.
        seed: int seed of the initial weights and dropout.
        name: model name (default ``"<kind>_classifier"``).

    Returns:
        A functional `keras.Model` ``(batch, time) int32 -> (batch,
        num_classes)`` logits, float32.

    Example:

    >>> text_classifier(1000, 5, kind="gru", units=16).output_shape
    (None, 5)
    """
    vocabulary_size = check_positive_int("vocabulary_size", vocabulary_size,
                                         minimum=2)
    num_classes = check_positive_int("num_classes", num_classes, minimum=2)
    check_choice("kind", kind, TEXT_CLASSIFIERS)
    units = check_positive_int("units", units)
    embedding_dim = check_positive_int("embedding_dim", embedding_dim)
    dropout = check_fraction("dropout", dropout)
    if bidirectional and kind == "bag_of_words":
        raise ValueError("`bidirectional` needs a recurrent `kind`. Received: "
                         f"kind={kind!r}, bidirectional={bidirectional!r}")
    seeds = seed_counter(check_seed(seed))
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    if kind == "bag_of_words":
        x = keras.layers.CategoryEncoding(vocabulary_size, output_mode="multi_hot",
                                          name="bag_of_words")(tokens)
    else:
        x = keras.layers.Embedding(
            vocabulary_size, embedding_dim, mask_zero=True, name="token_embedding",
            embeddings_initializer=keras.initializers.RandomUniform(
                -0.05, 0.05, seed=next(seeds)))(tokens)
        if bidirectional:
            layer = bidirectional_layer(kind, units, seeds, name=f"bi{kind}_reader")
        else:
            layer = recurrent_layer(kind, units, seeds, name=f"{kind}_reader")
        x = layer(x)
    if dropout:
        x = keras.layers.Dropout(dropout, seed=next(seeds), name="head_dropout")(x)
    logits = keras.layers.Dense(
        num_classes, name="logits",
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)))(x)
    default = f"{'bi' if bidirectional else ''}{kind}_classifier"
    return keras.Model(tokens, float32_outputs(logits), name=name or default)
