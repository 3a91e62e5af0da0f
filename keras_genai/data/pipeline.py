"""`tf.data` pipelines for image models."""

import numpy as np
import tensorflow as tf

from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_positive_int

_SCALES = ("tanh", "unit", None)


def scale_images(x, scale="tanh"):
    """Maps uint8-range pixels ``[0, 255]`` to the range a model expects.

    Args:
        x: array or tensor of pixel values in ``[0, 255]``.
        scale: ``"tanh"`` for ``[-1, 1]`` (GAN generators with a tanh output),
            ``"unit"`` for ``[0, 1]`` (classifiers, sigmoid decoders), or ``None``
            to only cast to float32.

    Returns:
        A float32 tensor of the same shape.

    Example:

    >>> scale_images(np.array([0, 255], np.uint8)).numpy().tolist()
    [-1.0, 1.0]
    """
    check_choice("scale", scale, _SCALES)
    x = tf.cast(x, tf.float32)
    if scale == "tanh":
        return x / 127.5 - 1.0
    if scale == "unit":
        return x / 255.0
    return x


def image_dataset(x, y=None, batch_size=64, scale="tanh", shuffle=True,
                  drop_remainder=True, seed=None, repeat=False, cache=True):
    """Builds a cached, shuffled, batched and prefetched image dataset.

    A channel axis is added to ``(N, H, W)`` images. The last incomplete batch is
    dropped by default, because an uneven last batch breaks training under a
    distribution strategy (a replica with an empty share fails or hangs
    in the cross-replica reduction).

    Args:
        x: images, ``(N, H, W)`` or ``(N, H, W, C)``, uint8 ``[0, 255]`` (or any
            numeric type in that range).
        y: optional labels (ints) or captions (strings), ``(N,)``; when given
            the dataset yields ``(x, y)``.
        batch_size: batch size (the global batch under a strategy).
        scale: ``"tanh"`` (``[-1, 1]``), ``"unit"`` (``[0, 1]``) or ``None``.
        shuffle: shuffle the whole set every epoch.
        drop_remainder: drop the last incomplete batch.
        seed: shuffle seed, for reproducible order.
        repeat: repeat forever (use with ``steps_per_epoch``).
        cache: cache the scaled images in memory after the first epoch.

    Returns:
        A ``tf.data.Dataset`` of float32 images ``(batch, H, W, C)`` (and int32
        labels ``(batch,)`` when ``y`` is given).

    Example:

    >>> (x, y), _ = load_digits()
    >>> ds = image_dataset(x, batch_size=32)
    >>> next(iter(ds)).shape
    TensorShape([32, 28, 28, 1])
    """
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        raise ValueError(
            "`x` must be images of shape (N, H, W) or (N, H, W, C). "
            f"Received: x.shape={x.shape}"
        )
    batch_size = check_positive_int("batch_size", batch_size)
    check_choice("scale", scale, _SCALES)
    if drop_remainder and batch_size > len(x):
        raise ValueError(
            f"`batch_size` ({batch_size}) is larger than the number of images "
            f"({len(x)}) and drop_remainder=True would yield no batch. "
            f"Received: batch_size={batch_size}"
        )
    if y is not None:
        y = np.asarray(y)
        if y.shape[:1] != x.shape[:1]:
            raise ValueError(
                "`y` must have one label per image. "
                f"Received: x.shape={x.shape}, y.shape={y.shape}"
            )
        targets = y.astype(str) if y.dtype.kind in "UO" else y.astype(np.int32)
        ds = tf.data.Dataset.from_tensor_slices((x, targets))
        ds = ds.map(lambda a, b: (scale_images(a, scale), b),
                    num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = tf.data.Dataset.from_tensor_slices(x)
        ds = ds.map(lambda a: scale_images(a, scale),
                    num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)
