"""Unit III exercises on text: ``text-generation`` (character-level language
models on the Python reference manual's prose, compared in bits per
character) and ``text-classification`` (which part of the manual a sentence
comes from: recurrent classifiers against a bag of words)."""

import math
import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai import viz
from keras_genai.language import TextSampler
from keras_genai.utils import build_for_fit
from units import common
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.lab import take

CONTEXT = 100  # the BPTT length of the compared models, and the test windows
TEMPERATURES = (0.5, 1.0, 1.5)
PROMPT = "The "


def unigram_bits(train, test):
    """Bits per character of ``test`` under the character frequencies of
    ``train`` (add-one smoothed): the floor any model that uses context must
    beat.

    Example:

    >>> round(unigram_bits("aab", "ab"), 3)
    1.5
    """
    counts = {c: train.count(c) + 1 for c in set(train) | set(test)}
    total = sum(counts.values())
    return -sum(math.log2(counts[c] / total) for c in test) / len(test)


def _network(kind, vocabulary_size):
    if kind == "transformer":
        return builders.char_transformer(vocabulary_size, context=CONTEXT, dim=128,
                                         depth=2, heads=4)
    return builders.char_rnn(vocabulary_size, cell=kind, units=256)


def _train(kind, ids, test, vocabulary, *, seed, epochs, batch_size, train_size,
           verbose, callbacks, length=CONTEXT):
    """A model trained on windows of ``length`` characters (truncated BPTT over
    ``length`` steps) with as many characters per update as the others;
    returns it and its test bits per character, per epoch."""
    reseed(seed)
    x, y = data.text_windows(ids, length)
    x, y = take(train_size and train_size * CONTEXT // length, x, y)
    network = _network(kind, len(vocabulary))
    network.compile(keras.optimizers.Adam(3e-3, global_clipnorm=1.0),
                    keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    build_for_fit(network, x, y)
    history = network.fit(x, y, batch_size=batch_size * CONTEXT // length,
                          epochs=epochs, validation_data=test,
                          callbacks=callbacks, verbose=verbose)
    return network, [v / math.log(2) for v in history.history["val_loss"]]


@exercise("text-generation", "character LSTM, GRU and transformer on Python's "
                             "reference manual: bits per character, samples at "
                             "three temperatures, the BPTT length",
          export=os.path.join("saved_models", "unit3_char_lstm"))
def text_generation(run: Run, *, epochs: Count = 6, batch_size: Count = 32,
                    train_size: Count | None = None,
                    bptt_lengths: list[Count] = [10, 30, 100],
                    sample_length: Count = 300) -> dict:
    """Character LSTM, GRU and causal transformer on the Python reference
    manual's prose: test bits per character against the unigram floor,
    samples at three temperatures, and the GRU trained with BPTT over several
    lengths. The LSTM's sampler is exported.

    Args:
        epochs: training epochs of each model.
        batch_size: the batch of the 100-character windows (shorter windows
            get proportionally more, for as many characters per update).
        train_size: train on the first N 100-character windows (default: all).
        bptt_lengths: BPTT lengths of the GRU compared (100 is always one).
        sample_length: characters generated per sample.
    """
    fit = dict(seed=run.seed, epochs=epochs, batch_size=batch_size,
               train_size=train_size, verbose=run.verbose)
    train, _, test_text, vocabulary = data.text_corpus()
    ids = data.encode_text(train, vocabulary)
    test = data.text_windows(data.encode_text(test_text, vocabulary), CONTEXT)
    summary = {
        "corpus": Row(f"{len(train):,} / {len(test_text):,}",
                      "training / test characters",
                      note=f"{len(vocabulary)} distinct"),
        "unigram_bpc": Row(unigram_bits(train, test_text),
                           "unigram (character frequencies): test bits/char",
                           "{:.3f}"),
    }
    curves, networks = {}, {}
    for kind in ("lstm", "gru", "transformer"):
        networks[kind], curves[kind] = _train(
            kind, ids, test, vocabulary, callbacks=run.backup(), **fit)
        summary[f"{kind}_bpc"] = Row(curves[kind][-1],
                                     f"{kind}: test bits/char", "{:.3f}",
                                     note=f"{networks[kind].count_params():,} weights")
    lengths = sorted(set(bptt_lengths) | {CONTEXT})
    bptt = {}
    for length in lengths:  # the GRU, each evaluated on the same 100-char windows
        bptt[length] = curves["gru"][-1] if length == CONTEXT else _train(
            "gru", ids, test, vocabulary, callbacks=run.backup(), length=length,
            **fit)[1][-1]
        summary[f"gru_bptt_{length}_bpc"] = Row(
            bptt[length], f"GRU trained with BPTT over {length} steps: test "
                          "bits/char", "{:.3f}")
    sampler = TextSampler(networks["lstm"], vocabulary, CONTEXT)
    samples = {t: sampler.sample(PROMPT, sample_length, t, seed=run.seed)[0]
               for t in TEMPERATURES}
    path = os.path.join(run.out, "samples.txt")
    with open(path, "w") as f:
        for t, text in samples.items():
            f.write(f"--- LSTM, temperature {t} ---\n{text}\n\n")
    summary["samples"] = Row(path, "LSTM samples at temperatures "
                                   f"{', '.join(map(str, TEMPERATURES))}")
    for t, text in samples.items():
        summary[f"sample_t{t}"] = Row(text[:80].replace("\n", " "),
                                      f"temperature {t}")
    epochs = np.arange(1, epochs + 1)
    curves = {k: (epochs, v) for k, v in curves.items()}
    curves["unigram"] = (epochs, [summary["unigram_bpc"].value] * epochs)
    summary["curves"] = viz.plot_curves(
        curves, os.path.join(run.out, "bits_per_char.png"), xlabel="epoch",
        ylabel="test bits per character", title="character models, "
                                                f"{CONTEXT}-character windows")
    if run.export:
        sampler.export(run.export)
        summary["saved_model"] = Row(run.export, "SavedModel",
                                     note="sample(prompt, length, temperature, "
                                          "seed) -> text")
    return summary


CLASSIFIERS = {"bag of words": dict(kind="bag_of_words"),
               "LSTM": dict(kind="lstm"),
               "bidirectional LSTM": dict(kind="lstm", bidirectional=True)}
SENTENCE_TOKENS = 48  # longer sentences are cut; every kept one has <= 40 words


def shuffle_words(ids, seed):
    """Each row of ``ids`` (0-padded at the end) with its tokens in a random
    order and the padding left at the end: the same bag of words, another
    sentence.

    Args:
        ids: int ``(N, length)`` token ids, 0 for padding.
        seed: seed of the shuffles.

    Returns:
        A shuffled copy of ``ids``.

    Example:

    >>> shuffle_words(np.array([[5, 6, 7, 0]]), seed=0)[0, 3]
    0
    """
    rng = np.random.default_rng(seed)
    shuffled = ids.copy()
    for row in shuffled:
        n = int(np.count_nonzero(row))
        row[:n] = row[:n][rng.permutation(n)]
    return shuffled


@exercise("text-classification", "which part of the Python manual a sentence "
                                  "comes from: LSTMs (many-to-one) vs a bag of words")
def text_classification(run: Run, *, epochs: Count = 15, batch_size: Count = 32,
                        units: Count = 64, max_tokens: Count = 5000) -> dict:
    """Sentences of the Python manual labelled with the part they come from
    (data model, statements, strings, containers, debugger), classified by
    an LSTM reading the words in order, a bidirectional LSTM, and a bag of
    words (logistic regression on which words occur). Test accuracy, and
    again with the words of each test sentence shuffled: the bag of words
    cannot tell, a recurrent network can.

    Args:
        epochs: training epochs of each classifier.
        batch_size: their batch.
        units: hidden units of the LSTMs (per direction).
        max_tokens: the vocabulary's size (the most frequent training words).
    """
    x, y, x_test, y_test, names = data.topic_sentences(seed=run.seed)
    vectorize = keras.layers.TextVectorization(
        max_tokens=max_tokens, output_sequence_length=SENTENCE_TOKENS)
    vectorize.adapt(x)
    ids, test_ids = (np.asarray(vectorize(texts)) for texts in (x, x_test))
    shuffled = shuffle_words(test_ids, run.seed)
    results = {}
    for label, options in CLASSIFIERS.items():
        reseed(run.seed)
        model = common.compile_classifier(builders.text_classifier(
            vectorize.vocabulary_size(), len(names), units=units, seed=run.seed,
            **options))
        model.fit(ids, y, batch_size=batch_size, epochs=epochs,
                  callbacks=run.backup(), verbose=run.verbose)
        results[label] = {
            "test": model.evaluate(test_ids, y_test, verbose=0)[1],
            "shuffled_words": model.evaluate(shuffled, y_test, verbose=0)[1],
            "parameters": model.count_params()}
    majority = float(np.max(np.bincount(y_test)) / len(y_test))
    return {
        "sentences": Row({"train": len(x), "test": len(x_test)}, "sentences"),
        "classes": Row(", ".join(names), "classes"),
        "vocabulary": Row(vectorize.vocabulary_size(), "vocabulary (words)"),
        "majority": Row(majority, "majority class: test accuracy", "{:.1%}"),
        "accuracy": Row({label: {k: v for k, v in r.items() if k != "parameters"}
                         for label, r in results.items()},
                        "test accuracy (as written, words shuffled)", "{:.1%}"),
        "parameters": {label: r["parameters"] for label, r in results.items()},
    }
