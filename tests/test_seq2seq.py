"""keras_genai.seq2seq, builders.seq2seq and layers.RecurrentDecoder: the
vocabulary, Bahdanau attention against its equations, greedy and beam-search
decoding against brute force, training with fit, and the string export."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai import builders
from keras_genai import layers
from keras_genai.seq2seq import END
from keras_genai.seq2seq import START
from keras_genai.seq2seq import Translator
from keras_genai.seq2seq import Vocabulary

SOURCE = Vocabulary("abc ")
TARGET = Vocabulary("xy")


def _network(attention=True, seed=0, target_length=3):
    return builders.seq2seq(SOURCE.size, TARGET.size, source_length=6,
                            target_length=target_length, embedding_dim=4, units=8,
                            attention=attention, seed=seed)


def test_vocabulary_round_trip_and_special_tokens():
    ids = TARGET.encode(["xy", "yyyyy", ""], length=4, start=True, end=True)
    assert ids.tolist() == [[START, 4, 5, END], [START, 5, 5, 5], [START, END, 0, 0]]
    assert TARGET.decode(ids) == ["xy", "yyy", ""]
    assert SOURCE.encode(["a?b"], 4).tolist() == [[4, 1, 5, 0]]  # ? is unknown
    assert SOURCE.decode([[4, 1, 5, 0]]) == ["a?b"]
    # The TensorFlow versions agree with the NumPy ones.
    strings = ["ab c", "cab€a", ""]
    np.testing.assert_array_equal(SOURCE.tf_encode(tf.constant(strings), 4),
                                  SOURCE.encode(strings, 4))
    assert [s.decode() for s in TARGET.tf_decode(tf.constant(ids)).numpy()] == \
        TARGET.decode(ids)
    with pytest.raises(ValueError, match="repeat"):
        Vocabulary("aa")
    with pytest.raises(TypeError, match="strings"):
        SOURCE.encode("abc", 4)


def test_attention_weights_follow_bahdanau_equations():
    decoder = layers.RecurrentDecoder(TARGET.size, 4, 8, seed=1)
    rng = np.random.default_rng(0)
    targets = tf.constant([[START, 4, 5]] * 2)
    h = rng.normal(size=(2, 5, 8)).astype("float32")
    s = rng.normal(size=(2, 8)).astype("float32")
    mask = np.array([[True] * 5, [True, True, True, False, False]])
    decoder(targets, h, s, s, mask)  # builds
    keys = decoder.keys(h)
    weights = np.asarray(decoder.attention_weights(s, keys, mask))
    # e_ij = v . tanh(W s_{i-1} + U h_j + b), softmax over the unmasked j.
    W = decoder.query.kernel.numpy()
    U, b = decoder.key.kernel.numpy(), decoder.key.bias.numpy()
    v = decoder.score.numpy()
    e = np.tanh((s @ W)[:, None, :] + h @ U + b) @ v
    e = np.where(mask, e, -np.inf)
    expected = np.exp(e - e.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(weights, expected, atol=1e-6)
    assert np.all(weights[1, 3:] == 0)


def test_teacher_forced_call_is_the_step_loop_and_attention_reads_the_source():
    network = _network()
    decoder = network.get_layer("decoder")
    source = SOURCE.encode(["ab c", "ca"], 6)
    target_in = TARGET.encode(["xy", "yx"], 3, start=True)
    logits = network({"source": source, "target_in": target_in})
    translator = Translator(network, SOURCE, TARGET)
    outputs, states, mask = translator._encode(tf.constant(source))
    keys = decoder.keys(outputs)
    for i in range(3):
        step, states, weights = decoder.step(target_in[:, i], states, outputs, keys,
                                             mask)
        np.testing.assert_allclose(step, logits[:, i], atol=1e-5)
        assert np.all(np.asarray(weights)[1, 2:] == 0)  # "ca" is 2 characters
    # Without attention the decoder sees the source only through the
    # encoder's final state: changing the other encoder states changes nothing.
    plain = _network(attention=False).get_layer("decoder")
    h = np.random.default_rng(0).normal(size=(2, 6, 8)).astype("float32")
    a = plain(target_in, h, h[:, -1], h[:, -1], mask)
    b = plain(target_in, h * 0 + 5, h[:, -1], h[:, -1], mask)
    np.testing.assert_array_equal(a, b)


def _sequence_log_prob(network, source, tokens):
    """log p(tokens | source) by teacher forcing, counting tokens up to the
    first end token (a finished beam continues at no cost)."""
    target_in = np.array([[START] + list(tokens[:-1])])
    logp = tf.nn.log_softmax(network({"source": source, "target_in": target_in}))[0]
    total = 0.0
    for i, token in enumerate(tokens):
        total += float(logp[i, token])
        if token == END:
            break
    return total


@pytest.mark.parametrize("attention", [False, True])
def test_greedy_and_beam_search_against_brute_force(attention):
    network = _network(attention=attention, seed=3)
    translator = Translator(network, SOURCE, TARGET)
    source = SOURCE.encode(["abc"], 6)
    # Greedy: the argmax of each step given the previous choices.
    tokens = []
    for i in range(3):
        target_in = np.array([[START] + tokens + [0] * (2 - i)])
        logits = network({"source": source, "target_in": target_in})[0, i]
        tokens.append(int(np.argmax(logits)))
    greedy, _ = translator._greedy(tf.constant(source))
    assert greedy.numpy()[0].tolist() == tokens
    # A beam as wide as every prefix is exhaustive search.
    valid = [seq for seq in itertools.product(range(TARGET.size), repeat=3)
             if END not in seq or all(t == END for t in seq[seq.index(END):])]
    best = max(valid, key=lambda seq: _sequence_log_prob(network, source, seq))
    beam = translator._beam_loop(tf.constant(source), TARGET.size ** 2)
    assert tuple(beam.numpy()[0]) == best
    assert translator.translate(["abc"], beam_width=TARGET.size ** 2) == \
        TARGET.decode([best])


def test_fit_learns_to_copy_and_the_export_serves_strings(tmp_path):
    # Copy a 2-letter word (x / y written as a / b) in reverse: a task the
    # decoder learns in a few hundred updates.
    keras.utils.set_random_seed(0)  # fit's shuffling
    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("ab"), 2)) for _ in range(256)]
    targets = [w[::-1].replace("a", "x").replace("b", "y") for w in words]
    network = _network(seed=0)
    network.compile(keras.optimizers.Adam(1e-2),
                    keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = {"source": SOURCE.encode(words, 6),
         "target_in": TARGET.encode(targets, 3, start=True)}
    y = TARGET.encode(targets, 3, end=True)
    losses = network.fit(x, y, batch_size=32, epochs=20, verbose=0).history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    translator = Translator(network, SOURCE, TARGET)
    assert translator.translate(["ab", "ba", "aa", "bb"]) == ["yx", "xy", "xx", "yy"]
    assert translator.attention(["ab"]).shape == (1, 3, 6)
    path = translator.export(str(tmp_path / "translator"))
    loaded = tf.saved_model.load(path)  # kept: its functions need its variables
    served = loaded.translate(tf.constant(["ab", "ba", "a€"]))
    assert [s.decode() for s in served.numpy()][:2] == ["yx", "xy"]


def test_network_round_trips_through_a_keras_file(tmp_path):
    network = _network()
    path = str(tmp_path / "seq2seq.keras")
    network.save(path)
    loaded = keras.saving.load_model(path)
    x = {"source": SOURCE.encode(["abc"], 6), "target_in": np.array([[START, 4, 5]])}
    np.testing.assert_allclose(network(x), loaded(x), atol=1e-6)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(source_vocabulary_size=1), "source_vocabulary_size"),
    (dict(units=0), "units"),
    (dict(attention="yes"), "attention"),
])
def test_builder_bad_arguments(kwargs, argument):
    args = dict(source_vocabulary_size=8, target_vocabulary_size=6, source_length=6,
                target_length=3) | kwargs
    with pytest.raises((ValueError, TypeError), match=argument):
        builders.seq2seq(**args)


def test_translator_bad_arguments():
    translator = Translator(_network(), SOURCE, TARGET)
    with pytest.raises(ValueError, match="strings"):
        translator.translate([])
    with pytest.raises(ValueError, match="beam_width"):
        translator.translate(["ab"], beam_width=0)
    with pytest.raises(ValueError, match="network"):
        Translator(builders.mlp((2,), (2,), num_classes=2), SOURCE, TARGET)


def test_image_captioner_is_causal_and_greedy_decoding_recalls_what_it_learned():
    from keras_genai import data
    from keras_genai.seq2seq import greedy_captions

    texts = ["a thick seven leaning right", "a one", "a narrow two", "a wide zero"]
    caption_in, caption_out = data.encode_captions(texts, length=7)
    network = builders.image_captioner(len(data.caption_vocabulary()) + 3, 7,
                                       image_shape=(8, 8, 1), filters=(4,),
                                       embedding_dim=8, units=16, seed=0)
    # Four images told apart by where a bright quadrant is.
    images = np.zeros((4, 8, 8, 1), "float32")
    for i, (r, c) in enumerate([(0, 0), (0, 4), (4, 0), (4, 4)]):
        images[i, r:r + 4, c:c + 4] = 1.0
    # The logits at step t see the words up to t only.
    logits = network({"image": images, "caption_in": caption_in})
    changed = caption_in.copy()
    changed[:, 3:] = 5
    np.testing.assert_allclose(
        network({"image": images, "caption_in": changed})[:, :3], logits[:, :3],
        atol=1e-5)
    network.compile(keras.optimizers.Adam(1e-2),
                    keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                               ignore_class=0))
    history = network.fit({"image": images, "caption_in": caption_in}, caption_out,
                          batch_size=4, epochs=150, verbose=0)
    assert history.history["loss"][-1] < 0.05 * history.history["loss"][0]
    ids = greedy_captions(network, images)
    assert ids.shape == (4, 7)
    assert data.decode_captions(ids) == texts
    with pytest.raises(ValueError, match="images"):
        greedy_captions(network, images[0])
    with pytest.raises(TypeError, match="image_captioner"):
        greedy_captions(_network(), images)
