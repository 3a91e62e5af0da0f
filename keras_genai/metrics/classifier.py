"""The classifiers that judge generated images, and class-based measures.

The default judge of generated digits is a LeNet-style CNN trained once on the
embedded training digits and cached (`digit_classifier`); any other labelled
dataset gets its own, trained the same way on its training split and cached
per dataset and image shape (`image_classifier`). A good digit generator
produces samples the classifier labels with confidence (quality) spread over all ten
classes (coverage: no mode collapse).
"""

import os

import keras
import numpy as np

from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.io import atomic_file
from keras_genai.utils.io import cache_dir as _default_cache_dir
from keras_genai.utils.io import file_lock
from keras_genai.utils.training import build_for_fit

# Bump when the architecture, the data or the training recipe changes.
_CLASSIFIER_NAME = "digit_classifier_v1.keras"


def train_image_classifier(images, epochs=None, batch_size=64, seed=0, verbose=0):
    """Trains a LeNet-style judge on the labelled training split of an
    `keras_genai.data.ImageSet`.

    Small random shifts (up to 7% of the side) augment the training images; a
    cosine-decayed Adam (2e-3) trains `keras_genai.builders.lenet` (two
    convolution blocks below 32 pixels, three from 32 up, and the 128-unit
    ``"hidden"`` layer whose features FID and KID use). The classifier takes
    images in ``[0, 1]`` and returns logits.

    Args:
        images: a labelled `keras_genai.data.ImageSet` (`keras_genai.data.
            load_images`).
        epochs: training epochs; default ``min(30, 300,000 / training
            images)``, at least 1: 30 for the embedded digits, 6 for CIFAR-10.
        batch_size: batch size.
        seed: seed of the initial weights, dropout, data order and
            augmentation: the same seed trains the same model.
        verbose: Keras verbosity.

    Returns:
        ``(model, test_accuracy)``, the accuracy on the first 10,000 test
        images.

    Example:

    >>> model, accuracy = train_image_classifier(load_images("digits"), epochs=1)
    """
    import tensorflow as tf

    from keras_genai.builders import lenet

    if not getattr(images, "labelled", False):
        raise ValueError("`images` must be a labelled ImageSet (load_images). "
                         f"Received: images={getattr(images, 'name', images)!r}")
    size = images.count()
    batch_size = min(check_positive_int("batch_size", batch_size), size)
    if epochs is None:
        epochs = max(1, min(30, 300_000 // max(size, 1)))
    epochs = check_positive_int("epochs", epochs)
    shift = keras.layers.RandomTranslation(0.07, 0.07, fill_mode="constant",
                                           seed=seed, name="shift")
    train = images.batches(batch_size, scale="unit", labels=True, seed=seed).map(
        lambda x, y: (shift(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
    height = images.image_shape[0]
    model = lenet(input_shape=images.image_shape, num_classes=images.num_classes,
                  filters=(32, 64) if height < 32 else (32, 64, 128), seed=seed,
                  name="digit_classifier" if images.is_digits
                  else "image_classifier")
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(
            2e-3, decay_steps=epochs * max(1, size // batch_size))),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    build_for_fit(model, train)
    model.fit(train, epochs=epochs, shuffle=False, verbose=verbose)  # ds shuffles
    x_test, y_test = images.arrays(10_000, split="test")
    _, accuracy = model.evaluate(x_test / 255.0, y_test, verbose=0)
    return model, float(accuracy)


def train_digit_classifier(epochs=30, batch_size=64, seed=0, verbose=0):
    """Trains the digit judge: `train_image_classifier` on the embedded
    digits (4,000 training images; accuracy on the 1,000 test digits).

    Example:

    >>> model, accuracy = train_digit_classifier(epochs=1)
    """
    from keras_genai.data import load_images

    return train_image_classifier(load_images("digits"), epochs=epochs,
                                  batch_size=batch_size, seed=seed, verbose=verbose)


def image_classifier(images, cache_dir=None, retrain=False, verbose=0):
    """The cached judge of an `keras_genai.data.ImageSet`, trained on first
    use (`train_image_classifier`); the embedded digits' is `digit_classifier`.

    Args:
        images: a labelled `keras_genai.data.ImageSet`.
        cache_dir: folder of the cached ``.keras`` file (one per dataset and
            image shape, `ImageSet.key`); default ``$KERAS_HOME/keras_genai``.
        retrain: train again even if a cached model exists.
        verbose: Keras verbosity while training.

    Returns:
        A `keras.Model` mapping images of ``images.image_shape`` in
        ``[0, 1]`` to ``images.num_classes`` logits.

    Example:

    >>> clf = image_classifier(load_images("cifar10"))  # doctest: +SKIP
    """
    if getattr(images, "is_digits", False):
        return digit_classifier(cache_dir, retrain=retrain, verbose=verbose)
    return _cached(f"classifier_{getattr(images, 'key', '')}_v1.keras", cache_dir,
                   retrain, lambda: train_image_classifier(images, verbose=verbose)[0])


def digit_classifier(cache_dir=None, retrain=False, verbose=0):
    """Returns the cached digit classifier, training it on first use (~20 s on 2 cores).

    Args:
        cache_dir: folder of the cached ``.keras`` file; default
            ``$KERAS_HOME/keras_genai``.
        retrain: train again even if a cached model exists.
        verbose: Keras verbosity while training.

    Returns:
        A `keras.Model` mapping images in ``[0, 1]`` of shape ``(N, 28, 28, 1)`` to
        10 logits.

    Example:

    >>> clf = digit_classifier()
    >>> probs = keras.ops.softmax(clf(images_in_unit_range))
    """
    return _cached(_CLASSIFIER_NAME, cache_dir, retrain,
                   lambda: train_digit_classifier(verbose=verbose)[0])


def _cached(name, cache_dir, retrain, train):
    """The model saved as ``name`` in the cache folder, or ``train()``'s,
    saved there (one process trains it while the others wait)."""
    folder = cache_dir if cache_dir is not None else _default_cache_dir()
    path = os.path.join(os.fspath(folder), name)
    with file_lock(path + ".lock"):  # processes started together train it once
        if os.path.exists(path) and not retrain:
            try:
                return keras.models.load_model(path)
            except Exception:  # noqa: BLE001 - any unreadable cache is rebuilt
                pass
        model = train()
        try:
            os.makedirs(folder, exist_ok=True)
            with atomic_file(path) as tmp:
                model.save(tmp)
        except OSError:
            pass
    return model


def classify(images, classifier=None, value_range=(-1.0, 1.0), batch_size=256):
    """Class probabilities of images under a classifier.

    Args:
        images: ``(N, H, W)`` or ``(N, H, W, C)`` in ``value_range``, of the
            classifier's input shape.
        classifier: a model taking ``[0, 1]`` images and returning logits; default
            `digit_classifier`.
        value_range: ``(low, high)`` of ``images`` (``(-1, 1)`` for tanh
            generators, ``(0, 255)`` for raw digits).
        batch_size: inference batch size.

    Returns:
        Float32 probabilities ``(N, num_classes)``.

    Example:

    >>> probs = classify(gan.sample(100), value_range=(-1, 1))
    """
    unit = _to_unit(images, value_range)  # checked before any model is loaded
    classifier = classifier if classifier is not None else digit_classifier()
    logits = _infer(classifier, unit, batch_size)
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1)),
                      dtype=np.float32)


def _to_unit(images, value_range):
    """Images as ``(N, H, W, C)`` float32 in ``[0, 1]``."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(
            "`images` must be (N, H, W) or (N, H, W, C). "
            f"Received: images.shape={images.shape}"
        )
    low, high = value_range
    if not high > low:
        raise ValueError(f"`value_range` must be (low, high) with high > low. "
                         f"Received: value_range={value_range!r}")
    return np.clip((images - low) / (high - low), 0.0, 1.0)


def classifier_features(images, classifier=None, layer="hidden",
                        value_range=(-1.0, 1.0), batch_size=256):
    """Features of images at a classifier's hidden layer (the "Inception
    features" of FID and KID, from the digit classifier instead of Inception).

    Args:
        images: ``(N, H, W[, C])`` in ``value_range``, of the classifier's
            input shape.
        classifier: a Sequential or functional model taking ``[0, 1]`` images;
            default `digit_classifier`.
        layer: name of the layer whose output is the feature vector; the digit
            classifier's ``"hidden"`` is its 128-unit ReLU layer before the logits.
        value_range: ``(low, high)`` of ``images``.
        batch_size: inference batch size.

    Returns:
        Float64 features ``(N, units)``.

    Example:

    >>> f = classifier_features(x_test, value_range=(0, 255))
    >>> f.shape
    (1000, 128)
    """
    unit = _to_unit(images, value_range)
    classifier = classifier if classifier is not None else digit_classifier()
    try:
        output = classifier.get_layer(layer).output
    except ValueError:
        raise ValueError(
            f"`layer` must name a layer of the classifier "
            f"{[x.name for x in classifier.layers]}. Received: layer={layer!r}"
        ) from None
    inputs = classifier.inputs
    extractor = keras.Model(inputs[0] if len(inputs) == 1 else inputs, output,
                            name=f"{classifier.name}_features")
    features = _infer(extractor, unit, batch_size)
    return np.asarray(features, dtype=np.float64).reshape(len(features), -1)


def _infer(model, images, batch_size):
    """``model(images)`` in inference mode, called eagerly batch by batch: a
    measure may build a new feature extractor per call and gets images in any
    number, and ``predict`` would trace a new graph for each (TensorFlow's
    retracing warnings)."""
    batch_size = check_positive_int("batch_size", batch_size)
    return np.concatenate([
        keras.ops.convert_to_numpy(model(images[i:i + batch_size], training=False))
        for i in range(0, len(images), batch_size)])


def confident_fraction(probabilities, threshold=0.9):
    """Share of samples whose most likely class has probability ``>= threshold``.

    Args:
        probabilities: ``(N, num_classes)`` class probabilities.
        threshold: confidence threshold in ``(0, 1]``.

    Returns:
        A float in ``[0, 1]``.

    Example:

    >>> confident_fraction(np.array([[0.95, 0.05], [0.6, 0.4]]))
    0.5
    """
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2:
        raise ValueError("`probabilities` must be (N, num_classes). "
                         f"Received: probabilities.shape={probabilities.shape}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"`threshold` must be in (0, 1]. Received: threshold={threshold}")
    return float(np.mean(probabilities.max(axis=1) >= threshold))


def class_histogram(probabilities, num_classes=None):
    """Counts of the predicted (arg-max) class of each sample.

    Args:
        probabilities: ``(N, num_classes)`` probabilities, or ``(N,)`` labels.
        num_classes: length of the histogram; default the width of
            ``probabilities`` (required for labels).

    Returns:
        Int64 counts ``(num_classes,)``.

    Example:

    >>> class_histogram(np.array([0, 2, 2]), num_classes=3).tolist()
    [1, 0, 2]
    """
    probabilities = np.asarray(probabilities)
    if probabilities.ndim == 2:
        labels = probabilities.argmax(axis=1)
        num_classes = num_classes or probabilities.shape[1]
    elif probabilities.ndim == 1:
        if num_classes is None:
            raise ValueError("`num_classes` is required for labels. "
                             "Received: num_classes=None")
        labels = probabilities.astype(np.int64)
    else:
        raise ValueError("`probabilities` must be (N, C) or (N,). "
                         f"Received: probabilities.shape={probabilities.shape}")
    num_classes = check_positive_int("num_classes", num_classes)
    return np.bincount(labels, minlength=num_classes)[:num_classes].astype(np.int64)


def sample_quality(images, classifier=None, value_range=(-1.0, 1.0), threshold=0.9):
    """Summarises generated digits: confidence and class coverage.

    Args:
        images: generated images ``(N, 28, 28[, 1])`` in ``value_range``.
        classifier: judge model; default `digit_classifier`.
        value_range: range of ``images``.
        threshold: confidence threshold.

    Returns:
        A dict with ``confident_fraction`` (share with max probability
        ``>= threshold``), ``class_counts`` (list), ``class_shares`` (list) and
        ``min_class_share`` (share of the rarest class).

    Example:

    >>> quality = sample_quality(gan.sample(1000, seed=0))
    >>> quality["confident_fraction"], quality["min_class_share"]
    """
    probs = classify(images, classifier=classifier, value_range=value_range)
    counts = class_histogram(probs)
    shares = counts / counts.sum()
    return {
        "num_samples": int(len(probs)),
        "confident_fraction": confident_fraction(probs, threshold),
        "threshold": threshold,
        "class_counts": counts.tolist(),
        "class_shares": shares.tolist(),
        "min_class_share": float(shares.min()),
    }


def label_accuracy(probabilities, labels, num_classes=None):
    """How often a classifier recognises the label a conditional sample was asked
    for: overall and per class.

    Args:
        probabilities: ``(N, num_classes)`` class probabilities of the samples.
        labels: ``(N,)`` the requested labels.
        num_classes: number of classes; default the width of ``probabilities``.

    Returns:
        A dict with ``accuracy`` (share of samples whose predicted class is the
        requested one), ``per_class`` (list, ``nan`` for a class never requested)
        and ``min_class_accuracy`` (over the requested classes).

    Example:

    >>> label_accuracy(np.eye(3)[[0, 1, 1]], np.array([0, 1, 2]))["accuracy"]
    0.6666666666666666
    """
    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels)
    if probabilities.ndim != 2:
        raise ValueError("`probabilities` must be (N, num_classes). "
                         f"Received: probabilities.shape={probabilities.shape}")
    if labels.shape != (len(probabilities),):
        raise ValueError("`labels` must be (N,), one per row of `probabilities`. "
                         f"Received: labels.shape={labels.shape}")
    num_classes = check_positive_int("num_classes",
                                     num_classes or probabilities.shape[1])
    correct = probabilities.argmax(axis=1) == labels
    per_class = [float(correct[labels == k].mean()) if np.any(labels == k)
                 else float("nan") for k in range(num_classes)]
    return {
        "accuracy": float(correct.mean()),
        "per_class": per_class,
        "min_class_accuracy": float(np.nanmin(per_class)),
    }


def inception_score(probabilities, eps=1e-12):
    """The Inception Score of Salimans et al. (2016), sec. 4, on any
    classifier's probabilities: ``exp(E_x[KL(p(y|x) || p(y))])``.

    It is high when each sample is classified confidently (low entropy
    ``p(y|x)``) and the classes are spread out (high entropy ``p(y)``); its
    maximum is the number of classes. Computed from the digit classifier, it is
    a "classifier score", not comparable with published Inception Scores.

    Args:
        probabilities: ``(N, num_classes)`` class probabilities.
        eps: added inside the logarithms.

    Returns:
        A float in ``[1, num_classes]``.

    Example:

    >>> inception_score(np.eye(4))  # confident and uniform over 4 classes
    4.0
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError("`probabilities` must be (N, num_classes). "
                         f"Received: probabilities.shape={p.shape}")
    marginal = p.mean(axis=0, keepdims=True)
    kl = np.sum(p * (np.log(p + eps) - np.log(marginal + eps)), axis=1)
    return float(np.exp(kl.mean()))
