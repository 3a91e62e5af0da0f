"""Unit III exercises on encoder-decoders: translation (``seq2seq``, dates
written the ways people write them, translated into ISO dates by an LSTM
encoder-decoder without and with attention) and captioning (``captioning``,
one to many: a CNN encoder and an LSTM decoder describe each digit)."""

import collections
import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai import viz
from keras_genai.data import dates
from keras_genai.data.captions import ATTRIBUTE_WORDS
from keras_genai.data.captions import MAX_CAPTION_WORDS
from keras_genai.seq2seq import Translator
from keras_genai.seq2seq import Vocabulary
from keras_genai.seq2seq import greedy_captions
from keras_genai.utils import build_for_fit
from units import common
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise

TARGET_STEPS = dates.ISO_LENGTH + 1  # the characters, then the end token
ATTENTION_TARGET = 0.98
ALIGNMENT_EXAMPLES = ("Wednesday, 03 March 2021", "march 03, 2021", "03.03.21")


def _exact_match(predicted, targets):
    return float(np.mean([p == t for p, t in zip(predicted, targets)]))


class _ExactMatchPerEpoch(keras.callbacks.Callback):
    """Greedy exact match on held-out pairs after every epoch."""

    def __init__(self, translator, sources, targets):
        super().__init__()
        self.translator, self.sources, self.targets = translator, sources, targets
        self.scores = []

    def on_epoch_end(self, epoch, logs=None):
        self.scores.append(_exact_match(self.translator.translate(self.sources),
                                        self.targets))


def _length_bin(text):
    """Source lengths in bins of 5 characters: ``"5-9"``, ``"10-14"``..."""
    low = len(text) // 5 * 5
    return f"{low}-{low + 4}"


@exercise("seq2seq", "translation with an LSTM encoder-decoder, without and "
                     "with Bahdanau attention: dates in mixed formats -> ISO",
          export=os.path.join("saved_models", "unit3_date_translator"))
def seq2seq(run: Run, *, epochs: Count = 8, batch_size: Count = 64,
            train_pairs: Count = 20_000, test_pairs: Count = 2_000,
            units: Count = 128, beam_width: Count = 4) -> dict:
    """Two character LSTM encoder-decoders, trained with teacher forcing on
    the same generated pairs: one whose decoder starts from the encoder's
    final state alone, one that also attends over every encoder state. Each
    translates held-out dates (dates never seen in training) greedily and
    with beam search, after training and (the first 500) after every epoch;
    the attention model is exported.

    Args:
        epochs: training epochs of each model.
        batch_size: training batch.
        train_pairs: generated training pairs.
        test_pairs: generated pairs of held-out dates.
        units: LSTM width of the encoder and decoder.
        beam_width: beams of the beam search.
    """
    sources, targets, _ = dates.date_pairs(train_pairs, seed=run.seed, split="train")
    test_sources, test_targets, test_formats = dates.date_pairs(
        test_pairs, seed=run.seed + 1, split="test")
    source_vocab = Vocabulary(dates.SOURCE_CHARACTERS)
    target_vocab = Vocabulary(dates.TARGET_CHARACTERS)
    x = {"source": source_vocab.encode(sources, dates.MAX_SOURCE_LENGTH),
         "target_in": target_vocab.encode(targets, TARGET_STEPS, start=True)}
    y = target_vocab.encode(targets, TARGET_STEPS, end=True)

    results, curves, by_length = {}, {}, {}
    translators = {}
    for attention in (False, True):
        label = "attention" if attention else "no attention"
        reseed(run.seed)
        network = builders.seq2seq(source_vocab.size, target_vocab.size,
                                   dates.MAX_SOURCE_LENGTH, TARGET_STEPS,
                                   units=units, attention=attention, seed=run.seed,
                                   name="date_translator")
        network.compile(keras.optimizers.Adam(3e-3, global_clipnorm=1.0),
                        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                        metrics=["accuracy"])
        build_for_fit(network, x, y)
        translator = translators[label] = Translator(network, source_vocab,
                                                     target_vocab)
        per_epoch = _ExactMatchPerEpoch(translator, test_sources[:500],
                                        test_targets[:500])
        network.fit(x, y, batch_size=batch_size, epochs=epochs,
                    callbacks=[per_epoch, *run.backup()], verbose=run.verbose)
        curves[label] = per_epoch.scores
        greedy = translator.translate(test_sources)
        beam = translator.translate(test_sources, beam_width=beam_width)
        results[label] = {"greedy": _exact_match(greedy, test_targets),
                          "beam": _exact_match(beam, test_targets)}
        right = collections.defaultdict(list)
        for source, guess, truth in zip(test_sources, greedy, test_targets):
            right[_length_bin(source)].append(guess == truth)
        by_length[label] = {k: float(np.mean(v)) for k, v in
                            sorted(right.items(), key=lambda kv: int(kv[0].split("-")[0]))}
        if attention:
            by_format = collections.defaultdict(list)
            for fmt, guess, truth in zip(test_formats, greedy, test_targets):
                by_format[fmt].append(guess == truth)

    bins = list(by_length["attention"])
    length_png = viz.plot_curves(
        {label: (list(range(len(bins))), [acc.get(b, np.nan) for b in bins])
         for label, acc in by_length.items()},
        os.path.join(run.out, "accuracy_by_length.png"),
        xlabel=f"source length (bins: {', '.join(bins)})",
        ylabel="exact match (greedy)", title="held-out dates")
    epochs_png = viz.plot_curves(
        curves, os.path.join(run.out, "exact_match_by_epoch.png"),
        ylabel="exact match, greedy", title="500 held-out dates after each epoch")
    weights = translators["attention"].attention(list(ALIGNMENT_EXAMPLES))
    outputs = translators["attention"].translate(list(ALIGNMENT_EXAMPLES))
    alignment_pngs = []
    for k, (source, output) in enumerate(zip(ALIGNMENT_EXAMPLES, outputs)):
        alignment_pngs.append(viz.plot_matrices(
            {f"{source} -> {output}": weights[k, :len(output) + 1, :len(source)]},
            os.path.join(run.out, f"alignment_{k + 1}.png"),
            row_labels=list(output) + ["<end>"], col_labels=list(source),
            title="attention weights (rows: output characters)"))

    summary = {
        "no_attention_exact_match": Row(
            {"greedy": results["no attention"]["greedy"],
             f"beam search ({beam_width})": results["no attention"]["beam"]},
            "exact match on held-out dates, no attention", "{:.2%}"),
        "attention_exact_match": Row(results["attention"]["greedy"],
                                     "exact match with attention, greedy",
                                     "{:.2%}", at_least=ATTENTION_TARGET),
        "attention_beam_exact_match": Row(
            results["attention"]["beam"],
            f"exact match with attention, beam search ({beam_width})", "{:.2%}"),
        "exact_match_by_length": Row(
            {b: {k: by_length[k].get(b, float("nan")) for k in by_length}
             for b in bins}, "greedy exact match by source length", "{:.1%}"),
        "attention_by_format": Row({k: float(np.mean(v)) for k, v in
                                    by_format.items()},
                                   "attention model by source format", "{:.1%}"),
        "exact_match_by_epoch": Row(curves, "exact match on 500 held-out dates "
                                            "after each epoch", "{:.1%}"),
        "parameters": {k: t.network.count_params() for k, t in translators.items()},
        "figures": [epochs_png, length_png] + alignment_pngs,
    }
    if run.export:
        translators["attention"].export(run.export)
        summary["saved_model"] = Row(run.export, "SavedModel",
                                     note="translate(strings[None]) -> ISO "
                                          "strings, greedy decoding")
    return summary


CAPTION_STEPS = MAX_CAPTION_WORDS + 1  # the words, then the end token


@exercise("captioning", "one to many: a CNN encoder and an LSTM decoder write "
                        "each digit's caption (digit word and attributes)")
def captioning(run: Run, *, epochs: Count = 15, batch_size: Count = 64,
               units: Count = 128, train_size: Count | None = None,
               test_digits: Count | None = None) -> dict:
    """A CNN encoder sets the initial state of an LSTM decoder, trained with
    teacher forcing to write each digit's caption ("a thick seven leaning
    right": `data.digit_captions`, every attribute word kept); captions of
    the test digits decoded greedily. Accuracy of the digit word and of
    each attribute word (or its absence) against the test digits' own
    measured attributes, exact caption match, and sample captions.

    Args:
        epochs: training epochs.
        batch_size: the training batch.
        units: width of the LSTM's state.
        train_size: train on the first N training digits (default: all).
        test_digits: caption the first N test digits (default: all).
    """
    x, y, x_test, y_test = common.digits(train_size)
    x_test, y_test = common.first_test_digits(test_digits, x_test, y_test)
    caption_in, caption_out = data.encode_captions(
        data.digit_captions(x, y, keep=1.0), CAPTION_STEPS)
    truth = data.digit_captions(x_test, y_test, keep=1.0)
    reseed(run.seed)
    network = builders.image_captioner(len(data.caption_vocabulary()) + 3,
                                       CAPTION_STEPS, units=units, seed=run.seed)
    network.compile(keras.optimizers.Adam(3e-3),
                    keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                               ignore_class=0))
    inputs = {"image": x, "caption_in": caption_in}
    build_for_fit(network, inputs, caption_out)
    history = network.fit(inputs, caption_out, batch_size=batch_size, epochs=epochs,
                          callbacks=run.backup(), verbose=run.verbose)
    written = data.decode_captions(greedy_captions(network, x_test))
    said, meant = data.caption_words(written), data.caption_words(truth)
    accuracy = {name: float(np.mean(np.asarray(said[name]) == np.asarray(meant[name])))
                for name in said}
    # The guess that knows nothing of the image: the most common word (or no
    # word) of each attribute in the test captions.
    guess = {name: collections.Counter(meant[name]).most_common(1)[0][1] / len(truth)
             for name in ATTRIBUTE_WORDS}
    samples = {f"{i}": written[i] for i in range(8)}
    grid = viz.save_image_grid(x_test[:8], os.path.join(run.out, "captions.png"),
                               cols=8, title=" | ".join(written[:4]))
    return {
        "digit_word": Row(accuracy.pop("digit"), "digit word right", "{:.1%}"),
        "attributes": Row(accuracy, "attribute word right (or rightly absent)",
                          "{:.1%}"),
        "attribute_guess": Row(guess, "the most common word, image unseen",
                               "{:.1%}"),
        "exact_match": Row(float(np.mean([w == t for w, t in zip(written, truth)])),
                           "whole caption right", "{:.1%}"),
        "samples": Row(samples, "captions of the first test digits"),
        "truth": Row({f"{i}": truth[i] for i in range(8)}, "their true captions"),
        "digits": grid,
        "loss_curve": viz.plot_history(history, os.path.join(run.out, "loss.png"),
                                       keys=["loss"]),
    }
