"""Unit III exercises on sequence tasks: ``bidirectional`` (labels that need
the future), ``forecast`` (noisy sine waves) and ``anomaly`` (flagging
anomalies by forecast error)."""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai import viz
from keras_genai.metrics import roc_auc
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
    left-to-right reader can do; and a bidirectional LSTM whose directions
    each predict and have their probabilities averaged (the notes'
    ``p_t = p_tf + p_tb``) instead of one read-out of both states.

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
    setups["bidirectional LSTM, the directions' probabilities averaged"] = (
        "lstm", "late", 1, "bi_late")
    for label, (cell, bi, layers, key) in setups.items():
        reseed(run.seed)
        if bi == "late":
            model = builders.late_fusion_birnn((None, 1), cell=cell, units=16,
                                               seed=run.seed)
        else:
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


ANOMALY_LENGTH = 100
CONTEXT = 10  # steps a forecaster reads before it is scored (never anomalous)


def forecast_errors(model, series):
    """Each step's anomaly score, ``|x_t - forecast_t|`` for ``t = CONTEXT,
    CONTEXT + 1, ...``: of ``model`` (which reads ``x_0 .. x_{T-2}`` and
    forecasts the next value at every step) and of the naive forecast
    ``x_{t-1}``.

    Args:
        model: a next-step forecaster, ``(N, T - 1, 1) -> (N, T - 1, 1)``.
        series: ``(N, T, 1)`` series.

    Returns:
        ``(model_errors, naive_errors)``, each ``(N, T - CONTEXT)``, aligned
        with ``labels[:, CONTEXT:]`` of `data.sine_anomalies`.

    Example:

    >>> lstm, naive = forecast_errors(model, x_test)  # doctest: +SKIP
    """
    forecast = model.predict(series[:, :-1], verbose=0)[..., 0]
    # The output at step t - 1 forecasts x_t.
    ours = np.abs(series[:, 1:, 0] - forecast)[:, CONTEXT - 1:]
    naive = np.abs(np.diff(series[..., 0], axis=1))[:, CONTEXT - 1:]
    return ours, naive


@exercise("anomaly", "an LSTM forecaster flags spikes and level shifts in sine "
                     "waves by its forecast error (ROC AUC)")
def anomaly(run: Run, *, epochs: Count = 10, batch_size: Count = 64,
            train_size: Count = 2000, test_size: Count = 500,
            rate: float = 0.01) -> dict:
    """An LSTM learns to forecast the next value of clean noisy sine waves;
    on test waves with injected spikes and level shifts, each step's
    absolute forecast error is its anomaly score. ROC AUC of the score
    (anomalous steps against normal ones) for each kind, against the naive
    forecast's (the previous value), and what a threshold at the 99th
    percentile of the errors on clean waves flags.

    Args:
        epochs: training epochs.
        batch_size: the training batch.
        train_size: clean training series.
        test_size: test series with anomalies.
        rate: probability that a test step starts an anomaly.
    """
    if not 0.0 < rate <= 0.5:
        raise ValueError(f"--rate must be in (0, 0.5]. Received: --rate={rate}")
    x, _ = data.sine_anomalies(train_size, ANOMALY_LENGTH, seed=run.seed)
    clean, _ = data.sine_anomalies(test_size, ANOMALY_LENGTH, seed=run.seed + 1)
    x_test, labels = data.sine_anomalies(test_size, ANOMALY_LENGTH, rate=rate,
                                         seed=run.seed + 2)
    model = builders.sequence_model((None, 1), cell="lstm", units=32,
                                    return_sequences=True, seed=run.seed,
                                    name="next_step_forecaster")
    model.compile(keras.optimizers.Adam(3e-3), "mse")
    # Each step's output forecasts the next value.
    build_for_fit(model, x[:, :-1], x[:, 1:])
    history = model.fit(x[:, :-1], x[:, 1:], batch_size=batch_size, epochs=epochs,
                        callbacks=run.backup(), verbose=run.verbose)

    kinds = labels[:, CONTEXT:]
    scores = dict(zip(("LSTM", "naive"), forecast_errors(model, x_test)))

    def auc_of(score, anomalous):
        # None where the test set holds no step of a kind (a tiny --rate).
        return roc_auc(score[kinds == 0], score[anomalous]) \
            if anomalous.any() and (kinds == 0).any() else None

    auc = {name: {kind: auc_of(score, kinds == k)
                  for k, kind in enumerate(data.ANOMALY_KINDS, 1)}
           for name, score in scores.items()}
    for name, score in scores.items():
        auc[name]["all"] = auc_of(score, kinds > 0)
    threshold = float(np.quantile(forecast_errors(model, clean)[0], 0.99))
    flagged = scores["LSTM"] > threshold
    shown = int(np.argmax((kinds == 1).any(1) & (kinds == 2).any(1)))
    t = np.arange(CONTEXT, ANOMALY_LENGTH)
    marked = np.where(kinds[shown] > 0, x_test[shown, CONTEXT:, 0], np.nan)
    return {
        "anomalous_steps": Row(float(np.mean(kinds > 0)), "anomalous test steps",
                               "{:.1%}"),
        "roc_auc": Row(auc, "ROC AUC of the forecast error", "{:.3f}"),
        "threshold": Row(threshold, "threshold (99th percentile on clean waves)",
                         "{:.3f}"),
        "recall": Row({kind: float(np.mean(flagged[kinds == k]))
                       if (kinds == k).any() else None
                       for k, kind in enumerate(data.ANOMALY_KINDS, 1)},
                      "anomalous steps flagged", "{:.1%}"),
        "false_alarms": Row(float(np.mean(flagged[kinds == 0])),
                            "normal steps flagged", "{:.1%}"),
        "series": viz.plot_curves(
            {"series": (t, x_test[shown, CONTEXT:, 0]), "anomalies": (t, marked),
             "|error| of the LSTM": (t, scores["LSTM"][shown]),
             "threshold": (t, np.full(len(t), threshold))},
            os.path.join(run.out, "anomaly.png"), xlabel="t", ylabel="value",
            title="a test series, its anomalies and the forecast error"),
        "loss_curve": viz.plot_history(history, os.path.join(run.out, "loss.png"),
                                       keys=["loss"]),
    }
