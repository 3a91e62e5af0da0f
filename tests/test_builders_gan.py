"""keras_genai.builders.gan: the vanilla (MLP) and conditional DCGAN builders.

The DCGAN builders themselves are tested in test_builders.py.
"""

import re

import keras
import numpy as np
import pytest

from keras_genai import builders


def _explicit_names(model):
    for layer in model.layers:
        auto = re.sub(r"(?<!^)(?=[A-Z])", "_", type(layer).__name__).lower()
        assert not re.fullmatch(rf"{auto}(_\d+)?", layer.name), layer.name


@pytest.mark.parametrize("encoding", ["embedding", "one_hot"])
def test_conditional_generator_uses_the_label(encoding):
    g = builders.conditional_dcgan_generator(8, num_classes=4, image_shape=(8, 8, 1),
                                             filters=(8, 4), label_encoding=encoding)
    assert g.output_shape == (None, 8, 8, 1)
    _explicit_names(g)
    z = np.random.default_rng(0).normal(size=(1, 8)).astype("float32")
    outputs = [np.asarray(g([z, np.array([y])], training=False)) for y in range(4)]
    for y in range(1, 4):
        assert not np.allclose(outputs[0], outputs[y]), y
    assert max(np.abs(o).max() for o in outputs) <= 1.0


@pytest.mark.parametrize("encoding", ["embedding", "one_hot"])
def test_conditional_discriminator_uses_the_label(encoding):
    d = builders.conditional_dcgan_discriminator((8, 8, 1), num_classes=3,
                                                 filters=(4, 8),
                                                 label_encoding=encoding)
    assert d.output_shape == (None, 1)
    _explicit_names(d)
    x = np.random.default_rng(0).uniform(-1, 1, (3, 8, 8, 1)).astype("float32")
    same = np.asarray(d([x, np.zeros(3, "int32")]))
    other = np.asarray(d([x, np.array([0, 1, 2])]))
    assert np.allclose(same[0], other[0]) and not np.allclose(same[1:], other[1:])
    if encoding == "one_hot":  # the label planes are extra input channels
        assert d.get_layer("label_map").output.shape == (None, 8, 8, 3)


def test_conditional_builders_round_trip_through_keras_files(tmp_path):
    g = builders.conditional_dcgan_generator(8, 3, (8, 8, 1), filters=(8, 4),
                                             label_encoding="one_hot")
    path = tmp_path / "g.keras"
    g.save(path)
    loaded = keras.models.load_model(path)
    inputs = [np.ones((2, 8), "float32"), np.array([0, 2])]
    np.testing.assert_allclose(np.asarray(loaded(inputs)), np.asarray(g(inputs)),
                               rtol=1e-6)


@pytest.mark.parametrize("builder, kwargs, argument", [
    (builders.conditional_dcgan_generator, dict(num_classes=1), "num_classes"),
    (builders.conditional_dcgan_generator, dict(label_encoding="onehot"),
     "label_encoding"),
    (builders.conditional_dcgan_generator, dict(embedding_dim=0), "embedding_dim"),
    (builders.conditional_dcgan_discriminator, dict(num_classes=0), "num_classes"),
    (builders.conditional_dcgan_discriminator, dict(image_shape=(28, 28)),
     "image_shape"),
    (builders.mlp_generator, dict(output_shape=(0,)), "output_shape"),
    (builders.mlp_generator, dict(hidden_units=(4, -1)), "hidden_units"),
    (builders.mlp_discriminator, dict(dropout=2.0), "dropout"),
    (builders.mlp_discriminator, dict(input_shape=()), "input_shape"),
])
def test_bad_arguments_name_the_argument(builder, kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        builder(**kwargs)


def test_mlp_generator_for_points_and_images():
    points = builders.mlp_generator(2, output_shape=(2,), hidden_units=(16,),
                                    output_activation=None)
    assert points.output_shape == (None, 2)
    z = np.random.default_rng(0).normal(size=(64, 2)).astype("float32") * 50
    assert np.abs(np.asarray(points(z))).max() > 1.0  # linear output: unbounded
    images = builders.mlp_generator(8, output_shape=(28, 28, 1), batch_norm=True)
    assert images.output_shape == (None, 28, 28, 1)
    assert [type(x).__name__ for x in images.layers].count("BatchNormalization") == 2
    assert np.abs(np.asarray(images(z[:, :1].repeat(8, 1)))).max() <= 1.0
    _explicit_names(images)


def test_mlp_discriminator_returns_one_logit():
    d = builders.mlp_discriminator((28, 28, 1), hidden_units=(32, 16), dropout=0.3)
    assert d.output_shape == (None, 1)
    assert [type(x).__name__ for x in d.layers].count("Dropout") == 2
    _explicit_names(d)
    assert builders.mlp_discriminator((2,)).output_shape == (None, 1)


def test_unet_generator_has_skips_and_keeps_the_shape():
    g = builders.unet_generator((28, 28, 1), filters=(8, 16), bottleneck_filters=16)
    assert g.output_shape == (None, 28, 28, 1)
    _explicit_names(g)
    assert g.get_layer("bottleneck_conv").output.shape == (None, 7, 7, 16)
    # Each decoder level concatenates the encoder map of its resolution.
    assert g.get_layer("skip2").output.shape == (None, 7, 7, 32)
    assert g.get_layer("skip1").output.shape == (None, 14, 14, 8 + 8)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    assert np.abs(np.asarray(g(x))).max() <= 1.0
    rgb = builders.unet_generator((16, 16, 1), output_channels=3, filters=(4,))
    assert rgb.output_shape == (None, 16, 16, 3)


def test_patchgan_returns_a_map_of_patch_logits():
    d = builders.patchgan_discriminator((28, 28, 1), condition_shape=(28, 28, 1),
                                        filters=(8, 16))
    assert d.output_shape == (None, 7, 7, 1) and len(d.inputs) == 2
    _explicit_names(d)
    plain = builders.patchgan_discriminator((16, 16, 3), filters=(4, 4, 4))
    assert plain.output_shape == (None, 2, 2, 1) and len(plain.inputs) == 1


@pytest.mark.parametrize("builder, kwargs, argument", [
    (builders.unet_generator, dict(input_shape=(30, 30, 1)), "input_shape"),
    (builders.unet_generator, dict(dropout=1.5), "dropout"),
    (builders.unet_generator, dict(filters=()), "filters"),
    (builders.patchgan_discriminator, dict(condition_shape=(14, 14, 1)),
     "condition_shape"),
    (builders.patchgan_discriminator, dict(image_shape=(27, 27, 1)), "image_shape"),
])
def test_translation_builders_refuse_bad_arguments(builder, kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        builder(**kwargs)


def test_sr_generator_upscales_with_residual_blocks():
    g = builders.sr_generator((7, 7, 1), scale=4, filters=8, residual_blocks=2)
    assert g.output_shape == (None, 28, 28, 1)
    _explicit_names(g)
    assert g.get_layer("up2_resize").output.shape == (None, 28, 28, 8)
    assert [layer.name for layer in g.layers if layer.name.endswith("_add")] == \
        ["res1_add", "res2_add"]
    with pytest.raises(ValueError, match="scale"):
        builders.sr_generator(scale=6)


def test_lapgan_level_networks():
    g = builders.lapgan_generator((14, 14, 1), latent_dim=6, filters=(8,))
    assert [tuple(t.shape) for t in g.inputs] == [(None, 6), (None, 14, 14, 1)]
    assert g.output_shape == (None, 14, 14, 1)
    # The residual is linear (signed, unbounded): not squashed by tanh.
    assert g.get_layer("residual").get_config()["activation"] == "linear"
    d = builders.lapgan_discriminator((14, 14, 1), filters=(4, 8))
    assert d.output_shape == (None, 1) and len(d.inputs) == 2
    for model in (g, d):
        _explicit_names(model)
    with pytest.raises(ValueError, match="image_shape"):
        builders.lapgan_generator((14, 14))
