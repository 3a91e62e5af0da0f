"""Unit III exercises on memory and gradients through time: ``memory``,
``vanishing`` and ``clipping``, on the adding problem."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import gradients
from keras_genai import viz
from keras_genai.utils import build_for_fit
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.lab import take

ADDING_LENGTH = 100  # time steps of the adding problem
ADDING_BASELINE = 1.0 / 6.0  # MSE of always predicting 1
CELLS = ("simple", "lstm", "gru")
RECURRENT_GAIN = 1.2  # the clipping exercise's exploding set-up


def adding_data(seed, train_size, n_train=10000):
    x, y = data.adding_problem(n_train, ADDING_LENGTH, seed=seed)
    x, y = take(train_size, x, y)
    x_test, y_test = data.adding_problem(2000, ADDING_LENGTH, seed=seed + 1)
    return x, y, x_test, y_test


def train_adding(cell, x, y, x_test, y_test, *, seed, epochs, batch_size,
                  verbose, callbacks):
    """One recurrent network trained on the adding problem, from the same seed
    as the other cells; returns it and its history."""
    reseed(seed)
    model = builders.sequence_model((ADDING_LENGTH, 2), cell=cell, units=32,
                                    seed=seed)
    # Adam 3e-3 with clipping: at 1e-3 the LSTM needed ~25 epochs to find the
    # markers, at 3e-3 about 8 (GRU: ~3; SimpleRNN: not in 40).
    model.compile(keras.optimizers.Adam(3e-3, global_clipnorm=1.0), "mse")
    build_for_fit(model, x, y)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs,
                        validation_data=(x_test, y_test), callbacks=callbacks,
                        verbose=verbose)
    return model, history


def _state_gradients(model, x, y=None):
    """``||dL/dh_t||`` of a trained sequence model's first layer; with ``y`` the
    loss is the model's squared error through its read-out."""
    loss_fn = None
    if y is not None:
        readout = model.get_layer("readout")
        loss_fn = lambda h: (readout(h)[:, 0] - y[:, 0]) ** 2  # noqa: E731
    return gradients.hidden_state_gradient_norms(model.layers[0].cell, x, loss_fn)


def exploding_rnn(seed):
    """The clipping exercises' network, from the same weights for every
    ``seed``: ReLU units and a recurrent matrix whose singular values are all
    1.2, so the gradient through T steps can grow like 1.2^T."""
    reseed(seed)
    return builders.sequence_model((ADDING_LENGTH, 2), cell="simple", units=32,
                                   activation="relu", recurrent_gain=RECURRENT_GAIN,
                                   seed=seed)


def train_with_clipping(model, clipping, x, y, x_test, y_test, *, epochs,
                        batch_size, verbose, callbacks):
    """``model`` trained with SGD 1e-2 and the optimizer arguments
    ``clipping`` (``{}``, ``{"global_clipnorm": 1.0}``...), stopped at a
    non-finite loss. Returns the loss after each update (NaN once
    non-finite) and the last epoch's mean training loss."""
    model.compile(keras.optimizers.SGD(1e-2, **clipping), "mse")
    build_for_fit(model, x, y)
    batch_losses = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_losses.append(
            float(logs["loss"])))
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs,
                        validation_data=(x_test, y_test), verbose=verbose,
                        callbacks=[record, keras.callbacks.TerminateOnNaN(),
                                   *callbacks])
    # Keras logs the running mean of the epoch after each batch; a value
    # that is NaN or inf ends the curve.
    return ([v if np.isfinite(v) else np.nan for v in batch_losses],
            float(history.history["loss"][-1]))


def _plot_state_gradients(norms, path, title):
    steps = np.arange(1, len(next(iter(norms.values()))) + 1)
    return viz.plot_curves({k: (steps, v / v[-1]) for k, v in norms.items()}, path,
                           xlabel="time step t", logy=True, title=title,
                           ylabel="||dL/dh_t|| / ||dL/dh_T||")


@exercise("memory", "adding problem: LSTM and GRU remember across 100 steps, "
                    "SimpleRNN does not")
def memory(run: Run, *, epochs: Count = 15, batch_size: Count = 64,
           train_size: Count | None = None) -> dict:
    """The adding problem over 100 steps: SimpleRNN, LSTM and GRU against
    always answering 1, and how much error signal reaches each step after
    training.

    Args:
        epochs: training epochs of each network.
        batch_size: their batch.
        train_size: train on the first N training sequences (default: all).
    """
    x, y, x_test, y_test = adding_data(run.seed, train_size)
    curves, norms = {}, {}
    summary = {"sequence_length": ADDING_LENGTH,
               "baseline_mse": Row(ADDING_BASELINE, "always answering 1: test MSE",
                                   "{:.4f}")}
    for cell in CELLS:
        model, history = train_adding(
            cell, x, y, x_test, y_test, seed=run.seed, epochs=epochs,
            batch_size=batch_size, verbose=run.verbose, callbacks=run.backup())
        curves[cell] = history.history["val_loss"]
        summary[f"{cell}_mse"] = Row(history.history["val_loss"][-1],
                                     f"{cell}: test MSE", "{:.4f}")
        norms[cell] = _state_gradients(model, x_test[:256], y_test[:256])
    curves["always predict 1"] = [ADDING_BASELINE] * epochs
    summary["test_mse_curves"] = Row(viz.plot_curves(
        curves, os.path.join(run.out, "adding_problem.png"), ylabel="test MSE",
        logy=True, title=f"adding problem, {ADDING_LENGTH} steps, "
                         f"{len(x)} sequences"), "test MSE curves")
    summary["gradient_picture"] = Row(_plot_state_gradients(
        norms, os.path.join(run.out, "state_gradients_trained.png"),
        "after training: how much error signal reaches step t"),
        "gradient picture after training")
    return summary


@exercise("vanishing", "||dL/dh_t|| against t for SimpleRNN / LSTM / GRU, at "
                       "initialisation and after training")
def vanishing(run: Run, *, epochs: Count = 15, batch_size: Count = 64,
              train_size: Count | None = None) -> dict:
    """``||dL/dh_t||`` against ``t`` for SimpleRNN, LSTM and GRU, at
    initialisation and after training on the adding problem.

    Args:
        epochs: training epochs of each network.
        batch_size: their batch.
        train_size: train on the first N training sequences (default: all).
    """
    x, y, x_test, y_test = adding_data(run.seed, train_size)
    probe = x_test[:256]
    summary, at_init, trained = {}, {}, {}
    for cell in CELLS:
        fresh = builders.sequence_model((ADDING_LENGTH, 2), cell=cell, units=32,
                                        seed=run.seed)
        at_init[cell] = _state_gradients(fresh, probe)
        model, history = train_adding(
            cell, x, y, x_test, y_test, seed=run.seed, epochs=epochs,
            batch_size=batch_size, verbose=run.verbose, callbacks=run.backup())
        trained[cell] = _state_gradients(model, probe, y_test[:256])
        for label, norms in (("init", at_init[cell]), ("trained", trained[cell])):
            summary[f"{cell}_ratio_{label}"] = Row(
                float(norms[0] / norms[-1]),
                f"{cell} ({label}): ||dL/dh_1|| / ||dL/dh_T||", "{:.1e}")
        summary[f"{cell}_mse"] = Row(history.history["val_loss"][-1],
                                     f"{cell}: test MSE after training", "{:.4f}")
    summary["figures"] = [
        _plot_state_gradients(at_init, os.path.join(run.out, "state_gradients_init.png"),
                              "at initialisation (L = sum of h_T)"),
        _plot_state_gradients(trained,
                              os.path.join(run.out, "state_gradients_trained.png"),
                              f"after {epochs} epochs on the adding problem"),
    ]
    return summary


@exercise("clipping", "exploding gradients: a ReLU RNN with and without gradient "
                      "clipping; the clip factor checked")
def clipping(run: Run, *, epochs: Count = 5, batch_size: Count = 64,
             train_size: Count | None = None) -> dict:
    """A ReLU RNN with recurrent gain 1.2 trained with and without gradient
    clipping, and the course's clip factor checked against Keras'.

    Args:
        epochs: training epochs of each network.
        batch_size: their batch (and the batch of the clip-factor check).
        train_size: train on the first N training sequences (default: all).
    """
    x, y, x_test, y_test = adding_data(run.seed, train_size, n_train=4000)
    threshold = 1.0

    # The course's clip factor, against what Keras applies.
    model = exploding_rnn(run.seed)
    loss_fn = keras.losses.MeanSquaredError()
    with tf.GradientTape() as tape:
        loss = loss_fn(y[:batch_size], model(x[:batch_size]))
    grads = [g.numpy() for g in tape.gradient(loss, model.trainable_variables)]
    factor, norm = gradients.clip_factor(grads, threshold)
    before = [v.numpy().copy() for v in model.trainable_variables]
    keras.optimizers.SGD(1.0, global_clipnorm=threshold).apply_gradients(
        zip([tf.constant(g) for g in grads], model.trainable_variables))
    applied = [b - v.numpy() for b, v in zip(before, model.trainable_variables)]
    mismatch = max(float(np.max(np.abs(a - factor * g)))
                   for a, g in zip(applied, grads))
    # clipnorm (without "global") clips each variable's gradient by its own norm:
    # a different update whenever more than one variable is clipped.
    for v, b in zip(model.trainable_variables, before):
        v.assign(b)
    keras.optimizers.SGD(1.0, clipnorm=threshold).apply_gradients(
        zip([tf.constant(g) for g in grads], model.trainable_variables))
    per_variable = [b - v.numpy() for b, v in zip(before, model.trainable_variables)]
    per_variable_gap = max(float(np.max(np.abs(a - factor * g)))
                           for a, g in zip(per_variable, grads))

    curves = {}
    summary = {
        "init_grad_norm": Row(float(norm), "gradient norm at initialisation",
                              "{:.3g}"),
        "clip_factor": Row(float(factor), "course clip factor threshold/||g||",
                           "{:.3g}"),
        "clip_mismatch": Row(mismatch, "max |Keras global_clipnorm update - "
                                       "factor * g|", "{:.1e}"),
        "clipnorm_gap": Row(per_variable_gap, "max |Keras clipnorm (per variable) "
                                              "update - factor * g|", "{:.1e}",
                            note="clipnorm clips each variable on its own"),
    }
    for label, kwargs in (("no clipping", {}),
                          (f"global_clipnorm={threshold}",
                           {"global_clipnorm": threshold})):
        curves[label], last = train_with_clipping(
            exploding_rnn(run.seed), kwargs, x, y, x_test, y_test, epochs=epochs,
            batch_size=batch_size, verbose=run.verbose, callbacks=run.backup())
        key = label.split("=")[0].replace(" ", "_")
        summary[f"{key}_final_loss"] = Row(
            last, f"{label}: final training loss", "{:.4g}",
            note=None if np.isfinite(last) else "diverged: NaN/inf, training "
                                                "stopped")
        summary[f"{key}_updates"] = Row(len(curves[label]), f"{label}: updates run")
    summary["loss_curves"] = viz.plot_curves(
        curves, os.path.join(run.out, "clipping.png"), xlabel="update",
        ylabel="training loss (running epoch mean)", logy=True,
        title=f"ReLU RNN, recurrent gain {RECURRENT_GAIN}, SGD 1e-2")
    return summary
