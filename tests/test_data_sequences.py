"""keras_genai.data.sequences: the adding problem, sine waves, future context."""

import numpy as np
import pytest

from keras_genai import data


def test_adding_problem_targets_and_baseline():
    x, y = data.adding_problem(n=4000, length=20, seed=1)
    assert x.shape == (4000, 20, 2) and y.shape == (4000, 1)
    markers = x[..., 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :10].sum(axis=1) == 1)
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * markers).sum(axis=1), rtol=1e-6)
    # Always predicting 1 gives Var(u1 + u2) = 1/6.
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, abs=0.01)
    np.testing.assert_array_equal(data.adding_problem(5, 8, seed=3)[0],
                                  data.adding_problem(5, 8, seed=3)[0])


def test_sine_waves_continue_the_series():
    x, y = data.sine_waves(n=3, length=40, horizon=4, noise=0.0, seed=0)
    assert x.shape == (3, 40, 1) and y.shape == (3, 4)
    assert np.abs(x).max() <= 1.0 and np.abs(y).max() <= 1.0
    # Without noise the series is smooth: the first target continues the input.
    step = np.abs(np.diff(x[:, :, 0], axis=1)).max()
    assert np.all(np.abs(y[:, 0] - x[:, -1, 0]) <= step + 1e-6)


def test_future_context_labels_and_causal_ceiling():
    x, y = data.future_context(n=3000, length=12, window=2, seed=0)
    signs = x[..., 0]
    t = 5
    np.testing.assert_array_equal(y[:, t, 0], signs[:, t - 2:t + 3].sum(axis=1) > 0)
    # The best causal guess uses sign(x_{t-2} + x_{t-1} + x_t): right 81.25% of
    # the time in the interior.
    guess = signs[:, t - 2:t + 1].sum(axis=1) > 0
    assert np.mean(guess == y[:, t, 0]) == pytest.approx(0.8125, abs=0.02)


def test_sine_anomalies_offsets_exactly_the_labelled_steps():
    clean, none = data.sine_anomalies(n=200, length=80, rate=0.0, seed=3)
    assert clean.shape == (200, 80, 1) and not none.any()
    x, labels = data.sine_anomalies(n=200, length=80, rate=0.03,
                                    magnitude=(0.5, 1.0), seed=3)
    # The same waves and noise, moved only where labelled, by 0.5 to 1.0.
    moved = np.abs(x[..., 0] - clean[..., 0])
    np.testing.assert_allclose(moved[labels == 0], 0.0, atol=1e-6)
    assert moved[labels > 0].min() >= 0.5 - 1e-6
    assert moved[labels > 0].max() <= 1.0 + 1e-6
    assert not labels[:, :10].any()
    # Runs of 1 (spikes) and 5 (shifts; shorter only where the series ends),
    # about 3% of the steps starting one.
    texts = ["".join(map(str, row)) for row in labels]
    runs = [r for text in texts for r in text.split("0") if r]
    inside = {r for text in texts for r in text.rstrip("2").split("0") if r}
    assert inside == {"1", "22222"}
    assert 0.02 < len(runs) / (200 * 70) < 0.04


@pytest.mark.parametrize("fn, kwargs, argument", [
    (data.adding_problem, dict(length=1), "length"),
    (data.sine_waves, dict(noise=-1.0), "noise"),
    (data.sine_waves, dict(horizon=0), "horizon"),
    (data.future_context, dict(window=0), "window"),
    (data.sine_anomalies, dict(rate=1.5), "rate"),
    (data.sine_anomalies, dict(magnitude=(1.0, 0.5)), "magnitude"),
    (data.sine_anomalies, dict(magnitude=0.5), "magnitude"),
    (data.sine_anomalies, dict(rate="often"), "rate"),
    (data.echo_sequences, dict(delay=50, length=50), "delay"),
    (data.echo_sequences, dict(seed=1.5), "seed"),
    (data.sine_anomalies, dict(length=5), "length"),
])
def test_bad_arguments(fn, kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        fn(**kwargs)
