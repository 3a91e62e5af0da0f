"""Unit III exercises on sequence tasks: ``bidirectional`` (labels that need
the future) and ``forecast`` (noisy sine waves)."""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai import viz
from keras_genai.utils import build_for_fit
from units import common
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.lab import take


@exercise("bidirectional", "labels that need the future: bidirectional vs "
                           "unidirectional and stacked RNNs")
def bidirectional(run: Run, *, epochs: Count = 8, batch_size: Count = 64,
                  train_size: Count | None = None) -> dict:
    """Per-step labels that depend on the next steps: bidirectional SimpleRNN
    and LSTM against unidirectional LSTMs (one or two layers) and the best any
    left-to-right reader can do.

    Args:
        epochs: training epochs of each network.
        batch_size: their batch.
        train_size: train on the first N training sequences (default: all).
    """
    x, y = data.future_context(6000, length=20, window=2, seed=run.seed)
    x, y = take(train_size, x, y)
    x_test, y_test = data.future_context(1000, length=20, window=2,
                                         seed=run.seed + 1)
    ceiling = data.causal_ceiling(length=20, window=2)
    curves, summary = {}, {}
    setups = {
        "unidirectional LSTM": ("lstm", False, 1, "uni"),
        "stacked unidirectional LSTM (2 layers)": ("lstm", False, 2, "stacked"),
        "bidirectional SimpleRNN": ("simple", True, 1, "bi_simple"),
        "bidirectional LSTM": ("lstm", True, 1, "bi"),
    }
    for label, (cell, bi, layers, key) in setups.items():
        reseed(run.seed)
        model = builders.sequence_model((None, 1), cell=cell, units=16,
                                        num_layers=layers, bidirectional=bi,
                                        return_sequences=True,
                                        output_activation="sigmoid",
                                        seed=run.seed)
        model.compile(keras.optimizers.Adam(3e-3), "binary_crossentropy",
                      metrics=["accuracy"])
        build_for_fit(model, x, y)
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs,
                            validation_data=(x_test, y_test), callbacks=run.backup(),
                            verbose=run.verbose)
        curves[label] = history.history["val_accuracy"]
        summary[f"{key}_accuracy"] = Row(history.history["val_accuracy"][-1],
                                         f"{label}: per-step test accuracy",
                                         "{:.1%}")
    summary["causal_ceiling"] = Row(
        ceiling, "best any left-to-right model can do", "{:.1%}",
        note="in expectation; 81.25% away from the ends; a finite test set moves "
             "it by about 0.5%")
    curves["best any left-to-right model can do"] = [ceiling] * epochs
    summary["accuracy_curves"] = viz.plot_curves(
        curves, os.path.join(run.out, "bidirectional.png"), ylabel="test accuracy",
        title="label_t = [x_{t-2} + ... + x_{t+2} > 0]")
    return summary


@exercise("forecast", "LSTM forecasting of noisy sine waves vs the naive forecast",
          export=os.path.join("saved_models", "unit3_forecast"))
def forecast(run: Run, *, epochs: Count = 20, batch_size: Count = 64,
             train_size: Count | None = None) -> dict:
    """An LSTM forecasts the next 10 values of noisy sine waves, against
    repeating the last value; the model is exported.

    Args:
        epochs: training epochs.
        batch_size: the training batch.
        train_size: train on the first N training sequences (default: all).
    """
    length, horizon = 50, 10
    x, y = data.sine_waves(4000, length, horizon, seed=run.seed)
    x, y = take(train_size, x, y)
    x_test, y_test = data.sine_waves(500, length, horizon, seed=run.seed + 1)
    model = builders.sequence_model((length, 1), cell="lstm", units=32,
                                    output_units=horizon, seed=run.seed,
                                    name="sine_forecaster")
    model.compile(keras.optimizers.Adam(3e-3), "mse")
    build_for_fit(model, x, y)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs,
                        validation_data=(x_test, y_test), callbacks=run.backup(),
                        verbose=run.verbose)
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
        "forecasts": viz.plot_curves(series, os.path.join(run.out, "forecast.png"),
                                     xlabel="t", ylabel="value",
                                     title=f"next {horizon} values"),
        "loss_curve": viz.plot_history(history, os.path.join(run.out, "loss.png"),
                                       keys=["loss", "val_loss"]),
        **common.export_if_asked(model, run.export, f"serve: series[None, {length}, 1] "
                                              f"-> next {horizon} values"),
    }
