"""Recurrent encoder-decoders (Unit III): many-to-many of different lengths
(translation, `seq2seq`) and one-to-many (captioning, `image_captioner`)."""

import keras
from keras import ops

from keras_genai.builders.common import float32_outputs
from keras_genai.builders.common import seed_counter
from keras_genai.layers.seq2seq import RecurrentDecoder
from keras_genai.utils.checks import check_image_shape
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


def image_captioner(vocabulary_size, caption_length, image_shape=(28, 28, 1),
                    filters=(32, 64), embedding_dim=32, units=128, seed=None,
                    name="image_captioner"):
    """Builds a CNN encoder and an LSTM decoder that writes a caption: one
    to many (Vinyals et al. 2015, "Show and Tell", with the image setting
    the decoder's initial state as in Karpathy & Fei-Fei 2015).

    The encoder is ``len(filters)`` blocks of a 3x3 ReLU convolution and 2x2
    max pooling, flattened into a dense ReLU layer of ``units`` features
    (they keep where the ink is, which a global pooling would lose); two
    dense layers map them to the LSTM's initial ``h`` and ``c``. The decoder embeds the
    words so far (id 0 is padding, masked), runs the LSTM and returns the
    next word's logits at every step. Trained with teacher forcing and plain
    ``fit`` on ``({"image", "caption_in"}, caption_out)``
    (`data.encode_captions`) with ``SparseCategoricalCrossentropy(
    from_logits=True, ignore_class=0)``; `keras_genai.seq2seq.greedy_captions`
    decodes.

    Args:
        vocabulary_size: number of word ids (padding, start and end included).
        caption_length: decoder steps.
        image_shape: ``(height, width, channels)``.
        filters: channels of each convolution block.
        embedding_dim: width of the word embedding.
        units: width of the LSTM's state.
        seed: int seed of the initial weights.
        name: model name.

    Returns:
        A functional `keras.Model` ``{"image": (batch, *image_shape),
        "caption_in": (batch, caption_length) int32} -> (batch,
        caption_length, vocabulary_size)`` float32 logits.

    Example:

    >>> image_captioner(21, caption_length=7).output_shape
    (None, 7, 21)
    """
    vocabulary_size = check_positive_int("vocabulary_size", vocabulary_size,
                                         minimum=4)
    caption_length = check_positive_int("caption_length", caption_length)
    image_shape = check_image_shape("image_shape", image_shape)
    filters = [check_positive_int("filters", f) for f in filters]
    if not filters:
        raise ValueError(f"`filters` must name at least one block. Received: "
                         f"filters={filters!r}")
    embedding_dim = check_positive_int("embedding_dim", embedding_dim)
    units = check_positive_int("units", units)
    seeds = seed_counter(check_seed(seed))

    def glorot():
        return keras.initializers.GlorotUniform(seed=next(seeds))

    image = keras.Input(image_shape, name="image")
    caption_in = keras.Input((caption_length,), dtype="int32", name="caption_in")
    x = image
    for i, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu",
                                kernel_initializer=glorot(), name=f"conv{i}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = keras.layers.Flatten(name="image_flatten")(x)
    features = keras.layers.Dense(units, activation="relu", kernel_initializer=glorot(),
                                  name="image_features")(x)
    state_h = keras.layers.Dense(units, activation="tanh", kernel_initializer=glorot(),
                                 name="initial_h")(features)
    state_c = keras.layers.Dense(units, kernel_initializer=glorot(),
                                 name="initial_c")(features)
    words = keras.layers.Embedding(
        vocabulary_size, embedding_dim, mask_zero=True,
        embeddings_initializer=keras.initializers.RandomUniform(
            -0.05, 0.05, seed=next(seeds)), name="word_embedding")(caption_in)
    hidden = keras.layers.LSTM(
        units, return_sequences=True, kernel_initializer=glorot(),
        recurrent_initializer=keras.initializers.Orthogonal(seed=next(seeds)),
        name="decoder")(words, initial_state=[state_h, state_c])
    logits = keras.layers.Dense(vocabulary_size, kernel_initializer=glorot(),
                                name="word_logits")(hidden)
    return keras.Model({"image": image, "caption_in": caption_in},
                       float32_outputs(logits), name=name)
