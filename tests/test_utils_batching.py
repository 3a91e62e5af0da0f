"""keras_genai.utils.batching: padding to whole batches, one trace for any
number of examples, and one compiled function per object and name."""

import numpy as np
import pytest
import tensorflow as tf

from keras_genai import builders
from keras_genai.utils.batching import cached_function
from keras_genai.utils.batching import map_fixed_batches
from keras_genai.utils.batching import pad_to_batches
from keras_genai.utils.batching import predict_fixed

SHAPE = (8, 8, 1)


def test_pad_to_batches_repeats_the_last_example():
    a, b = pad_to_batches([np.arange(5), np.arange(10).reshape(5, 2)], 4)
    np.testing.assert_array_equal(a, [0, 1, 2, 3, 4, 4, 4, 4])
    np.testing.assert_array_equal(b[5:], [[8, 9]] * 3)
    (same,) = pad_to_batches([np.arange(8)], 4)
    assert len(same) == 8


def test_predict_fixed_pads_to_one_batch_shape_and_never_retraces():
    generator = builders.dcgan_generator(4, SHAPE, filters=(8, 4))
    z = np.random.default_rng(0).normal(size=(11, 4)).astype("float32")
    full = predict_fixed(generator, [z], batch_size=4)
    assert full.shape == (11,) + SHAPE
    np.testing.assert_allclose(full, generator(z, training=False), atol=1e-5)
    for n in (1, 3, 7):
        predict_fixed(generator, [z[:n]], batch_size=4)
    assert generator.predict_function.experimental_get_tracing_count() == 1


def test_map_fixed_batches_traces_once_and_returns_every_output():
    fn = tf.function(lambda x, y: (x + y, 2 * x))
    x = np.arange(10, dtype="float32").reshape(5, 2)
    total, double = map_fixed_batches(fn, [x, np.ones_like(x)], 2)
    np.testing.assert_array_equal(total, x + 1)
    np.testing.assert_array_equal(double, 2 * x)
    map_fixed_batches(fn, [x[:1], x[:1]], 2)
    assert fn.experimental_get_tracing_count() == 1
    with pytest.raises(ValueError, match="batch_size"):
        map_fixed_batches(fn, [x, x], 0)


def test_cached_function_is_made_once_per_owner_and_name():
    class Owner:
        pass

    a, b = Owner(), Owner()
    double = cached_function(a, "f", lambda x: 2 * x)
    assert cached_function(a, "f", lambda x: 3 * x) is double
    assert cached_function(b, "f", lambda x: 3 * x) is not double
    assert float(double(tf.constant(2.0))) == 4.0
    assert float(cached_function(b, "f", None)(tf.constant(2.0))) == 6.0
