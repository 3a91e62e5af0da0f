"""The Unit III lab: every exercise runs with tiny settings and writes what it
promises; (slow) the memory and bidirectional claims."""

import json
import subprocess
import sys
import textwrap

import conformance
import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai import data
from keras_genai.data import dates


def test_clipping_diverges_without_and_trains_with(run_lab):
    summary, out = run_lab("unit3_rnn", "--exercise", "clipping", "--epochs", "2",
                           "--train-size", "1000")
    assert summary["clip_mismatch"] < 1e-6
    assert not np.isfinite(summary["no_clipping_final_loss"])
    assert np.isfinite(summary["global_clipnorm_final_loss"])
    assert (out / "clipping.png").exists()


def test_vanishing_and_memory_small(run_lab):
    summary, out = run_lab("unit3_rnn", "--exercise", "vanishing", "--epochs", "1",
                           "--train-size", "256")
    # At initialisation the error signal reaching step 1 of 100 is tiny.
    for cell in ("simple", "lstm", "gru"):
        assert summary[f"{cell}_ratio_init"] < 1e-2
    assert (out / "state_gradients_init.png").exists()
    summary, out = run_lab("unit3_rnn", "--exercise", "memory", "--epochs", "1",
                           "--train-size", "256")
    assert {"simple_mse", "lstm_mse", "gru_mse"} <= set(summary)
    assert (out / "adding_problem.png").exists()


def test_text_generation_small(run_lab, tmp_path):
    export = str(tmp_path / "char_lstm")
    summary, out = run_lab("unit3_rnn", "--exercise", "text-generation", "--epochs",
                           "1", "--train-size", "32", "--bptt-lengths", "10",
                           "--sample-length", "12", "--export", export)
    assert 4.0 < summary["unigram_bpc"] < 5.5
    for key in ("lstm_bpc", "gru_bpc", "transformer_bpc", "gru_bptt_10_bpc",
                "gru_bptt_100_bpc"):
        assert np.isfinite(summary[key]) and summary[key] > 0, key
    for t in ("0.5", "1.0", "1.5"):
        assert summary[f"sample_t{t}"].startswith("The ")
    assert (out / "samples.txt").exists() and (out / "bits_per_char.png").exists()
    served = tf.saved_model.load(export)
    text = served.sample(tf.constant("The "), tf.constant(12), tf.constant(0.5),
                         tf.constant([0, 0])).numpy().decode()
    assert text.replace("\n", " ")[:16] == summary["sample_t0.5"][:16]


def test_bidirectional_and_forecast(run_lab, tmp_path):
    summary, out = run_lab("unit3_rnn", "--exercise", "bidirectional", "--epochs",
                           "1", "--train-size", "256")
    assert summary["causal_ceiling"] == pytest.approx(0.81875)
    export = str(tmp_path / "forecast_export")
    summary, out = run_lab("unit3_rnn", "--exercise", "forecast", "--epochs", "1",
                           "--train-size", "256", "--export", export)
    assert (out / "forecast.png").exists()
    served = tf.saved_model.load(export)
    assert served.serve(tf.zeros([2, 50, 1])).shape == (2, 10)


def test_bptt_cost_small(run_lab):
    summary, out = run_lab("unit3_rnn", "--exercise", "bptt-cost", "--lengths",
                           "20", "--truncation", "10", "--batch-size", "4",
                           "--units", "4", "--repeats", "1", "--epochs", "1",
                           "--train-size", "8", "--truncations", "25")
    assert set(summary["seconds"]) == {"full", "truncated 10"}
    for mode in ("full", "truncated 10"):
        assert summary["seconds"][mode]["20"] > 0
        assert set(summary["ratios"][mode]) == {"20"}
    assert set(summary["echo_mse"]) == {"truncated 25", "full BPTT"}
    assert (out / "time.png").exists() and (out / "memory.png").exists()


def test_captioning_small(run_lab):
    summary, out = run_lab("unit3_rnn", "--exercise", "captioning", "--epochs", "1",
                           "--train-size", "64", "--test-digits", "16", "--units",
                           "8")
    assert 0.0 <= summary["digit_word"] <= 1.0
    assert set(summary["attributes"]) == {"thickness", "width", "slant"}
    assert len(summary["samples"]) == len(summary["truth"]) == 8
    assert (out / "captions.png").exists()


def test_forecast_errors_align_with_the_labels():
    from units.unit3_rnn.sequences import CONTEXT
    from units.unit3_rnn.sequences import forecast_errors

    x, labels = data.sine_anomalies(n=4, length=30, rate=0.1, seed=0)
    # A "forecaster" that repeats each value is the naive forecast.
    repeat = keras.Sequential([keras.Input((None, 1)), keras.layers.Identity()])
    ours, naive = forecast_errors(repeat, x)
    assert ours.shape == naive.shape == labels[:, CONTEXT:].shape
    np.testing.assert_allclose(ours, naive, atol=1e-6)
    # Step CONTEXT's error is |x_CONTEXT - x_(CONTEXT-1)|.
    np.testing.assert_allclose(naive[:, 0], np.abs(x[:, CONTEXT, 0] -
                                                   x[:, CONTEXT - 1, 0]))


def test_anomaly_small(run_lab):
    summary, out = run_lab("unit3_rnn", "--exercise", "anomaly", "--epochs", "1",
                           "--train-size", "32", "--test-size", "64", "--rate",
                           "0.05")
    for scores in summary["roc_auc"].values():
        assert set(scores) == {"spike", "shift", "all"}
        assert all(0.0 <= value <= 1.0 for value in scores.values())
    assert set(summary["recall"]) == {"spike", "shift"}
    assert (out / "anomaly.png").exists()


def test_text_classification_small(run_lab):
    summary, _ = run_lab("unit3_rnn", "--exercise", "text-classification",
                         "--epochs", "1", "--units", "4", "--max-tokens", "200")
    assert set(summary["accuracy"]) == {"bag of words", "LSTM",
                                        "bidirectional LSTM"}
    bag = summary["accuracy"]["bag of words"]
    # Shuffling a sentence's words leaves its bag of words as it was.
    assert bag["test"] == bag["shuffled_words"]
    assert summary["vocabulary"] == 200


def test_gates_equations_match_keras_and_clippings_differ(run_lab):
    summary, out = run_lab("unit3_rnn", "--exercise", "gates", "--epochs", "1",
                           "--train-size", "256")
    gaps = summary["equation_gaps"]
    for name in ("SimpleRNN", "LSTM", "GRU reset_after=True",
                 "GRU reset_after=False",
                 "GRU reset_after=True, notes' update, z negated"):
        assert gaps[name] < 1e-5, name
    assert gaps["GRU reset_after=True, notes' update"] > 1e-2
    # The GRU has three gates' weights where the LSTM has four.
    params = summary["parameters"]
    assert params["gru"] < params["lstm"]
    cos = summary["clipped_gradient_cosine"]
    assert cos["global_clipnorm"] == pytest.approx(1.0, abs=1e-5)
    assert cos["clipvalue"] < 0.999
    assert (out / "clipping_value_vs_norm.png").exists()


def test_seq2seq_small_trains_both_models_and_serves_strings(run_lab, tmp_path):
    export = str(tmp_path / "translator")
    summary, out = run_lab("unit3_rnn", "--exercise", "seq2seq", "--epochs", "1",
                           "--train-pairs", "128", "--test-pairs", "32",
                           "--units", "16", "--beam-width", "2", "--export", export)
    assert 0.0 <= summary["attention_exact_match"] <= 1.0
    assert set(summary["parameters"]) == {"no attention", "attention"}
    assert summary["parameters"]["attention"] > summary["parameters"]["no attention"]
    assert [len(v) for v in summary["exact_match_by_epoch"].values()] == [1, 1]
    for name in ("exact_match_by_epoch", "accuracy_by_length", "alignment_1"):
        assert (out / f"{name}.png").exists()
    loaded = tf.saved_model.load(export)
    served = loaded.translate(tf.constant(["3 march 2021"]))
    assert served.shape == (1,) and served.dtype == tf.string


# Serves the translator in a process where importing keras_genai fails.
_SERVE_DATES = textwrap.dedent("""
    import json, sys
    sys.modules["keras_genai"] = None
    import tensorflow as tf
    path, pairs = sys.argv[1], sys.argv[2]
    sources, targets = json.load(open(pairs))
    loaded = tf.saved_model.load(path)
    served = loaded.translate(tf.constant(sources))
    got = [s.decode() for s in served.numpy()]
    print(json.dumps({
        "exact_match": sum(g == t for g, t in zip(got, targets)) / len(targets),
        "keras_genai_imported": bool(sys.modules.get("keras_genai"))}))
""")


@pytest.mark.slow
def test_seq2seq_attention_translates_fresh_dates(run_lab, tmp_path):
    """The attention model's export, served in a process that cannot import
    keras_genai, translates fresh dates in every format at >= 98%."""

    export = tmp_path / "translator"
    summary, _ = run_lab("unit3_rnn", "--exercise", "seq2seq", "--export",
                         str(export))
    assert summary["attention_exact_match"] >= 0.98
    # Both models end near 100% on dates this short; attention gets there in
    # one epoch (measured: 91.4% against 2.4% after the first).
    first = {k: v[0] for k, v in summary["exact_match_by_epoch"].items()}
    assert first["attention"] > 0.8 and first["attention"] > first["no attention"] + 0.3
    sources, targets, _ = dates.date_pairs(2000, seed=12345, split="test")
    pairs = tmp_path / "pairs.json"
    pairs.write_text(json.dumps([sources, targets]))
    done = subprocess.run([sys.executable, "-c", _SERVE_DATES, str(export),
                           str(pairs)], env=conformance.python_env(),
                          capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert not report["keras_genai_imported"]
    assert report["exact_match"] >= 0.98, report


@pytest.mark.slow
def test_bidirectional_beats_the_causal_ceiling(run_lab):
    summary, _ = run_lab("unit3_rnn", "--exercise", "bidirectional")
    # Measured: bidirectional 100.0%, unidirectional 82.4%; ceiling 81.9%;
    # the directions' probabilities averaged 92.2%.
    assert summary["bi_accuracy"] >= 0.97, summary
    assert summary["bi_simple_accuracy"] >= 0.97, summary
    assert summary["causal_ceiling"] + 0.03 < summary["bi_late_accuracy"] \
        < summary["bi_accuracy"] - 0.03, summary
    for key in ("uni_accuracy", "stacked_accuracy"):
        assert summary[key] <= summary["causal_ceiling"] + 0.015, summary


@pytest.mark.slow
def test_lstm_forecast_error_finds_the_anomalies(run_lab):
    summary, _ = run_lab("unit3_rnn", "--exercise", "anomaly")
    auc = summary["roc_auc"]
    # Measured: LSTM 0.995 on spikes, 0.811 on level shifts (naive 0.925,
    # 0.573).
    assert auc["LSTM"]["spike"] >= 0.97, auc
    assert auc["LSTM"]["shift"] >= auc["naive"]["shift"] + 0.1, auc
    assert auc["LSTM"]["all"] > auc["naive"]["all"], auc


@pytest.mark.slow
def test_text_classifiers_beat_the_majority_class(run_lab):
    summary, _ = run_lab("unit3_rnn", "--exercise", "text-classification")
    # Measured: bag of words 78.3%, LSTM 76.5%, bidirectional 77.6%;
    # majority 27.4%.
    for label, row in summary["accuracy"].items():
        assert row["test"] >= summary["majority"] + 0.35, (label, summary)


@pytest.mark.slow
def test_bptt_memory_grows_with_length_unless_truncated(run_lab):
    summary, _ = run_lab("unit3_rnn", "--exercise", "bptt-cost")
    ratios, echo = summary["ratios"], summary["echo_mse"]
    # Measured: memory x5.3-6.0 from 50 to 2,000 steps with full BPTT, x1.0
    # truncated (the times are documented, not asserted: their ratios move
    # by a third between runs). Echo of 5 steps back: truncations of 1 and 3
    # stay near 1, 10 and full BPTT learn it.
    assert ratios["full"]["2000"]["memory"] > 3.0, ratios
    assert ratios["truncated 50"]["2000"]["memory"] < 1.5, ratios
    assert echo["truncated 1"] > 0.6 and echo["truncated 3"] > 0.6, echo
    assert echo["truncated 10"] < 0.1 and echo["full BPTT"] < 0.1, echo


@pytest.mark.slow
def test_captioner_names_the_digit_and_its_attributes(run_lab):
    summary, _ = run_lab("unit3_rnn", "--exercise", "captioning")
    # Measured: digit word 95.4%; thickness 77.5%, width 73.2%, slant 88.5%
    # against 40% for the most common word.
    assert summary["digit_word"] >= 0.9, summary
    for name, accuracy in summary["attributes"].items():
        assert accuracy >= summary["attribute_guess"][name] + 0.2, (name, summary)


@pytest.mark.slow
def test_lstm_and_gru_remember_simple_rnn_does_not(run_lab):
    summary, _ = run_lab("unit3_rnn", "--exercise", "memory")
    # Always predicting 1 scores 0.167.
    assert summary["lstm_mse"] < 0.05, summary
    assert summary["gru_mse"] < 0.05, summary
    assert summary["simple_mse"] > 0.1, summary


@pytest.mark.slow
def test_character_models_beat_the_unigram_floor(run_lab):
    summary, _ = run_lab("unit3_rnn", "--exercise", "text-generation", "--export",
                         "none")
    # Measured: unigram 4.75 bits/char; LSTM 2.49, GRU 2.11, transformer 2.52;
    # the GRU with BPTT over 10 / 30 / 100 steps 2.18 / 2.12 / 2.11.
    for key in ("lstm_bpc", "gru_bpc", "transformer_bpc"):
        assert summary[key] < summary["unigram_bpc"] - 1.8, (key, summary)
    assert summary["gru_bptt_10_bpc"] > summary["gru_bptt_100_bpc"], summary
