"""The diffusion U-Net and its time embedding: shapes, conditioning inputs that
matter, attention layers, serialization, arguments."""

import math

import keras
import numpy as np
import pytest

from keras_genai import builders
from keras_genai.layers import SinusoidalEmbedding

SHAPE = (8, 8, 1)


def _inputs(n=3, label=False, context=None, seed=0):
    rng = np.random.default_rng(seed)
    inputs = {"image": rng.normal(size=(n,) + SHAPE).astype("float32"),
              "timestep": rng.integers(0, 1000, n).astype("int32")}
    if label:
        inputs["label"] = rng.integers(0, 10, n).astype("int32")
    if context is not None:
        inputs["context"] = rng.normal(size=(n,) + context).astype("float32")
    return inputs


def _randomize_output(net):
    """The output convolution starts at zero; give it weights to see the inputs."""
    layer = net.get_layer("eps")
    rng = np.random.default_rng(1)
    layer.set_weights([rng.normal(size=w.shape).astype("float32") * 0.1
                       for w in layer.get_weights()])


def test_sinusoidal_embedding_by_hand():
    out = SinusoidalEmbedding(6, max_period=100.0)(np.array([0, 3], "int32")).numpy()
    frequencies = [1.0, 100 ** -0.5, 100 ** -1.0]
    np.testing.assert_allclose(out[0], [0, 0, 0, 1, 1, 1], atol=1e-7)
    np.testing.assert_allclose(out[1], [math.sin(3 * f) for f in frequencies]
                               + [math.cos(3 * f) for f in frequencies], rtol=1e-5)
    with pytest.raises(ValueError, match="dim"):
        SinusoidalEmbedding(5)


def test_unconditional_unet_predicts_zero_noise_at_first_and_sees_x_and_t():
    net = builders.diffusion_unet(SHAPE, widths=(8, 16), attention_levels=(1,))
    assert sorted(net.input) == ["image", "timestep"]
    assert net.output_shape == (None,) + SHAPE
    inputs = _inputs()
    np.testing.assert_array_equal(net(inputs).numpy(), 0.0)
    _randomize_output(net)
    base = net(inputs).numpy()
    assert not np.allclose(base, net({**inputs, "image": inputs["image"] + 1}).numpy())
    assert not np.allclose(base, net({**inputs, "timestep": inputs["timestep"] // 2}))
    names = [layer.name for layer in net.layers]
    assert "down1_block0_attention_mha" in names and "middle_attention_mha" in names
    assert "down0_block0_attention_mha" not in names  # attention only at level 1
    assert len(names) == len(set(names))


def test_class_conditional_unet_has_a_null_class():
    net = builders.diffusion_unet(SHAPE, widths=(8, 16), num_classes=10)
    assert net.get_layer("label_embedding").input_dim == 11  # 10 + null
    _randomize_output(net)
    inputs = _inputs(label=True)
    base = net(inputs).numpy()
    null = net({**inputs, "label": np.full(3, 10, "int32")}).numpy()
    assert not np.allclose(base, null)


def test_text_conditional_unet_cross_attends_to_the_tokens():
    net = builders.diffusion_unet(SHAPE, widths=(8, 16), text_embedding_dim=12,
                                  heads=2)
    assert sorted(net.input) == ["context", "image", "timestep"]
    _randomize_output(net)
    inputs = _inputs(context=(5, 12))
    base = net(inputs).numpy()
    assert not np.allclose(base, net({**inputs, "context": inputs["context"] * -1}))
    # Any number of tokens; the attention scores are the layer's second output.
    layer = net.get_layer("down1_block0_cross_mha")
    probe = keras.Model(net.inputs, layer.output[1])
    scores = probe(_inputs(context=(7, 12))).numpy()
    assert scores.shape == (3, 2, 4 * 4, 7)  # (batch, heads, positions, tokens)
    np.testing.assert_allclose(scores.sum(-1), 1.0, rtol=1e-5)


def test_image_conditional_unet_concatenates_the_condition():
    net = builders.diffusion_unet(SHAPE, widths=(8, 16), condition_channels=2)
    assert sorted(net.input) == ["condition", "image", "timestep"]
    assert net.get_layer("stem").input.shape[-1] == SHAPE[-1] + 2
    _randomize_output(net)
    inputs = {**_inputs(), "condition": np.ones((3,) + SHAPE[:2] + (2,), "float32")}
    base = net(inputs).numpy()
    assert base.shape == (3,) + SHAPE
    assert not np.allclose(base, net({**inputs, "condition": -inputs["condition"]}))


def test_blocks_levels_and_skips():
    net = builders.diffusion_unet((16, 16, 3), widths=(8, 16, 16), blocks_per_level=2,
                                  attention_levels=())
    assert net.output_shape == (None, 16, 16, 3)
    names = {layer.name for layer in net.layers}
    assert {"down2_block1_add", "up0_block2_concat", "up2_upsample"} <= names
    assert "up0_upsample" not in names and "down2_downsample" not in names
    assert not any("attention" in n and "middle" not in n for n in names)


def test_save_load_round_trip(tmp_path):
    net = builders.diffusion_unet(SHAPE, widths=(8, 16), num_classes=3,
                                  text_embedding_dim=4, heads=2)
    _randomize_output(net)
    inputs = _inputs(label=True, context=(2, 4))
    inputs["label"] %= 3
    net.save(tmp_path / "unet.keras")
    again = keras.models.load_model(tmp_path / "unet.keras")
    np.testing.assert_allclose(again(inputs).numpy(), net(inputs).numpy(), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(image_shape=(8, 8)), "image_shape"),
    (dict(image_shape=(6, 6, 1), widths=(4, 8, 8)), "image_shape"),
    (dict(widths=()), "widths"),
    (dict(blocks_per_level=0), "blocks_per_level"),
    (dict(attention_levels=(3,)), "attention_levels"),
    (dict(heads=3), "heads"),
    (dict(num_classes=0), "num_classes"),
    (dict(text_embedding_dim=-1), "text_embedding_dim"),
    (dict(dropout=1.0), "dropout"),
    (dict(condition_channels=0), "condition_channels"),
])
def test_bad_arguments_name_the_argument(kwargs, argument):
    kwargs = {"image_shape": SHAPE, "widths": (8, 16), **kwargs}
    with pytest.raises((ValueError, TypeError), match=argument):
        builders.diffusion_unet(**kwargs)


def test_text_encoder_tokenizes_and_encodes():
    from keras_genai import data
    from keras_genai.layers import PositionEmbedding

    encoder = builders.text_encoder(data.caption_vocabulary(), sequence_length=6,
                                    embedding_dim=16, heads=2)
    out = encoder(np.array(["a thick seven", "", "A THICK SEVEN!"])).numpy()
    assert out.shape == (3, 6, 16)
    np.testing.assert_allclose(out[0], out[2], rtol=1e-5, atol=1e-5)  # case, punctuation
    assert not np.allclose(out[0], out[1])
    tokens = encoder.get_layer("tokenize")(np.array(["a thick seven leaning"])).numpy()
    vocabulary = data.caption_vocabulary()
    assert list(tokens[0]) == [vocabulary.index(w) + 2 for w in
                               ("a", "thick", "seven", "leaning")] + [0, 0]
    # Word order matters (position embedding).
    swapped = encoder(np.array(["seven thick a"])).numpy()
    assert not np.allclose(out[0], swapped[0])
    layer = PositionEmbedding(4)
    np.testing.assert_allclose(layer(np.zeros((1, 3, 2), "float32")).numpy()[0],
                               layer.position_embeddings.numpy()[:3])


def test_text_encoder_round_trip(tmp_path):
    encoder = builders.text_encoder(["a", "b"], sequence_length=3, embedding_dim=8)
    encoder.save(tmp_path / "text.keras")
    again = keras.models.load_model(tmp_path / "text.keras")
    captions = np.array(["a b", "b", "c a"])
    np.testing.assert_allclose(again(captions).numpy(), encoder(captions).numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(vocabulary=[]), "vocabulary"),
    (dict(vocabulary=["a", "a"]), "vocabulary"),
    (dict(vocabulary=["a b"]), "vocabulary"),
    (dict(sequence_length=0), "sequence_length"),
    (dict(embedding_dim=10, heads=4), "embedding_dim"),
])
def test_text_encoder_bad_arguments(kwargs, argument):
    kwargs = {"vocabulary": ["a", "b"], **kwargs}
    with pytest.raises((ValueError, TypeError), match=argument):
        builders.text_encoder(**kwargs)
