"""PixelCNN: the model contract, the masks, and the exact likelihood checked
by brute force (summed over every image of a tiny model, it is 1; samples
follow it)."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai.layers.autoregressive import MaskedConv2D
from keras_genai.layers.autoregressive import pixel_order_mask
from keras_genai.models import PixelCNN
from keras_genai.models.pixelcnn import bernoulli_log_prob

SHAPE = (4, 4, 1)


def make_model(seed=3, **kwargs):
    kwargs = {"filters": 4, "num_blocks": 1, "head_filters": 8, **kwargs}
    return PixelCNN(SHAPE, seed=seed, **kwargs)


def compile_model(model, **kwargs):
    model.compile(optimizer=keras.optimizers.Adam(1e-2), **kwargs)


def data(n=32):
    rng = np.random.default_rng(0)
    x = np.zeros((n,) + SHAPE, "float32")
    x[:, :, 1:3] = 1.0  # a vertical bar, with noise
    return (np.abs(x - (rng.random(x.shape) < 0.1))).astype("float32"),


def _sample_reference(model, n, seed):
    return model._sample_batch(tf.random.stateless_uniform(
        (int(n),) + SHAPE, seed)).numpy()


SPEC = conformance.ModelSpec(
    make_model=make_model,
    compile=compile_model,
    data=data,
    networks=("network",),
    optimizers=("optimizer",),
    inputs=lambda: data(4)[0],
    endpoints={
        "log_prob": ((data(3)[0],), lambda m, x: m.log_prob(x)),
        "sample": ((np.int32(3), np.array([5, 0], "int32")), _sample_reference),
    },
    bad_arguments=[
        ("image_shape", lambda: PixelCNN((4, 4))),
        ("filters", lambda: make_model(filters=0)),
        ("num_blocks", lambda: make_model(num_blocks=-1)),
        ("gated", lambda: make_model(gated="yes")),
        ("network", lambda: make_model(network="pixelcnn")),
        ("network", lambda: PixelCNN((2, 2, 1), network=make_model().network)),
        ("loss", lambda: make_model().compile(optimizer="adam", loss="mse")),
        ("images", lambda: make_model().log_prob(np.zeros((2, 3, 3, 1)))),
        ("images", lambda: make_model().log_prob(np.full((2,) + SHAPE, 0.5))),
        ("n", lambda: make_model().sample(0)),
        ("mask_type", lambda: MaskedConv2D(4, 3, "C")),
        ("kernel_size", lambda: MaskedConv2D(4, 2, "A")),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


def test_masks_by_hand():
    np.testing.assert_array_equal(pixel_order_mask(3, "A"),
                                  [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(pixel_order_mask(3, "B"),
                                  [[1, 1, 1], [1, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(pixel_order_mask(1, "B"), [[1]])


def _randomized(model, scale=0.8, seed=1):
    """The model with random weights, so that every conditional matters."""
    rng = np.random.default_rng(seed)
    for v in model.network.trainable_variables:
        v.assign(rng.normal(0, scale, v.shape))
    return model


@pytest.mark.parametrize("gated", [False, True])
def test_each_logit_depends_only_on_earlier_pixels(gated):
    model = _randomized(make_model(gated=gated, num_blocks=2))
    x = tf.constant(data(1)[0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = tf.reshape(model(x), (-1,))
    jacobian = tape.jacobian(logits, x).numpy().reshape(16, 16)
    # Row k: logit of pixel k; column j: input pixel j. Only j < k may matter.
    assert np.all(jacobian[np.triu_indices(16)] == 0)
    assert np.count_nonzero(jacobian[np.tril_indices(16, -1)]) > 60


@pytest.mark.parametrize("shape", [(2, 2, 1), (3, 3, 1)])
def test_probabilities_of_every_image_sum_to_one(shape):
    model = _randomized(PixelCNN(shape, filters=4, num_blocks=1, head_filters=8,
                                 seed=0))
    n = int(np.prod(shape))
    images = np.array(list(itertools.product([0.0, 1.0], repeat=n)),
                      "float32").reshape((-1,) + shape)
    log_p = model.log_prob(images, batch_size=128)
    assert log_p.shape == (2 ** n,) and np.all(log_p < 0)
    np.testing.assert_allclose(np.exp(log_p.astype(np.float64)).sum(), 1.0,
                               rtol=1e-5)
    # log p(x) is the sum of the conditionals' log-probabilities, by hand.
    logits = model(images[:5]).numpy()
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    by_hand = np.log(np.where(images[:5] == 1, p, 1 - p)).reshape(5, -1).sum(1)
    np.testing.assert_allclose(log_p[:5], by_hand, rtol=1e-5)


def test_samples_follow_the_model_distribution():
    shape = (2, 2, 1)
    model = _randomized(PixelCNN(shape, filters=4, num_blocks=1, head_filters=8,
                                 seed=0))
    images = np.array(list(itertools.product([0.0, 1.0], repeat=4)),
                      "float32").reshape((-1,) + shape)
    p = np.exp(model.log_prob(images))
    samples = model.sample(4000, seed=0, batch_size=4000).reshape(-1, 4)
    codes = samples @ (2 ** np.arange(3, -1, -1))
    freq = np.bincount(codes.astype(int), minlength=16) / len(samples)
    # 4,000 draws: a frequency's standard error is at most 0.008.
    np.testing.assert_allclose(freq, p, atol=0.03)
    np.testing.assert_array_equal(model.sample(5, seed=3),
                                  model.sample(5, seed=3, batch_size=2))


def test_bernoulli_log_prob_by_hand():
    logits = np.array([[[[2.0]], [[-1.0]]]], "float32").reshape(1, 2, 1, 1)
    x = np.array([1.0, 0.0], "float32").reshape(1, 2, 1, 1)
    expected = np.log(1 / (1 + np.exp(-2.0))) + np.log(1 - 1 / (1 + np.exp(1.0)))
    np.testing.assert_allclose(bernoulli_log_prob(x, logits), [expected], rtol=1e-6)


def test_training_lowers_the_negative_log_likelihood():
    model = make_model(seed=0)
    compile_model(model)
    x = data(64)[0]
    before = -model.log_prob(x).mean()
    history = model.fit(x, epochs=5, batch_size=32, verbose=0)
    after = -model.log_prob(x).mean()
    assert after < before - 1.0
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate(x, verbose=0, return_dict=True)["loss"] == pytest.approx(
        after, rel=1e-4)
