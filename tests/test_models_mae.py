"""MaskedAutoencoder: the model contract (masks differ per replica and match
the one-device draw), the loss on hidden patches only, what the encoder sees,
and reconstructions."""

import keras
import numpy as np
import pytest

import conformance
from keras_genai import builders
from keras_genai.layers import patchify
from keras_genai.losses import masked_patch_loss
from keras_genai.models import MaskedAutoencoder
from keras_genai.models.mae import visible_count

SHAPE = (8, 8, 1)
PATCH = 2  # 16 patches


def make_model(seed=3, **kwargs):
    encoder = builders.mae_encoder(SHAPE, PATCH, dim=8, depth=1, heads=2)
    decoder = builders.mae_decoder(SHAPE, PATCH, encoder_dim=8, dim=8, depth=1,
                                   heads=2)
    return MaskedAutoencoder(encoder, decoder, PATCH, seed=seed, **kwargs)


def compile_model(model, **kwargs):
    model.compile(optimizer=keras.optimizers.Adam(1e-2), **kwargs)


def data(n=32):
    rng = np.random.default_rng(0)
    rows = np.linspace(0, 1, 8, dtype="float32")
    x = rows[None, :, None, None] * rng.uniform(0.5, 1, (n, 1, 1, 1))
    return (np.broadcast_to(x, (n,) + SHAPE) + rng.normal(
        0, 0.05, (n,) + SHAPE)).astype("float32"),


def _reconstruct_reference(model, x, seed):
    import tensorflow as tf
    noise = tf.random.stateless_uniform([len(x), model.num_patches], seed)
    return np.stack([np.asarray(t) for t in model._reconstruct_batch(
        tf.constant(x), noise, model.mask_ratio)])


SPEC = conformance.ModelSpec(
    make_model=make_model,
    compile=compile_model,
    data=data,
    networks=("encoder", "decoder"),
    optimizers=("optimizer",),
    inputs=lambda: data(4)[0],
    endpoints={
        "encode": ((data(3)[0],), lambda m, x: m.encode(x)),
        "reconstruct": ((data(3)[0], np.array([1, 2], "int32")),
                        _reconstruct_reference),
    },
    bad_arguments=[
        ("encoder", lambda: MaskedAutoencoder("vit", make_model().decoder, PATCH)),
        ("mask_ratio", lambda: make_model(mask_ratio=1.0)),
        ("mask_ratio", lambda: make_model(mask_ratio=0.0)),
        ("norm_pix_loss", lambda: make_model(norm_pix_loss="yes")),
        ("patch_size", lambda: make_model().__class__(
            make_model().encoder, make_model().decoder, 0)),
        ("decoder", lambda: MaskedAutoencoder(
            make_model().encoder, builders.mae_decoder(SHAPE, 4, encoder_dim=8,
                                                       dim=8, depth=1), PATCH)),
        ("loss", lambda: make_model().compile(optimizer="adam", loss="mse")),
        ("images", lambda: make_model().encode(np.zeros((2, 4, 4, 1)))),
        ("mask_ratio", lambda: make_model().reconstruct(data(2)[0], mask_ratio=1.5)),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


def test_visible_count_keeps_at_least_one_and_hides_at_least_one():
    assert visible_count(16, 0.75) == 4
    assert visible_count(16, 0.99) == 1
    assert visible_count(16, 0.01) == 15


def test_masked_patch_loss_counts_hidden_patches_only():
    target = np.zeros((1, 3, 2), "float32")
    predicted = np.array([[[1, 1], [2, 2], [3, 3]]], "float32")
    mask = np.array([[1, 0, 1]], "float32")
    assert float(masked_patch_loss(target, predicted, mask)) == pytest.approx(5.0)
    # Normalized targets: each patch minus its mean, over its std.
    target = np.array([[[0, 2], [1, 1], [5, 7]]], "float32")
    got = float(masked_patch_loss(target, np.zeros_like(target), mask, normalize=True))
    per_patch = [np.mean(((t - t.mean()) / np.sqrt(t.var() + 1e-6)) ** 2)
                 for t in target[0]]
    assert got == pytest.approx((per_patch[0] + per_patch[2]) / 2, rel=1e-5)


def test_the_loss_ignores_the_visible_patches_and_the_encoder_sees_only_them():
    model = make_model()
    x = data(4)[0]
    patches = np.asarray(patchify(x, PATCH))
    noise = np.random.default_rng(0).random((4, 16)).astype("float32")
    keep = model._visible(noise)
    assert keep.shape == (4, 4)
    np.testing.assert_array_equal(np.sort(np.asarray(keep)),
                                  np.sort(np.argsort(noise)[:, :4]))
    seen = []
    original = model.encoder.call

    def spy(inputs, *args, **kwargs):
        seen.append(tuple(inputs[0].shape))
        return original(inputs, *args, **kwargs)

    model.encoder.call = spy
    _, predicted, mask = model._forward(x, keep, training=False)
    model.encoder.call = original
    assert seen == [(4, 4, PATCH * PATCH)]
    np.testing.assert_array_equal(np.asarray(mask).sum(axis=1), 12)
    # Changing the prediction at visible patches leaves the loss unchanged.
    predicted = np.asarray(predicted).copy()
    base = float(masked_patch_loss(patches, predicted, mask))
    visible = np.asarray(mask) == 0
    predicted[visible] += 10.0
    assert float(masked_patch_loss(patches, predicted, mask)) == pytest.approx(base)


def test_training_lowers_the_loss_and_reconstructions_keep_visible_patches():
    model = make_model()
    compile_model(model)
    x = data(64)[0]
    history = model.fit(x, epochs=8, batch_size=16, verbose=0).history
    assert history["loss"][-1] < 0.5 * history["loss"][0], history["loss"]
    masked, reconstructed = model.reconstruct(x[:3], seed=0)
    hidden = masked == 0
    np.testing.assert_allclose(reconstructed[~hidden], x[:3][~hidden], atol=1e-6)
    assert model.encode(x[:5]).shape == (5, 8)
    again, _ = model.reconstruct(x[:3], seed=0)
    np.testing.assert_array_equal(again, masked)
