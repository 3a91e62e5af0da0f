"""BiGAN and VAE-GAN discriminators: shapes, both inputs used, names, arguments."""

import keras
import numpy as np
import pytest

from keras_genai import builders


def test_bigan_discriminator_judges_pairs():
    d = builders.bigan_discriminator((8, 8, 1), latent_dim=4, hidden_units=(16, 8))
    assert [t.shape for t in d.inputs] == [(None, 8, 8, 1), (None, 4)]
    assert d.output_shape == (None, 1)
    assert [l.name for l in d.layers if isinstance(l, keras.layers.Dense)] == [
        "image_dense", "z_dense", "joint1", "logit"]
    rng = np.random.default_rng(0)
    x = rng.random((3, 8, 8, 1)).astype("float32")
    z = rng.normal(size=(3, 4)).astype("float32")
    base = d([x, z]).numpy()
    assert not np.allclose(base, d([x, z + 1]).numpy())  # z matters
    assert not np.allclose(base, d([x + 1, z]).numpy())  # x matters


def test_vaegan_discriminator_returns_logit_and_features():
    d = builders.vaegan_discriminator((28, 28, 1), filters=(8, 16, 32))
    # Features of the convolution before the last by default (4x4x32 last).
    assert [t.shape for t in d.outputs] == [(None, 1), (None, 7 * 7 * 16)]
    assert d.get_layer("features").output is d.outputs[1]
    assert d.get_layer("flatten").output.shape == (None, 4 * 4 * 32)
    first = builders.vaegan_discriminator((28, 28, 1), (8, 16), feature_layer=1)
    assert first.outputs[1].shape == (None, 14 * 14 * 8)
    assert builders.vaegan_discriminator((8, 8, 1), (4,)).outputs[1].shape == (
        None, 4 * 4 * 4)


@pytest.mark.parametrize("fn, argument", [
    (lambda: builders.bigan_discriminator((8, 8, 1), latent_dim=0), "latent_dim"),
    (lambda: builders.bigan_discriminator((8, 8, 1), 4, hidden_units=()),
     "hidden_units"),
    (lambda: builders.vaegan_discriminator((28, 28)), "image_shape"),
    (lambda: builders.vaegan_discriminator(filters=(0,)), "filters"),
    (lambda: builders.vaegan_discriminator(filters=(4, 8), feature_layer=3),
     "feature_layer"),
])
def test_bad_arguments(fn, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        fn()


def test_bigan_discriminator_with_a_convolutional_image_branch():
    d = builders.bigan_discriminator((8, 8, 1), 4, (16,), filters=(4, 8),
                                     kernel_size=3)
    assert d.get_layer("down2_conv").output.shape == (None, 2, 2, 8)
    assert d.get_layer("pixels").output.shape == (None, 32)
    assert d.output_shape == (None, 1)
