"""keras_genai.builders.rnn: cells, stacking, bidirectional, errors."""

import keras
import numpy as np
import pytest

from keras_genai import builders


@pytest.mark.parametrize("cell, layer_type, params", [
    # units u, features f: SimpleRNN u(u+f+1); LSTM 4u(u+f+1); GRU (reset_after)
    # 3u(u+f+2). Plus the read-out u+1.
    ("simple", keras.layers.SimpleRNN, 8 * (8 + 2 + 1) + 9),
    ("lstm", keras.layers.LSTM, 4 * 8 * (8 + 2 + 1) + 9),
    ("gru", keras.layers.GRU, 3 * 8 * (8 + 2 + 2) + 9),
])
def test_cells_and_parameter_counts(cell, layer_type, params):
    model = builders.sequence_model((10, 2), cell=cell, units=8)
    assert isinstance(model.layers[0], layer_type)
    assert model.count_params() == params
    assert model.output_shape == (None, 1)


def test_stacked_bidirectional_sequences():
    model = builders.sequence_model((None, 1), cell="lstm", units=4, num_layers=2,
                                    bidirectional=True, return_sequences=True,
                                    output_units=3, output_activation="softmax")
    assert [layer.name for layer in model.layers] == ["bilstm1", "bilstm2",
                                                      "readout"]
    out = np.asarray(model(np.zeros((2, 7, 1), "float32")))
    assert out.shape == (2, 7, 3)
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-5)
    assert model.layers[0].return_sequences


def test_only_last_layer_may_drop_the_sequence():
    model = builders.sequence_model((5, 1), cell="gru", units=4, num_layers=3)
    flags = [layer.return_sequences for layer in model.layers[:-1]]
    assert flags == [True, True, False]


@pytest.mark.parametrize("kwargs, argument", [
    (dict(cell="transformer"), "cell"),
    (dict(units=0), "units"),
    (dict(input_shape=(5,)), "input_shape"),
    (dict(dropout=-0.1), "dropout"),
    (dict(merge_mode="max"), "merge_mode"),
])
def test_bad_arguments(kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        builders.sequence_model(**kwargs)


def test_fit_refuses_another_number_of_features_and_stays_usable(tmp_path):
    import tensorflow as tf

    model = builders.sequence_model((None, 1), units=4, seed=0)
    model.compile("adam", "mse")
    x2, y = np.zeros((8, 5, 2), "float32"), np.zeros((8, 1), "float32")
    with pytest.raises(ValueError, match=r"`x` must hold examples of shape "
                                         r"\(None, 1\).*Received: .*\(5, 2\)"):
        model.fit(x2, y, verbose=0)
    with pytest.raises(ValueError, match=r"\(None, 1\)"):
        model.fit(tf.data.Dataset.from_tensor_slices((x2, y)).batch(4), verbose=0)
    # The refusal came before any tracing: the model still trains.
    history = model.fit(np.zeros((8, 5, 1), "float32"), y, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    model.save(tmp_path / "rnn.keras")
    again = keras.models.load_model(tmp_path / "rnn.keras")
    with pytest.raises(ValueError, match=r"\(None, 1\)"):
        again.predict(x2, verbose=0)


def test_late_fusion_averages_each_directions_own_prediction():
    model = builders.late_fusion_birnn((6, 2), cell="gru", units=3, seed=0)
    x = np.random.default_rng(0).normal(size=(4, 6, 2)).astype("float32")
    bi = model.get_layer("bigru")
    # Each direction alone, by hand: the forward GRU on x; the backward GRU
    # (go_backwards: it reads x from the end, and returns its steps in that
    # order) reversed back into time order.
    assert bi.backward_layer.go_backwards
    forward = bi.forward_layer(x)
    backward = np.flip(np.asarray(bi.backward_layer(x)), axis=1)
    votes = [np.asarray(model.get_layer(f"{d}_readout")(h))
             for d, h in (("forward", forward), ("backward", backward))]
    np.testing.assert_allclose(model(x), (votes[0] + votes[1]) / 2, atol=1e-5)
    assert model.output_shape == (None, 6, 1)
    # The two directions start from different weights.
    assert not np.allclose(bi.forward_layer.get_weights()[0],
                           bi.backward_layer.get_weights()[0])
    with pytest.raises(ValueError, match="output_activation"):
        builders.late_fusion_birnn(output_activation="relu")
