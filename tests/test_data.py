"""keras_genai.data: embedded digits, tfds loading offline, pipelines, synthetic sets."""

import os

import numpy as np
import pytest
import tensorflow as tf

from keras_genai import data
from keras_genai.data import digits as digits_module
from keras_genai.data import tfds_loader


def test_load_digits_matches_mnist_load_data_format(digits):
    (x_train, y_train), (x_test, y_test) = digits
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert x_train.max() == 255 and x_train.min() == 0


def test_load_digits_split_is_stratified_and_disjoint(digits):
    (x_train, y_train), (x_test, y_test) = digits
    assert np.bincount(y_train).tolist() == [400] * 10
    assert np.bincount(y_test).tolist() == [100] * 10
    train_rows = {r.tobytes() for r in x_train}
    assert not any(r.tobytes() in train_rows for r in x_test)
    # Shuffled, not sorted by class.
    assert len(set(y_train[:20].tolist())) > 3


def test_load_digits_is_cached_and_identical(tmp_path, digits):
    first = data.load_digits(cache_dir=tmp_path)
    assert (tmp_path / digits_module._CACHE_NAME).exists()
    second = data.load_digits(cache_dir=tmp_path)
    for split_a, split_b, split_c in zip(first, second, digits):
        for a, b, c in zip(split_a, split_b, split_c):
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(a, c)


def test_load_digits_rebuilds_a_damaged_cache(tmp_path):
    (tmp_path / digits_module._CACHE_NAME).write_bytes(b"not an npz")
    (x_train, _), _ = data.load_digits(cache_dir=tmp_path)
    assert x_train.shape == (4000, 28, 28)


def test_stratified_split_refuses_bad_fraction():
    with pytest.raises(ValueError, match="test_fraction"):
        digits_module.stratified_split(np.zeros(10), 1.5, 0)


def test_load_digits_by_name():
    x, y = data.load("digits", split="test")
    assert x.shape == (1000, 28, 28, 1) and y.shape == (1000,)
    ds = data.load("digits", split="train", as_numpy=False)
    image, label = next(iter(ds))
    assert image.shape == (28, 28, 1)
    with pytest.raises(ValueError, match="split"):
        data.load("digits", split="validation")


def test_load_tfds_dataset_with_mock_data(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    monkeypatch.setattr(tfds_loader, "_network_reachable", lambda: True)
    with tfds.testing.mock_data(num_examples=6):
        x, y = data.load("mnist", split="train", data_dir=str(tmp_path))
    assert x.shape == (6, 28, 28, 1) and x.dtype == np.uint8
    assert y.shape == (6,)


def test_load_tfds_offline_fails_fast_with_a_helpful_message(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    def must_not_download(*args, **kwargs):
        raise AssertionError("download_and_prepare must not be called offline")

    monkeypatch.setattr(tfds_loader, "_network_reachable", lambda: False)
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare",
                        must_not_download)
    with pytest.raises(data.DatasetUnavailableError) as info:
        data.load("fashion_mnist", split="train", data_dir=str(tmp_path))
    message = str(info.value)
    assert "fashion_mnist" in message
    assert str(tmp_path) in message
    assert "download_and_prepare" in message and "TFDS_DATA_DIR" in message


def test_load_tfds_download_false_fails_fast(tmp_path):
    with pytest.raises(data.DatasetUnavailableError, match="download=False"):
        data.load("mnist", data_dir=str(tmp_path), download=False)


def test_load_unknown_dataset():
    with pytest.raises(ValueError, match="name"):
        data.load("no_such_dataset_xyz")
    with pytest.raises(ValueError, match="name"):
        data.load("")


def test_network_probe_reports_an_unreachable_host():
    # A TCP port on loopback that nothing listens on: refused at once.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert not tfds_loader._network_reachable((("127.0.0.1", port),), timeout=1.0)


@pytest.mark.parametrize("scale, low, high", [("tanh", -1.0, 1.0), ("unit", 0.0, 1.0)])
def test_image_dataset_scales_and_adds_a_channel_axis(scale, low, high):
    x = np.array([[[0, 255]], [[255, 0]], [[0, 0]]], dtype=np.uint8)  # (3, 1, 2)
    ds = data.image_dataset(x, batch_size=2, scale=scale, shuffle=False)
    batches = list(ds)
    assert len(batches) == 1  # the last incomplete batch is dropped
    assert batches[0].shape == (2, 1, 2, 1) and batches[0].dtype == tf.float32
    np.testing.assert_allclose(batches[0][0, 0, :, 0], [low, high])


def test_image_dataset_with_labels_and_order():
    x = np.arange(8, dtype=np.uint8).reshape(8, 1, 1)
    y = np.arange(8)
    ds = data.image_dataset(x, y, batch_size=4, scale=None, shuffle=True, seed=1)
    xs, ys = zip(*[(a.numpy().ravel(), b.numpy()) for a, b in ds])
    np.testing.assert_array_equal(np.concatenate(xs), np.concatenate(ys))
    assert sorted(np.concatenate(ys).tolist()) == list(range(8))
    assert ys[0].dtype == np.int32


def test_image_dataset_refuses_bad_input():
    with pytest.raises(ValueError, match="x.shape"):
        data.image_dataset(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="scale"):
        data.image_dataset(np.zeros((4, 2, 2)), batch_size=2, scale="minus_one")
    with pytest.raises(ValueError, match="batch_size"):
        data.image_dataset(np.zeros((4, 2, 2)), batch_size=8)
    with pytest.raises(TypeError, match="batch_size"):
        data.image_dataset(np.zeros((4, 2, 2)), batch_size=2.0)
    with pytest.raises(ValueError, match="y.shape"):
        data.image_dataset(np.zeros((4, 2, 2)), np.zeros(3), batch_size=2)


def test_xor_and_xnor_truth_tables():
    x, y = data.xor()
    np.testing.assert_array_equal(x, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y.ravel(), [0, 1, 1, 0])
    _, y2 = data.xnor()
    np.testing.assert_array_equal(y2.ravel(), [1, 0, 0, 1])


def test_gaussian_mixture_ring_modes_and_spread():
    x, labels, centres = data.gaussian_mixture(n=4000, kind="ring", modes=8,
                                               std=0.01, return_labels=True)
    assert x.shape == (4000, 2) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(x - centres[labels], axis=1).mean(),
                               0.01 * np.sqrt(np.pi / 2), rtol=0.1)
    assert set(labels.tolist()) == set(range(8))


def test_gaussian_mixture_grid():
    x, labels, centres = data.gaussian_mixture(n=100, kind="grid", modes=25,
                                               radius=2.0, return_labels=True)
    assert centres.shape == (25, 2)
    assert sorted(set(centres[:, 0].round(6).tolist())) == [-2.0, -1.0, 0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="modes"):
        data.gaussian_mixture(kind="grid", modes=8)
    with pytest.raises(ValueError, match="kind"):
        data.gaussian_mixture(kind="spiral")


def test_gaussian_mixture_is_reproducible():
    np.testing.assert_array_equal(data.gaussian_mixture(n=10, seed=4),
                                  data.gaussian_mixture(n=10, seed=4))


def test_lines_are_drawn_from_their_factors():
    from keras_genai.data import LINE_FACTORS
    from keras_genai.data import lines

    images, factors = lines(400, seed=3)
    assert images.shape == (400, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    for name, (low, high) in LINE_FACTORS.items():
        assert low <= factors[name].min() and factors[name].max() <= high
    # Ink grows with grey x length x width (the caps add a little).
    ink = images.sum(axis=(1, 2, 3))
    area = factors["grey"] * factors["length"] * factors["width"]
    assert np.corrcoef(ink, area)[0, 1] > 0.95
    # The brightest pixel is the grey level once the stroke covers a pixel.
    wide = factors["width"] > 2.0
    np.testing.assert_allclose(images[wide].max(axis=(1, 2, 3)),
                               factors["grey"][wide], atol=1e-6)
    # The ink's principal axis has the line's angle (rows grow downwards).
    ys, xs = np.mgrid[0:28, 0:28]
    for image, angle, length in zip(images[:50, ..., 0], factors["angle"][:50],
                                    factors["length"][:50]):
        if length < 12:
            continue
        w = image / image.sum()
        mx, my = (w * xs).sum(), (w * ys).sum()
        cov = np.cov(np.stack([xs.ravel() - mx, my - ys.ravel()]), aweights=w.ravel())
        vx, vy = np.linalg.eigh(cov)[1][:, -1]
        measured = np.rad2deg(np.arctan2(vy, vx)) % 180.0
        assert abs(measured - angle) < 4.0, (measured, angle)
    again, _ = lines(400, seed=3)
    np.testing.assert_array_equal(images, again)
    with pytest.raises(ValueError, match="size=4"):
        lines(4, size=4)
