"""RealNVP: the model contract, the change of variables (the log-determinant
against autodiff, the density integrated over a tiny image), the inverse,
the masks and the squeeze."""

import math
from statistics import NormalDist

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai import builders
from keras_genai.layers.flow import channel_mask
from keras_genai.layers.flow import checkerboard_mask
from keras_genai.layers.flow import squeeze
from keras_genai.layers.flow import unsqueeze
from keras_genai.models import RealNVP

SHAPE = (4, 4, 1)


def make_model(seed=3, **kwargs):
    return RealNVP(SHAPE, **{"filters": 4, "num_blocks": 0, "num_couplings": (1, 1, 2), "seed": seed, **kwargs})


def compile_model(model, **kwargs):
    model.compile(optimizer=keras.optimizers.Adam(1e-2), **kwargs)


def data(n=32):
    rng = np.random.default_rng(0)
    x = np.zeros((n,) + SHAPE, "float32")
    x[:, 1:3] = 200.0
    return np.clip(np.floor(x + rng.normal(0, 20, x.shape)), 0, 255).astype("float32"),


def _randomized(model, scale=0.3, seed=2):
    rng = np.random.default_rng(seed)
    for network in model.couplings:
        for v in network.trainable_variables:
            v.assign(rng.normal(0, scale, v.shape))
    return model


SPEC = conformance.ModelSpec(
    make_model=make_model,
    compile=compile_model,
    data=data,
    networks=("couplings",),
    optimizers=("optimizer",),
    inputs=lambda: data(4)[0] + 0.5,
    endpoints={
        "log_prob": ((data(3)[0] + 0.5,), lambda m, v: m.log_prob(v)),
        "encode": ((data(3)[0],), lambda m, x: m.encode(x)),
        "sample": ((np.int32(3), np.array([5, 0], "int32")),
                   lambda m, n, seed: m.sample(int(n), seed=5)),
    },
    bad_arguments=[
        ("image_shape", lambda: RealNVP((5, 4, 1))),
        ("alpha", lambda: make_model(alpha=0.5)),
        ("filters", lambda: make_model(filters=0)),
        ("couplings", lambda: make_model(couplings=make_model().couplings[:3])),
        ("num_couplings", lambda: make_model(num_couplings=(3, 3))),
        ("couplings", lambda: make_model(couplings=[
            builders.coupling_network((2, 2, 4), 4)] + make_model().couplings[1:])),
        ("loss", lambda: make_model().compile(optimizer="adam", loss="mse")),
        ("images", lambda: make_model().log_prob(np.full((2,) + SHAPE, 256.0))),
        ("images", lambda: make_model().bits_per_dim(np.zeros((2, 2, 2, 1)))),
        ("temperature", lambda: make_model().sample(2, temperature=0)),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


def test_masks_and_squeeze_by_hand():
    np.testing.assert_array_equal(checkerboard_mask((2, 3, 1), 1)[..., 0],
                                  [[0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(channel_mask((1, 1, 4), 1)[0, 0], [0, 0, 1, 1])
    x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
    # The top-left 2x2 block [[0, 1], [4, 5]] becomes the first pixel's channels.
    np.testing.assert_array_equal(squeeze(x)[0, 0, 0], [0, 1, 4, 5])
    np.testing.assert_array_equal(unsqueeze(squeeze(x)), x)


def test_log_determinant_equals_autodiff_jacobian():
    model = _randomized(RealNVP(SHAPE, filters=4, num_blocks=1))  # all 10
    v = tf.constant(data(3)[0] + np.random.default_rng(1).random((3,) + SHAPE),
                    tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(v)
        z0, log_det_pre = model._preprocess(v)
        z, log_det_flow = model.flow_forward(z0)
        flat = tf.reshape(z, (3, -1))
    jacobian = tape.batch_jacobian(flat, v).numpy().reshape(3, 16, 16)
    sign, log_abs = np.linalg.slogdet(jacobian.astype(np.float64))
    assert np.all(sign != 0)
    np.testing.assert_allclose(log_det_flow + log_det_pre, log_abs, rtol=1e-4,
                               atol=1e-3)
    # log p(v) = log N(z) + log |det dz/dv| (the change of variables, eq. 3).
    log_normal = -0.5 * (flat.numpy() ** 2).sum(1) - 8 * math.log(2 * math.pi)
    np.testing.assert_allclose(model.log_prob(v.numpy()), log_normal + log_abs,
                               rtol=1e-4, atol=1e-3)


def _integral(model, points_per_axis=24):
    """The midpoint rule for the density over [0, 256)^4 of a 2x2 image."""
    g = (np.arange(points_per_axis) + 0.5) * 256 / points_per_axis
    grid = np.stack(np.meshgrid(g, g, g, g, indexing="ij"), -1)
    log_p = model.log_prob(grid.reshape(-1, 2, 2, 1).astype("float32"),
                           batch_size=8192)
    return np.exp(log_p.astype(np.float64)).sum() * (256 / points_per_axis) ** 4


def test_the_density_integrates_to_one_over_a_2x2_image():
    model = _randomized(RealNVP((2, 2, 1), filters=4, num_blocks=1, alpha=0.0,
                                num_couplings=(2, 2, 2)))
    assert _integral(model) == pytest.approx(1.0, abs=0.02)
    # With alpha > 0 the logit transform reaches only [logit(a), logit(1 - a)]:
    # at the identity couplings (the initial flow) the density integrates to
    # the Gaussian mass of that box, and the rest is never assigned.
    start = RealNVP((2, 2, 1), filters=4, num_blocks=0, alpha=0.05,
                    num_couplings=(1, 1, 1))
    edge = math.log(0.95 / 0.05)
    box = (NormalDist().cdf(edge) - NormalDist().cdf(-edge)) ** 4
    assert _integral(start) == pytest.approx(box, rel=0.01)


def test_inverse_encode_decode_and_bits_per_dim():
    model = _randomized(make_model())
    z0 = tf.random.normal((3,) + SHAPE)
    z, _ = model.flow_forward(z0)
    np.testing.assert_allclose(model.flow_inverse(z), z0, atol=1e-4)
    x = data(4)[0]
    np.testing.assert_array_equal(model.decode(model.encode(x)), x)
    rng = np.random.default_rng(7)
    by_hand = -model.log_prob(x + rng.random(x.shape, dtype=np.float32)).mean() \
        / (16 * math.log(2))
    assert model.bits_per_dim(x, seed=7) == pytest.approx(by_hand, rel=1e-5)
    samples = model.sample(5, seed=1)
    assert samples.shape == (5,) + SHAPE
    assert samples.min() >= 0 and samples.max() <= 255
    np.testing.assert_array_equal(samples, np.floor(samples))
    np.testing.assert_array_equal(samples, model.sample(5, seed=1, batch_size=2))


def test_training_lowers_bits_per_dimension():
    model = make_model(seed=0)
    compile_model(model)
    x = data(64)[0]
    before = model.bits_per_dim(x, seed=0)
    history = model.fit(x, epochs=4, batch_size=32, verbose=0)
    assert model.bits_per_dim(x, seed=0) < before - 0.2
    np.testing.assert_allclose(history.history["bits_per_dim"],
                               np.array(history.history["loss"]) / (16 * math.log(2)),
                               rtol=1e-5)
