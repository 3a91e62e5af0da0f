"""keras_genai.utils.build_for_fit: a plain Keras model's first ``fit`` traces
its training step once, and trains exactly as it would have."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai.utils import build_for_fit


class _Counted(keras.Model):
    """A functional model that counts the traces of its training step."""

    traces = 0

    def train_step(self, data):
        type(self).traces += 1
        return super().train_step(data)


def _model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    hidden = keras.layers.Dropout(0.5, seed=1, name="dropout")(hidden)
    _Counted.traces = 0
    model = _Counted(inputs, keras.layers.Dense(3, name="logits")(hidden),
                     name="counted")
    model.compile(keras.optimizers.Adam(1e-2),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def _data():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((32, 6)).astype("float32"),
            rng.integers(0, 3, 32).astype("int32"))


def test_fit_traces_once_and_trains_exactly_as_without_it():
    x, y = _data()
    plain = _model()
    history = plain.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert _Counted.traces == 2  # Keras' variables made in the first trace

    built = build_for_fit(_model(), x, y)
    assert built.optimizer.built and _Counted.traces == 0
    again = built.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert _Counted.traces == 1
    assert again.history == history.history
    for a, b in zip(plain.weights, built.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for a, b in zip(plain.optimizer.variables, built.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_dataset_is_read_from_its_element_spec():
    x, y = _data()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    model = build_for_fit(_model(), dataset)
    model.fit(dataset, epochs=1, shuffle=False, verbose=0)
    assert _Counted.traces == 1


def test_bad_arguments_are_refused_before_anything_is_built():
    x, y = _data()
    with pytest.raises(TypeError, match="model="):
        build_for_fit("lenet", x, y)
    inputs = keras.Input((6,))
    uncompiled = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    with pytest.raises(ValueError, match="not compiled"):
        build_for_fit(uncompiled, x, y)
    model = _model()
    with pytest.raises(TypeError, match="x with an element of type float"):
        build_for_fit(model, [[0.0] * 6] * 4, y)
    with pytest.raises(TypeError, match="y with an element of type int"):
        build_for_fit(model, x, [1, 2])
    with pytest.raises(ValueError, match="y="):
        build_for_fit(model, tf.data.Dataset.from_tensor_slices((x, y)), y)
    assert not model.optimizer.built
