"""keras_genai.builders.mlp: perceptron and MLP shapes, the perceptron rule."""

import keras
import numpy as np
import pytest

from keras_genai import builders
from keras_genai.data import xor


def test_perceptron_outputs_and_layers():
    step = builders.perceptron(2, output="step", seed=0)
    assert step.output_shape == (None, 1) and step.count_params() == 3
    out = np.asarray(step(np.random.default_rng(0).normal(size=(16, 2))))
    assert set(np.unique(out)) <= {0.0, 1.0}
    sig = builders.perceptron(3, output="sigmoid")
    out = np.asarray(sig(np.ones((2, 3), "float32")))
    assert np.all((out > 0) & (out < 1))


def test_step_perceptron_trains_by_the_perceptron_rule():
    """One SGD step on 1/2 (y_hat - y)^2 is w <- w + eta (y - y_hat) x."""
    model = builders.perceptron(2, output="step", seed=3)
    x, y = xor()
    w, b = [v.numpy().copy() for v in model.get_layer("weighted_sum").weights]
    y_hat = (x @ w + b >= 0).astype("float32")
    eta = 0.1
    # Mean over the batch of 1/2 (y_hat - y)^2: Keras' MSE is the mean of
    # (y_hat - y)^2, hence the factor 2 on the learning rate's other side.
    model.compile(keras.optimizers.SGD(eta / 2), "mse")
    model.train_on_batch(x, y)
    expected_w = w + eta * x.T @ (y - y_hat) / len(x)
    expected_b = b + eta * np.sum(y - y_hat) / len(x)
    new_w, new_b = [v.numpy() for v in model.get_layer("weighted_sum").weights]
    np.testing.assert_allclose(new_w, expected_w, atol=1e-6)
    np.testing.assert_allclose(new_b, expected_b, atol=1e-6)


def test_perceptron_learns_and_but_not_xor():
    x, _ = xor()
    y_and = (x.sum(axis=1, keepdims=True) == 2).astype("float32")
    for y, solvable in ((y_and, True), (xor()[1], False)):
        model = builders.perceptron(2, output="step", seed=0)
        model.compile(keras.optimizers.SGD(0.1), "mse")
        unit = model.get_layer("weighted_sum")
        seen = []

        def record(batch, logs, unit=unit, y=y, seen=seen):
            w, b = unit.kernel.numpy(), unit.bias.numpy()
            seen.append(float(np.mean(((x @ w + b) >= 0) == y)))

        model.fit(np.tile(x, (100, 1)), np.tile(y, (100, 1)), batch_size=1,
                  epochs=1, verbose=0,
                  callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=record)])
        assert (max(seen) == 1.0) == solvable
        if not solvable:
            assert max(seen) == 0.75  # 3 of 4 is the best a line can do


def test_mlp_shapes_and_options():
    model = builders.mlp((28, 28, 1), hidden_units=(32, 16), num_classes=10,
                         dropout=0.2, batch_norm=True, seed=0)
    assert model.output_shape == (None, 10)
    names = [layer.name for layer in model.layers]
    assert names[0] == "flatten_input" and "hidden2_bn" in names
    assert "hidden1_dropout" in names and names[-1] == "logits"
    xor_net = builders.mlp((2,), hidden_units=(2,), output_units=1,
                           activation="tanh", output_activation="sigmoid")
    assert xor_net.count_params() == 9
    assert builders.mlp((4,), hidden_units=(), num_classes=3).count_params() == 15


def test_mlp_prelu_and_maxout():
    # PReLU adds one learned slope per unit, starting at 0.25.
    prelu = builders.mlp((3,), (4,), num_classes=2, activation="prelu", seed=0)
    assert prelu.count_params() == (3 + 1) * 4 + 4 + (4 + 1) * 2
    np.testing.assert_allclose(prelu.get_layer("hidden1_act").get_weights()[0], 0.25)
    # Maxout: the Dense layer computes 3 pieces per unit.
    maxout = builders.mlp((3,), (4, 2), num_classes=2, activation="maxout",
                          maxout_pieces=3, seed=0)
    assert maxout.get_layer("hidden1").units == 12
    assert maxout.get_layer("hidden2_act").output.shape == (None, 2)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    dense = maxout.get_layer("hidden1")
    pieces = np.asarray(dense(x)).reshape(5, 4, 3)
    probe = keras.Model(maxout.inputs, maxout.get_layer("hidden1_act").output)
    np.testing.assert_allclose(probe(x), pieces.max(axis=-1), atol=1e-6)


@pytest.mark.parametrize("depth", [1, 2, 4, 8])
def test_width_for_parameters_matches_the_built_network(depth):
    budget = builders.mlp((784,), (128,), num_classes=10).count_params()
    width = builders.width_for_parameters(784, depth, 10, budget)
    count = builders.mlp((784,), (width,) * depth, num_classes=10).count_params()
    # Within one unit's worth of weights of the budget.
    assert abs(count - budget) <= 784 + 2 * depth * width
    assert builders.width_for_parameters(784, 1, 10, budget) == 128
    with pytest.raises(ValueError, match="depth"):
        builders.width_for_parameters(784, 0, 10, budget)


def test_mlp_initializer_names_with_and_without_seeds():
    zeros = builders.mlp((3,), (4,), num_classes=2, kernel_initializer="zeros",
                         seed=1)
    assert not np.any(zeros.get_weights()[0])
    he = builders.mlp((3,), (4,), num_classes=2, kernel_initializer="he_normal")
    assert np.any(he.get_weights()[0])


def test_mlp_seed_reproduces_weights():
    a = builders.mlp((4,), (8,), num_classes=2, seed=5)
    b = builders.mlp((4,), (8,), num_classes=2, seed=5)
    c = builders.mlp((4,), (8,), num_classes=2, seed=6)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


@pytest.mark.parametrize("kwargs, argument", [
    (dict(input_shape=(2,), num_classes=2, output_units=1), "num_classes"),
    (dict(input_shape=(2,)), "num_classes"),
    (dict(input_shape=(2,), hidden_units=(4, 0), num_classes=2), "hidden_units"),
    (dict(input_shape=(2,), num_classes=2, dropout=1.0), "dropout"),
    (dict(input_shape=(2,), num_classes=2, activation="nope"), "activation"),
    (dict(input_shape=(0,), num_classes=2), "input_shape"),
    (dict(input_shape=(2,), num_classes=2, kernel_initializer="nope"),
     "kernel_initializer"),
    (dict(input_shape=(2,), num_classes=2, activation="maxout", maxout_pieces=1),
     "maxout_pieces"),
])
def test_mlp_bad_arguments(kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        builders.mlp(**kwargs)


def test_perceptron_bad_arguments():
    with pytest.raises(ValueError, match="output"):
        builders.perceptron(2, output="relu")
    with pytest.raises(ValueError, match="input_dim"):
        builders.perceptron(0)
