"""The written-out attention against Keras' implementations, the Transformer
block, patches and the mask tokens of a masked autoencoder."""

import keras
import numpy as np
import pytest

from keras_genai.layers import LogitScale
from keras_genai.layers import MaskTokens
from keras_genai.layers import MaskedMeanPooling
from keras_genai.layers import MultiHeadAttention
from keras_genai.layers import PaddingMask
from keras_genai.layers import PatchEmbedding
from keras_genai.layers import TransformerBlock
from keras_genai.layers import causal_mask
from keras_genai.layers import patchify
from keras_genai.layers import scaled_dot_product_attention
from keras_genai.layers import unpatchify

RNG = np.random.default_rng(0)


def _normal(*shape):
    return RNG.normal(size=shape).astype("float32")


def test_attention_equals_keras_dot_product_attention_with_and_without_a_mask():
    q, k, v = _normal(2, 5, 3, 4), _normal(2, 6, 3, 4), _normal(2, 6, 3, 7)
    mask = RNG.random((2, 3, 5, 6)) > 0.3
    for m in (None, mask):
        np.testing.assert_allclose(scaled_dot_product_attention(q, k, v, mask=m),
                                   keras.ops.dot_product_attention(q, k, v, mask=m),
                                   atol=1e-5)


def test_attention_by_hand_on_a_tiny_case():
    q = np.array([[[1.0, 0.0]]], "float32")          # one query
    k = np.array([[[1.0, 0.0], [0.0, 1.0]]], "float32")
    v = np.array([[[10.0], [20.0]]], "float32")
    out, w = scaled_dot_product_attention(q, k, v, return_weights=True)
    s = np.array([1.0, 0.0]) / np.sqrt(2.0)
    expected = np.exp(s) / np.exp(s).sum()
    np.testing.assert_allclose(w[0, 0], expected, rtol=1e-6)
    np.testing.assert_allclose(out[0, 0, 0], expected @ [10.0, 20.0], rtol=1e-6)
    # Masking the first key leaves all the weight on the second; a query that
    # may see no key gets zeros, not NaN.
    out, w = scaled_dot_product_attention(q, k, v, mask=np.array([[[False, True]]]),
                                          return_weights=True)
    np.testing.assert_allclose(w[0, 0], [0.0, 1.0])
    out, w = scaled_dot_product_attention(q, k, v, mask=np.zeros((1, 1, 2), bool),
                                          return_weights=True)
    np.testing.assert_array_equal(np.asarray(out), 0.0)


def test_multi_head_attention_equals_keras_layer_with_copied_weights():
    x, context = _normal(2, 5, 8), _normal(2, 6, 10)
    theirs = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    ours = MultiHeadAttention(num_heads=2, key_dim=4)
    theirs(x, context)
    ours(x, context)
    ours_by_path = {v.path.split("/", 1)[1]: v for v in ours.weights}
    for a in theirs.weights:  # all but the key's bias, which ours leaves out
        name = a.path.split("/", 1)[1]
        if name == "key/bias":
            a.assign(np.random.default_rng(1).normal(size=a.shape))  # no effect
            continue
        assert ours_by_path[name].shape == a.shape
        ours_by_path[name].assign(a)
    assert len(ours.weights) == len(theirs.weights) - 1
    mask = RNG.random((2, 5, 6)) > 0.4
    mask[:, :, 0] = True
    ref, ref_w = theirs(x, context, attention_mask=mask, return_attention_scores=True)
    for given in (mask, mask[:, None]):  # keras' 3-D layout, or one per head
        out, w = ours(x, context, attention_mask=given, return_weights=True)
        np.testing.assert_allclose(out, ref, atol=1e-5)
        np.testing.assert_allclose(w, ref_w, atol=1e-5)
    with pytest.raises(ValueError, match="mask"):
        scaled_dot_product_attention(_normal(2, 5, 2, 4), _normal(2, 6, 2, 4),
                                     _normal(2, 6, 2, 4), mask=mask)


def test_attention_refuses_values_and_masks_that_do_not_fit_the_keys():
    q, k = _normal(2, 5, 4), _normal(2, 7, 4)
    with pytest.raises(ValueError, match=r"`value`.*key with shape \(2, 7, 4\) and "
                                         r"value with shape \(2, 6, 4\)"):
        scaled_dot_product_attention(q, k, _normal(2, 6, 4))
    v = _normal(2, 7, 4)
    for mask in (np.ones((7, 5), bool), np.ones((2, 7, 5), bool)):  # transposed
        with pytest.raises(ValueError, match=r"`mask` must broadcast to \(batch, "
                                             r"query_length, key_length\) = "
                                             r"\(2, 5, 7\)"):
            scaled_dot_product_attention(q, k, v, mask=mask)
    with pytest.raises(ValueError, match=r"\(2, 2, 5, 7\)\. Received: mask with "
                                         r"shape \(2, 2, 7, 5\)"):
        scaled_dot_product_attention(_normal(2, 5, 2, 4), _normal(2, 7, 2, 4),
                                     _normal(2, 7, 2, 4),
                                     mask=np.ones((2, 2, 7, 5), bool))
    for mask in (np.ones((5, 7), bool), np.ones((2, 1, 7), bool),
                 np.ones((2, 1, 5, 7), bool)):  # these broadcast
        assert scaled_dot_product_attention(q, k, v, mask=mask).shape == (2, 5, 4)


def test_causal_mask_and_causal_block_ignore_the_future():
    np.testing.assert_array_equal(np.asarray(causal_mask(3)),
                                  [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    block = TransformerBlock(num_heads=2, mlp_dim=16, causal=True)
    x = _normal(1, 6, 8)
    changed = x.copy()
    changed[:, 4:] += 5.0
    a, b = np.asarray(block(x)), np.asarray(block(changed))
    np.testing.assert_allclose(a[:, :4], b[:, :4], atol=1e-6)
    assert not np.allclose(a[:, 4:], b[:, 4:])


def test_padding_mask_hides_padding_from_every_query():
    block = TransformerBlock(num_heads=2, mlp_dim=16)
    x = _normal(1, 4, 8)
    changed = x.copy()
    changed[:, 3] += 5.0
    words = np.array([[True, True, True, False]])
    a = np.asarray(block(x, padding_mask=words))
    b = np.asarray(block(changed, padding_mask=words))
    np.testing.assert_allclose(a[:, :3], b[:, :3], atol=1e-6)
    _, w = block(x, padding_mask=words, return_weights=True)
    np.testing.assert_array_equal(np.asarray(w)[..., 3], 0.0)


def test_layers_round_trip_their_config():
    for layer in (MultiHeadAttention(2, 4, dropout=0.1),
                  TransformerBlock(2, 16, dropout=0.1, causal=True),
                  PatchEmbedding(4, 8), MaskTokens(5), LogitScale(0.1)):
        again = type(layer).from_config(layer.get_config())
        assert again.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="num_heads"):
        TransformerBlock(3, 16)(keras.ops.ones((1, 2, 8)))
    with pytest.raises(ValueError, match="patch_size"):
        patchify(keras.ops.ones((1, 6, 6, 1)), 4)
    with pytest.raises(ValueError, match="initial_temperature"):
        LogitScale(0.001)


def test_patchify_orders_patches_row_by_row_and_unpatchify_inverts_it():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    p = np.asarray(patchify(x, 2))
    np.testing.assert_array_equal(p[0, 0], [0, 1, 4, 5])
    np.testing.assert_array_equal(p[0, 1], [2, 3, 6, 7])
    np.testing.assert_array_equal(p[0, 2], [8, 9, 12, 13])
    np.testing.assert_array_equal(unpatchify(p, 2, (4, 4, 1)), x)
    # PatchEmbedding is a convolution with kernel = stride = patch size.
    layer = PatchEmbedding(2, 3)
    out = np.asarray(layer(x))
    conv = keras.layers.Conv2D(3, 2, strides=2)
    conv.build((None, 4, 4, 1))
    conv.kernel.assign(np.asarray(layer.projection.kernel).reshape(2, 2, 1, 3))
    conv.bias.assign(layer.projection.bias)
    np.testing.assert_allclose(out, np.asarray(conv(x)).reshape(1, 4, 3), atol=1e-5)


def test_mask_tokens_place_tokens_and_fill_the_rest():
    layer = MaskTokens(4)
    tokens = np.array([[[1.0, 2.0], [3.0, 4.0]]], "float32")
    out = np.asarray(layer(tokens, np.array([[3, 1]], "int32")))
    token = np.asarray(layer.mask_token)
    np.testing.assert_allclose(out[0], [token, [3, 4], token, [1, 2]], rtol=1e-6)


def test_masked_mean_pooling_and_padding_mask():
    words = np.asarray(PaddingMask()(np.array([[5, 2, 0, 0]])))
    np.testing.assert_array_equal(words, [[True, True, False, False]])
    x = np.array([[[1.0], [3.0], [100.0], [100.0]]], "float32")
    np.testing.assert_allclose(MaskedMeanPooling()(x, words), [[2.0]])


def test_logit_scale_starts_at_one_over_the_temperature_and_is_clipped():
    layer = LogitScale(0.07)
    assert float(layer.scale) == pytest.approx(1 / 0.07, rel=1e-5)
    constrained = layer.log_scale.constraint(keras.ops.convert_to_tensor(9.0))
    assert float(constrained) == pytest.approx(np.log(100.0), rel=1e-6)
