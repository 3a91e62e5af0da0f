"""keras_genai.layers: Step and RandomErasing behaviour and serialization."""

import keras
import numpy as np
import pytest

from keras_genai import layers


def test_step_forward_and_straight_through_gradient():
    import tensorflow as tf

    x = tf.constant([-2.0, -0.0, 0.5, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layers.Step()(x)
        loss = tf.reduce_sum(y * tf.constant([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(y.numpy(), [0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), [1, 2, 3, 4])


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
    ])
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
