"""Image datasets by name, streamed: the embedded digits, any
tensorflow-datasets image set, or a folder of pictures.

`load_images` returns an `ImageSet`: the images' shape, the classes (when the
data has labels), and ``train`` / ``test`` splits as unbatched ``tf.data``
datasets of uint8 images (and int32 labels). Nothing is stacked in memory
except the embedded digits: CelebA's training split alone would be ~19 GB as
one array. `ImageSet.batches` shuffles, scales and batches a split for
``fit``; `ImageSet.arrays` takes the first few images as arrays (for a judge's
reference images or a figure).
"""

import dataclasses
import hashlib
import os
import typing

import numpy as np
import tensorflow as tf

from keras_genai.data.digits import load_digits
from keras_genai.data.pipeline import image_dataset
from keras_genai.data.pipeline import scale_images
from keras_genai.data.tfds_loader import known_builder
from keras_genai.data.tfds_loader import prepared_builder
from keras_genai.utils.checks import check_positive_int

# A folder's pictures differ in size; without ``image_size`` they become
# 64 x 64, the size of keras-io's DCGAN and DDIM examples.
FOLDER_IMAGE_SIZE = 64
# The share of a folder (or of a tfds set without a test or validation split)
# held out as its test split, and the seed that picks it.
HELD_OUT = 0.1
HELD_OUT_SEED = 1337
# Shuffle buffer of a streamed split (the embedded digits shuffle whole).
SHUFFLE_BUFFER = 10_000
# A streamed split whose decoded (and resized) images fit in this many bytes
# is kept in memory after its first epoch (CIFAR-10's training split: 150 MB);
# a larger one (CelebA's: 19 GB at 178 x 218) is read again every epoch.
CACHE_BYTES = 512 * 2 ** 20
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


@dataclasses.dataclass(frozen=True)
class ImageSet:
    """An image dataset, split into ``train`` and ``test``.

    Attributes:
        name: ``"digits"``, the tfds name, or the folder's path.
        image_shape: ``(height, width, channels)`` of every image.
        class_names: the labels' names, ``()`` for unlabelled data.
        train: unbatched ``tf.data.Dataset`` of uint8 images, or of
            ``(image, int32 label)`` pairs for labelled data.
        test: the same for the test split.
        train_size: the training split's size (``None``: unknown).
        test_size: the test split's size (``None``: unknown).
        key: a short name for caches: the dataset and the image shape (a
            folder's also hashes its file list).
        arrays_of: ``{split: (images, labels)}`` when the images are held as
            arrays (the embedded digits), else empty.
    """

    name: str
    image_shape: tuple
    class_names: tuple
    train: tf.data.Dataset
    test: tf.data.Dataset
    train_size: typing.Optional[int]
    test_size: typing.Optional[int]
    key: str
    arrays_of: dict = dataclasses.field(default_factory=dict, repr=False)

    @property
    def num_classes(self):
        """The number of classes, ``None`` for unlabelled data."""
        return len(self.class_names) or None

    @property
    def labelled(self):
        """Whether the images have class labels."""
        return bool(self.class_names)

    @property
    def is_digits(self):
        """Whether these are the embedded digits at their own 28 x 28 x 1: the
        data the labs' documented figures and targets are for."""
        return self.name == "digits" and tuple(self.image_shape) == (28, 28, 1)

    def count(self, split="train", limit=None):
        """How many images of a split ``batches(split=split, limit=limit)``
        reads: its size, at most ``limit`` (a split of unknown size is counted
        by reading it).

        Example:

        >>> load_images("digits").count(limit=512)
        512
        """
        self._check_split(split)
        size = getattr(self, f"{split}_size")
        if size is None:
            size = sum(1 for _ in getattr(self, split))
        return size if limit is None else min(size, check_positive_int("limit", limit))

    def batches(self, batch_size, split="train", scale="tanh", labels=False,
                shuffle=True, seed=None, limit=None, skip=0):
        """A split as ``fit`` takes it: shuffled, scaled, batched (whole
        batches only) and prefetched.

        Args:
            batch_size: images per batch.
            split: ``"train"`` or ``"test"``.
            scale: ``"tanh"`` (``[-1, 1]``), ``"unit"`` (``[0, 1]``) or ``None``
                (`keras_genai.data.pipeline.scale_images`).
            labels: yield ``(images, labels)`` (labelled data only).
            shuffle: shuffle every epoch (the embedded digits whole, a
                streamed split through a buffer of `SHUFFLE_BUFFER`). A
                streamed split of at most `CACHE_BYTES` is decoded once and
                kept in memory.
            seed: the shuffle's seed.
            limit: only the first ``limit`` images of the split (``None``: all)
                after the ``skip`` first.
            skip: leave out the first ``skip`` images of the split (a
                validation set taken from the training split).

        Returns:
            A ``tf.data.Dataset``. For the embedded digits it is
            `keras_genai.data.image_dataset`'s, image for image.

        Example:

        >>> ds = load_images("digits").batches(64, seed=0)
        >>> next(iter(ds)).shape
        TensorShape([64, 28, 28, 1])
        """
        batch_size = check_positive_int("batch_size", batch_size)
        self._check_split(split)
        if labels and not self.labelled:
            raise ValueError(f"Dataset {self.name!r} has no labels. Received: "
                             "labels=True")
        if limit is not None:
            limit = check_positive_int("limit", limit)
        skip = check_positive_int("skip", skip, minimum=0)
        if split in self.arrays_of:
            stop = None if limit is None else skip + limit
            x, y = (a[skip:stop] for a in self.arrays_of[split])
            return image_dataset(x, y if labels else None, batch_size=batch_size,
                                 scale=scale, shuffle=shuffle, seed=seed)
        ds = getattr(self, split).skip(skip)
        size = getattr(self, f"{split}_size")
        size = None if size is None else max(0, size - skip)
        if limit is not None:
            ds = ds.take(limit)
            size = limit if size is None else min(size, limit)
        if size is not None and size < batch_size:
            raise ValueError(f"`batch_size` ({batch_size}) is larger than the "
                             f"{size} images of {self.name!r}'s {split} split: "
                             f"no whole batch. Received: batch_size={batch_size}")
        if size is not None and size * int(np.prod(self.image_shape)) <= CACHE_BYTES:
            ds = ds.cache()
        if self.labelled and not labels:
            ds = ds.map(lambda x, y: x)
        if shuffle:
            ds = ds.shuffle(SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size, drop_remainder=True)
        if labels:
            ds = ds.map(lambda x, y: (scale_images(x, scale), y),
                        num_parallel_calls=tf.data.AUTOTUNE)
        else:
            ds = ds.map(lambda x: scale_images(x, scale),
                        num_parallel_calls=tf.data.AUTOTUNE)
        return ds.prefetch(tf.data.AUTOTUNE)

    def arrays(self, n=None, split="test"):
        """The first ``n`` images of a split (all for ``None``) as arrays.

        Returns:
            ``(images, labels)``: uint8 ``(n, H, W, C)`` and int32 ``(n,)``
            (``None`` for unlabelled data).

        Example:

        >>> x, y = load_images("digits").arrays(100)
        >>> x.shape, y[:3]
        ((100, 28, 28, 1), array([...], dtype=int32))
        """
        self._check_split(split)
        if n is not None:
            n = check_positive_int("n", n)
        if split in self.arrays_of:
            x, y = self.arrays_of[split]
            return x[:n], y[:n].astype(np.int32)
        ds = getattr(self, split)
        if n is not None:
            ds = ds.take(n)
        images, labels = [], []
        for item in ds.batch(256).as_numpy_iterator():
            if self.labelled:
                images.append(item[0])
                labels.append(item[1])
            else:
                images.append(item)
        shape = (0,) + tuple(self.image_shape)
        x = np.concatenate(images) if images else np.zeros(shape, np.uint8)
        y = (np.concatenate(labels).astype(np.int32) if labels
             else np.zeros((0,), np.int32)) if self.labelled else None
        return x, y

    def _check_split(self, split):
        if split not in ("train", "test"):
            raise ValueError(f"`split` must be 'train' or 'test'. Received: "
                             f"split={split!r}")


def load_images(dataset="digits", image_size=None, data_dir=None, download=False):
    """An image dataset by name, as an `ImageSet`.

    Args:
        dataset: ``"digits"`` (the 5,000 embedded MNIST digits, 28 x 28 x 1,
            labelled, split 4,000 / 1,000); a tensorflow-datasets image set by
            name (``"fashion_mnist"``, ``"cifar10"``, ``"celeb_a"``...: its
            ``image`` feature, labelled by its supervised key when it has one,
            split ``train`` / ``test``, else ``train`` / ``validation``, else
            the last `HELD_OUT` of ``train`` held out); or the path of a
            folder of pictures, read as ``keras.utils.
            image_dataset_from_directory`` reads one (subfolders are the
            classes when there are any, RGB), a seeded `HELD_OUT` of the
            files held out for the test split.
        image_size: ``N`` to centre-crop every image to a square and resize
            it to ``N x N`` (``None``: the dataset's own size; a folder's
            pictures become `FOLDER_IMAGE_SIZE`).
        data_dir: tfds data folder (``$TFDS_DATA_DIR`` or
            ``~/tensorflow_datasets`` by default).
        download: let tensorflow-datasets download and prepare a dataset that
            is not on disk. Without it, a dataset that is not on disk fails
            within seconds, saying how to provide it.

    Returns:
        An `ImageSet`.

    Raises:
        ValueError: for an unknown name, a folder without pictures, a tfds
            set without an ``image`` feature or of images whose size varies
            (give ``image_size``), or a bad ``image_size``.
        keras_genai.data.DatasetUnavailableError: a tfds set that is not on
            disk and may not be (or cannot be) downloaded.

    Example:

    >>> images = load_images("digits", image_size=32)
    >>> images.image_shape, images.num_classes
    ((32, 32, 1), 10)
    """
    kind = _kind(dataset)
    if image_size is not None:
        image_size = check_positive_int("image_size", image_size)
    if kind == "digits":
        return _digits(image_size)
    if kind == "folder":
        return _folder(dataset, image_size or FOLDER_IMAGE_SIZE)
    return _tfds(dataset, image_size, data_dir, download)


def check_dataset(dataset, data_dir=None, download=False):
    """Checks what `load_images` would load, within seconds and without
    loading it: a folder exists, a tfds name is known and, without
    ``download``, its data is on disk.

    Raises:
        ValueError: for a missing folder or an unknown name.
        keras_genai.data.DatasetUnavailableError: a tfds set not on disk,
            without ``download``.

    Example:

    >>> check_dataset("digits")
    """
    if _kind(dataset) != "tfds":
        return
    if download:
        known_builder(dataset, data_dir)
    else:
        prepared_builder(dataset, data_dir=data_dir, download=False)


def _kind(dataset):
    """``"digits"``, ``"folder"`` or ``"tfds"``; a missing folder or a
    dataset that is not a string is refused."""
    if not isinstance(dataset, str) or not dataset:
        raise ValueError("`dataset` must be 'digits', a tensorflow-datasets name "
                         f"or a folder. Received: dataset={dataset!r}")
    if dataset == "digits":
        return "digits"
    if os.path.isdir(dataset):
        return "folder"
    if os.sep in dataset or dataset.startswith("."):
        raise ValueError(f"No folder {dataset!r} (a tensorflow-datasets name has "
                         f"no '/'). Received: dataset={dataset!r}")
    return "tfds"


def _resize(images, size):
    """uint8 images (one ``(H, W, C)`` or a batch of them) centre-cropped to a
    square and resized to ``size x size``."""
    shape = tf.shape(images)
    height, width = shape[-3], shape[-2]
    side = tf.minimum(height, width)
    images = tf.image.crop_to_bounding_box(images, (height - side) // 2,
                                           (width - side) // 2, side, side)
    images = tf.image.resize(images, (size, size), antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(images), 0, 255), tf.uint8)


def _digits(image_size):
    (x, y), (x_test, y_test) = load_digits()
    x, x_test = x[..., None], x_test[..., None]
    size = image_size or 28
    if size != 28:
        x, x_test = (_resize(a, size).numpy() for a in (x, x_test))
    y, y_test = y.astype(np.int32), y_test.astype(np.int32)
    return ImageSet(
        name="digits", image_shape=(size, size, 1),
        class_names=tuple(str(d) for d in range(10)),
        train=tf.data.Dataset.from_tensor_slices((x, y)),
        test=tf.data.Dataset.from_tensor_slices((x_test, y_test)),
        train_size=len(x), test_size=len(x_test), key=f"digits_{size}x{size}x1",
        arrays_of={"train": (x, y), "test": (x_test, y_test)})


def _tfds(name, image_size, data_dir, download):
    builder = prepared_builder(name, data_dir=data_dir, download=download)
    info = builder.info
    if "image" not in info.features:
        raise ValueError(f"Dataset {name!r} has no 'image' feature (it has "
                         f"{sorted(info.features)}). Received: dataset={name!r}")
    shape = tuple(info.features["image"].shape)
    if image_size is None and None in shape[:2]:
        raise ValueError(f"The images of {name!r} differ in size: give "
                         f"image_size (--image-size). Received: image_size=None")
    supervised = info.supervised_keys
    label_key = supervised[1] if supervised and supervised[0] == "image" else None
    class_names = ()
    if label_key is not None:
        class_names = tuple(getattr(info.features[label_key], "names", None) or ())
        if not class_names:
            label_key = None  # a regression target, not classes
    splits = set(info.splits)
    test = ("test" if "test" in splits else "validation" if "validation" in splits
            else None)
    train_split, test_split = ("train", test) if test else (
        f"train[:{100 - int(100 * HELD_OUT)}%]", f"train[{100 - int(100 * HELD_OUT)}%:]")
    height, width, channels = ((image_size, image_size, shape[2]) if image_size
                               else shape)

    def prepare(example):
        image = example["image"]
        if image_size is not None:
            image = _resize(image, image_size)
        if label_key is None:
            return image
        return image, tf.cast(example[label_key], tf.int32)

    def split_of(split):
        return builder.as_dataset(split=split, shuffle_files=False).map(
            prepare, num_parallel_calls=tf.data.AUTOTUNE)

    return ImageSet(
        name=name, image_shape=(height, width, channels), class_names=class_names,
        train=split_of(train_split), test=split_of(test_split),
        train_size=_split_size(info, train_split),
        test_size=_split_size(info, test_split),
        key=f"{name}_{height}x{width}x{channels}")


def _split_size(info, split):
    try:
        return int(info.splits[split].num_examples)
    except (KeyError, ValueError):  # info without split metadata (mock data)
        return None


def _folder(folder, size):
    """A folder's pictures as ``keras.utils.image_dataset_from_directory``
    reads them (the first level of subfolders are the classes, in
    alphabetical order; RGB; centre-cropped to a square, then resized), split
    once by a seeded draw of `HELD_OUT` of the files, in a fixed order: the
    splits are the same at every pass, so a validation set taken from the
    training split never overlaps what is left of it."""
    files = sorted(os.path.relpath(os.path.join(root, f), folder)
                   for root, _, names in os.walk(folder) for f in names
                   if f.lower().endswith(_IMAGE_SUFFIXES))
    labelled = any(os.sep in f for f in files)
    if labelled:  # the subfolders' pictures only, as Keras reads them
        files = [f for f in files if os.sep in f]
    if len(files) < 2:
        raise ValueError(f"Folder {folder!r} holds {len(files)} picture(s) "
                         f"({', '.join(_IMAGE_SUFFIXES)}); it needs at least 2. "
                         f"Received: dataset={folder!r}")
    class_names = tuple(sorted({f.split(os.sep)[0] for f in files})) if labelled else ()
    labels = np.array([class_names.index(f.split(os.sep)[0]) for f in files]
                      if labelled else [0] * len(files), np.int32)
    order = np.random.default_rng(HELD_OUT_SEED).permutation(len(files))
    held_out = max(1, int(HELD_OUT * len(files)))
    paths = np.array([os.path.join(folder, f) for f in files])

    def split_of(indices):
        indices = np.sort(indices)

        def read(path, label):
            image = tf.io.decode_image(tf.io.read_file(path), channels=3,
                                       expand_animations=False)
            image = _resize(image, size)
            return (image, label) if labelled else image

        return tf.data.Dataset.from_tensor_slices(
            (paths[indices], labels[indices])).map(
                read, num_parallel_calls=tf.data.AUTOTUNE)

    digest = hashlib.sha1("\n".join([os.path.abspath(folder), *files])
                          .encode()).hexdigest()[:10]
    return ImageSet(
        name=folder, image_shape=(size, size, 3), class_names=class_names,
        train=split_of(order[held_out:]), test=split_of(order[:held_out]),
        train_size=len(files) - held_out, test_size=held_out,
        key=f"folder_{digest}_{size}x{size}x3")
