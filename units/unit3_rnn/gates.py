"""Unit III exercise on the gated cells' equations (``gates``): the notes'
equations against Keras' cells, LSTM against GRU, and clipping by value
against clipping by norm."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_genai import cells
from keras_genai import viz
from keras_genai.callbacks import EpochTimer
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit3_rnn.memory import adding_data
from units.unit3_rnn.memory import train_adding
from units.unit3_rnn.memory import exploding_rnn
from units.unit3_rnn.memory import train_with_clipping

CLIP = 1.0  # the threshold of both clippings


def _random_layer(kind, seed, **kwargs):
    """A Keras recurrent layer of 8 units on 3 inputs, every weight (biases
    included, which Keras starts at zero) drawn at random."""
    layer = getattr(keras.layers, kind)(8, return_sequences=True, **kwargs)
    layer(np.zeros((1, 2, 3), "float32"))
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32")
                       for w in layer.get_weights()])
    return layer


def equation_gaps(seed):
    """Max |NumPy equations - Keras cell| over 20 steps of a batch of 16, for
    each cell, and for the notes' GRU update with and without the update gate
    negated."""
    x = np.random.default_rng(seed).normal(size=(16, 20, 3)).astype("float32")
    zeros = np.zeros((16, 8), "float32")
    gaps = {}

    def gap(mine, layer):
        return float(np.max(np.abs(mine - np.asarray(layer(x)))))

    simple = _random_layer("SimpleRNN", seed)
    w = cells.cell_weights(simple.cell)
    gaps["SimpleRNN"] = gap(cells.run_cell(
        lambda xt, h: cells.simple_rnn_step(w, xt, h), x, zeros), simple)
    lstm = _random_layer("LSTM", seed)
    w = cells.cell_weights(lstm.cell)
    gaps["LSTM"] = gap(cells.run_cell(lambda xt, s: cells.lstm_step(w, xt, s), x,
                                      (zeros, zeros)), lstm)
    for reset_after in (True, False):
        gru = _random_layer("GRU", seed, reset_after=reset_after)
        w = cells.cell_weights(gru.cell)
        name = f"GRU reset_after={reset_after}"
        for label, weights, convention in (
                ("", w, "keras"),
                (", notes' update", w, "notes"),
                (", notes' update, z negated", cells.negate_update_gate(w), "notes")):
            gaps[name + label] = gap(cells.run_cell(
                lambda xt, h: cells.gru_step(weights, xt, h, reset_after,
                                             convention), x, zeros), gru)
    return gaps


def _cosine(a, b):
    a, b = (np.concatenate([g.ravel() for g in gs]) for gs in (a, b))
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@exercise("gates", "the notes' RNN / LSTM / GRU equations against Keras' cells; "
                   "LSTM vs GRU; clipping by value vs by norm")
def gates(run: Run, *, epochs: Count = 8, batch_size: Count = 64,
          train_size: Count | None = None) -> dict:
    """The notes' recurrent equations in NumPy (`keras_genai.cells`) run with
    the weights of Keras' cells; an LSTM and a GRU of 32 units on the adding
    problem (parameters, time per update, test MSE); and, on the exploding
    ReLU RNN of ``clipping``, clipping each gradient value against clipping
    the gradient's norm.

    Args:
        epochs: training epochs of the LSTM, the GRU and each clipped RNN.
        batch_size: their batch.
        train_size: train on the first N training sequences (default: all).
    """
    gaps = equation_gaps(run.seed)

    x, y, x_test, y_test = adding_data(run.seed, train_size)
    compared = {}
    for cell in ("lstm", "gru"):
        timer = EpochTimer()
        model, history = train_adding(
            cell, x, y, x_test, y_test, seed=run.seed, epochs=epochs,
            batch_size=batch_size, verbose=run.verbose,
            callbacks=[timer, *run.backup()])
        compared[cell] = {"parameters": model.count_params(),
                          "ms_per_update": 1000 * timer.typical_update_seconds(),
                          "test_mse": float(history.history["val_loss"][-1])}

    # Clipping by value bends the gradient; clipping by norm only shortens it.
    clip_x, clip_y = x[:4000], y[:4000]
    model = exploding_rnn(run.seed)
    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(clip_y[:batch_size],
                                               model(clip_x[:batch_size]))
    grads = [g.numpy() for g in tape.gradient(loss, model.trainable_variables)]
    by_value = [np.clip(g, -CLIP, CLIP) for g in grads]
    by_norm, _ = tf.clip_by_global_norm(grads, CLIP)
    cosines = {"clipvalue": _cosine(grads, by_value),
               "global_clipnorm": _cosine(grads, [g.numpy() for g in by_norm])}
    curves, final = {}, {}
    for label, kwargs in (("clipvalue", {"clipvalue": CLIP}),
                          ("global_clipnorm", {"global_clipnorm": CLIP})):
        curves[f"{label}={CLIP:g}"], final[label] = train_with_clipping(
            exploding_rnn(run.seed), kwargs, clip_x, clip_y, x_test, y_test,
            epochs=epochs, batch_size=batch_size, verbose=run.verbose,
            callbacks=run.backup())
    return {
        "equation_gaps": Row(gaps, "max |NumPy equations - Keras cell|", "{:.1e}"),
        "parameters": Row({c: r["parameters"] for c, r in compared.items()},
                          "parameters (32 units, adding problem)"),
        "ms_per_update": Row({c: r["ms_per_update"] for c, r in compared.items()},
                             f"ms per update (batch {batch_size})", "{:.1f}"),
        "test_mse": Row({c: r["test_mse"] for c, r in compared.items()},
                        f"test MSE after {epochs} epochs", "{:.4f}"),
        "clipped_gradient_cosine": Row(
            cosines, f"cos(gradient, clipped gradient), threshold {CLIP:g}",
            "{:.3f}"),
        "clipped_final_loss": Row(final, "exploding RNN: final training loss",
                                  "{:.4g}"),
        "clipping_curves": viz.plot_curves(
            curves, os.path.join(run.out, "clipping_value_vs_norm.png"),
            xlabel="update", ylabel="training loss (running epoch mean)",
            logy=True, title="ReLU RNN, recurrent gain 1.2, SGD 1e-2"),
    }
