"""keras_genai.bptt: truncated BPTT against full BPTT and the forward pass,
its checks, and the cost measured in a child process."""

import math

import keras
import numpy as np
import pytest

from keras_genai import builders
from keras_genai.bptt import bptt_cost
from keras_genai.bptt import truncated_bptt


def _pair(batch, seed=0):
    options = dict(input_shape=(None, 1), cell="lstm", units=4,
                   return_sequences=True, seed=seed)
    stateful = builders.sequence_model(stateful_batch=batch, **options)
    plain = builders.sequence_model(**options)
    plain.set_weights(stateful.get_weights())
    for model in (stateful, plain):
        model.compile(keras.optimizers.SGD(0.1), "mse")
    return stateful, plain


def _data(batch=4, steps=12):
    rng = np.random.default_rng(0)
    return (rng.normal(size=(batch, steps, 1)).astype("float32"),
            rng.normal(size=(batch, steps, 1)).astype("float32"))


def test_full_bptt_is_one_update_on_the_whole_sequence():
    x, y = _data()
    stateful, plain = _pair(len(x))
    losses = truncated_bptt(stateful, x, y, truncation=None)
    plain.train_on_batch(x, y)
    assert len(losses) == 1
    for a, b in zip(stateful.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_chunks_carry_the_state_and_start_from_zeros():
    x, y = _data()
    stateful, plain = _pair(len(x))
    # With the state carried, the chunks' outputs are the whole sequence's.
    for layer in stateful.layers:
        if hasattr(layer, "reset_states"):
            layer.reset_states()
    chunks = [stateful.predict_on_batch(x[:, s:s + 5]) for s in range(0, 12, 5)]
    np.testing.assert_allclose(np.concatenate(chunks, axis=1),
                               plain.predict_on_batch(x), atol=1e-5)
    # Updates every 5 steps: ceil(12 / 5) = 3 losses; each pass starts from
    # zero states, so a pass that learns nothing repeats its losses.
    stateful.compile(keras.optimizers.SGD(0.0), "mse")
    first = truncated_bptt(stateful, x, y, truncation=5)
    assert len(first) == math.ceil(12 / 5)
    np.testing.assert_allclose(truncated_bptt(stateful, x, y, truncation=5), first,
                               rtol=1e-6)
    # Each chunk's loss is the whole network's loss on those steps: the
    # state was carried from chunk to chunk, not reset.
    out = plain.predict_on_batch(x)
    for chunk, (start, stop) in enumerate([(0, 5), (5, 10), (10, 12)]):
        expected = float(np.mean((out[:, start:stop] - y[:, start:stop]) ** 2))
        assert first[chunk] == pytest.approx(expected, rel=1e-5), chunk


def test_truncated_bptt_checks_its_inputs():
    x, y = _data()
    stateful, plain = _pair(len(x))
    with pytest.raises(ValueError, match="stateful"):
        truncated_bptt(plain, x, y, truncation=3)
    with pytest.raises(ValueError, match="same batch and time"):
        truncated_bptt(stateful, x, y[:, :5], truncation=3)
    with pytest.raises(ValueError, match="truncation"):
        truncated_bptt(stateful, x, y, truncation=0)
    with pytest.raises(ValueError, match="4 sequences.*Received: x with shape"):
        truncated_bptt(stateful, x[:2], y[:2], truncation=3)
    with pytest.raises(ValueError, match="stateful_batch"):
        builders.sequence_model(stateful_batch=0)


def test_bptt_cost_bad_arguments_fail_before_the_child_starts():
    with pytest.raises(ValueError, match="length"):
        bptt_cost(0)
    with pytest.raises(ValueError, match="truncation"):
        bptt_cost(10, truncation=-1)
    with pytest.raises((ValueError, TypeError), match="seed"):
        bptt_cost(10, seed=None)
