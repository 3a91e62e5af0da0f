"""keras_genai.models.averaging: the weight average by hand, with its
warm-up, and one value on every replica."""

import keras
import numpy as np
import tensorflow as tf

from keras_genai.models.averaging import WeightAverage
from keras_genai.models.averaging import move_towards


def _network(value):
    network = keras.Sequential([keras.Input((2,)), keras.layers.Dense(
        1, kernel_initializer=keras.initializers.Constant(value),
        bias_initializer="zeros")])
    return network


def test_the_average_starts_as_a_frozen_copy_and_moves_with_its_warm_up():
    network = _network(1.0)
    ema = WeightAverage(network, decay=0.9)
    assert ema.average is not network and not ema.average.trainable
    np.testing.assert_array_equal(ema.average.get_weights()[0], np.ones((2, 1)))
    network.set_weights([np.full((2, 1), 3.0), np.zeros(1)])
    # After n = 0 updates d = min(0.9, 1 / 10) = 0.1: 0.1 * 1 + 0.9 * 3 = 2.8.
    ema.update(0)
    np.testing.assert_allclose(ema.average.get_weights()[0], 2.8, rtol=1e-6)
    # After n = 100, d = min(0.9, 101 / 110) = 0.9: 0.9 * 2.8 + 0.1 * 3 = 2.82.
    ema.update(tf.constant(100, tf.int64))
    np.testing.assert_allclose(ema.average.get_weights()[0], 2.82, rtol=1e-6)


def test_move_towards_writes_one_value_on_every_replica(mirrored_strategy):
    with mirrored_strategy.scope():
        v = tf.Variable(1.0)

    @tf.function
    def step():
        def replica_fn():
            move_towards([(v, tf.constant(3.0))], 0.5)

        mirrored_strategy.run(replica_fn)

    step()
    values = [float(t) for t in mirrored_strategy.experimental_local_results(v)]
    assert values == [2.0, 2.0]
