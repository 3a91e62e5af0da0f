"""keras_genai.data.augmentation: pipeline contents, mixup and cutmix by hand."""

import numpy as np
import pytest
import tensorflow as tf

from keras_genai import data


def test_pipeline_layers_and_training_only():
    pipeline = data.augmentation(flip="horizontal", rotation=0.1, zoom=0.1,
                                 translation=0.1, contrast=0.2, brightness=0.2,
                                 blur=0.5, erasing=0.5, seed=0)
    names = [layer.name for layer in pipeline.layers]
    assert names == ["random_flip", "random_rotation", "random_zoom",
                     "random_translation", "random_contrast", "random_brightness",
                     "random_blur", "random_erasing"]
    images = np.random.default_rng(0).uniform(size=(4, 16, 16, 1)).astype("float32")
    np.testing.assert_allclose(pipeline(images, training=False), images, atol=1e-6)
    out = np.asarray(pipeline(images, training=True))
    assert out.shape == images.shape and not np.allclose(out, images)
    assert [layer.name for layer in data.augmentation(rotation=0, zoom=0,
                                                      translation=0.1).layers] \
        == ["random_translation"]


def test_the_later_families_on_colour_images():
    pipeline = data.augmentation(rotation=0, zoom=0, translation=0, shear=0.2,
                                 hue=0.1, saturation=0.5, sharpness=0.5,
                                 noise=0.05, seed=0)
    assert [layer.name for layer in pipeline.layers] == [
        "random_shear", "random_hue", "random_saturation", "random_sharpness",
        "gaussian_noise"]
    images = np.random.default_rng(0).uniform(size=(4, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(pipeline(images, training=False), images, atol=1e-6)
    out = np.asarray(pipeline(images, training=True))
    assert out.shape == images.shape and not np.allclose(out, images)
    # Saturation and sharpness move both ways around Keras' "no change", 0.5.
    assert pipeline.get_layer("random_saturation").factor == (0.25, 0.75)
    assert pipeline.get_layer("random_sharpness").factor == (0.25, 0.75)
    # The noise is a fraction of the value range: 0.05 of [-1, 1] is 0.1.
    noisy = data.augmentation(rotation=0, zoom=0, translation=0, noise=0.05,
                              value_range=(-1.0, 1.0), seed=0)
    assert noisy.layers[0].stddev == pytest.approx(0.1)
    # The families before them keep their seeds when these are added.
    before = data.augmentation(rotation=0.1, seed=3)
    after = data.augmentation(rotation=0.1, shear=0.1, seed=3)
    assert before.layers[0].seed == after.layers[0].seed


def test_pipeline_bad_arguments():
    with pytest.raises(ValueError, match="flip"):
        data.augmentation(flip="diagonal")
    with pytest.raises(ValueError, match="rotation"):
        data.augmentation(rotation=2.0)
    with pytest.raises(ValueError, match="shear"):
        data.augmentation(shear=-0.1)


def _dataset(n=16, batch=8):
    images = np.stack([np.full((6, 6, 1), i, "float32") for i in range(n)])
    labels = np.arange(n) % 4
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch)


def test_mixup_blends_images_and_labels_with_the_same_weight():
    for images, labels in data.mixup(_dataset(), num_classes=4, alpha=0.4, seed=1):
        images, labels = images.numpy(), labels.numpy()
        np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-6)
        # Each image is constant: lam * i + (1 - lam) * j. The label puts lam on
        # class i % 4 and 1 - lam on class j % 4; recover lam from the image.
        for image, label in zip(images, labels):
            assert np.allclose(image, image.flat[0])
        assert labels.max() <= 1.0 and (labels > 0).sum(axis=1).max() <= 2
    first = [b[0].numpy() for b in data.mixup(_dataset(), 4, seed=2)]
    again = [b[0].numpy() for b in data.mixup(_dataset(), 4, seed=2)]
    np.testing.assert_array_equal(first[0], again[0])


def test_cutmix_label_weights_equal_pasted_area():
    images = np.zeros((8, 10, 10, 1), "float32")
    images[4:] = 1.0  # two "classes" of images: all zeros and all ones
    labels = np.array([0] * 4 + [1] * 4)
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(8)
    mixed, soft = next(iter(data.cutmix(ds, num_classes=2, alpha=1.0, seed=3)))
    mixed, soft = mixed.numpy(), soft.numpy()
    ones_share = mixed.reshape(8, -1).mean(axis=1)
    # The share of "1" pixels is exactly the weight of class 1 in the label.
    np.testing.assert_allclose(soft[:, 1], ones_share, atol=1e-6)
    assert np.any((ones_share > 0) & (ones_share < 1))


def test_mix_bad_arguments():
    with pytest.raises(ValueError, match="alpha"):
        data.mixup(_dataset(), num_classes=4, alpha=0.0)
    with pytest.raises(TypeError, match="dataset"):
        data.cutmix([1, 2], num_classes=4)
    with pytest.raises(ValueError, match="num_classes"):
        data.cutmix(_dataset(), num_classes=1)
    images_only = tf.data.Dataset.from_tensor_slices(np.zeros((4, 2, 2, 1))).batch(2)
    with pytest.raises(ValueError, match="element_spec"):
        data.mixup(images_only, num_classes=2)


def test_pipeline_runs_inside_tf_data_with_fresh_randomness_each_pass():
    pipeline = data.augmentation(rotation=0.05, erasing=1.0, seed=0)
    ds = tf.data.Dataset.from_tensor_slices(
        (np.ones((8, 12, 12, 1), "float32"), np.arange(8))).batch(4)
    ds = ds.map(lambda x, y: (pipeline(x, training=True), y))
    first = [x.numpy() for x, _ in ds]
    second = [x.numpy() for x, _ in ds]
    assert first[0].shape == (4, 12, 12, 1)
    assert not np.allclose(first[0], 1.0)  # augmented
    assert not np.array_equal(first[0], second[0])  # new draws every epoch


def test_pipeline_inside_a_model_is_identity_in_predict_and_active_in_fit():
    import keras

    pipeline = data.augmentation(rotation=0.1, erasing=1.0, seed=0)
    model = keras.Sequential([keras.Input((10, 10, 1)), pipeline,
                              keras.layers.Flatten(name="flat")])
    x = np.random.default_rng(0).uniform(size=(4, 10, 10, 1)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), x.reshape(4, -1),
                               atol=1e-6)
    assert not np.allclose(model(x, training=True), x.reshape(4, -1))


def test_filter_images_kernels_by_hand():
    # A vertical step edge: zeros in columns 0-2, ones in columns 3-5.
    step = np.zeros((1, 6, 6, 1), "float32")
    step[..., 3:, 0] = 1.0
    sobel = np.asarray(data.filter_images(step, "sobel_x"))[0, :, :, 0]
    # Away from the top and bottom rows: 1 + 2 + 1 = 4 on both sides of the
    # edge, 0 in flat regions (and -1 - 2 - 1 = -4 at the zero padding).
    np.testing.assert_allclose(sobel[1:5], [[0, 0, 4, 4, 0, -4]] * 4)
    laplacian = np.asarray(data.filter_images(step, "laplacian"))[0, 1:5, :, 0]
    np.testing.assert_allclose(laplacian, [[0, 0, 1, -1, 0, -1]] * 4)
    # The identity keeps an image; sharpening = image - Laplacian.
    images = np.random.default_rng(0).uniform(size=(2, 5, 5, 3)).astype("float32")
    np.testing.assert_allclose(data.filter_images(images, "identity"), images)
    np.testing.assert_allclose(
        data.filter_images(images, "sharpen"),
        images - np.asarray(data.filter_images(images, "laplacian")), atol=1e-5)
    # Each channel alone, not mixed (a depthwise convolution).
    blurred = np.asarray(data.filter_images(images, "box_blur"))
    np.testing.assert_allclose(blurred[:, 2, 2], images[:, 1:4, 1:4].mean((1, 2)),
                               atol=1e-6)
    with pytest.raises(ValueError, match="kernel.*Received: kernel='emboss'"):
        data.filter_images(images, "emboss")
    with pytest.raises(ValueError, match="odd sides"):
        data.filter_images(images, np.ones((2, 2)))
    with pytest.raises(ValueError, match="images"):
        data.filter_images(images[0], "sharpen")
