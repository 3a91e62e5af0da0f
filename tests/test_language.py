"""Character language models: the corpus and its windows, the builders'
causality, and the sampler (temperature by its distribution, the loop against
a hand-made model, the export against the in-process sampler)."""

import math
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai.language import TextSampler
from units.unit3_rnn.text import shuffle_words
from units.unit3_rnn.text import unigram_bits

VOCABULARY = list("abcd")


def test_corpus_is_prose_split_in_order():
    train, validation, test, vocabulary = data.text_corpus()
    assert len(train) > 300_000 and len(validation) == len(test) > 10_000
    assert vocabulary == sorted(set(train + validation + test))
    assert all(ord(c) < 128 for c in vocabulary) and "\n" in vocabulary
    assert " the " in test
    lines = (train + validation + test).split("\n")
    assert not [line for line in lines if re.fullmatch(r"[*=-]{3,}", line)
                or line.startswith(("|", "+"))]  # no heading underlines, tables
    with pytest.raises(ValueError, match="test_fraction"):
        data.text_corpus(0.5, 0.5)


def test_windows_are_next_character_pairs():
    ids = data.encode_text("abcabca", VOCABULARY)
    np.testing.assert_array_equal(ids, [0, 1, 2, 0, 1, 2, 0])
    x, y = data.text_windows(ids, 3)
    np.testing.assert_array_equal(x, [[0, 1, 2], [0, 1, 2]])
    np.testing.assert_array_equal(y, [[1, 2, 0], [1, 2, 0]])
    x, _ = data.text_windows(ids, 3, step=1)
    assert len(x) == 4
    with pytest.raises(ValueError, match="vocabulary"):
        data.encode_text("abz", VOCABULARY)
    with pytest.raises(ValueError, match="length"):
        data.text_windows(ids, 7)
    # The text instead of its ids: a TypeError saying what it takes.
    with pytest.raises(TypeError, match=r"integer ids.*Received: ids='abcabca'"):
        data.text_windows("abcabca", 3)


def test_unigram_bits_by_hand():
    # counts + 1: a 3, b 2 -> p(a) = 3/5, p(b) = 2/5.
    expected = -(math.log2(3 / 5) + math.log2(2 / 5)) / 2
    assert unigram_bits("aab", "ab") == pytest.approx(expected)


@pytest.mark.parametrize("kind", ["lstm", "transformer"])
def test_each_output_sees_only_the_characters_up_to_it(kind):
    network = builders.char_transformer(4, context=6, dim=8, depth=1, heads=2) \
        if kind == "transformer" else builders.char_rnn(4, units=8, embedding_dim=4)
    tokens = np.array([[0, 1, 2, 3, 0, 1]])
    changed = tokens.copy()
    changed[0, 3:] = [1, 2, 3]
    a, b = np.asarray(network(tokens)), np.asarray(network(changed))
    assert a.shape == (1, 6, 4)
    np.testing.assert_allclose(a[:, :3], b[:, :3], atol=1e-6)
    assert not np.allclose(a[:, 3:], b[:, 3:])
    with pytest.raises(ValueError, match="vocabulary_size"):
        builders.char_rnn(1)


def _fixed_logits_network(logits):
    """A network whose next-character logits are ``logits`` at every step."""
    tokens = keras.Input((None,), dtype="int32")
    zeros = keras.layers.Embedding(len(logits), 1, embeddings_initializer="zeros")(tokens)
    out = keras.layers.Dense(len(logits), bias_initializer=keras.initializers.Constant(
        np.asarray(logits, "float32")))(zeros)
    return keras.Model(tokens, out)


def test_temperature_scales_the_logits():
    logits = np.log([0.1, 0.2, 0.3, 0.4])
    sampler = TextSampler(_fixed_logits_network(logits), VOCABULARY, context=4)
    for temperature in (0.5, 2.0):
        text = sampler.sample("a", length=4000, temperature=temperature, seed=1)[0]
        freq = np.array([text[1:].count(c) for c in VOCABULARY]) / 4000
        expected = np.exp(logits / temperature) / np.exp(logits / temperature).sum()
        # 4,000 draws: each frequency's standard error is below 0.008.
        np.testing.assert_allclose(freq, expected, atol=0.03)


def test_sampling_follows_a_hand_made_model_and_the_export_matches(tmp_path):
    # Logits that make "the character after c" c + 1 (mod 4) almost surely.
    tokens = keras.Input((None,), dtype="int32")
    shifted = keras.layers.Embedding(
        4, 4, embeddings_initializer=keras.initializers.Constant(
            20.0 * np.roll(np.eye(4), 1, axis=1)))(tokens)
    sampler = TextSampler(keras.Model(tokens, shifted), VOCABULARY, context=3)
    assert sampler.sample("ab", length=6, temperature=0.5, seed=0) == ["abcdabcd"]
    two = sampler.sample("d", length=3, temperature=1.0, seed=0, num_samples=2)
    assert two == ["dabc", "dabc"]
    trained = builders.char_rnn(4, units=8, embedding_dim=4)
    sampler = TextSampler(trained, VOCABULARY, context=5)
    expected = sampler.sample("abc", length=20, temperature=1.5, seed=4)[0]
    assert sampler.sample("abc", length=20, temperature=1.5, seed=4)[0] == expected
    path = sampler.export(str(tmp_path / "sampler"))
    loaded = tf.saved_model.load(path)  # kept: its variables live with it
    served = loaded.sample(tf.constant("abXc"), tf.constant(20), tf.constant(1.5),
                           tf.constant([4, 0]))
    assert served.numpy().decode() == expected  # "X" is not in the vocabulary


def test_sampler_checks_its_arguments():
    network = builders.char_rnn(4, units=4, embedding_dim=2)
    with pytest.raises(ValueError, match="vocabulary"):
        TextSampler(network, list("abc"), context=3)
    with pytest.raises(ValueError, match="vocabulary"):
        TextSampler(network, list("aabc"), context=3)
    # A transformer's position embedding bounds the context; an RNN's does not.
    transformer = builders.char_transformer(4, context=6, dim=8, depth=1, heads=2)
    assert TextSampler(transformer, VOCABULARY, context=6).context == 6
    with pytest.raises(ValueError, match=r"at most 6.*Received: context=7"):
        TextSampler(transformer, VOCABULARY, context=7)
    sampler = TextSampler(network, VOCABULARY, context=3)
    for kwargs, name in (({"prompt": ""}, "prompt"), ({"prompt": "az"}, "prompt"),
                         ({"prompt": "a", "length": 0}, "length"),
                         ({"prompt": "a", "temperature": 0.0}, "temperature")):
        with pytest.raises(ValueError, match=name):
            sampler.sample(**kwargs)


def test_topic_sentences_split_by_class_without_repeats():
    x, y, x_test, y_test, names = data.topic_sentences(test_fraction=0.2, seed=0)
    assert names == list(data.TOPIC_CLASSES)
    assert len(x) == len(y) and len(x_test) == len(y_test)
    counts, test_counts = np.bincount(y), np.bincount(y_test)
    assert len(counts) == len(test_counts) == 5 and counts.min() > 50
    np.testing.assert_allclose(test_counts / (counts + test_counts), 0.2, atol=0.01)
    assert not set(x) & set(x_test) and len(set(x)) == len(x)
    assert all(5 <= len(sentence.split()) <= 40 for sentence in x)
    again = data.topic_sentences(test_fraction=0.2, seed=0)
    np.testing.assert_array_equal(again[0], x)
    assert not np.array_equal(data.topic_sentences(seed=1)[0], x)


def test_text_classifier_bag_of_words_ignores_order_recurrent_does_not():
    rng = np.random.default_rng(0)
    ids = np.zeros((4, 8), "int32")
    ids[:, :6] = rng.integers(2, 30, size=(4, 6))
    reversed_ids = ids.copy()
    reversed_ids[:, :6] = ids[:, 5::-1]
    bag = builders.text_classifier(30, 3, kind="bag_of_words", seed=0)
    np.testing.assert_allclose(bag(ids), bag(reversed_ids), atol=1e-6)
    assert bag.count_params() == 30 * 3 + 3  # logistic regression on words
    lstm = builders.text_classifier(30, 3, units=4, seed=0)
    assert not np.allclose(lstm(ids), lstm(reversed_ids), atol=1e-4)
    # Padding (id 0) is masked: more of it changes nothing.
    np.testing.assert_allclose(lstm(ids), lstm(np.pad(ids, [(0, 0), (0, 5)])),
                               atol=1e-6)
    bi = builders.text_classifier(30, 3, units=4, bidirectional=True, seed=0)
    assert bi.get_layer("bilstm_reader").output.shape == (None, 8)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(kind="cnn"), "kind"),
    (dict(kind="bag_of_words", bidirectional=True), "bidirectional"),
    (dict(num_classes=1), "num_classes"),
    (dict(dropout=1.0), "dropout"),
])
def test_text_classifier_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        builders.text_classifier(**{"vocabulary_size": 10, "num_classes": 3,
                                    **kwargs})


def test_shuffle_words_keeps_the_bag_and_the_padding():
    ids = np.array([[4, 5, 6, 7, 8, 9, 10, 11, 0, 0], [3, 9, 2, 0, 0, 0, 0, 0, 0, 0]])
    shuffled = shuffle_words(ids, seed=0)
    for row, new in zip(ids, shuffled):
        assert sorted(row) == sorted(new)
        np.testing.assert_array_equal(new == 0, row == 0)
    assert not np.array_equal(shuffled, ids)
    assert np.array_equal(ids[0], [4, 5, 6, 7, 8, 9, 10, 11, 0, 0])  # kept
