"""keras_genai.builders: shapes, DCGAN practice, names, argument errors, and
plain compile / fit / evaluate / save / export on every builder."""

import re

import keras
import numpy as np
import pytest

from keras_genai import builders
from keras_genai.utils import build_for_fit


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
                  builders.lenet(), builders.perceptron(),
                  builders.mlp((28, 28, 1), (8,), num_classes=10, dropout=0.1,
                               batch_norm=True),
                  builders.simple_cnn(),
                  # Names do not depend on widths: narrow, small-input networks
                  # (the default VGG-11's 129M weights took seconds to initialize).
                  builders.vgg("vgg11", input_shape=(32, 32, 3), num_classes=10,
                               width=0.125, dense_units=16, normalization="batch"),
                  builders.googlenet(), builders.resnet(50, input_shape=(32, 32, 3),
                                                        num_classes=10, width=8),
                  builders.sequence_model(bidirectional=True, num_layers=2),
                  builders.first_cnn((16, 16, 3)),
                  builders.mlp((4,), (3,), num_classes=2, activation="maxout"),
                  builders.mlp((4,), (3,), num_classes=2, activation="prelu"),
                  builders.seq2seq(8, 6, source_length=5, target_length=3,
                                   units=4),
                  builders.text_classifier(20, 3, units=4, bidirectional=True,
                                           dropout=0.1),
                  builders.text_classifier(20, 3, kind="bag_of_words"),
                  builders.late_fusion_birnn((5, 1), units=2),
                  builders.image_captioner(8, 3, image_shape=(8, 8, 1),
                                           filters=(2,), units=4),
                  builders.resnet([1, 1], input_shape=(8, 8, 1), num_classes=2,
                                  width=4, stem="small", shortcut="A")):
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


def _tiny_builders():
    image = (12, 12, 1)
    return {
        "perceptron": (lambda: builders.perceptron(2, output="sigmoid", seed=0),
                       (2,), "binary"),
        "mlp": (lambda: builders.mlp((2,), (8,), num_classes=2, seed=0), (2,),
                "classes"),
        "first_cnn": (lambda: builders.first_cnn(image, num_classes=2,
                                                 output="logits", seed=0), image,
                      "classes"),
        "mlp_maxout": (lambda: builders.mlp((2,), (8,), num_classes=2,
                                            activation="maxout", seed=0), (2,),
                       "classes"),
        "simple_cnn": (lambda: builders.simple_cnn((18, 18, 1), num_classes=2,
                                                   filters=(4, 4, 4), dense_units=8,
                                                   seed=0), (18, 18, 1), "classes"),
        "vgg": (lambda: builders.vgg([4, "M", 8, "M"], input_shape=image,
                                     num_classes=2, dense_units=8, dropout=0.0,
                                     normalization="batch", seed=0), image,
                "classes"),
        "googlenet": (lambda: builders.googlenet(
            image, num_classes=2, stem_filters=4,
            blocks=[(2, 2, 2, 1, 2, 2), "M", (2, 2, 2, 1, 2, 2)], dropout=0.0,
            seed=0), image, "classes"),
        "resnet": (lambda: builders.resnet([1, 1], input_shape=image,
                                           num_classes=2, width=4, stem="small",
                                           normalization="group", seed=0), image,
                   "classes"),
        "resnet_bottleneck": (lambda: builders.resnet(
            [1], input_shape=image, num_classes=2, width=4, kind="bottleneck",
            stem="small", seed=0), image, "classes"),
        "resnet_plain": (lambda: builders.resnet([1, 1], input_shape=image,
                                                 num_classes=2, width=4,
                                                 stem="small", shortcut=None,
                                                 seed=0), image, "classes"),
        "resnet_padded": (lambda: builders.resnet([1, 1], input_shape=image,
                                                  num_classes=2, width=4,
                                                  stem="small", shortcut="A",
                                                  seed=0), image, "classes"),
        "sequence_model": (lambda: builders.sequence_model(
            (6, 2), cell="gru", units=4, bidirectional=True, output_units=2,
            seed=0), (6, 2), "classes"),
    }


@pytest.mark.parametrize("name", sorted(_tiny_builders()))
def test_builders_fit_evaluate_save_and_export(name, tmp_path):
    """Plain compile / fit / evaluate / save / export on every builder (built
    for ``fit`` first, `keras_genai.utils.build_for_fit`, which each
    architecture here also checks)."""
    import tensorflow as tf

    from keras_genai.utils.io import export_saved_model

    make, shape, kind = _tiny_builders()[name]
    keras.utils.set_random_seed(0)
    model = make()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32,) + shape).astype("float32")
    y = (x.reshape(32, -1).mean(axis=1) > 0).astype("int32")
    if kind == "binary":
        model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
        y = y[:, None].astype("float32")
    else:
        model.compile(keras.optimizers.Adam(0.01),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    build_for_fit(model, x, y)
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=8, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before

    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0),
                               model.predict(x, verbose=0), atol=1e-5)
    export = str(tmp_path / f"{name}_export")
    export_saved_model(model, export)
    reloaded = tf.saved_model.load(export)  # keep it alive: it owns the variables
    np.testing.assert_allclose(reloaded.serve(tf.constant(x)),
                               model.predict(x, verbose=0), atol=1e-5)
