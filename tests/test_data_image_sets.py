"""keras_genai.data.load_images: the embedded digits, a folder of pictures and
tensorflow-datasets image sets (mock data), streamed and batched."""

import numpy as np
import pytest
import tensorflow as tf

from conftest import make_picture_folder
from keras_genai import data
from keras_genai.data import image_sets
from keras_genai.data import tfds_loader


def test_digits_batch_as_image_dataset_does():
    images = data.load_images("digits")
    assert images.image_shape == (28, 28, 1) and images.num_classes == 10
    assert (images.train_size, images.test_size) == (4000, 1000)
    (x, y), _ = data.load_digits()
    mine = next(iter(images.batches(32, labels=True, seed=3, limit=100)))
    theirs = next(iter(data.image_dataset(x[:100], y[:100], batch_size=32, seed=3)))
    for a, b in zip(mine, theirs):
        np.testing.assert_array_equal(a, b)
    x_test, y_test = images.arrays(5)
    assert x_test.shape == (5, 28, 28, 1) and x_test.dtype == np.uint8
    assert y_test.dtype == np.int32


def test_digits_resized():
    images = data.load_images("digits", image_size=32)
    x, _ = images.arrays(3, split="train")
    assert images.image_shape == (32, 32, 1) and x.shape == (3, 32, 32, 1)
    assert images.key == "digits_32x32x1" and x.max() > 200


def test_a_folder_with_subfolders_is_labelled_and_split(tmp_path):
    folder = make_picture_folder(tmp_path / "pics")
    images = data.load_images(folder, image_size=12)
    assert images.image_shape == (12, 12, 3)
    assert images.class_names == ("green", "red") and images.labelled
    assert images.train_size + images.test_size == 20 and images.test_size == 2
    assert images.count() == 18 and images.count("test") == 2
    assert images.count(limit=5) == 5 and images.count(limit=50) == 18
    x, y = images.arrays(None, split="train")
    assert x.shape == (18, 12, 12, 3) and x.dtype == np.uint8
    # The split is fixed: every pass gives the same pictures in the same
    # order, and none of the held-out ones.
    np.testing.assert_array_equal(images.arrays(None, split="train")[0], x)
    held_out = images.arrays(None, split="test")[0]
    assert not any((x == picture).all(axis=(1, 2, 3)).any() for picture in held_out)
    validation = np.concatenate(list(images.batches(
        2, scale=None, shuffle=False, limit=2).as_numpy_iterator()))
    rest = np.concatenate(list(images.batches(
        4, scale=None, skip=2, shuffle=False).as_numpy_iterator()))
    np.testing.assert_array_equal(np.concatenate([validation, rest]), x[:2 + len(rest)])
    assert sorted(set(y.tolist())) == [0, 1]
    batch_x, batch_y = next(iter(images.batches(4, scale="unit", labels=True,
                                                 seed=0)))
    assert batch_x.shape == (4, 12, 12, 3) and batch_y.dtype == tf.int32
    assert 0.0 <= float(tf.reduce_min(batch_x)) and float(tf.reduce_max(batch_x)) <= 1.0
    # Without --image-size a folder's pictures become 64 x 64; the cache key
    # follows the folder's files and the size.
    default = data.load_images(folder)
    assert default.image_shape == (64, 64, 3) and default.key != images.key


def test_a_flat_folder_is_unlabelled(tmp_path):
    folder = make_picture_folder(tmp_path / "flat", classes=(), per_class=8)
    images = data.load_images(folder, image_size=8)
    assert not images.labelled and images.num_classes is None
    batch = next(iter(images.batches(2, seed=0)))
    assert batch.shape == (2, 8, 8, 3)
    assert float(tf.reduce_min(batch)) >= -1.0
    x, y = images.arrays(3, split="train")
    assert x.shape == (3, 8, 8, 3) and y is None
    with pytest.raises(ValueError, match="has no labels"):
        images.batches(2, labels=True)


def test_bad_arguments(tmp_path):
    folder = make_picture_folder(tmp_path / "few", classes=(), per_class=1)
    with pytest.raises(ValueError, match="holds 1 picture"):
        data.load_images(folder)
    with pytest.raises(ValueError, match="No folder"):
        data.load_images(str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="image_size"):
        data.load_images("digits", image_size=0)
    with pytest.raises(ValueError, match="Received: dataset=3"):
        data.load_images(3)
    images = data.load_images(make_picture_folder(tmp_path / "ok", classes=(), per_class=4),
                              image_size=4)
    with pytest.raises(ValueError, match="batch_size"):
        images.batches(8)  # 4 pictures, 3 of them for training: no whole batch
    with pytest.raises(ValueError, match="split"):
        images.arrays(2, split="validation")


@pytest.mark.parametrize("name, size, shape, classes", [
    ("cifar10", None, (32, 32, 3), 10),
    ("fashion_mnist", 32, (32, 32, 1), 10),
    ("celeb_a", 16, (16, 16, 3), None),  # no supervised key: unlabelled
])
def test_tfds_image_sets_with_mock_data(name, size, shape, classes, monkeypatch):
    import tensorflow_datasets as tfds

    monkeypatch.setattr(tfds_loader, "_network_reachable", lambda: True)
    with tfds.testing.mock_data(num_examples=12):
        images = data.load_images(name, image_size=size, download=True)
        assert images.image_shape == shape and images.num_classes == classes
        batch = next(iter(images.batches(4, labels=images.labelled, seed=0)))
        x = batch[0] if images.labelled else batch
        assert x.shape == (4,) + shape and x.dtype == tf.float32
        test_x, test_y = images.arrays(3)
        assert test_x.shape == (3,) + shape and test_x.dtype == np.uint8
        assert (test_y is None) == (classes is None)
        # The mock data has no split sizes: count reads the split.
        assert images.train_size is None and images.count() == len(
            list(images.train.as_numpy_iterator()))


def test_a_tfds_set_of_varying_sizes_needs_an_image_size(monkeypatch):
    import tensorflow_datasets as tfds

    monkeypatch.setattr(tfds_loader, "_network_reachable", lambda: True)
    with tfds.testing.mock_data(num_examples=4):
        with pytest.raises(ValueError, match="differ in size"):
            data.load_images("oxford_flowers102", download=True)
        images = data.load_images("oxford_flowers102", image_size=8, download=True)
        assert images.image_shape == (8, 8, 3) and images.num_classes == 102


def test_check_dataset_fails_fast_offline(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    def must_not_download(*args, **kwargs):
        raise AssertionError("nothing may download with download=False")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare",
                        must_not_download)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    image_sets.check_dataset("digits")
    image_sets.check_dataset(str(tmp_path))
    with pytest.raises(data.DatasetUnavailableError, match="--download"):
        image_sets.check_dataset("cifar10")
    with pytest.raises(data.DatasetUnavailableError):
        data.load_images("cifar10")
    with pytest.raises(ValueError, match="Unknown dataset"):
        image_sets.check_dataset("no_such_dataset_name")
