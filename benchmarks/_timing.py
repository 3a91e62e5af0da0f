"""Step timing shared by the benchmarks: a hand-written loop and ``fit``, timed
the same way (the interval between consecutive step ends, data included)."""

import contextlib
import io
import time

import keras
import tensorflow as tf


class StepTimer(keras.callbacks.Callback):
    """Records the time of every train batch end."""

    def __init__(self):
        super().__init__()
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def step_times(ends, warmup, per_call=1):
    """Seconds per step between consecutive ends, after ``warmup`` steps."""
    deltas = [(b - a) / per_call for a, b in zip(ends[:-1], ends[1:])]
    return deltas[warmup:]


def time_loop(model, dataset, warmup, steps, jit_compile=False):
    """``tf.function(model.train_step)`` iterated in Python over ``dataset``."""
    step = tf.function(model.train_step, jit_compile=jit_compile)
    ends = []
    iterator = iter(dataset)
    for _ in range(warmup + steps + 1):
        logs = step(next(iterator))
        float(next(iter(logs.values())))  # wait for the step to finish
        ends.append(time.perf_counter())
    return step_times(ends, warmup)


def time_fit(model, dataset, warmup, steps, per_call=1, verbose=0):
    """``model.fit`` for ``warmup + steps + 1`` steps of a repeating dataset."""
    timer = StepTimer()
    with contextlib.redirect_stdout(io.StringIO()):
        model.fit(dataset, epochs=1, steps_per_epoch=(warmup + steps + 1) * per_call,
                  verbose=verbose, callbacks=[timer])
    return step_times(timer.ends, warmup, per_call)
