"""Decoding for the recurrent encoder-decoders: character vocabularies,
greedy and beam-search translation with `builders.seq2seq`, the attention
weights, a SavedModel that translates raw strings; and greedy captions from
`builders.image_captioner`."""

import numpy as np
import tensorflow as tf

from keras_genai.utils.batching import cached_function
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.io import export_endpoints

PAD, UNKNOWN, START, END = 0, 1, 2, 3
_SPECIAL = 4


class Vocabulary:
    """Characters as token ids: 0 padding, 1 unknown, 2 start, 3 end, then
    ``characters`` in order from id 4.

    Args:
        characters: the distinct characters of the vocabulary (a string).

    Example:

    >>> vocab = Vocabulary("0123456789-")
    >>> vocab.encode(["12-1"], length=6, end=True).tolist()
    [[5, 6, 14, 5, 3, 0]]
    >>> vocab.decode([[5, 6, 14, 5, 3, 0]])
    ['12-1']
    """

    def __init__(self, characters):
        if not isinstance(characters, str) or not characters:
            raise ValueError("`characters` must be a non-empty string. Received: "
                             f"characters={characters!r:.100}")
        if len(set(characters)) != len(characters):
            raise ValueError("`characters` must not repeat a character. Received: "
                             f"characters={characters!r:.100}")
        self.characters = characters
        self._ids = {c: i + _SPECIAL for i, c in enumerate(characters)}

    @property
    def size(self):
        """Number of token ids, the special ones included."""
        return len(self.characters) + _SPECIAL

    def encode(self, strings, length, start=False, end=False):
        """Token ids of ``strings``, padded (or cut) to ``length``.

        Args:
            strings: a sequence of strings.
            length: tokens per row.
            start: put the start token first (a decoder's input).
            end: put the end token after the characters (a decoder's target).

        Returns:
            An int32 array ``(len(strings), length)``; a character outside
            the vocabulary becomes the unknown token.
        """
        length = check_positive_int("length", length)
        if isinstance(strings, str):
            raise TypeError("`strings` must be a sequence of strings, not one "
                            f"string. Received: strings={strings!r:.100}")
        out = np.zeros((len(strings), length), np.int32)
        for row, text in enumerate(strings):
            ids = ([START] if start else []) + [self._ids.get(c, UNKNOWN)
                                                 for c in text]
            ids = (ids + [END] if end else ids)[:length]
            out[row, :len(ids)] = ids
        return out

    def decode(self, ids):
        """The strings of token id rows: characters up to the first end token,
        without padding or start tokens (an unknown token reads as ``?``).

        Returns:
            A list of strings, one per row.
        """
        out = []
        for row in np.asarray(ids):
            chars = []
            for i in row:
                if i == END:
                    break
                if i >= _SPECIAL:
                    chars.append(self.characters[i - _SPECIAL])
                elif i == UNKNOWN:
                    chars.append("?")
            out.append("".join(chars))
        return out

    def tf_encode(self, strings, length):
        """`encode` in TensorFlow ops (start and end tokens off), for an
        exported graph: ``(n,)`` tf.string -> ``(n, length)`` int32."""
        codes = tf.strings.unicode_decode(strings, "UTF-8")
        size = max(map(ord, self.characters)) + 1
        table = np.full(size, UNKNOWN, np.int32)
        table[[ord(c) for c in self.characters]] = np.arange(
            _SPECIAL, self.size, dtype=np.int32)
        table = tf.constant(table)
        ids = tf.ragged.map_flat_values(
            lambda c: tf.where(c < size, tf.gather(table, tf.minimum(c, size - 1)),
                               UNKNOWN), codes)
        return ids[:, :length].to_tensor(PAD, shape=[None, length])

    def tf_decode(self, ids):
        """`decode` in TensorFlow ops: ``(n, steps)`` int32 -> ``(n,)``
        tf.string."""
        chars = tf.constant(["", "?", "", ""] + list(self.characters))
        ended = tf.cumsum(tf.cast(tf.equal(ids, END), tf.int32), axis=1) > 0
        return tf.strings.reduce_join(
            tf.where(ended, "", tf.gather(chars, ids)), axis=1)


class Translator:
    """Decodes with a `builders.seq2seq` network: greedy or beam search.

    Greedy decoding feeds back the likeliest token at each step. Beam search
    keeps the ``beam_width`` likeliest prefixes (by the sum of their tokens'
    log-probabilities; a finished prefix keeps its score) and returns the best
    at the end. Either way the encoder runs once per source, and the decoder
    one `RecurrentDecoder.step` per target token, inside one ``tf.function``.

    Args:
        network: a `builders.seq2seq` model (trained).
        source_vocabulary: the `Vocabulary` of its sources.
        target_vocabulary: the `Vocabulary` of its targets.

    Example:

    >>> translator = Translator(network, source_vocab, target_vocab)
    >>> translator.translate(["3 march 2021"])  # doctest: +SKIP
    ['2021-03-03']
    """

    def __init__(self, network, source_vocabulary, target_vocabulary):
        try:
            self.decoder = network.get_layer("decoder")
            self.source_length = network.input["source"].shape[1]
            self.steps = network.input["target_in"].shape[1]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError("`network` must be a builders.seq2seq model. "
                             f"Received: network={network!r}") from None
        self.network = network
        self.source_vocabulary = source_vocabulary
        self.target_vocabulary = target_vocabulary
        self._greedy = cached_function(self, "greedy", self._greedy_loop,
                                       reduce_retracing=True)

    def _encode(self, source):
        embedded = self.network.get_layer("source_embedding")(source)
        mask = tf.not_equal(source, PAD)
        outputs, h, c = self.network.get_layer("encoder")(embedded, mask=mask)
        return outputs, [h, c], mask

    def _greedy_loop(self, source):
        """``(tokens (n, steps), attention (n, steps, source length))``."""
        outputs, states, mask = self._encode(source)
        keys = self.decoder.keys(outputs)
        tokens = tf.fill([tf.shape(source)[0]], START)
        chosen, weights = [], []
        for _ in range(self.steps):
            logits, states, attention = self.decoder.step(tokens, states, outputs,
                                                          keys, mask)
            tokens = tf.argmax(logits, axis=-1, output_type=tf.int32)
            chosen.append(tokens)
            if attention is not None:
                weights.append(attention)
        attention = (tf.stack(weights, axis=1) if weights
                     else tf.zeros([tf.shape(source)[0], self.steps, 0]))
        return tf.stack(chosen, axis=1), attention

    def _beam_loop(self, source, width):
        """The best of ``width`` beams: tokens ``(n, steps)``."""
        n = tf.shape(source)[0]
        outputs, states, mask = self._encode(source)

        def tile(x):  # (n, ...) -> (n * width, ...), each row ``width`` times
            return tf.repeat(x, width, axis=0)

        outputs, mask = tile(outputs), tile(mask)
        states = [tile(s) for s in states]
        keys = self.decoder.keys(outputs)
        vocab = self.target_vocabulary.size
        # Only the first beam is live at the start, so the first step does not
        # pick the same token ``width`` times.
        scores = tf.tile(tf.constant([[0.0] + [-1e9] * (width - 1)]), [n, 1])
        tokens = tf.fill([n * width], START)
        done = tf.zeros([n, width], tf.bool)
        history = tf.zeros([n, width, 0], tf.int32)
        finished_row = tf.one_hot(END, vocab, on_value=0.0, off_value=-1e9)
        for _ in range(self.steps):
            logits, states, _ = self.decoder.step(tokens, states, outputs, keys, mask)
            logp = tf.reshape(tf.nn.log_softmax(tf.cast(logits, tf.float32)),
                              [n, width, vocab])
            # A finished beam continues only with the end token, at no cost.
            logp = tf.where(done[..., None], finished_row, logp)
            total = tf.reshape(scores[..., None] + logp, [n, width * vocab])
            scores, index = tf.math.top_k(total, k=width)
            beam, token = index // vocab, index % vocab
            history = tf.concat([tf.gather(history, beam, batch_dims=1),
                                 token[..., None]], axis=-1)
            done = tf.logical_or(tf.gather(done, beam, batch_dims=1),
                                 tf.equal(token, END))
            rows = tf.reshape(beam + tf.range(n)[:, None] * width, [-1])
            states = [tf.gather(s, rows) for s in states]
            tokens = tf.reshape(token, [-1])
        return history[:, 0]  # top_k sorts, so beam 0 is the best

    def _source_ids(self, strings):
        if isinstance(strings, str) or not len(strings):
            raise ValueError("`strings` must be a non-empty sequence of strings. "
                             f"Received: strings={strings!r:.100}")
        return self.source_vocabulary.encode(strings, self.source_length)

    def translate(self, strings, beam_width=1, batch_size=256):
        """Translates ``strings``.

        Args:
            strings: a non-empty sequence of source strings.
            beam_width: 1 for greedy decoding, more for beam search.
            batch_size: sources decoded at once.

        Returns:
            A list of target strings.
        """
        ids = self._source_ids(strings)
        beam_width = check_positive_int("beam_width", beam_width)
        batch_size = check_positive_int("batch_size", batch_size)
        decode = (lambda batch: self._greedy(batch)[0]) if beam_width == 1 else \
            cached_function(self, f"beam_{beam_width}",
                            lambda batch: self._beam_loop(batch, beam_width),
                            reduce_retracing=True)
        out = []
        for start in range(0, len(ids), batch_size):
            tokens = decode(tf.constant(ids[start:start + batch_size]))
            out.extend(self.target_vocabulary.decode(tokens.numpy()))
        return out

    def attention(self, strings):
        """The attention weights of greedy decoding: a float32 array
        ``(len(strings), target steps, source length)`` (row ``i`` is step
        ``i``'s weights over the source's characters; empty for a network
        without attention)."""
        _, weights = self._greedy(tf.constant(self._source_ids(strings)))
        return weights.numpy()

    def export(self, path):
        """Writes a SavedModel whose ``translate(strings)`` endpoint takes a
        ``(n,)`` batch of raw source strings and returns their ``(n,)``
        translations, decoded greedily (characters outside the source
        vocabulary read as the unknown token). It needs TensorFlow alone.

        Returns:
            ``path``.

        Example:

        >>> tf.saved_model.load(path).translate(tf.constant(["3 march 2021"]))
        ... # doctest: +SKIP
        """
        def serve(strings):
            ids = self.source_vocabulary.tf_encode(strings, self.source_length)
            return self.target_vocabulary.tf_decode(self._greedy_loop(ids)[0])

        return export_endpoints(path, [self.network], [(
            "translate", serve, [tf.TensorSpec((None,), tf.string, name="strings")])])


def greedy_captions(network, images, batch_size=256):
    """Greedy decoding of an `builders.image_captioner`: starting from the
    start token, each step feeds the words chosen so far and keeps the most
    likely next word, until every caption has ended or the decoder's steps
    run out.

    Args:
        network: the captioner (inputs ``"image"`` and ``"caption_in"``).
        images: ``(N, H, W, C)`` images as the network was trained on.
        batch_size: images per forward pass.

    Returns:
        int32 ``(N, steps)``: the chosen word ids (the end token, then
        padding, after each caption); `data.decode_captions` reads them.

    Example:

    >>> ids = greedy_captions(captioner, x_test[:8])  # doctest: +SKIP
    >>> data.decode_captions(ids)  # doctest: +SKIP
    """
    from keras_genai.data.captions import CAPTION_END
    from keras_genai.data.captions import CAPTION_START

    names = [layer.name for layer in getattr(network, "layers", [])]
    if "word_embedding" not in names or "caption_in" not in names:
        raise TypeError("`network` must be a builders.image_captioner model. "
                        f"Received: network={getattr(network, 'name', network)!r}")
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError("`images` must be (N, H, W, C). Received: images with "
                         f"shape {images.shape}")
    batch_size = check_positive_int("batch_size", batch_size)
    steps = network.get_layer("word_embedding").output.shape[1]
    tokens = np.zeros((len(images), steps + 1), np.int32)
    tokens[:, 0] = CAPTION_START
    ended = np.zeros(len(images), bool)
    for t in range(steps):
        # Padding after step t is masked and the LSTM is causal: the logits
        # at step t depend on the words up to t only.
        logits = network.predict({"image": images, "caption_in": tokens[:, :steps]},
                                 batch_size=batch_size, verbose=0)
        # Padding and the start token are never a next word.
        scores = logits[:, t].copy()
        scores[:, :CAPTION_END] = -np.inf
        chosen = np.where(ended, 0, np.argmax(scores, axis=-1))
        tokens[:, t + 1] = chosen
        ended |= chosen == CAPTION_END
        if ended.all():
            break
    return tokens[:, 1:]
