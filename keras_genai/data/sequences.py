"""Synthetic sequence tasks for the recurrent-network lessons (Unit III).

* `adding_problem`: a long-range memory task (Hochreiter & Schmidhuber 1997,
  experiment 4; in the form of Le, Jaitly & Hinton 2015).
* `sine_waves`: next-values forecasting of noisy sine waves.
* `sine_anomalies`: noisy sine waves with injected spikes and level shifts,
  labelled step by step, for anomaly detection by forecast error.
* `echo_sequences`: repeat the input of ``delay`` steps ago, a memory task
  with a target at every step (for truncated back-propagation through time).
* `future_context`: per-step labels that depend on the inputs *after* the step,
  so only a bidirectional network can get them all right.
"""

import numpy as np

from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed


def adding_problem(n=1000, length=50, seed=0):
    """The adding problem: add the two marked numbers of a long sequence.

    Each sequence has two channels: ``length`` numbers drawn uniformly from
    ``[0, 1]``, and a marker channel that is 1 at exactly two positions (one in
    each half of the sequence) and 0 elsewhere. The target is the sum of the two
    marked numbers. Predicting the mean, 1, for every sequence gives a mean squared
    error of ``Var(u1 + u2) = 2/12 ~ 0.167``; a network beats that only if it
    carries the first marked number across at least ``length / 2`` steps.

    Args:
        n: number of sequences.
        length: time steps per sequence (>= 2).
        seed: integer seed.

    Returns:
        ``(x, y)``: float32 ``(n, length, 2)`` and float32 ``(n, 1)``.

    Example:

    >>> x, y = adding_problem(n=4, length=10)
    >>> x.shape, y.shape
    ((4, 10, 2), (4, 1))
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length, minimum=2)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n, length))
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((n, length))
    markers[np.arange(n), first] = 1.0
    markers[np.arange(n), second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[np.arange(n), first] + values[np.arange(n), second])[:, None]
    return x, y.astype(np.float32)


def sine_waves(n=1000, length=50, horizon=1, noise=0.05, seed=0):
    """Noisy sine waves of random frequency and phase, for forecasting.

    Each series is ``sin(2 pi f t + phi) + noise`` at ``t = 0, 1, ..., length +
    horizon - 1`` with ``f`` uniform in ``[0.02, 0.1]`` cycles per step and ``phi``
    uniform in ``[0, 2 pi)``. The network sees the first ``length`` values and
    predicts the noiseless next ``horizon`` values.

    Args:
        n: number of series.
        length: observed steps.
        horizon: steps to predict.
        noise: standard deviation of the Gaussian noise on the observed values.
        seed: integer seed.

    Returns:
        ``(x, y)``: float32 ``(n, length, 1)`` and float32 ``(n, horizon)``.

    Example:

    >>> x, y = sine_waves(n=2, length=30, horizon=5)
    >>> x.shape, y.shape
    ((2, 30, 1), (2, 5))
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length)
    horizon = check_positive_int("horizon", horizon)
    if not noise >= 0:
        raise ValueError(f"`noise` must be >= 0. Received: noise={noise!r}")
    rng = np.random.default_rng(seed)
    freq = rng.uniform(0.02, 0.1, size=(n, 1))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=(n, 1))
    t = np.arange(length + horizon)[None, :]
    clean = np.sin(2.0 * np.pi * freq * t + phase)
    x = clean[:, :length] + noise * rng.standard_normal((n, length))
    return x[..., None].astype(np.float32), clean[:, length:].astype(np.float32)


def echo_sequences(n=1000, length=50, delay=5, seed=0):
    """Standard normal inputs, and as the target at each step the input of
    ``delay`` steps before (0 for the first ``delay`` steps): a network
    must keep the last ``delay`` inputs in its state, and a gradient must
    reach back ``delay`` steps to teach it to.

    Args:
        n: number of sequences.
        length: steps per sequence.
        delay: how many steps back the target looks.
        seed: integer seed.

    Returns:
        ``(x, y)``: float32 ``(n, length, 1)`` each.

    Example:

    >>> x, y = echo_sequences(n=1, length=4, delay=1)
    >>> bool((y[0, 1:] == x[0, :-1]).all()), float(y[0, 0, 0])
    (True, 0.0)
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length)
    delay = check_positive_int("delay", delay)
    seed = check_seed(seed)
    if delay >= length:
        raise ValueError(f"`delay` must be below `length` ({length}). "
                         f"Received: delay={delay}")
    x = np.random.default_rng(seed).standard_normal((n, length, 1))
    y = np.zeros_like(x)
    y[:, delay:] = x[:, :-delay]
    return x.astype(np.float32), y.astype(np.float32)


ANOMALY_KINDS = ("spike", "shift")


def sine_anomalies(n=1000, length=100, rate=0.0, magnitude=(0.5, 1.0),
                   shift_length=5, noise=0.05, seed=0):
    """Noisy sine waves (as `sine_waves`) with anomalies injected, and a label
    for every step: 0 normal, 1 a spike, 2 a level shift.

    Each step starts an anomaly with probability ``rate`` (none in the first
    10 steps, which a forecaster needs as context; none where one is under
    way), half of them of each kind: a **spike**, one value moved by ``+/- m``,
    or a **level shift**, ``shift_length`` values moved by ``+/- m``, with
    ``m`` uniform in ``magnitude``. ``rate=0`` gives clean training series.

    Args:
        n: number of series.
        length: steps per series.
        rate: probability that a step starts an anomaly.
        magnitude: ``(low, high)`` of the offset (the waves have amplitude 1).
        shift_length: steps of a level shift.
        noise: standard deviation of the Gaussian noise on every value.
        seed: integer seed.

    Returns:
        ``(x, labels)``: float32 ``(n, length, 1)`` and int32 ``(n, length)``
        (``ANOMALY_KINDS[label - 1]`` on the anomalous steps, 0 elsewhere).

    Example:

    >>> x, labels = sine_anomalies(n=2, length=60, rate=0.02)
    >>> x.shape, labels.shape
    ((2, 60, 1), (2, 60))
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length, minimum=11)
    shift_length = check_positive_int("shift_length", shift_length)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) \
            or not 0.0 <= rate <= 1.0:
        raise ValueError(f"`rate` must be a number in [0, 1]. Received: rate={rate!r}")
    try:
        low, high = (float(m) for m in magnitude)
    except (TypeError, ValueError):
        low = high = -1.0
    if not 0.0 <= low <= high:
        raise ValueError("`magnitude` must be (low, high) with 0 <= low <= high. "
                         f"Received: magnitude={magnitude!r}")
    seed = check_seed(seed)
    x, _ = sine_waves(n, length, 1, noise=noise, seed=seed)
    x = x[..., 0].astype(np.float64)
    rng = np.random.default_rng([seed, 1])
    labels = np.zeros((n, length), np.int32)
    for i in range(n):
        t = 10
        while t < length:
            if rng.random() >= rate:
                t += 1
                continue
            kind = 1 if rng.random() < 0.5 else 2
            span = 1 if kind == 1 else shift_length
            offset = rng.choice([-1.0, 1.0]) * rng.uniform(low, high)
            x[i, t:t + span] += offset
            labels[i, t:t + span] = kind
            t += span + 1  # anomalies never touch
    return x[..., None].astype(np.float32), labels


def future_context(n=1000, length=20, window=2, seed=0):
    """Per-step majority votes over a window reaching into the future.

    The inputs are random signs ``x_t`` in ``{-1, +1}``; the label of step ``t`` is
    1 when ``x_{t-w} + ... + x_{t+w} > 0`` (a centred window of ``2w + 1`` steps,
    with zeros beyond the ends). A unidirectional RNN reading left to right has not
    seen ``x_{t+1}, ..., x_{t+w}`` when it labels step ``t``; a bidirectional one
    has. With ``window=2`` the best any left-to-right model can do is 81.25% (it is
    certain only when the three steps it has seen agree, which happens with
    probability 1/4, and otherwise right 3 times in 4), while a bidirectional model
    can reach 100%.

    Args:
        n: number of sequences.
        length: time steps per sequence.
        window: ``w``, the steps on each side that count.
        seed: integer seed.

    Returns:
        ``(x, y)``: float32 ``(n, length, 1)`` signs and float32 ``(n, length, 1)``
        labels in ``{0, 1}``.

    Example:

    >>> x, y = future_context(n=2, length=8)
    >>> x.shape, y.shape
    ((2, 8, 1), (2, 8, 1))
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length)
    window = check_positive_int("window", window)
    rng = np.random.default_rng(seed)
    x = rng.choice(np.array([-1.0, 1.0]), size=(n, length))
    padded = np.pad(x, ((0, 0), (window, window)))
    sums = sum(padded[:, k:k + length] for k in range(2 * window + 1))
    y = (sums > 0).astype(np.float32)
    return x[..., None].astype(np.float32), y[..., None]


def causal_ceiling(length=20, window=2):
    """The best per-step accuracy any left-to-right model can reach on
    `future_context`, averaged over the steps of a sequence.

    At step ``t`` a causal model knows ``x_0 .. x_t``; the label also depends on
    the unseen ``x_{t+1} .. x_{t+w}``. The Bayes-optimal guess picks the more
    likely label given what was seen; this enumerates every case exactly (each
    sign is +1 or -1 with probability 1/2).

    Args:
        length: time steps per sequence.
        window: ``w`` of `future_context`.

    Returns:
        The mean over ``t`` of the Bayes accuracy at ``t``, a float.

    Example:

    >>> round(causal_ceiling(length=1000, window=2), 3)
    0.813
    """
    import itertools

    length = check_positive_int("length", length)
    window = check_positive_int("window", window)
    total = 0.0
    for t in range(length):
        known = t - max(0, t - window) + 1
        unknown = min(length - 1, t + window) - t
        accuracy = 0.0
        for seen in itertools.product((-1, 1), repeat=known):
            ones = 0
            for hidden in itertools.product((-1, 1), repeat=unknown):
                ones += (sum(seen) + sum(hidden)) > 0
            p_one = ones / 2 ** unknown
            accuracy += max(p_one, 1.0 - p_one) / 2 ** known
        total += accuracy
    return total / length
