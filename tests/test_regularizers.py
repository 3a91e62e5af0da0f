"""Sparsity regularizers: the KL and L1 penalties by hand as the layer's loss
on every Keras version, and training that makes the code sparse."""

import keras
import numpy as np
import pytest

from keras_genai.regularizers import KLSparsity
from keras_genai.regularizers import L1Sparsity
from keras_genai.utils import compat


def _kl(rho, rho_hat):
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def _layer_loss(regularizer, activations):
    layer = keras.layers.Activation("linear", activity_regularizer=regularizer)
    layer(np.asarray(activations, "float32"))
    return float(layer.losses[0])


def test_the_version_check_matches_what_keras_does():
    """compat says whether this Keras divides an activity penalty by the
    batch size; a regularizer that returns 1 on a batch of 4 tells."""
    loss = _layer_loss(lambda a: keras.ops.ones(()), np.zeros((4, 2)))
    assert loss == (0.25 if compat.activity_penalty_divided_by_batch() else 1.0)


def test_kl_sparsity_layer_loss_by_hand():
    """The layer's loss is weight * sum_j KL(rho || rho_hat_j) on every Keras
    version: the batch's penalty, not a mean or sum over examples."""
    a = [[0.1, 0.5], [0.3, 0.7]]  # unit means 0.2 and 0.6
    np.testing.assert_allclose(_layer_loss(KLSparsity(target=0.05, weight=2.0), a),
                               2.0 * (_kl(0.05, 0.2) + _kl(0.05, 0.6)), rtol=1e-5)
    a = [[0.2, 0.4], [0.4, 0.2], [0.3, 0.3]]  # both means 0.3, batch 3
    np.testing.assert_allclose(_layer_loss(KLSparsity(0.1, 0.5), a),
                               0.5 * 2 * _kl(0.1, 0.3), rtol=1e-5)
    assert _layer_loss(KLSparsity(0.3), np.full((4, 3), 0.3)) == pytest.approx(
        0.0, abs=1e-6)


def test_l1_sparsity_layer_loss_is_the_mean_over_examples():
    a = [[1.0, -2.0], [3.0, 0.0]]  # sums of |h|: 3 and 3
    np.testing.assert_allclose(_layer_loss(L1Sparsity(0.1), a), 0.1 * 6 / 2,
                               rtol=1e-6)
    a = [[[1.0], [-1.0]], [[0.0], [0.0]], [[2.0], [0.0]]]  # sums 2, 0, 2
    np.testing.assert_allclose(_layer_loss(L1Sparsity(0.5), a), 0.5 * 4 / 3,
                               rtol=1e-6)


@pytest.mark.parametrize("make, kwargs, argument", [
    (KLSparsity, dict(target=0.0), "target"),
    (KLSparsity, dict(target=1.0), "target"),
    (KLSparsity, dict(weight=-1.0), "weight"),
    (L1Sparsity, dict(weight=-0.1), "weight"),
])
def test_bad_arguments(make, kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        make(**kwargs)


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


def test_l1_sparsity_serializes():
    config = keras.saving.serialize_keras_object(L1Sparsity(0.25))
    restored = keras.saving.deserialize_keras_object(config)
    assert isinstance(restored, L1Sparsity) and restored.weight == 0.25
