"""What the models do with their training data, defined once: unpacking a batch,
the labels of a conditional model, and the check ``fit`` runs on the data
before training starts.

A model names what one batch holds in ``DATA`` (``("images",)``,
``("images", "labels")``, ``("source", "target")``...); `expected_data` turns
the names into the shapes the model's networks take, and `check_data` compares
them with NumPy arrays or a ``tf.data.Dataset``'s element spec.
"""

import contextlib
import warnings

import numpy as np
import tensorflow as tf

from keras_genai.callbacks import TrainingBackup
from keras_genai.utils.checks import check_labels

# Where each kind of batch element gets its expected shape from: an attribute of
# the model (a shape tuple), or a fixed kind.
_SHAPES = {"images": "image_shape", "condition": "condition_shape",
           "source": "source_shape",
           "target": "target_shape", "images_a": "shape_a", "images_b": "shape_b"}
_LABELS_MESSAGE = "labels must be in [0, num_classes="


def unpack_images(data):
    """The images of a batch that is ``x``, ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``.

    Example:

    >>> unpack_images((images, labels)) is images
    True
    """
    if isinstance(data, (tuple, list)):
        return data[0]
    return data


def unpack_pair(data, model):
    """The two halves ``(a, b)`` of a batch of pairs (source and target,
    domain A and domain B), or a ``ValueError`` naming what ``model`` trains on.

    Example:

    >>> source, target = unpack_pair((masked, clean), pix2pix)
    """
    if not isinstance(data, (tuple, list)) or len(data) < 2:
        raise ValueError(
            f"{type(model).__name__} trains on ({', '.join(model.DATA)}) "
            "batches. Received: a batch with one element")
    return data[0], data[1]


def images_and_labels(data, num_classes, model):
    """``(images, labels)`` of an ``(x, labels)`` batch; the labels int32
    ``(batch,)``, checked in the graph to lie in ``[0, num_classes)`` before any
    lookup uses them (`label_errors` turns a failure into a ``ValueError``).

    Example:

    >>> images, labels = images_and_labels((x, y), 10, cgan)
    """
    if not isinstance(data, (tuple, list)) or len(data) < 2:
        raise ValueError(
            f"{type(model).__name__} trains on (images, labels) batches. "
            "Received: a batch without labels"
        )
    labels = tf.reshape(tf.cast(data[1], tf.int32), [-1])
    message = f"{_LABELS_MESSAGE}{num_classes})"
    checks = [tf.debugging.assert_less(labels, num_classes, message=message),
              tf.debugging.assert_non_negative(labels, message=message)]
    with tf.control_dependencies(checks):
        return data[0], tf.identity(labels)


@contextlib.contextmanager
def label_errors(model):
    """Re-raises the graph check of `images_and_labels` as a ``ValueError``
    naming ``labels``, the expected range and the batch's values.

    Example:

    >>> with label_errors(model):
    ...     keras.Model.fit(model, dataset)
    """
    try:
        yield
    except tf.errors.InvalidArgumentError as e:
        if _LABELS_MESSAGE not in str(e):
            raise
        values = str(e).split("[x (")[-1].split("] [")[1].split("]")[0] \
            if "[x (" in str(e) else "?"
        raise ValueError(
            f"`labels` must be in [0, num_classes={model.num_classes}). "
            f"Received: a batch with labels [{values}]") from None


def check_images(images, image_shape, name="images"):
    """``images`` as a float32 NumPy array, after checking that each has
    ``image_shape``; the ``ValueError`` names the argument ``name`` and both
    shapes.

    Example:

    >>> check_images(np.zeros((2, 28, 28, 1)), (28, 28, 1)).dtype
    dtype('float32')
    """
    images = np.asarray(images, np.float32)
    if images.shape[1:] != tuple(image_shape):
        raise ValueError(f"`{name}` must have shape (n, "
                         f"{', '.join(map(str, image_shape))}). Received: {name} "
                         f"with shape {images.shape}")
    return images


def expected_data(model):
    """What one batch for ``model`` must hold: ``[(name, shape or kind)]``, in
    the order of ``model.DATA``; a shape is that of one example, and the kinds
    are ``"labels"`` (ints in ``[0, num_classes)``) and ``"captions"``
    (strings).

    Example:

    >>> expected_data(gan)
    [('images', (28, 28, 1))]
    """
    out = []
    for name in model.DATA:
        if name in _SHAPES:
            out.append((name, tuple(getattr(model, _SHAPES[name]))))
        else:
            out.append((name, name))
    return out


def check_data(model, x, y=None):
    """Checks the data of ``fit`` / ``evaluate`` against ``model`` before any
    work starts, and returns ``(x, y)``, fixed where the intent is clear.

    NumPy arrays and ``tf.data.Dataset`` element specs are compared with
    `expected_data`: an image of the wrong shape, a missing element (labels
    for a conditional model) or non-integer labels raise a ``ValueError``
    naming the argument, the expected and the received shapes; NumPy labels
    outside ``[0, num_classes)`` too; NumPy ``x`` and ``y`` of different
    lengths raise a ``ValueError`` naming both. Grayscale images without their
    channel axis, ``(batch, H, W)`` for a model of ``(H, W, 1)`` images, get
    one, with a warning. Captions given as a NumPy array or a list of strings
    become a ``tf.string`` tensor (Keras' array adapter refuses NumPy strings),
    batched and shuffled by ``fit`` as any array. Other inputs (Python
    generators, ``PyDataset``) pass unchecked.

    Args:
        model: a `keras_genai.models.GenerativeModel`.
        x: the ``x`` argument of ``fit`` (or a ``validation_data`` tuple's
            first item).
        y: the ``y`` argument (labels or targets with NumPy ``x``).

    Returns:
        ``(x, y)``, maybe with a channel axis added or the captions as a
        ``tf.string`` tensor.

    Example:

    >>> x, y = check_data(gan, x_train)  # (4000, 28, 28) -> (4000, 28, 28, 1)
    """
    expected = expected_data(model)
    if isinstance(x, tf.data.Dataset):
        return _check_dataset(model, x, expected), y
    if x is None or not hasattr(x, "shape"):
        return x, y
    arrays = [x] + ([] if y is None else [y])
    fixed = []
    for k, ((name, want), array) in enumerate(zip(expected, arrays)):
        argument = "x" if k == 0 else "y"
        got = tuple(np.shape(array))[1:]
        if isinstance(want, tuple):
            if _needs_channel(model, argument, name, want, got):
                array = np.expand_dims(array, -1)
        elif want == "labels":
            labels = np.reshape(np.asarray(array), [-1])
            if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
                labels = labels.astype(np.int64)  # the model casts them too
            check_labels(labels, model.num_classes)
        elif want == "captions":
            array = _captions(array)
        fixed.append(array)
    if len(expected) > 1 and y is None and isinstance(x, np.ndarray):
        raise ValueError(
            f"{type(model).__name__} trains on ({', '.join(model.DATA)}). "
            f"Received: x alone (pass `y`, or a dataset of tuples)")
    if len(expected) > 1 and y is not None and np.ndim(x) and np.ndim(y) \
            and len(x) != len(y):
        raise ValueError(
            f"`x` ({expected[0][0]}) and `y` ({expected[1][0]}) must hold the same "
            f"number of examples. Received: len(x)={len(x)} and len(y)={len(y)}")
    x = fixed[0]
    y = fixed[1] if len(fixed) > 1 else y
    return x, y


def _captions(captions):
    """NumPy or list captions as a ``tf.string`` tensor, which Keras' array
    adapter batches and shuffles (it refuses NumPy strings); anything else,
    strings already in a tensor included, is returned as it is."""
    if not isinstance(captions, (np.ndarray, list, tuple)) or not len(captions):
        return captions
    array = np.asarray(captions, dtype=object)
    if not all(isinstance(c, (str, bytes)) for c in array.reshape(-1)):
        return captions
    return tf.constant(array, tf.string)


def _check_dataset(model, dataset, expected):
    specs = dataset.element_spec
    specs = list(specs) if isinstance(specs, (tuple, list)) else [specs]
    if len(specs) < len(expected):
        raise ValueError(
            f"{type(model).__name__} trains on ({', '.join(model.DATA)}) batches. "
            f"Received: a dataset of {len(specs)} element(s)")
    expand = []
    for k, (name, want) in enumerate(expected):
        spec = specs[k]
        if not isinstance(spec, tf.TensorSpec):
            continue
        shape = spec.shape
        if shape.rank is None:
            continue
        got = tuple(shape)[1:]
        if isinstance(want, tuple):
            if _compatible(tuple(shape), want) or _missing_channel(tuple(shape), want):
                raise ValueError(
                    f"`x` must be a batched dataset of {name} {(None,) + want}. "
                    f"Received: unbatched elements of shape {tuple(shape)} (call "
                    "`.batch(batch_size)` on it)")
            if _needs_channel(model, "x", name, want, got):
                expand.append(k)
        elif want == "labels" and not (spec.dtype.is_integer or spec.dtype.is_floating):
            raise ValueError(
                f"`x` must hold integer labels in [0, num_classes="
                f"{model.num_classes}) as its element {k}. Received: {spec.dtype.name} "
                "elements")
    if not expand:
        return dataset

    def add_channel(*elements):
        return tuple(tf.expand_dims(e, -1) if k in expand else e
                     for k, e in enumerate(elements))

    if not isinstance(dataset.element_spec, (tuple, list)):
        return dataset.map(lambda e: tf.expand_dims(e, -1))
    return dataset.map(add_channel)


def _compatible(got, want):
    """Equal shapes, an unknown size (``None``) on either side matching any."""
    return len(got) == len(want) and all(g is None or w is None or g == w
                                         for g, w in zip(got, want))


def _missing_channel(got, want):
    return len(want) == 3 and want[-1] == 1 and _compatible(got, want[:-1])


def _needs_channel(model, argument, name, want, got):
    """Checks one example shape ``got`` against ``want``: ``True`` (with a
    warning) for grayscale images missing their channel axis, ``False`` for a
    match, else a ``ValueError`` naming both shapes."""
    if _missing_channel(got, want):
        warnings.warn(
            f"{type(model).__name__}: `{argument}` holds images of shape {got} "
            f"without a channel axis; adding one to match the model's {want}.",
            UserWarning, stacklevel=4)
        return True
    if not _compatible(got, want):
        raise ValueError(
            f"`{argument}` must hold {name} of shape {want}, the input of "
            f"{type(model).__name__}'s networks. Received: {name} of shape {got}")
    return False


def prepare_fit(model, x, y, callbacks, kwargs):
    """The data of ``model.fit(x, y, callbacks=callbacks, **kwargs)``,
    checked and made ready before any work starts.

    ``x`` / ``y`` and ``validation_data`` go through `check_data`. With a
    `keras_genai.callbacks.TrainingBackup` among ``callbacks`` (at most one),
    a ``tf.data`` pipeline is made resumable (`TrainingBackup.prepare`), so a
    resumed run sees the batches of an uninterrupted one. A
    ``tf.data.Dataset`` shuffles itself (`keras_genai.data.image_dataset`
    does), so ``shuffle`` defaults to ``False`` for datasets instead of Keras'
    ``True``, which it would ignore with a warning.

    Args:
        model: a `keras_genai.models.GenerativeModel`.
        x: ``fit``'s ``x``.
        y: ``fit``'s ``y``.
        callbacks: ``fit``'s callbacks, as a list.
        kwargs: ``fit``'s other keyword arguments (not changed).

    Returns:
        ``(x, y, kwargs)`` to pass to `keras.Model.fit`.

    Example:

    >>> x, y, kwargs = prepare_fit(gan, x_train, None, [], {"epochs": 5})
    """
    x, y = check_data(model, x, y)
    kwargs = dict(kwargs)
    validation = kwargs.get("validation_data")
    if isinstance(validation, tf.data.Dataset):
        kwargs["validation_data"], _ = check_data(model, validation)
    elif isinstance(validation, (tuple, list)) and validation:
        kwargs["validation_data"] = check_data(model, *validation[:2]) \
            + tuple(validation[2:])
    backups = [c for c in callbacks if isinstance(c, TrainingBackup)]
    if len(backups) > 1:
        raise ValueError("`callbacks` must hold at most one TrainingBackup. "
                         f"Received: {len(backups)}")
    if backups:  # the same batches in every epoch after a resume
        x, kwargs["steps_per_epoch"] = backups[0].prepare(
            x, kwargs.get("steps_per_epoch"))
    if isinstance(x, tf.data.Dataset):
        kwargs.setdefault("shuffle", False)
    return x, y, kwargs
