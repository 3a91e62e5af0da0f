"""Back-propagation through time, full and truncated, and what each costs.

Full BPTT (Werbos 1990) differentiates the loss of a whole sequence through
every step: one update per sequence, activations of every step kept for the
backward pass, so memory grows with the length. Truncated BPTT (Williams &
Peng 1990, "BPTT(k, k)") cuts the sequence into chunks of ``k`` steps,
carries the state from chunk to chunk but not the gradient, and updates after
each chunk: memory of ``k`` steps, and no gradient over more than ``k`` steps.
In Keras it is a stateful recurrent network (`builders.sequence_model` with
``stateful_batch``) trained chunk by chunk, as here.
"""

import json
import os
import subprocess
import sys
import time

import keras
import numpy as np

from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.compat import flatten_layers


def _recurrent_layers(model):
    return [layer for layer in flatten_layers(model)
            if isinstance(layer, keras.layers.RNN)]


def truncated_bptt(model, x, y, truncation=None):
    """One pass of (truncated) back-propagation through time over a batch
    of sequences: the states are reset, then each chunk of ``truncation``
    steps is one ``train_on_batch`` update, starting from the state the
    previous chunk ended in.

    Args:
        model: a compiled model whose recurrent layers are stateful, built
            for batches of ``len(x)`` sequences (`builders.sequence_model`
            with ``stateful_batch=len(x)`` and ``return_sequences=True``).
        x: ``(batch, time, features)`` inputs.
        y: ``(batch, time, ...)`` targets, one per step.
        truncation: steps per chunk and update (``None``: the whole
            sequence, one update: full BPTT; 1: an update after every step).

    Returns:
        The loss of each chunk, a list of floats.

    Example:

    >>> model = builders.sequence_model((None, 1), return_sequences=True,
    ...                                 stateful_batch=8)  # doctest: +SKIP
    >>> model.compile("adam", "mse")  # doctest: +SKIP
    >>> truncated_bptt(model, x[:8], y[:8], truncation=10)  # doctest: +SKIP
    """
    layers = _recurrent_layers(model)
    if not layers or not all(layer.stateful for layer in layers):
        raise ValueError("`model` must have stateful recurrent layers (e.g. "
                         "builders.sequence_model(..., stateful_batch=N)). "
                         f"Received: model={getattr(model, 'name', model)!r}")
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim < 2 or y.shape[:2] != x.shape[:2]:
        raise ValueError("`x` and `y` must be (batch, time, ...) with the same "
                         f"batch and time. Received: x with shape {x.shape}, "
                         f"y with shape {y.shape}")
    batch = model.inputs[0].shape[0] if model.inputs else None
    if batch is not None and len(x) != batch:
        raise ValueError(f"`x` must hold the {batch} sequences the stateful "
                         f"model was built for. Received: x with shape {x.shape}")
    steps = x.shape[1]
    truncation = steps if truncation is None else check_positive_int(
        "truncation", truncation)
    for layer in layers:
        layer.reset_states()
    losses = []
    for start in range(0, steps, truncation):
        stop = start + truncation
        model.reset_metrics()  # before Keras 3.15 it returned a running mean
        loss = model.train_on_batch(x[:, start:stop], y[:, start:stop])
        losses.append(float(np.ravel(loss)[0]))
    return losses


def _measure(length, truncation, batch_size, units, repeats, seed):
    """Runs in a fresh process: seconds per pass and the rise of the peak
    resident memory over what the process held before its first update."""
    import resource

    from keras_genai import builders

    keras.utils.set_random_seed(seed)
    model = builders.sequence_model((None, 1), cell="lstm", units=units,
                                    return_sequences=True,
                                    stateful_batch=batch_size, seed=seed)
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch_size, length, 1)).astype("float32")
    y = rng.standard_normal((batch_size, length, 1)).astype("float32")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    truncated_bptt(model, x, y, truncation)  # traces the update
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        truncated_bptt(model, x, y, truncation)
        times.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": float(np.median(times)),
            "peak_mb": (after - before) / 1024.0}  # ru_maxrss is in KiB


def bptt_cost(length, truncation=None, batch_size=32, units=64, repeats=3,
              seed=0):
    """Time and memory of one pass of (truncated) BPTT over a batch of
    sequences of ``length`` steps, an LSTM with a read-out at every step,
    measured in a fresh Python process (so that one measurement's peak
    memory is not another's).

    Args:
        length: steps per sequence.
        truncation: steps per update (``None``: full BPTT).
        batch_size: sequences per batch.
        units: the LSTM's units.
        repeats: passes timed after a first one that traces (the median is
            reported).
        seed: seed of the weights and the data.

    Returns:
        ``{"seconds": ..., "peak_mb": ...}``: the median seconds per pass
        over the whole sequence (``length / truncation`` updates when
        truncated) and how far the process' peak resident memory rose
        above what it held before its first update, in MiB.

    Example:

    >>> cost = bptt_cost(2000)  # doctest: +SKIP
    >>> cost["peak_mb"] > bptt_cost(2000, truncation=50)["peak_mb"]  # doctest: +SKIP
    True
    """
    options = dict(length=check_positive_int("length", length),
                   truncation=None if truncation is None
                   else check_positive_int("truncation", truncation),
                   batch_size=check_positive_int("batch_size", batch_size),
                   units=check_positive_int("units", units),
                   repeats=check_positive_int("repeats", repeats),
                   seed=check_positive_int("seed", seed, minimum=0))
    code = ("import json, sys; from keras_genai.bptt import _measure; "
            "print('RESULT ' + json.dumps(_measure(**json.loads(sys.argv[1]))))")
    # The child imports this package from where this process found it
    # (a checkout on sys.path, not an installed copy, in a notebook).
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": path}
    done = subprocess.run([sys.executable, "-c", code, json.dumps(options)],
                          capture_output=True, text=True, env=env, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"The measuring process failed (exit {done.returncode}):"
                           f"\n{done.stderr[-2000:]}")
    return json.loads(lines[-1][len("RESULT "):])
