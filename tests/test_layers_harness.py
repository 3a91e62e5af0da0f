"""Every public layer of `keras_genai.layers` through Keras' own layer test
harness (`layer_harness.run_layer_test`): config and serialization round
trips, build, symbolic and eager calls, counts of weights, seed generators and
losses, a compiled training step, and the ``"mixed_float16"`` policy (outputs
of the dtype ``compute_output_spec`` declares, float32 weights).

Each case is tiny; `test_every_layer_has_a_case` fails for a new layer without
one."""

import inspect

import keras
import numpy as np
import pytest
from keras import ops

from keras_genai import layers
from layer_harness import run_layer_test


def _counts(trainable=0, non_trainable=0, seed_generators=0):
    """The harness' expected counts, from a layer's definition: each
    `keras.random.SeedGenerator` holds one state variable, a non-trainable
    variable that is not a weight; none of these layers adds a loss."""
    return dict(expected_num_trainable_weights=trainable,
                expected_num_non_trainable_weights=non_trainable,
                expected_num_non_trainable_variables=non_trainable + seed_generators,
                expected_num_seed_generators=seed_generators,
                expected_num_losses=0)


# MultiHeadAttention(num_heads=2, key_dim=3) on width 6: the query, value and
# output projections have a kernel and a bias, the key projection a kernel only.
_MHA_WEIGHTS = 2 + 1 + 2 + 2
_TRANSFORMER_WEIGHTS = 2 * 2 + _MHA_WEIGHTS + 2 * 2  # 2 layer norms, 2 dense

CASES = {
    layers.ChannelScale: dict(
        input_shape=(2, 3, 3, 2), expected_output_shape=(2, 3, 3, 2),
        **_counts(trainable=1)),  # the per-channel scale
    layers.Corruption: dict(
        init_kwargs=dict(kind="gaussian", amount=0.1, seed=0),
        call_kwargs=dict(training=True),  # the identity outside training
        input_shape=(2, 5), expected_output_shape=(2, 5), supports_masking=True,
        **_counts(seed_generators=1)),
    layers.LearnedConstant: dict(
        init_kwargs=dict(shape=(2, 2, 3)),
        input_shape=(2, 4), expected_output_shape=(2, 2, 2, 3),
        **_counts(trainable=1)),  # the constant
    layers.MaskedConv2D: dict(
        init_kwargs=dict(filters=2, kernel_size=3, mask_type="A"),
        input_shape=(2, 5, 5, 1), expected_output_shape=(2, 5, 5, 2),
        **_counts(trainable=2)),  # kernel, bias
    layers.LogitScale: dict(
        input_shape=(2, 3), expected_output_shape=(2, 3),
        expected_output_dtype="float32",  # logits, float32 under every policy
        **_counts(trainable=1)),  # log_scale
    layers.Maxout: dict(
        init_kwargs=dict(units=2),
        input_shape=(2, 3, 6), expected_output_shape=(2, 3, 2), **_counts()),
    layers.MinPooling2D: dict(
        init_kwargs=dict(pool_size=2),
        input_shape=(2, 4, 4, 3), expected_output_shape=(2, 2, 2, 3), **_counts()),
    layers.PaddedShortcut: dict(
        init_kwargs=dict(channels=5, strides=2),
        input_shape=(2, 5, 5, 3), expected_output_shape=(2, 3, 3, 5), **_counts()),
    layers.MaskTokens: dict(
        init_kwargs=dict(num_patches=4),
        input_shape=dict(tokens_shape=(2, 2, 3), positions_shape=(2, 2)),
        input_dtype=dict(tokens_shape="float32", positions_shape="int32"),
        expected_output_shape=(2, 4, 3),
        # The harness' training model passes a dict input as one argument
        # (`test_mask_tokens_trains` trains it instead).
        run_training_check=False, **_counts(trainable=1)),  # the mask token
    layers.MaskedMeanPooling: dict(
        # The harness draws no booleans: a 0/1/2 integer mask (a weighting).
        input_shape=dict(x_shape=(2, 3, 4), mask_shape=(2, 3)),
        input_dtype=dict(x_shape="float32", mask_shape="int32"),
        expected_output_shape=(2, 4), supports_masking=True,
        # The harness' training model passes a dict input as one argument.
        run_training_check=False, **_counts()),
    layers.ModulatedConv2D: dict(
        init_kwargs=dict(filters=4, kernel_size=3, upsample=True),
        input_shape=((2, 4, 4, 3), (2, 5)), expected_output_shape=(2, 8, 8, 4),
        **_counts(trainable=4)),  # style kernel and bias, kernel, bias
    layers.MultiHeadAttention: dict(
        init_kwargs=dict(num_heads=2, key_dim=3, dropout=0.1),
        input_shape=(2, 4, 6), expected_output_shape=(2, 4, 6),
        # A Dropout with a rate > 0 owns a seed generator.
        **_counts(trainable=_MHA_WEIGHTS, seed_generators=1)),
    layers.NoiseInjection: dict(
        input_shape=((2, 3, 3, 2), (2, 3, 3, 1)),
        expected_output_shape=(2, 3, 3, 2),
        **_counts(trainable=1)),  # the per-channel strength
    layers.PaddingMask: dict(
        input_shape=(2, 5), input_dtype="int32", expected_output_shape=(2, 5),
        expected_output_dtype="bool", **_counts()),
    layers.PatchEmbedding: dict(
        init_kwargs=dict(patch_size=2, dim=3),
        input_shape=(2, 4, 4, 1), expected_output_shape=(2, 4, 3),
        **_counts(trainable=2)),  # the projection's kernel and bias
    layers.PixelNorm: dict(
        input_shape=(2, 3), expected_output_shape=(2, 3),
        **_counts()),
    layers.PositionEmbedding: dict(
        init_kwargs=dict(sequence_length=5),
        input_shape=(2, 4, 3), expected_output_shape=(2, 4, 3),
        **_counts(trainable=1)),  # the position vectors
    layers.RandomErasing: dict(
        init_kwargs=dict(probability=1.0, seed=0),
        input_shape=(2, 6, 6, 1), expected_output_shape=(2, 6, 6, 1),
        **_counts(seed_generators=1)),
    layers.RecurrentDecoder: dict(
        init_kwargs=dict(vocabulary_size=5, embedding_dim=3, units=4, seed=0),
        # Target ids and a 0/1/2 mask (0: padding) drawn as integers.
        input_shape=dict(targets_shape=(2, 3), encoder_outputs_shape=(2, 5, 4),
                         state_h_shape=(2, 4), state_c_shape=(2, 4),
                         source_mask_shape=(2, 5)),
        input_dtype=dict(targets_shape="int32", encoder_outputs_shape="float32",
                         state_h_shape="float32", state_c_shape="float32",
                         source_mask_shape="int32"),
        expected_output_shape=(2, 3, 5),
        # The harness' training model passes a dict input as one argument
        # (test_seq2seq trains it through builders.seq2seq).
        run_training_check=False,
        # embedding; LSTM kernel, recurrent kernel, bias; output kernel, bias;
        # the attention's query kernel, key kernel and bias, and score vector.
        # The LSTM cell owns a seed generator (for its dropout).
        **_counts(trainable=10, seed_generators=1)),
    layers.Sampling: dict(
        init_kwargs=dict(seed=0),
        input_shape=((2, 3), (2, 3)), expected_output_shape=(2, 3),
        **_counts(seed_generators=1)),
    layers.SelectStyle: dict(
        init_kwargs=dict(index=1),
        input_shape=(2, 3, 4), expected_output_shape=(2, 4),
        **_counts()),
    layers.SubsampleNoise: dict(
        init_kwargs=dict(channel=1, stride=2),
        input_shape=(2, 5, 5, 3), expected_output_shape=(2, 3, 3, 1),
        **_counts()),
    layers.SinusoidalEmbedding: dict(
        init_kwargs=dict(dim=8),
        input_shape=(3,), input_dtype="int32", expected_output_shape=(3, 8),
        expected_output_dtype="float32", **_counts()),
    layers.Step: dict(
        input_shape=(2, 3), expected_output_shape=(2, 3),
        **_counts()),
    layers.TransformerBlock: dict(
        init_kwargs=dict(num_heads=2, mlp_dim=8, dropout=0.1, causal=True),
        input_shape=(2, 4, 6), expected_output_shape=(2, 4, 6),
        # Its own Dropout and its attention's.
        **_counts(trainable=_TRANSFORMER_WEIGHTS, seed_generators=2)),
}


def _public_layer_classes():
    return {obj for name in layers.__all__
            if inspect.isclass(obj := getattr(layers, name))
            and issubclass(obj, keras.layers.Layer)}


def test_every_layer_has_a_case():
    """A layer added to `keras_genai.layers.__all__` needs a case here."""
    public = _public_layer_classes()
    missing = sorted(cls.__name__ for cls in public - set(CASES))
    extra = sorted(cls.__name__ for cls in set(CASES) - public)
    assert not missing and not extra, (missing, extra)
    assert len(public) >= 21  # the 21 layers when this module was written


@pytest.mark.parametrize("layer_cls", list(CASES), ids=lambda cls: cls.__name__)
def test_keras_layer_harness(layer_cls):
    kwargs = dict(CASES[layer_cls])
    run_layer_test(layer_cls, kwargs.pop("init_kwargs", {}), **kwargs)


def test_mask_tokens_trains():
    """The harness' training check for `MaskTokens`, which it cannot run: one
    compiled SGD step on ``sum(output)`` moves the mask token (the empty
    places' gradient)."""
    tokens = keras.Input((2, 3))
    positions = keras.Input((2,), dtype="int32")
    layer = layers.MaskTokens(4)
    model = keras.Model([tokens, positions], layer(tokens, positions))
    model.compile(optimizer="sgd", loss=lambda y, p: ops.sum(p), jit_compile="auto")
    before = layer.mask_token.numpy().copy()
    model.fit([np.ones((2, 2, 3), "float32"), np.array([[0, 1], [3, 2]])],
              np.zeros((2, 4, 3), "float32"), verbose=0)
    # 4 empty places in all, each adding the token: the step is -0.01 * 4.
    np.testing.assert_allclose(layer.mask_token.numpy(), before - 0.04, rtol=1e-5)
