"""keras_genai.builders: shapes, DCGAN practice, names and argument errors."""

import re

import keras
import numpy as np
import pytest

from keras_genai import builders


def _layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


def test_dcgan_generator_shapes_and_dcgan_practice():
    g = builders.dcgan_generator(latent_dim=16, image_shape=(28, 28, 1))
    assert g.input_shape == (None, 16) and g.output_shape == (None, 28, 28, 1)
    types = _layer_types(g)
    assert types.count("Conv2DTranspose") == 2
    assert types.count("BatchNormalization") == 2
    assert not any("Pooling" in t for t in types)
    assert g.layers[-1].get_config()["activation"] == "tanh"
    assert all(layer.synchronized for layer in g.layers
               if isinstance(layer, keras.layers.BatchNormalization))
    out = g(np.random.default_rng(0).normal(size=(3, 16)).astype("float32") * 10)
    assert np.abs(np.asarray(out)).max() <= 1.0


def test_dcgan_generator_other_shapes():
    g = builders.dcgan_generator(8, image_shape=(32, 32, 3), filters=(64, 32, 16))
    assert g.output_shape == (None, 32, 32, 3)
    assert g.get_layer("project_reshape").output.shape == (None, 4, 4, 64)


def test_dcgan_discriminator_shapes_and_dcgan_practice():
    d = builders.dcgan_discriminator(image_shape=(28, 28, 1))
    assert d.output_shape == (None, 1)
    types = _layer_types(d)
    assert types.count("Conv2D") == 3 and types.count("LeakyReLU") == 3
    assert d.get_layer("down3_conv").output.shape == (None, 4, 4, 256)
    assert "BatchNormalization" not in types
    assert not any("Pooling" in t for t in types)
    assert all(layer.strides == (2, 2) for layer in d.layers
               if isinstance(layer, keras.layers.Conv2D))
    assert d.get_layer("down1_lrelu").negative_slope == pytest.approx(0.2)
    assert "Dropout" not in types
    assert _layer_types(builders.dcgan_discriminator(dropout=0.3)).count("Dropout") == 3


def test_layers_have_explicit_names():
    for model in (builders.dcgan_generator(), builders.dcgan_discriminator(),
                  builders.lenet()):
        for layer in model.layers:
            # Keras' automatic names are the snake-case class name: "conv2d_3".
            auto = re.sub(r"(?<!^)(?=[A-Z])", "_", type(layer).__name__).lower()
            assert not re.fullmatch(rf"{auto}(_\d+)?", layer.name), layer.name


@pytest.mark.parametrize("kwargs, argument", [
    (dict(latent_dim=0), "latent_dim"),
    (dict(image_shape=(30, 30, 1)), "image_shape"),
    (dict(image_shape=(28, 28)), "image_shape"),
    (dict(filters=()), "filters"),
    (dict(filters=(8, -1)), "filters"),
])
def test_dcgan_generator_bad_arguments(kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        builders.dcgan_generator(**kwargs)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(dropout=1.0), "dropout"),
    (dict(image_shape=(28, 28)), "image_shape"),
    (dict(kernel_size=0), "kernel_size"),
])
def test_dcgan_discriminator_bad_arguments(kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        builders.dcgan_discriminator(**kwargs)


def test_lenet_shapes_and_errors():
    model = builders.lenet((28, 28, 1), num_classes=10)
    assert model.output_shape == (None, 10)
    assert _layer_types(model).count("MaxPooling2D") == 2
    with pytest.raises(ValueError, match="num_classes"):
        builders.lenet(num_classes=1)
    with pytest.raises(ValueError, match="input_shape"):
        builders.lenet(input_shape=(28, 28))


def test_builders_train_with_plain_fit():
    model = builders.lenet((8, 8, 1), num_classes=2, filters=(4, 4), dense_units=8,
                           dropout=0.0)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("int32")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
