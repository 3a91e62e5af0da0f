"""Generating text from a character-level language model, in one compiled
loop, and exporting that loop as a SavedModel that takes a string prompt."""

import math
import numbers

import numpy as np
import tensorflow as tf

from keras_genai.data.text import encode_text
from keras_genai.layers.time_embedding import PositionEmbedding
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed
from keras_genai.utils.io import export_endpoints


def check_temperature(temperature):
    """Checks a sampling temperature: a number > 0; returns it as a float.

    Example:

    >>> check_temperature(1)
    1.0
    """
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) \
            or not temperature > 0 or not math.isfinite(temperature):
        raise ValueError("`temperature` must be a number > 0. Received: "
                         f"temperature={temperature!r}")
    return float(temperature)


def _sequence_length(network):
    """The longest sequence ``network`` takes: its input's fixed length or
    its position embedding's (`keras_genai.layers.PositionEmbedding`, e.g. a
    `char_transformer`'s ``context``), the shorter; ``None`` when neither
    bounds it (a recurrent network)."""
    lengths = [tuple(t.shape)[1] for t in getattr(network, "inputs", None) or []
               if len(t.shape) > 1]
    layers = [network]
    while layers:
        layer = layers.pop()
        if isinstance(layer, PositionEmbedding):
            lengths.append(layer.sequence_length)
        layers.extend(getattr(layer, "layers", []))
    lengths = [n for n in lengths if n is not None]
    return min(lengths) if lengths else None


class TextSampler:
    """Draws text from a character model, one character at a time.

    Each step feeds the last ``context`` characters (the window the model was
    trained on) to ``network``, divides the logits of the next character by
    ``temperature`` and draws from their softmax (``p_i ~ exp(l_i / T)``: below
    1 the likeliest characters gain, above 1 the distribution flattens
    towards uniform), then appends the draw. The whole loop is one
    ``tf.while_loop`` in one ``tf.function``, so generating costs one traced
    graph, not one Python call per character, and it exports as it is.

    Args:
        network: built `keras.Model` ``(batch, time) int32 -> (batch, time,
            vocabulary)`` logits (`keras_genai.builders.char_rnn`,
            `char_transformer`).
        vocabulary: the characters, in id order.
        context: characters the network sees at each step (at most a
            transformer's ``context``, the length of its position embedding).

    Raises:
        ValueError: for a ``context`` longer than the network's fixed sequence
            length, naming both.

    Example:

    >>> sampler = TextSampler(network, vocabulary, context=100)
    >>> sampler.sample("The ", length=200, temperature=0.5, seed=0)
    ['The ...']
    >>> sampler.export("saved_models/unit3_char_lstm")
    """

    def __init__(self, network, vocabulary, context):
        self.network = check_network("network", network)
        self.vocabulary = list(vocabulary)
        if len(self.vocabulary) < 2 or not all(
                isinstance(c, str) and len(c) == 1 for c in self.vocabulary) \
                or len(set(self.vocabulary)) != len(self.vocabulary):
            raise ValueError("`vocabulary` must list at least 2 distinct single "
                             f"characters. Received: {vocabulary!r:.100}")
        width = network.outputs[0].shape[-1]
        if width != len(self.vocabulary):
            raise ValueError(f"`network` must give {len(self.vocabulary)} logits "
                             "per step, one per character of `vocabulary`. "
                             f"Received: {width}")
        self.context = check_positive_int("context", context)
        longest = _sequence_length(network)
        if longest is not None and self.context > longest:
            raise ValueError(
                f"`context` must be at most {longest}, the longest sequence "
                f"`network` takes (its fixed input or position embedding "
                f"length). Received: context={context!r}")
        codes = np.array([ord(c) for c in self.vocabulary], np.int32)
        table = np.full(codes.max() + 1, -1, np.int32)
        table[codes] = np.arange(len(codes))
        self._codes = tf.constant(codes)
        self._ids_of_codes = tf.constant(table)
        self._generate = tf.function(self._loop, reduce_retracing=True)

    def _loop(self, tokens, length, temperature, seed):
        """``tokens`` ``(n, prompt)`` with ``length`` drawn ids appended."""
        def step(i, tokens):
            logits = self.network(tokens[:, -self.context:], training=False)[:, -1]
            draw = tf.random.stateless_categorical(
                tf.cast(logits, tf.float32) / temperature, 1,
                tf.random.experimental.stateless_fold_in(seed, i), dtype=tf.int32)
            return i + 1, tf.concat([tokens, draw], axis=1)

        _, tokens = tf.while_loop(
            lambda i, _: i < length, step, (tf.constant(0), tokens),
            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None, None])))
        return tokens

    def _strings(self, tokens):
        return tf.strings.unicode_encode(tf.gather(self._codes, tokens), "UTF-8")

    def sample(self, prompt, length=200, temperature=1.0, seed=None, num_samples=1):
        """Continues ``prompt`` by ``length`` characters.

        Args:
            prompt: a non-empty string of vocabulary characters.
            length: characters to generate.
            temperature: the softmax temperature (> 0).
            seed: int seed (``None``: random); the exported endpoint given
                ``[seed, 0]`` draws the same text.
            num_samples: continuations drawn at once.

        Returns:
            A list of ``num_samples`` strings, each the prompt and its
            continuation.

        Example:

        >>> sampler.sample("def ", length=50, temperature=0.5, seed=0)[0][:4]
        'def '
        """
        if not isinstance(prompt, str) or not prompt:
            raise ValueError("`prompt` must be a non-empty string. Received: "
                             f"prompt={prompt!r:.100}")
        try:
            ids = encode_text(prompt, self.vocabulary)
        except ValueError as e:
            raise ValueError(f"`prompt` {e.args[0][len('`text` '):]}") from None
        length = check_positive_int("length", length)
        temperature = check_temperature(temperature)
        num_samples = check_positive_int("num_samples", num_samples)
        seed = check_seed(seed)
        if seed is None:
            seed = int(np.random.default_rng().integers(2 ** 31 - 1))
        tokens = self._generate(tf.constant(np.tile(ids, (num_samples, 1))),
                                tf.constant(length), tf.constant(temperature),
                                tf.constant([seed, 0], tf.int32))
        return [s.decode("utf-8") for s in self._strings(tokens).numpy()]

    def export(self, path):
        """Writes a SavedModel whose ``sample(prompt, length, temperature,
        seed)`` endpoint takes a string prompt (characters outside the
        vocabulary are dropped), an int32 length, a float32 temperature and
        a ``(2,)`` int32 seed, and returns the prompt and its continuation as
        one string. It needs TensorFlow alone.

        Returns:
            ``path``.

        Example:

        >>> tf.saved_model.load(path).sample("The ", 100, 0.5, [0, 0])
        """
        size = int(self._ids_of_codes.shape[0])

        def serve(prompt, length, temperature, seed):
            codes = tf.strings.unicode_decode(prompt, "UTF-8")
            ids = tf.where(codes < size,
                           tf.gather(self._ids_of_codes, tf.minimum(codes, size - 1)),
                           -1)
            ids = tf.boolean_mask(ids, ids >= 0)[None]
            return self._strings(self._loop(ids, length, temperature, seed))[0]

        return export_endpoints(path, [self.network], [(
            "sample", serve, [tf.TensorSpec((), tf.string, name="prompt"),
                              tf.TensorSpec((), tf.int32, name="length"),
                              tf.TensorSpec((), tf.float32, name="temperature"),
                              tf.TensorSpec((2,), tf.int32, name="seed")])])
