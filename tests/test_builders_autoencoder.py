"""Autoencoder builders: shapes, shared weights, conditioning, names, arguments,
save/load, and that plain ``fit(x, x)`` trains them."""

import keras
import numpy as np
import pytest

from keras_genai import builders
from keras_genai.utils import build_for_fit
from keras_genai.layers import Corruption
from keras_genai.regularizers import KLSparsity


def test_dense_autoencoder_is_the_course_listing():
    ae = builders.dense_autoencoder((784,))
    dense = [l for m in (ae.encoder, ae.decoder) for l in m.layers
             if isinstance(l, keras.layers.Dense)]
    assert [l.units for l in dense] == [128, 64, 32, 64, 128, 784]
    assert [l.activation.__name__ for l in dense] == ["relu"] * 5 + ["sigmoid"]
    assert ae.count_params() == sum(l.count_params() for l in dense)


def test_encoder_and_decoder_share_the_autoencoders_weights():
    ae = builders.dense_autoencoder((28, 28, 1), hidden_units=(16,), latent_dim=4)
    x = np.random.default_rng(0).random((5, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(ae(x), ae.decoder(ae.encoder(x)), rtol=1e-6)
    ae.compile(keras.optimizers.Adam(1e-2), "mse")
    before = ae.encoder.get_layer("hidden1").kernel.numpy().copy()
    ae.fit(x, x, epochs=2, verbose=0)
    assert not np.allclose(ae.encoder.get_layer("hidden1").kernel.numpy(), before)
    np.testing.assert_allclose(ae(x), ae.decoder(ae.encoder(x)), rtol=1e-5)


def test_fit_reduces_reconstruction_error():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = (rng.random((64, 8, 8, 1)) > 0.5).astype("float32")
    for ae in (builders.dense_autoencoder((8, 8, 1), (32,), 16),
               builders.conv_autoencoder((8, 8, 1), (8, 16), 16)):
        ae.compile(keras.optimizers.Adam(1e-2), "mse")
        build_for_fit(ae, x, x)
        history = ae.fit(x, x, epochs=30, batch_size=16, verbose=0).history["loss"]
        assert history[-1] < 0.7 * history[0], (ae.name, history[0], history[-1])


@pytest.mark.parametrize("upsampling", ["transpose", "resize"])
def test_conv_autoencoder_shapes(upsampling):
    ae = builders.conv_autoencoder((28, 28, 1), filters=(8, 16), latent_dim=10,
                                   upsampling=upsampling)
    assert ae.encoder.output_shape == (None, 10)
    assert ae.decoder.output_shape == (None, 28, 28, 1)
    assert [l.name for l in ae.encoder.layers if "conv" in l.name] == [
        "down1_conv", "down2_conv"]
    assert isinstance(ae.decoder.get_layer("up1_conv"),
                      keras.layers.Conv2DTranspose if upsampling == "transpose"
                      else keras.layers.Conv2D)


def test_variational_and_conditional_encoders():
    enc = builders.conv_encoder((8, 8, 1), 5, (4,), variational=True, num_classes=3)
    assert [t.shape for t in enc.inputs] == [(None, 8, 8, 1), (None,)]
    assert [t.shape for t in enc.outputs] == [(None, 5), (None, 5)]
    assert [l.name for l in enc.layers[-2:]] == ["z_mean", "z_log_var"]
    dec = builders.dense_decoder((8, 8, 1), 5, (16,), num_classes=3)
    x = np.zeros((2, 8, 8, 1), "float32")
    out0 = dec([np.zeros((2, 5), "float32"), np.array([0, 0])]).numpy()
    out1 = dec([np.zeros((2, 5), "float32"), np.array([1, 1])]).numpy()
    assert not np.allclose(out0, out1)  # the label changes the output
    mean0, _ = enc([x, np.array([0, 0])])
    mean2, _ = enc([x, np.array([2, 2])])
    assert not np.allclose(mean0, mean2)


def test_every_layer_is_named_explicitly():
    models = [builders.dense_autoencoder((8, 8, 1), (8,), 4),
              builders.conv_autoencoder((8, 8, 1), (4, 8), 4, upsampling="resize"),
              builders.dense_encoder((8, 8, 1), 4, variational=True, num_classes=3),
              builders.conv_decoder((8, 8, 1), 4, (8, 4), num_classes=3)]
    for model in models:
        for network in [model] + [l for l in model.layers
                                  if isinstance(l, keras.Model)]:
            for layer in network.layers:
                assert not any(layer.name.startswith(p) for p in (
                    "dense", "conv2d", "flatten_", "reshape", "concatenate",
                    "category_encoding", "up_sampling", "identity")), \
                    (network.name, layer.name)


def test_sparse_and_denoising_variants_round_trip(tmp_path):
    ae = builders.dense_autoencoder(
        (8, 8, 1), (16,), 12, latent_activation="sigmoid",
        activity_regularizer=KLSparsity(0.1, 0.5),
        corruption=Corruption("salt_and_pepper", 0.2, seed=1, name="noise"))
    x = np.random.default_rng(1).random((16, 8, 8, 1)).astype("float32")
    ae.compile("adam", "mse")
    ae.fit(x, x, epochs=1, verbose=0)
    assert len(ae.losses) == 1  # the sparsity penalty of the code layer
    path = str(tmp_path / "ae.keras")
    ae.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, builders.Autoencoder)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), ae.predict(x, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(loaded.encoder.predict(x, verbose=0),
                               ae.encoder.predict(x, verbose=0), rtol=1e-6)
    assert loaded.get_layer("noise").get_config()["kind"] == "salt_and_pepper"
    # The corruption acts in training only: predict is deterministic.
    np.testing.assert_array_equal(ae.predict(x, verbose=0), ae.predict(x, verbose=0))


@pytest.mark.parametrize("fn, argument", [
    (lambda: builders.dense_autoencoder((0,)), "input_shape"),
    (lambda: builders.dense_autoencoder((784,), latent_dim=0), "latent_dim"),
    (lambda: builders.dense_autoencoder((784,), hidden_units=(8, -1)), "hidden_units"),
    (lambda: builders.dense_autoencoder((784,), corruption="gaussian"), "corruption"),
    (lambda: builders.conv_autoencoder((28, 28, 1), filters=(4, 4, 4)), "input_shape"),
    (lambda: builders.conv_decoder((28, 28, 1), upsampling="bilinear"), "upsampling"),
    (lambda: builders.dense_encoder((8,), num_classes=1), "num_classes"),
    (lambda: builders.dense_encoder((8,), variational=True,
                                    latent_activation="relu"), "latent_activation"),
])
def test_bad_arguments(fn, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        fn()
