"""Sparsity regularizers: the KL penalty by hand, its batch-size convention,
and training that makes the code sparse."""

import keras
import numpy as np
import pytest

from keras_genai.regularizers import KLSparsity


def _kl(rho, rho_hat):
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def test_kl_sparsity_by_hand():
    a = np.array([[0.1, 0.5], [0.3, 0.7]], "float32")  # unit means 0.2 and 0.6
    penalty = float(KLSparsity(target=0.05, weight=2.0)(a))
    expected = 2.0 * (_kl(0.05, 0.2) + _kl(0.05, 0.6)) * 2  # x batch (see below)
    np.testing.assert_allclose(penalty, expected, rtol=1e-5)
    assert float(KLSparsity(0.3)(np.full((4, 3), 0.3, "float32"))) == pytest.approx(
        0.0, abs=1e-6)


def test_the_layer_loss_is_the_batch_penalty():
    """Keras 3 divides an activity penalty by the batch size; the layer's loss
    is then exactly weight * sum_j KL(rho || rho_hat_j)."""
    layer = keras.layers.Activation("linear",
                                    activity_regularizer=KLSparsity(0.1, 0.5))
    a = np.array([[0.2, 0.4], [0.4, 0.2], [0.3, 0.3]], "float32")
    layer(a)
    np.testing.assert_allclose(float(layer.losses[0]), 0.5 * 2 * _kl(0.1, 0.3),
                               rtol=1e-5)


def test_l1_activity_penalty_is_per_example():
    layer = keras.layers.Activation("linear",
                                    activity_regularizer=keras.regularizers.L1(0.1))
    layer(np.array([[1.0, -2.0], [3.0, 0.0]], "float32"))
    np.testing.assert_allclose(float(layer.losses[0]), 0.1 * 6 / 2, rtol=1e-6)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(target=0.0), "target"), (dict(target=1.0), "target"),
    (dict(weight=-1.0), "weight"),
])
def test_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        KLSparsity(**kwargs)


def test_kl_sparsity_drives_mean_activations_to_the_target(tmp_path):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((256, 20)).astype("float32")
    model = keras.Sequential([
        keras.Input((20,)),
        keras.layers.Dense(30, activation="sigmoid", name="code",
                           activity_regularizer=KLSparsity(0.05, 3.0)),
        keras.layers.Dense(20, name="out"),
    ])
    code = keras.Model(model.inputs, model.get_layer("code").output)
    before = code.predict(x, verbose=0).mean()
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    model.fit(x, x, epochs=60, batch_size=64, verbose=0)
    after = code.predict(x, verbose=0).mean()
    assert before > 0.3 and after < 0.1, (before, after)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    reg = loaded.get_layer("code").activity_regularizer
    assert isinstance(reg, KLSparsity) and reg.get_config() == {"target": 0.05,
                                                                "weight": 3.0}
