"""tensorflow-datasets loaders that fail fast offline.

``tfds.load`` retries network calls for minutes before failing when there is no
network (tensorflow/datasets#3962, #2833). `load` first checks whether the data is
on disk; if it is not, it checks within seconds whether the download host can be
reached, and otherwise raises `DatasetUnavailableError` saying how to provide the
data.
"""

import os
import socket

import numpy as np

from keras_genai.data.digits import load_digits

# Hosts tfds downloads from (prepared datasets on GCS; most sources are there too).
_PROBE_HOSTS = (("storage.googleapis.com", 443),)
_PROBE_TIMEOUT_S = 3.0


class DatasetUnavailableError(RuntimeError):
    """Raised when a tfds dataset is neither on disk nor downloadable."""


def load(name, split="train", data_dir=None, download=True, as_numpy=True):
    """Loads an image classification dataset as arrays, offline first.

    ``name="digits"`` is served by the embedded digits (no tfds, no network); any
    other name goes through tensorflow-datasets (``"mnist"``, ``"fashion_mnist"``,
    ``"cifar10"``, ...).

    Args:
        name: ``"digits"`` or a tfds dataset name.
        split: ``"train"`` or ``"test"`` (any tfds split string for tfds sets).
        data_dir: tfds data folder; default ``$TFDS_DATA_DIR`` or
            ``~/tensorflow_datasets``.
        download: allow downloading when the data is not on disk and the network
            is reachable.
        as_numpy: return NumPy arrays; with ``False`` return the
            ``tf.data.Dataset`` of ``(image, label)`` pairs.

    Returns:
        ``(images, labels)``: uint8 images ``(N, H, W, C)`` and int labels.

    Raises:
        DatasetUnavailableError: the dataset is not on disk and cannot be fetched;
            the message names the dataset, the data folder and how to provide it.

    Example:

    >>> x, y = load("digits", split="test")
    >>> x.shape
    (1000, 28, 28, 1)
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"`name` must be a dataset name. Received: name={name!r}")
    if name == "digits":
        if split not in ("train", "test"):
            raise ValueError(
                "`split` must be 'train' or 'test' for name='digits'. "
                f"Received: split={split!r}"
            )
        train, test = load_digits()
        x, y = train if split == "train" else test
        return (x[..., None], y) if as_numpy else _to_dataset(x[..., None], y)

    import tensorflow_datasets as tfds

    builder = prepared_builder(name, data_dir=data_dir, download=download)
    ds = builder.as_dataset(split=split, as_supervised=True, shuffle_files=False)
    if not as_numpy:
        return ds
    images, labels = [], []
    for x, y in tfds.as_numpy(ds):
        images.append(x)
        labels.append(y)
    return np.stack(images), np.asarray(labels)


def prepared_builder(name, data_dir=None, download=True):
    """The tensorflow-datasets builder of ``name``, its data on disk.

    Args:
        name: a tfds dataset name (``"cifar10"``).
        data_dir: tfds data folder; default ``$TFDS_DATA_DIR`` or
            ``~/tensorflow_datasets``.
        download: download and prepare the data when it is not on disk and
            the network is reachable.

    Returns:
        A ``tfds.core.DatasetBuilder`` whose ``as_dataset`` reads from disk.

    Raises:
        ValueError: for a name tfds does not know.
        DatasetUnavailableError: the data is not on disk and cannot be
            fetched (``download=False``, or no network within seconds); the
            message says how to provide it.

    Example:

    >>> builder = prepared_builder("mnist", download=False)  # doctest: +SKIP
    """
    builder = known_builder(name, data_dir)
    if not builder.is_prepared():
        reason = None
        if not download:
            reason = "download=False (a lab downloads with --download)"
        elif not _network_reachable():
            reason = "the download host cannot be reached (no network?)"
        if reason:
            raise DatasetUnavailableError(
                f"Dataset {name!r} is not on disk in {builder.data_dir!r} and "
                f"cannot be fetched: {reason}. To provide it, on a machine with "
                f"network run `python -c \"import tensorflow_datasets as tfds; "
                f"tfds.builder('{name}').download_and_prepare()\"` and copy the "
                f"folder ~/tensorflow_datasets/{name} to "
                f"{os.path.dirname(os.path.dirname(builder.data_dir))!r} here (or "
                f"point `data_dir=` / $TFDS_DATA_DIR at a folder holding it). "
                f"The embedded digits need no download: load('digits')."
            )
        builder.download_and_prepare()
    return builder


def known_builder(name, data_dir=None):
    """The tensorflow-datasets builder of ``name``, whether or not its data
    is on disk (nothing is downloaded).

    Raises:
        ValueError: for a name tfds does not know.

    Example:

    >>> known_builder("mnist").info.features["image"].shape
    (28, 28, 1)
    """
    try:
        import tensorflow_datasets as tfds
    except ImportError as e:  # pragma: no cover - a hard dependency
        raise ImportError("Loading a tfds dataset needs tensorflow-datasets: "
                          "`pip install tensorflow-datasets`.") from e
    try:
        return tfds.builder(name, data_dir=data_dir)
    except Exception as e:  # tfds raises its own DatasetNotFoundError
        raise ValueError(
            f"Unknown dataset (not a tensorflow-datasets name: "
            f"{str(e).splitlines()[0]}). Received: name={name!r}"
        ) from e


def _network_reachable(hosts=_PROBE_HOSTS, timeout=_PROBE_TIMEOUT_S):
    """Returns whether one of ``hosts`` accepts a TCP connection within
    ``timeout`` seconds."""
    for host, port in hosts:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            continue
    return False


def _to_dataset(x, y):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((x, y))
