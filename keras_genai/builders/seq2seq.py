"""The recurrent encoder-decoder for sequence-to-sequence tasks (Unit III:
many-to-many of different lengths, e.g. translation)."""

import keras
from keras import ops

from keras_genai.builders.common import float32_outputs
from keras_genai.layers.seq2seq import RecurrentDecoder
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed


def seq2seq(source_vocabulary_size, target_vocabulary_size, source_length,
            target_length, embedding_dim=32, units=128, attention=True, seed=None,
            name="seq2seq"):
    """Builds a character LSTM encoder-decoder, trained with teacher forcing.

    The encoder embeds the source tokens (id 0 is padding, masked) and runs an
    LSTM over them; its final state starts the decoder
    (`keras_genai.layers.RecurrentDecoder`), which with ``attention=True``
    also attends over every encoder state at each step (Bahdanau et al. 2015).
    Trained with plain ``fit`` on ``({"source", "target_in"}, target_out)``,
    where ``target_in`` is the target behind a start token and
    ``target_out`` the target followed by an end token, and
    ``SparseCategoricalCrossentropy(from_logits=True)``.

    Layers: ``source_embedding``, ``encoder`` (the LSTM) and ``decoder``, which
    `keras_genai.seq2seq.Translator` calls one step at a time to decode.

    Args:
        source_vocabulary_size: number of source token ids (padding included).
        target_vocabulary_size: number of target token ids.
        source_length: source tokens per example (padded).
        target_length: decoder steps per example (start or end token included).
        embedding_dim: width of both token embeddings.
        units: width of the encoder's and decoder's LSTM states.
        attention: give the decoder Bahdanau attention over the encoder states.
        seed: int seed of the initial weights.
        name: model name.

    Returns:
        A functional `keras.Model` ``{"source": (batch, source_length) int32,
        "target_in": (batch, target_length) int32} -> (batch, target_length,
        target_vocabulary_size)`` float32 logits.

    Example:

    >>> model = seq2seq(40, 15, source_length=30, target_length=11)
    >>> model.output_shape
    (None, 11, 15)
    """
    for key, value in (("source_vocabulary_size", source_vocabulary_size),
                       ("target_vocabulary_size", target_vocabulary_size)):
        check_positive_int(key, value, minimum=2)
    source_length = check_positive_int("source_length", source_length)
    target_length = check_positive_int("target_length", target_length)
    embedding_dim = check_positive_int("embedding_dim", embedding_dim)
    units = check_positive_int("units", units)
    seed = check_seed(seed)
    if not isinstance(attention, bool):
        raise TypeError(f"`attention` must be a bool. Received: attention={attention!r}")

    def layer_seed(k):
        return None if seed is None else seed + k

    source = keras.Input((source_length,), dtype="int32", name="source")
    target_in = keras.Input((target_length,), dtype="int32", name="target_in")
    embedded = keras.layers.Embedding(
        source_vocabulary_size, embedding_dim, mask_zero=True,
        embeddings_initializer=keras.initializers.RandomUniform(
            -0.05, 0.05, seed=layer_seed(0)), name="source_embedding")(source)
    encoder_outputs, state_h, state_c = keras.layers.LSTM(
        units, return_sequences=True, return_state=True,
        kernel_initializer=keras.initializers.GlorotUniform(seed=layer_seed(1)),
        # The decoder takes seeds 2-8 (`RecurrentDecoder`); 9 is free.
        recurrent_initializer=keras.initializers.Orthogonal(seed=layer_seed(9)),
        name="encoder")(embedded)
    logits = RecurrentDecoder(target_vocabulary_size, embedding_dim, units,
                              attention=attention, seed=layer_seed(2),
                              name="decoder")(
        target_in, encoder_outputs, state_h, state_c, ops.not_equal(source, 0))
    return keras.Model({"source": source, "target_in": target_in},
                       float32_outputs(logits), name=name)
