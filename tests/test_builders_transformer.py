"""The Transformer builders: ViT, the sequence transformer, the caption and
text encoders, and the masked autoencoder's two halves."""

import keras
import numpy as np
import pytest

from keras_genai import builders
from keras_genai.data import caption_vocabulary
from keras_genai.layers import patchify


def test_vit_classifies_and_encodes():
    model = builders.vit((28, 28, 1), patch_size=7, dim=16, depth=1, heads=2)
    assert model.output_shape == (None, 10)
    features = builders.vit((28, 28, 1), patch_size=7, num_classes=None, dim=16,
                            depth=1, heads=2)
    assert features.output_shape == (None, 16)
    assert model(np.zeros((2, 28, 28, 1), "float32")).shape == (2, 10)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(patch_size=5), "patch_size"), (dict(dim=10, heads=4), "dim"),
    (dict(depth=0), "depth"), (dict(num_classes=1), "num_classes"),
    (dict(dropout=1.0), "dropout"), (dict(image_shape=(28, 28)), "image_shape")])
def test_vit_refuses_bad_arguments(kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        builders.vit(**kwargs)


def test_sequence_transformer_shapes_and_causality():
    model = builders.sequence_transformer((10, 2), dim=8, depth=1, heads=2)
    assert model.output_shape == (None, 1)
    per_step = builders.sequence_transformer((10, 2), dim=8, depth=1, heads=2,
                                             causal=True, return_sequences=True,
                                             output_units=3)
    x = np.random.default_rng(0).normal(size=(1, 10, 2)).astype("float32")
    changed = x.copy()
    changed[:, 7:] += 1.0
    a, b = np.asarray(per_step(x)), np.asarray(per_step(changed))
    np.testing.assert_allclose(a[:, :7], b[:, :7], atol=1e-6)
    with pytest.raises(ValueError, match="input_shape"):
        builders.sequence_transformer((None, 2))
    with pytest.raises(TypeError, match="causal"):
        builders.sequence_transformer((10, 2), causal="yes")


def test_caption_encoder_ignores_padding_and_text_encoder_keeps_its_shape():
    encoder = builders.caption_encoder(caption_vocabulary(), embedding_dim=8,
                                       depth=1, heads=2)
    out = np.asarray(encoder(np.array(["a thick seven", "a thick seven", "a zero"])))
    assert out.shape == (3, 8)
    np.testing.assert_allclose(out[0], out[1])
    text = builders.text_encoder(caption_vocabulary(), embedding_dim=8, heads=2)
    assert text(np.array(["a zero"])).shape == (1, 6, 8)
    with pytest.raises(ValueError, match="vocabulary"):
        builders.caption_encoder(["a", "a"])
    with pytest.raises(ValueError, match="embedding_dim"):
        builders.caption_encoder(["a"], embedding_dim=9, heads=2)


def test_mae_halves_take_any_number_of_visible_patches():
    encoder = builders.mae_encoder((28, 28, 1), 7, dim=8, depth=1, heads=2)
    decoder = builders.mae_decoder((28, 28, 1), 7, encoder_dim=8, dim=8, depth=1,
                                   heads=2)
    patches = np.asarray(patchify(np.zeros((2, 28, 28, 1), "float32"), 7))
    for k in (4, 16):
        positions = np.tile(np.arange(k, dtype="int32"), (2, 1))
        tokens = np.asarray(encoder([patches[:, :k], positions]))
        assert tokens.shape == (2, k, 8)
        assert decoder([tokens, positions]).shape == (2, 16, 49)
    with pytest.raises(ValueError, match="patch_size"):
        builders.mae_encoder((28, 28, 1), 5)


def test_outputs_are_float32_under_mixed_precision():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        nets = [builders.vit(dim=8, depth=1, heads=2),
                builders.caption_encoder(["a", "b"], embedding_dim=8, depth=1),
                builders.mae_encoder(dim=8, depth=1, heads=2)]
    finally:
        keras.config.set_dtype_policy(previous)
    for net in nets:
        assert all(t.dtype == "float32" for t in net.outputs), net.name
