"""keras_genai.gradients: hand-written backprop vs GradientTape, clipping factor vs
Keras, BPTT gradient norms."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai import builders
from keras_genai import gradients


def _keras_twin(params, activation):
    model = builders.mlp((params[0][0].shape[0],),
                         hidden_units=[w.shape[1] for w, _ in params[:-1]],
                         num_classes=params[-1][0].shape[1], activation=activation)
    model.set_weights([a for pair in params for a in pair])
    return model


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu",
                                        "elu", "selu"])
def test_numpy_backprop_matches_gradient_tape(activation):
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(5, 4)) * 0.5, rng.normal(size=4) * 0.1),
              (rng.normal(size=(4, 3)) * 0.5, rng.normal(size=3) * 0.1),
              (rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3) * 0.1)]
    x = rng.normal(size=(7, 5))
    y = rng.integers(0, 3, size=7)
    logits, cache = gradients.mlp_forward(params, x, activation)
    grads = gradients.mlp_backward(params, cache, y, activation)

    model = _keras_twin(params, activation)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        keras_logits = model(x.astype("float32"))
        loss = loss_fn(y, keras_logits)
    tape_grads = tape.gradient(loss, model.trainable_variables)
    np.testing.assert_allclose(keras_logits, logits, atol=1e-5)
    assert gradients.softmax_cross_entropy(logits, y) == pytest.approx(float(loss),
                                                                       abs=1e-5)
    flat = [g for pair in grads for g in pair]
    for mine, theirs in zip(flat, tape_grads):
        np.testing.assert_allclose(mine, theirs.numpy(), atol=1e-5)


def test_hand_sgd_step_equals_the_optimizers():
    rng = np.random.default_rng(1)
    params = [(rng.normal(size=(2, 3)), np.zeros(3)),
              (rng.normal(size=(3, 2)), np.zeros(2))]
    x, y = rng.normal(size=(4, 2)), np.array([0, 1, 1, 0])
    _, cache = gradients.mlp_forward(params, x, "tanh")
    mine = gradients.sgd_step(params, gradients.mlp_backward(params, cache, y, "tanh"),
                              0.3)
    model = _keras_twin(params, "tanh")
    model.compile(keras.optimizers.SGD(0.3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.train_on_batch(x.astype("float32"), y)
    for a, b in zip([a for pair in mine for a in pair], model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_activation_derivatives_by_finite_differences():
    z = np.linspace(-3, 3, 13) + 0.05  # avoid the kinks at 0
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "prelu"):
        numeric = (gradients.activation(name, z + 1e-6)
                   - gradients.activation(name, z - 1e-6)) / 2e-6
        np.testing.assert_allclose(gradients.activation_derivative(name, z), numeric,
                                   atol=1e-6)


def test_activations_match_keras_and_their_definitions():
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    for name in ("elu", "selu", "leaky_relu"):
        np.testing.assert_allclose(gradients.activation(name, z),
                                   keras.activations.get(name)(z), atol=1e-6)
    # ELU: e^z - 1 below zero; SELU: lambda * alpha * (e^z - 1); PReLU at its
    # initial slope 0.25 (He et al. 2015).
    assert gradients.activation("elu", np.array([-1.0]))[0] == pytest.approx(
        np.exp(-1) - 1)
    assert gradients.activation("selu", np.array([-1.0]))[0] == pytest.approx(
        1.0507009873554805 * 1.6732632423543772 * (np.exp(-1) - 1))
    assert gradients.activation("prelu", np.array([-2.0, 2.0])).tolist() == [-0.5, 2.0]
    prelu = keras.layers.PReLU(
        alpha_initializer=keras.initializers.Constant(gradients.PRELU_SLOPE))
    np.testing.assert_allclose(prelu(z[None].astype("float32"))[0],
                               gradients.activation("prelu", z), atol=1e-6)


def test_dead_units_counts_units_that_never_fire():
    # Unit 0 fires for x > 0, unit 1 never (its bias is -10 on inputs in
    # [0, 1]), unit 2 always: one of three is dead.
    model = keras.Sequential([keras.Input((1,)),
                              keras.layers.Dense(3, activation="relu", name="h")])
    model.get_layer("h").set_weights([np.array([[1.0, 1.0, 1.0]]),
                                      np.array([0.0, -10.0, 5.0])])
    x = np.linspace(0, 1, 9)[:, None].astype("float32")
    assert gradients.dead_units(model, x, ["h"]) == {"h": pytest.approx(1 / 3)}
    assert gradients.dead_units(model, -x, ["h"]) == {"h": pytest.approx(2 / 3)}


def test_clip_factor_is_what_keras_applies():
    """SGD(lr=1, global_clipnorm=t): w_new = w - factor * g with the course's
    factor t / ||g||; clipnorm=t applies it per variable."""
    g1, g2 = np.array([3.0, 0.0], "float32"), np.array([0.0, 4.0, 12.0], "float32")
    factor, norm = gradients.clip_factor([g1, g2], threshold=2.0)
    assert norm == pytest.approx(13.0) and factor == pytest.approx(2.0 / 13.0)
    assert gradients.clip_factor([g1], threshold=10.0) == (1.0, 3.0)

    for kwargs, expected in ((dict(global_clipnorm=2.0), (g1 * factor, g2 * factor)),
                             (dict(clipnorm=2.0), (g1 * 2 / 3, g2 * 2 / np.sqrt(160)))):
        v1, v2 = keras.Variable(np.zeros(2)), keras.Variable(np.zeros(3))
        keras.optimizers.SGD(1.0, **kwargs).apply_gradients([(g1, v1), (g2, v2)])
        np.testing.assert_allclose(-v1.numpy(), expected[0], rtol=1e-6)
        np.testing.assert_allclose(-v2.numpy(), expected[1], rtol=1e-6)
    with pytest.raises(ValueError, match="threshold"):
        gradients.clip_factor([g1], 0.0)


def test_hidden_state_gradient_norms_match_input_gradient_chain():
    """For a linear RNN h_t = W h_{t-1} + U x_t with L = sum(h_T), dL/dh_t =
    (W^T)^(T-t) 1: check the norms by hand."""
    layer = keras.layers.SimpleRNN(3, activation=None, use_bias=False)
    layer(np.zeros((1, 4, 2), "float32"))
    w = np.diag([0.5, 0.8, 1.0]).astype("float32")
    layer.cell.recurrent_kernel.assign(w)
    norms = gradients.hidden_state_gradient_norms(layer.cell,
                                                  np.ones((2, 4, 2), "float32"))
    expected = [np.linalg.norm(np.linalg.matrix_power(w.T, 3 - t) @ np.ones(3))
                for t in range(4)]
    np.testing.assert_allclose(norms, expected, rtol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_hidden_state_gradient_norms_for_gated_cells(cell):
    model = builders.sequence_model((6, 2), cell=cell, units=5, seed=0)
    norms = gradients.hidden_state_gradient_norms(
        model.layers[0].cell, np.random.default_rng(0).normal(size=(3, 6, 2)))
    assert norms.shape == (6,) and np.all(np.isfinite(norms))
    assert norms[-1] == pytest.approx(np.sqrt(5), rel=1e-5)  # dL/dh_T = ones
