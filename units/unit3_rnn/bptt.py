"""Unit III exercise on the cost of back-propagation through time
(``bptt-cost``): time and memory against the sequence length, full and
truncated, and what truncation cannot learn."""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai import viz
from keras_genai.bptt import bptt_cost as measure
from keras_genai.bptt import truncated_bptt
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise

ECHO_LENGTH = 50


def _check_echo_sizes(train_size, batch_size):
    """A stateful network trains on whole batches only: fewer sequences than
    one batch would train nothing."""
    if train_size < batch_size:
        raise ValueError(f"--train-size must be at least --batch-size "
                         f"({batch_size}). Received: --train-size={train_size}")


def train_echo(truncation, *, delay, epochs, batch_size, train_size, seed):
    """A stateful LSTM trained on `data.echo_sequences` with (truncated)
    BPTT.

    Args:
        truncation: steps per update (``None``: full BPTT).
        delay: how far back the echo looks.
        epochs: passes over the training sequences.
        batch_size: sequences per batch (a last, smaller batch is left
            out: a stateful network takes batches of one size).
        train_size: training sequences, at least ``batch_size``.
        seed: seed of the weights and the data.

    Returns:
        The test MSE on the steps that have a target to recall (predicting
        0 scores 1, the inputs' variance).

    Example:

    >>> train_echo(1, delay=5, epochs=1, batch_size=8, train_size=64,
    ...            seed=0)  # doctest: +SKIP
    """
    _check_echo_sizes(train_size, batch_size)
    reseed(seed)
    x, y = data.echo_sequences(train_size, ECHO_LENGTH, delay, seed=seed)
    x_test, y_test = data.echo_sequences(512, ECHO_LENGTH, delay, seed=seed + 1)
    options = dict(input_shape=(None, 1), cell="lstm", units=32,
                   return_sequences=True, seed=seed)
    model = builders.sequence_model(stateful_batch=batch_size, **options)
    model.compile(keras.optimizers.Adam(3e-3), "mse")
    for _ in range(epochs):
        for start in range(0, len(x) - batch_size + 1, batch_size):
            truncated_bptt(model, x[start:start + batch_size],
                           y[start:start + batch_size], truncation)
    # The same weights in a network that starts every batch from zeros.
    scorer = builders.sequence_model(**options)
    scorer.set_weights(model.get_weights())
    predictions = scorer.predict(x_test, verbose=0)
    return float(np.mean((predictions - y_test)[:, delay:] ** 2))


@exercise("bptt-cost", "time and memory of an update against sequence length "
                       "(50 ... 2,000), full and truncated BPTT; what "
                       "truncation cannot learn")
def bptt_cost(run: Run, *, lengths: list[Count] = [50, 100, 200, 500, 1000, 2000],
              truncation: Count = 50, batch_size: Count = 32, units: Count = 64,
              repeats: Count = 5, delay: Count = 5, epochs: Count = 10,
              train_size: Count = 1024,
              truncations: list[Count] = [1, 3, 10]) -> dict:
    """An LSTM with a read-out at every step: seconds and peak memory of one
    pass over a batch of sequences of each length with full BPTT (one
    update) and with truncated BPTT (an update every ``truncation``
    steps), each measured in a fresh process, as ratios to the shortest
    length. Then the price: the LSTM trained to repeat the input of
    ``delay`` steps before, with truncations shorter and longer than the
    delay (1 is the notes' example, an update after every step) and with
    full BPTT.

    Args:
        lengths: sequence lengths measured.
        truncation: steps per update of truncated BPTT.
        batch_size: sequences per batch.
        units: LSTM units of the measured network.
        repeats: timed passes per measurement (the median is reported).
        delay: how far back the echo task looks.
        epochs: training epochs of each echo network.
        train_size: echo training sequences (50 steps each).
        truncations: truncations trained on the echo task (and full BPTT).
    """
    _check_echo_sizes(train_size, batch_size)
    cost = {}
    for mode, k in (("full", None), (f"truncated {truncation}", truncation)):
        cost[mode] = {length: measure(length, k, batch_size=batch_size,
                                      units=units, repeats=repeats, seed=run.seed)
                      for length in lengths}
    shortest = min(lengths)
    ratios = {mode: {str(length): {
        "time": r["seconds"] / rows[shortest]["seconds"],
        # None where the shortest length raised the peak by nothing at all.
        "memory": (r["peak_mb"] / rows[shortest]["peak_mb"]
                   if rows[shortest]["peak_mb"] > 0 else None)}
        for length, r in rows.items()} for mode, rows in cost.items()}
    echo = {("full BPTT" if k is None else f"truncated {k}"): train_echo(
        k, delay=delay, epochs=epochs, batch_size=batch_size,
        train_size=train_size, seed=run.seed) for k in [*truncations, None]}
    figures = {
        quantity: viz.plot_curves(
            {mode: (list(rows), [r[key] for r in rows.values()])
             for mode, rows in cost.items()},
            os.path.join(run.out, f"{quantity}.png"), xlabel="sequence length",
            ylabel=label, logx=True, title=f"LSTM({units}), batch {batch_size}")
        for quantity, key, label in (("time", "seconds", "seconds per pass"),
                                     ("memory", "peak_mb", "peak memory rise (MiB)"))}
    return {
        "seconds": Row({mode: {str(n): r["seconds"] for n, r in rows.items()}
                        for mode, rows in cost.items()},
                       "seconds per pass over a batch", "{:.3f}"),
        "peak_mb": Row({mode: {str(n): r["peak_mb"] for n, r in rows.items()}
                        for mode, rows in cost.items()},
                       "peak memory rise (MiB)", "{:.0f}"),
        "ratios": Row(ratios, f"ratios to length {shortest}", "{:.1f}"),
        "echo_mse": Row(echo, f"echo of {delay} steps back: test MSE "
                              "(0 is perfect, 1 is guessing 0)", "{:.3f}"),
        **{f"{quantity}_curve": path for quantity, path in figures.items()},
    }
