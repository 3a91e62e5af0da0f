"""Unit III lab: recurrent networks, back-propagation through time, vanishing and
exploding gradients.

Run ``python -m units.unit3_rnn --exercise NAME`` (``--help`` lists them):

* ``memory`` (default): the adding problem (add the two marked numbers of a long
  sequence). Always answering 1 scores an MSE of 1/6 ~ 0.167; LSTM and GRU get far
  below it, a SimpleRNN does not at this length.
* ``vanishing``: ``||dL/dh_t||`` against the time step ``t`` for SimpleRNN, LSTM and
  GRU (computed with ``tf.GradientTape`` by unrolling each cell), at
  initialisation and after training on the adding problem. At initialisation the
  gated cells' gradients vanish too (a forget gate near sigmoid(1) ~ 0.73 shrinks
  them every step); training teaches them to keep their gates open, which a
  SimpleRNN cannot do.
* ``clipping``: a ReLU RNN with recurrent weights of gain 1.2, trained with and without
  gradient clipping: without, the loss explodes; with ``global_clipnorm`` it
  trains. Checks that the course's clip factor ``threshold / ||g||`` is what Keras
  applies.
* ``bidirectional``: per-step labels that depend on the next steps: a
  bidirectional LSTM (or SimpleRNN: the window is short) beats a unidirectional
  one, stacked or not, which cannot do better than
  the exact Bayes ceiling for a left-to-right reader (81.9% in expectation
  over 20-step sequences; a 1,000-sequence test set moves it by about 0.5%).
* ``forecast``: an LSTM forecasts the next 10 values of noisy sine waves, against
  the naive "repeat the last value" forecast; the model is exported.
* ``text-generation``: character-level language models (an LSTM, a GRU and a
  small causal transformer) on the prose of Python's own reference manual:
  test bits per character against the unigram floor, samples at temperatures
  0.5, 1.0 and 1.5, and the GRU trained with BPTT over 10, 30 and 100 steps.
  The LSTM's sampler is exported: ``sample(prompt, length, temperature,
  seed)`` takes and returns strings.
"""

import os
import sys

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import gradients
from keras_genai import viz
from keras_genai.cli import Lab
from keras_genai.cli import Row
from keras_genai.cli import exercise
from keras_genai.cli import positive_int
from keras_genai.cli import take
from keras_genai.utils import build_for_fit
from units import common
from units.common import reseed
from units.unit3 import text

LAB = Lab(
    "unit3_rnn",
    "Unit III - recurrent networks: memory, back-propagation through time, "
    "vanishing and exploding gradients, bidirectional RNNs, forecasting, text "
    "generation.",
    default_exercise="memory",
    epochs=20,
    batch_size=64,
    options=[
        ("--bptt-lengths", dict(type=positive_int, nargs="+", default=[10, 30, 100],
                                metavar="T", help="BPTT lengths of text-generation's "
                                                  "GRU (default: %(default)s)")),
        ("--sample-length", dict(type=positive_int, default=300, metavar="N",
                                 help="characters text-generation generates per "
                                      "sample (default: %(default)s)")),
    ],
)

ADDING_LENGTH = 100  # time steps of the adding problem
ADDING_BASELINE = 1.0 / 6.0  # MSE of always predicting 1
CELLS = ("simple", "lstm", "gru")
RECURRENT_GAIN = 1.2  # the clipping exercise's exploding set-up


def _adding_data(args, n_train=10000):
    x, y = data.adding_problem(n_train, ADDING_LENGTH, seed=args.seed)
    x, y = take(args.train_size, x, y)
    x_test, y_test = data.adding_problem(2000, ADDING_LENGTH, seed=args.seed + 1)
    return x, y, x_test, y_test


def _train_adding(cell, args, x, y, x_test, y_test):
    """One recurrent network trained on the adding problem, from the same seed
    as the other cells; returns it and its history."""
    reseed(args.seed)
    model = builders.sequence_model((ADDING_LENGTH, 2), cell=cell, units=32,
                                    seed=args.seed)
    # Adam 3e-3 with clipping: at 1e-3 the LSTM needed ~25 epochs to find the
    # markers, at 3e-3 about 8 (GRU: ~3; SimpleRNN: not in 40).
    model.compile(keras.optimizers.Adam(3e-3, global_clipnorm=1.0), "mse")
    build_for_fit(model, x, y)
    history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs,
                        validation_data=(x_test, y_test), callbacks=args.backup(),
                        verbose=args.verbose)
    return model, history


def _state_gradients(model, x, y=None):
    """``||dL/dh_t||`` of a trained sequence model's first layer; with ``y`` the
    loss is the model's squared error through its read-out."""
    loss_fn = None
    if y is not None:
        readout = model.get_layer("readout")
        loss_fn = lambda h: (readout(h)[:, 0] - y[:, 0]) ** 2  # noqa: E731
    return gradients.hidden_state_gradient_norms(model.layers[0].cell, x, loss_fn)


def _plot_state_gradients(norms, path, title):
    steps = np.arange(1, len(next(iter(norms.values()))) + 1)
    return viz.plot_curves({k: (steps, v / v[-1]) for k, v in norms.items()}, path,
                           xlabel="time step t", logy=True, title=title,
                           ylabel="||dL/dh_t|| / ||dL/dh_T||")


@exercise("memory", "adding problem: LSTM and GRU remember across 100 steps, "
                    "SimpleRNN does not", epochs=15)
def memory(args, out):
    x, y, x_test, y_test = _adding_data(args)
    curves, norms = {}, {}
    summary = {"sequence_length": ADDING_LENGTH,
               "baseline_mse": Row(ADDING_BASELINE, "always answering 1: test MSE",
                                   "{:.4f}")}
    for cell in CELLS:
        model, history = _train_adding(cell, args, x, y, x_test, y_test)
        curves[cell] = history.history["val_loss"]
        summary[f"{cell}_mse"] = Row(history.history["val_loss"][-1],
                                     f"{cell}: test MSE", "{:.4f}")
        norms[cell] = _state_gradients(model, x_test[:256], y_test[:256])
    curves["always predict 1"] = [ADDING_BASELINE] * args.epochs
    summary["test_mse_curves"] = Row(viz.plot_curves(
        curves, os.path.join(out, "adding_problem.png"), ylabel="test MSE",
        logy=True, title=f"adding problem, {ADDING_LENGTH} steps, "
                         f"{len(x)} sequences"), "test MSE curves")
    summary["gradient_picture"] = Row(_plot_state_gradients(
        norms, os.path.join(out, "state_gradients_trained.png"),
        "after training: how much error signal reaches step t"),
        "gradient picture after training")
    return summary


@exercise("vanishing", "||dL/dh_t|| against t for SimpleRNN / LSTM / GRU, at "
                       "initialisation and after training", epochs=15)
def vanishing(args, out):
    x, y, x_test, y_test = _adding_data(args)
    probe = x_test[:256]
    summary, at_init, trained = {}, {}, {}
    for cell in CELLS:
        fresh = builders.sequence_model((ADDING_LENGTH, 2), cell=cell, units=32,
                                        seed=args.seed)
        at_init[cell] = _state_gradients(fresh, probe)
        model, history = _train_adding(cell, args, x, y, x_test, y_test)
        trained[cell] = _state_gradients(model, probe, y_test[:256])
        for label, norms in (("init", at_init[cell]), ("trained", trained[cell])):
            summary[f"{cell}_ratio_{label}"] = Row(
                float(norms[0] / norms[-1]),
                f"{cell} ({label}): ||dL/dh_1|| / ||dL/dh_T||", "{:.1e}")
        summary[f"{cell}_mse"] = Row(history.history["val_loss"][-1],
                                     f"{cell}: test MSE after training", "{:.4f}")
    summary["figures"] = [
        _plot_state_gradients(at_init, os.path.join(out, "state_gradients_init.png"),
                              "at initialisation (L = sum of h_T)"),
        _plot_state_gradients(trained,
                              os.path.join(out, "state_gradients_trained.png"),
                              f"after {args.epochs} epochs on the adding problem"),
    ]
    return summary


@exercise("clipping", "exploding gradients: a ReLU RNN with and without gradient "
                      "clipping; the clip factor checked", epochs=5)
def clipping(args, out):
    x, y, x_test, y_test = _adding_data(args, n_train=4000)
    threshold = 1.0

    def build():
        reseed(args.seed)  # every network starts from the same weights
        # ReLU units and a recurrent matrix whose singular values are all 1.2:
        # the gradient through T steps can grow like 1.2^T.
        return builders.sequence_model((ADDING_LENGTH, 2), cell="simple",
                                       units=32, activation="relu",
                                       recurrent_gain=RECURRENT_GAIN, seed=args.seed)

    # The course's clip factor, against what Keras applies.
    model = build()
    loss_fn = keras.losses.MeanSquaredError()
    with tf.GradientTape() as tape:
        loss = loss_fn(y[:args.batch_size], model(x[:args.batch_size]))
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
        model = build()
        model.compile(keras.optimizers.SGD(1e-2, **kwargs), "mse")
        build_for_fit(model, x, y)
        batch_losses = []
        record = keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: batch_losses.append(
                float(logs["loss"])))
        history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs,
                            validation_data=(x_test, y_test), verbose=args.verbose,
                            callbacks=[record, keras.callbacks.TerminateOnNaN(),
                                       *args.backup()])
        # Keras logs the running mean of the epoch after each batch; a value
        # that is NaN or inf ends the curve.
        curves[label] = [v if np.isfinite(v) else np.nan for v in batch_losses]
        last = float(history.history["loss"][-1])
        key = label.split("=")[0].replace(" ", "_")
        summary[f"{key}_final_loss"] = Row(
            last, f"{label}: final training loss", "{:.4g}",
            note=None if np.isfinite(last) else "diverged: NaN/inf, training "
                                                "stopped")
        summary[f"{key}_updates"] = Row(len(batch_losses), f"{label}: updates run")
    summary["loss_curves"] = viz.plot_curves(
        curves, os.path.join(out, "clipping.png"), xlabel="update",
        ylabel="training loss (running epoch mean)", logy=True,
        title=f"ReLU RNN, recurrent gain {RECURRENT_GAIN}, SGD 1e-2")
    return summary


@exercise("bidirectional", "labels that need the future: bidirectional vs "
                           "unidirectional and stacked RNNs", epochs=8)
def bidirectional(args, out):
    x, y = data.future_context(6000, length=20, window=2, seed=args.seed)
    x, y = take(args.train_size, x, y)
    x_test, y_test = data.future_context(1000, length=20, window=2,
                                         seed=args.seed + 1)
    ceiling = data.causal_ceiling(length=20, window=2)
    curves, summary = {}, {}
    setups = {
        "unidirectional LSTM": ("lstm", False, 1, "uni"),
        "stacked unidirectional LSTM (2 layers)": ("lstm", False, 2, "stacked"),
        "bidirectional SimpleRNN": ("simple", True, 1, "bi_simple"),
        "bidirectional LSTM": ("lstm", True, 1, "bi"),
    }
    for label, (cell, bi, layers, key) in setups.items():
        reseed(args.seed)
        model = builders.sequence_model((None, 1), cell=cell, units=16,
                                        num_layers=layers, bidirectional=bi,
                                        return_sequences=True,
                                        output_activation="sigmoid",
                                        seed=args.seed)
        model.compile(keras.optimizers.Adam(3e-3), "binary_crossentropy",
                      metrics=["accuracy"])
        build_for_fit(model, x, y)
        history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs,
                            validation_data=(x_test, y_test), callbacks=args.backup(),
                            verbose=args.verbose)
        curves[label] = history.history["val_accuracy"]
        summary[f"{key}_accuracy"] = Row(history.history["val_accuracy"][-1],
                                         f"{label}: per-step test accuracy",
                                         "{:.1%}")
    summary["causal_ceiling"] = Row(
        ceiling, "best any left-to-right model can do", "{:.1%}",
        note="in expectation; 81.25% away from the ends; a finite test set moves "
             "it by about 0.5%")
    curves["best any left-to-right model can do"] = [ceiling] * args.epochs
    summary["accuracy_curves"] = viz.plot_curves(
        curves, os.path.join(out, "bidirectional.png"), ylabel="test accuracy",
        title="label_t = [x_{t-2} + ... + x_{t+2} > 0]")
    return summary


@exercise("forecast", "LSTM forecasting of noisy sine waves vs the naive forecast",
          epochs=20, export=os.path.join("saved_models", "unit3_forecast"))
def forecast(args, out):
    length, horizon = 50, 10
    x, y = data.sine_waves(4000, length, horizon, seed=args.seed)
    x, y = take(args.train_size, x, y)
    x_test, y_test = data.sine_waves(500, length, horizon, seed=args.seed + 1)
    model = builders.sequence_model((length, 1), cell="lstm", units=32,
                                    output_units=horizon, seed=args.seed,
                                    name="sine_forecaster")
    model.compile(keras.optimizers.Adam(3e-3), "mse")
    build_for_fit(model, x, y)
    history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs,
                        validation_data=(x_test, y_test), callbacks=args.backup(),
                        verbose=args.verbose)
    predictions = model.predict(x_test, verbose=0)
    mse = float(np.mean((predictions - y_test) ** 2))
    naive = float(np.mean((x_test[:, -1:, 0] - y_test) ** 2))
    t = np.arange(length + horizon)
    series = {}
    for i in range(3):
        series[f"series {i}: observed"] = (t[:length], x_test[i, :, 0])
        series[f"series {i}: truth"] = (t[length:], y_test[i])
        series[f"series {i}: LSTM"] = (t[length:], predictions[i])
    return {
        "lstm_mse": Row(mse, "LSTM test MSE", "{:.4f}"),
        "naive_mse": Row(naive, "naive forecast (repeat last value) MSE", "{:.4f}"),
        "forecasts": viz.plot_curves(series, os.path.join(out, "forecast.png"),
                                     xlabel="t", ylabel="value",
                                     title=f"next {horizon} values"),
        "loss_curve": viz.plot_history(history, os.path.join(out, "loss.png"),
                                       keys=["loss", "val_loss"]),
        **common.export_if_asked(model, args.export, f"serve: series[None, {length}, 1] "
                                              f"-> next {horizon} values"),
    }


LAB.include(sys.modules[__name__], text)


def main(argv=None):
    """Runs the lab; see ``python -m units.unit3_rnn --help``.

    Example:

    >>> main(["--exercise", "forecast", "--epochs", "1", "--out", "/tmp/forecast"])
    0
    """
    return LAB.main(argv)


if __name__ == "__main__":
    sys.exit(main())
