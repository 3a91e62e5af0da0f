"""keras_genai.layers: Step, Maxout and RandomErasing behaviour and serialization."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai import layers


def test_step_forward_and_straight_through_gradient():

    x = tf.constant([-2.0, -0.0, 0.5, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layers.Step()(x)
        loss = tf.reduce_sum(y * tf.constant([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(y.numpy(), [0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), [1, 2, 3, 4])


def test_maxout_is_the_maximum_of_each_group_of_pieces():
    # Goodfellow et al. 2013, eq. 1: h_i = max_j z_ij, piece j of unit i being
    # feature i * k + j. Checked by brute force on a (2, 3, 6) input.
    z = np.random.default_rng(0).normal(size=(2, 3, 6)).astype("float32")
    out = np.asarray(layers.Maxout(2)(z))
    expected = np.empty((2, 3, 2), "float32")
    for index in np.ndindex(2, 3):
        for i in range(2):
            expected[index + (i,)] = max(z[index + (i * 3 + j,)] for j in range(3))
    np.testing.assert_array_equal(out, expected)
    # The gradient reaches only the winning piece of each unit.
    x = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(layers.Maxout(2)(x))
    grad = tape.gradient(total, x).numpy().reshape(2, 3, 2, 3)
    np.testing.assert_array_equal(grad.sum(-1), np.ones((2, 3, 2)))
    assert set(np.unique(grad)) == {0.0, 1.0}
    with pytest.raises(ValueError, match="multiple of `units`.*Received"):
        layers.Maxout(4)(z)
    with pytest.raises(ValueError, match="units"):
        layers.Maxout(0)


def test_min_pooling_is_the_minimum_of_each_window():
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 3)).astype("float32")
    out = np.asarray(layers.MinPooling2D(2)(x))
    expected = x.reshape(2, 3, 2, 3, 2, 3).min(axis=(2, 4))
    np.testing.assert_array_equal(out, expected)
    strided = np.asarray(layers.MinPooling2D(3, strides=1)(x))
    assert strided.shape == (2, 4, 4, 3)
    assert strided[0, 1, 2, 0] == x[0, 1:4, 2:5, 0].min()


def test_padded_shortcut_subsamples_and_pads_with_zeros():
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 3)).astype("float32")
    out = np.asarray(layers.PaddedShortcut(channels=5, strides=2)(x))
    assert out.shape == (2, 3, 3, 5)
    np.testing.assert_array_equal(out[..., :3], x[:, ::2, ::2])
    np.testing.assert_array_equal(out[..., 3:], 0.0)
    with pytest.raises(ValueError, match="at most `channels`.*Received"):
        layers.PaddedShortcut(channels=2)(x)
    with pytest.raises(ValueError, match="strides"):
        layers.PaddedShortcut(channels=4, strides=0)


def test_random_erasing_is_identity_at_inference_and_erases_in_training():
    """Inference (training=False) is the identity; a bare call augments, like
    Keras' preprocessing layers, so an `augmentation()` pipeline acts as one."""
    images = np.ones((64, 20, 20, 1), "float32")
    layer = layers.RandomErasing(probability=0.5, scale=(0.1, 0.2), fill_value=0.0,
                                 seed=0)
    np.testing.assert_array_equal(layer(images, training=False), images)
    out = np.asarray(layer(images))  # a bare call augments, as Keras' layers do
    erased = (out == 0).reshape(64, -1).sum(axis=1)
    # About half the images are erased; an erased area is a rectangle covering
    # 10-20% of the image (up to rounding of its sides).
    assert 16 <= (erased > 0).sum() <= 48
    fractions = erased[erased > 0] / 400.0
    assert fractions.min() >= 0.05 and fractions.max() <= 0.3
    for image in out[erased > 0, :, :, 0]:
        rows = np.where((image == 0).any(axis=1))[0]
        cols = np.where((image == 0).any(axis=0))[0]
        box = image[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
        assert (box == 0).all()  # one solid rectangle


def test_random_erasing_noise_fill_stays_in_range():
    layer = layers.RandomErasing(probability=1.0, value_range=(0.0, 255.0), seed=1)
    out = np.asarray(layer(np.full((8, 16, 16, 3), 300.0, "float32"),
                           training=True))
    noise = out[out != 300.0]
    assert noise.size > 0 and noise.min() >= 0.0 and noise.max() <= 255.0


def test_layers_round_trip_through_keras_files(tmp_path):
    model = keras.Sequential([
        keras.Input((6, 6, 1)),
        layers.RandomErasing(probability=0.3, ratio=(0.5, 2.0), seed=4,
                             name="erase"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(1, name="dense"),
        layers.Step(name="step"),
        keras.layers.Dense(4, name="pieces"),
        layers.Maxout(2, name="maxout"),
    ])
    # MinPooling2D keeps its pool size through a .keras file.
    pooled = keras.Sequential([keras.Input((4, 4, 1)),
                               layers.MinPooling2D(2, name="min_pool")])
    pooled.save(str(tmp_path / "pool.keras"))
    again = keras.saving.load_model(str(tmp_path / "pool.keras"))
    assert again.get_layer("min_pool").pool_size == (2, 2)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.random.default_rng(0).normal(size=(4, 6, 6, 1)).astype("float32")
    np.testing.assert_array_equal(model(x), loaded(x))
    assert loaded.get_layer("erase").get_config()["ratio"] == (0.5, 2.0)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(probability=1.5), "probability"),
    (dict(scale=(0.5, 0.1)), "scale"),
    (dict(ratio=(0.0, 1.0)), "ratio"),
    (dict(value_range=(1.0, 0.0)), "value_range"),
])
def test_random_erasing_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        layers.RandomErasing(**kwargs)


# -- Corruption (denoising autoencoders) ---------------------------------------------


def test_corruption_is_identity_outside_training():
    x = np.random.default_rng(0).random((4, 50)).astype("float32")
    for kind in layers.corruption.CORRUPTIONS:
        layer = layers.Corruption(kind, amount=0.5, seed=0)
        np.testing.assert_array_equal(layer(x), x)
        np.testing.assert_array_equal(layer(x, training=False), x)
        assert not np.array_equal(layer(x, training=True), x), kind


def test_masking_and_salt_and_pepper_hit_the_requested_share():
    x = np.full((100, 400), 0.5, "float32")
    masked = np.asarray(layers.Corruption("masking", 0.3, seed=1)(x, training=True))
    assert set(np.unique(masked)) == {0.0, 0.5}
    assert abs((masked == 0).mean() - 0.3) < 0.01
    salted = np.asarray(layers.Corruption("salt_and_pepper", 0.2, value_range=(-1, 1),
                                          seed=2)(x, training=True))
    assert set(np.unique(salted)) == {-1.0, 0.5, 1.0}
    assert abs((salted != 0.5).mean() - 0.2) < 0.01
    assert abs((salted == 1).mean() - 0.1) < 0.01  # salt and pepper half each


def test_gaussian_corruption_has_the_requested_spread_and_stays_in_range():
    x = np.full((200, 500), 0.5, "float32")
    noisy = np.asarray(layers.Corruption("gaussian", 0.1, seed=3)(x, training=True))
    assert abs((noisy - x).std() - 0.1) < 0.005
    wide = np.asarray(layers.Corruption("gaussian", 2.0, seed=3)(x, training=True))
    assert wide.min() == 0.0 and wide.max() == 1.0  # clipped to value_range


@pytest.mark.parametrize("kwargs, argument", [
    (dict(kind="blur"), "kind"),
    (dict(kind="masking", amount=1.5), "amount"),
    (dict(kind="gaussian", amount=-0.1), "amount"),
    (dict(value_range=(1.0, 0.0)), "value_range"),
    (dict(value_range=3), "value_range"),
])
def test_corruption_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        layers.Corruption(**kwargs)


# -- Sampling (the reparameterisation trick) -----------------------------------------


def test_sampling_draws_from_the_posterior_and_passes_gradients():
    mean = keras.ops.full((20000, 2), 3.0)
    log_var = keras.ops.log(keras.ops.full((20000, 2), 0.25))
    z = np.asarray(layers.Sampling(seed=0)([mean, log_var]))
    np.testing.assert_allclose(z.mean(0), [3.0, 3.0], atol=0.02)
    np.testing.assert_allclose(z.std(0), [0.5, 0.5], atol=0.02)
    import tensorflow as tf

    mean_v, log_var_v = tf.Variable([[1.0]]), tf.Variable([[0.0]])
    with tf.GradientTape() as tape:
        z = layers.reparameterize(mean_v, log_var_v, tf.constant([[2.0]]))
    d_mean, d_log_var = tape.gradient(z, [mean_v, log_var_v])
    # dz/dmu = 1, dz/dlog_var = eps * exp(log_var / 2) / 2 = 1.
    np.testing.assert_allclose([float(d_mean[0, 0]), float(d_log_var[0, 0])], [1, 1])


def test_sampling_uses_given_noise_and_round_trips(tmp_path):
    mean_in, log_var_in = keras.Input((2,)), keras.Input((2,))
    model = keras.Model([mean_in, log_var_in],
                        layers.Sampling(seed=5, name="sampling")([mean_in, log_var_in]))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.get_layer("sampling").get_config()["seed"] == 5
    noise = np.ones((1, 2), "float32")
    out = layers.Sampling()([np.zeros((1, 2), "float32"), np.zeros((1, 2), "float32")],
                            noise=noise)
    np.testing.assert_array_equal(out, noise)
