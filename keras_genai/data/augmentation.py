"""Data augmentation: a Keras preprocessing-layer pipeline, random erasing,
mixup / cutmix on batched datasets, and the classic 3x3 image kernels."""

import keras
import numpy as np
import tensorflow as tf

from keras_genai.layers.random_erasing import RandomErasing
from keras_genai.layers.random_erasing import box_masks
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_positive_int


# Classic 3x3 image kernels (Gonzalez & Woods, "Digital Image Processing",
# Ch. 3.5-3.6): smoothing, sharpening (the image minus its Laplacian) and
# edge detection (the Laplacian; Sobel's derivatives along x and y).
KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box_blur": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
}


def filter_images(images, kernel):
    """Convolves each channel of ``images`` with a 2-D ``kernel`` (zero
    padding, "same" size): the fixed filters that a convolution layer
    learns its own versions of.

    Args:
        images: ``(N, H, W, C)`` images.
        kernel: a name from `KERNELS` or a 2-D array of odd sides. Applied as
            Keras applies a learned kernel (cross-correlation: not flipped).

    Returns:
        float32 ``(N, H, W, C)``; edge kernels give negative values too.

    Example:

    >>> edges = filter_images(images, "laplacian")  # doctest: +SKIP
    """
    if isinstance(kernel, str):
        check_choice("kernel", kernel, tuple(KERNELS))
        kernel = KERNELS[kernel]
    kernel = np.asarray(kernel, "float32")
    if kernel.ndim != 2 or kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
        raise ValueError("`kernel` must be a 2-D array with odd sides. "
                         f"Received: kernel with shape {kernel.shape}")
    images = keras.ops.convert_to_tensor(images, "float32")
    if len(images.shape) != 4:
        raise ValueError("`images` must be (N, H, W, C). Received: images with "
                         f"shape {tuple(images.shape)}")
    channels = images.shape[-1]
    depthwise = np.tile(kernel[:, :, None, None], (1, 1, channels, 1))
    return keras.ops.depthwise_conv(images, depthwise, padding="same")


def augmentation(flip=None, rotation=0.05, zoom=0.1, translation=0.1, contrast=0.0,
                 brightness=0.0, blur=0.0, erasing=0.0, shear=0.0, hue=0.0,
                 saturation=0.0, sharpness=0.0, noise=0.0, value_range=(0.0, 1.0),
                 seed=None, name="augmentation"):
    """Builds a random augmentation pipeline of Keras preprocessing layers.

    The usual families (Shorten & Khoshgoftaar 2019): geometric (flip, rotation,
    zoom, translation, shear), colour (contrast, brightness, and for colour
    images hue and saturation), kernel filters (Gaussian blur, sharpening),
    noise injection and random erasing. Each is left out when its argument is
    0 or ``None``.
    As the first block of a model the pipeline augments in ``fit`` and is the
    identity in ``predict`` / ``evaluate`` (which pass ``training=False``); a bare
    call ``pipeline(x)`` augments, as Keras' preprocessing layers do. It also works
    in ``tf.data``: ``dataset.map(lambda x, y: (pipeline(x, training=True), y))``.

    Defaults suit digits: no flip (a flipped 2 is not a 2) and mild rotation.

    Args:
        flip: ``None``, ``"horizontal"``, ``"vertical"`` or
            ``"horizontal_and_vertical"``.
        rotation: maximum rotation as a fraction of a full turn (0.05 = 18 deg).
        zoom: maximum zoom in or out, as a fraction of the size.
        translation: maximum shift, as a fraction of height and width.
        contrast: maximum contrast change factor.
        brightness: maximum brightness change, as a fraction of ``value_range``.
        blur: maximum Gaussian-blur strength (``keras.layers.RandomGaussianBlur``
            factor; 0: none).
        erasing: probability of random erasing (`keras_genai.layers.RandomErasing`).
        shear: maximum shear along each axis (``keras.layers.RandomShear``
            factor).
        hue: maximum hue shift (``keras.layers.RandomHue`` factor; images with
            3 channels).
        saturation: how far the saturation may move either way: Keras'
            ``RandomSaturation`` factors in ``0.5 -/+ saturation / 2`` (0.5
            keeps it; images with 3 channels).
        sharpness: how far the image may be sharpened or softened:
            ``RandomSharpness`` factors in ``0.5 -/+ sharpness / 2`` (0.5
            keeps it).
        noise: standard deviation of additive Gaussian noise, as a fraction of
            ``value_range``'s width (``keras.layers.GaussianNoise``, only in
            training; values may leave the range).
        value_range: ``(low, high)`` of the pixel values.
        seed: int seed (each layer gets its own seed from it).
        name: name of the returned `keras.Sequential`.

    Returns:
        A `keras.Sequential` of preprocessing layers.

    Example:

    >>> pipeline = augmentation(rotation=0.05, erasing=0.5, seed=0)
    >>> [layer.name for layer in pipeline.layers]
    ['random_rotation', 'random_zoom', 'random_translation', 'random_erasing']
    """
    if flip is not None:
        check_choice("flip", flip, ("horizontal", "vertical",
                                    "horizontal_and_vertical"))
    for arg, value in (("rotation", rotation), ("zoom", zoom),
                       ("translation", translation), ("contrast", contrast),
                       ("brightness", brightness), ("blur", blur),
                       ("erasing", erasing), ("shear", shear), ("hue", hue),
                       ("saturation", saturation), ("sharpness", sharpness),
                       ("noise", noise)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not 0.0 <= value <= 1.0:
            raise ValueError(f"`{arg}` must be a number in [0, 1]. "
                             f"Received: {arg}={value!r}")
    value_range = tuple(value_range)
    seeds = iter(range(seed, seed + 13)) if seed is not None else iter([None] * 13)
    layers = []
    if flip:
        layers.append(keras.layers.RandomFlip(flip, seed=next(seeds),
                                              name="random_flip"))
    if rotation:
        layers.append(keras.layers.RandomRotation(rotation, fill_mode="constant",
                                                  fill_value=value_range[0],
                                                  seed=next(seeds),
                                                  name="random_rotation"))
    if zoom:
        layers.append(keras.layers.RandomZoom(zoom, fill_mode="constant",
                                              fill_value=value_range[0],
                                              seed=next(seeds), name="random_zoom"))
    if translation:
        layers.append(keras.layers.RandomTranslation(
            translation, translation, fill_mode="constant", fill_value=value_range[0],
            seed=next(seeds), name="random_translation"))
    if contrast:
        layers.append(keras.layers.RandomContrast(contrast, value_range=value_range,
                                                  seed=next(seeds),
                                                  name="random_contrast"))
    if brightness:
        layers.append(keras.layers.RandomBrightness(brightness,
                                                    value_range=value_range,
                                                    seed=next(seeds),
                                                    name="random_brightness"))
    if blur:
        layers.append(keras.layers.RandomGaussianBlur(blur, kernel_size=3,
                                                      value_range=value_range,
                                                      seed=next(seeds),
                                                      name="random_blur"))
    if erasing:
        layers.append(RandomErasing(probability=erasing, value_range=value_range,
                                    seed=next(seeds), name="random_erasing"))
    # The later families, after the earlier ones so that those keep their seeds.
    if shear:
        layers.append(keras.layers.RandomShear(
            shear, shear, fill_mode="constant", fill_value=value_range[0],
            seed=next(seeds), name="random_shear"))
    for factor, layer, label in ((hue, keras.layers.RandomHue, "random_hue"),
                                 (saturation, keras.layers.RandomSaturation,
                                  "random_saturation"),
                                 (sharpness, keras.layers.RandomSharpness,
                                  "random_sharpness")):
        if factor:
            # Hue takes a maximum shift; saturation and sharpness a range of
            # factors around 0.5, Keras' "no change", so they go both ways.
            if layer is not keras.layers.RandomHue:
                factor = (0.5 - factor / 2, 0.5 + factor / 2)
            layers.append(layer(factor, value_range=value_range, seed=next(seeds),
                                name=label))
    if noise:
        layers.append(keras.layers.GaussianNoise(
            noise * (value_range[1] - value_range[0]), seed=next(seeds),
            name="gaussian_noise"))
    return keras.Sequential(layers, name=name)


def _beta(seed, alpha, shape):
    """``Beta(alpha, alpha)`` samples from two stateless gamma draws."""
    g = tf.random.stateless_gamma((2,) + tuple(shape), seed=seed, alpha=alpha)
    return g[0] / (g[0] + g[1])


def _mix_dataset(dataset, mix, num_classes, seed):
    num_classes = check_positive_int("num_classes", num_classes, minimum=2)
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError("`dataset` must be a batched tf.data.Dataset of "
                        f"(images, labels). Received: dataset={dataset!r}")
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) != 2:
        raise ValueError("`dataset` must yield (images, labels) batches. "
                         f"Received: element_spec={dataset.element_spec}")
    seeds = tf.data.Dataset.random(seed=seed).batch(2)

    def apply(batch, pair):
        (images, labels) = batch
        stateless_seed = tf.cast(pair, tf.int32)
        labels = tf.one_hot(tf.cast(tf.reshape(labels, [-1]), tf.int32), num_classes)
        return mix(tf.cast(images, tf.float32), labels, stateless_seed)

    return tf.data.Dataset.zip((dataset, seeds)).map(
        apply, num_parallel_calls=tf.data.AUTOTUNE)


def mixup(dataset, num_classes, alpha=0.2, seed=0):
    """Mixup (Zhang et al. 2018) on a batched ``(images, int labels)`` dataset.

    Each example is blended with a partner from a random permutation of its batch:
    ``x = lam x_i + (1 - lam) x_j``, ``y = lam y_i + (1 - lam) y_j`` (one-hot),
    with one ``lam ~ Beta(alpha, alpha)`` per example. Train with
    ``CategoricalCrossentropy`` on the soft labels.

    Args:
        dataset: batched `tf.data.Dataset` of ``(images, labels)``, integer labels.
        num_classes: number of classes.
        alpha: Beta-distribution parameter (> 0; the paper uses 0.1-0.4).
        seed: int seed; the same seed gives the same mixes.

    Returns:
        A dataset of ``(float32 images, float32 one-hot soft labels)``.

    Example:

    >>> ds = tf.data.Dataset.from_tensor_slices(
    ...     (tf.ones((8, 4, 4, 1)), tf.range(8) % 2)).batch(4)
    >>> x, y = next(iter(mixup(ds, num_classes=2)))
    >>> y.shape
    TensorShape([4, 2])
    """
    if not alpha > 0:
        raise ValueError(f"`alpha` must be > 0. Received: alpha={alpha!r}")

    def mix(images, labels, stateless_seed):
        batch = tf.shape(images)[0]
        lam = _beta(stateless_seed, alpha, [batch])
        partner = tf.random.experimental.stateless_shuffle(
            tf.range(batch), seed=stateless_seed[::-1])
        lam_x = tf.reshape(lam, [-1] + [1] * (len(images.shape) - 1))
        images = lam_x * images + (1.0 - lam_x) * tf.gather(images, partner)
        labels = lam[:, None] * labels + (1.0 - lam[:, None]) * tf.gather(labels,
                                                                          partner)
        return images, labels

    return _mix_dataset(dataset, mix, num_classes, seed)


def cutmix(dataset, num_classes, alpha=1.0, seed=0):
    """CutMix (Yun et al. 2019) on a batched ``(images, int labels)`` dataset.

    Each example gets a rectangle pasted from a partner (a random permutation of
    its batch). The box has side lengths ``H sqrt(1 - lam)`` and ``W sqrt(1 -
    lam)`` with ``lam ~ Beta(alpha, alpha)`` and a uniformly random centre, clipped
    at the border; the labels are mixed by the area actually pasted:
    ``y = (1 - a) y_i + a y_j`` with ``a`` = box area / image area.

    Args:
        dataset: batched `tf.data.Dataset` of ``(images, labels)``, integer labels.
        num_classes: number of classes.
        alpha: Beta-distribution parameter (> 0; the paper uses 1).
        seed: int seed.

    Returns:
        A dataset of ``(float32 images, float32 one-hot soft labels)``.

    Example:

    >>> ds = tf.data.Dataset.from_tensor_slices(
    ...     (tf.ones((8, 4, 4, 1)), tf.range(8) % 2)).batch(4)
    >>> x, y = next(iter(cutmix(ds, num_classes=2)))
    >>> x.shape
    TensorShape([4, 4, 4, 1])
    """
    if not alpha > 0:
        raise ValueError(f"`alpha` must be > 0. Received: alpha={alpha!r}")

    def mix(images, labels, stateless_seed):
        shape = tf.shape(images)
        batch = shape[0]
        height = tf.cast(shape[1], tf.float32)
        width = tf.cast(shape[2], tf.float32)
        lam = _beta(stateless_seed, alpha, [batch])
        centre = tf.random.stateless_uniform([2, batch], seed=stateless_seed + 1)
        cy, cx = centre[0] * height, centre[1] * width
        half_h = height * tf.sqrt(1.0 - lam) / 2.0
        half_w = width * tf.sqrt(1.0 - lam) / 2.0
        top = tf.clip_by_value(tf.round(cy - half_h), 0.0, height)
        bottom = tf.clip_by_value(tf.round(cy + half_h), 0.0, height)
        left = tf.clip_by_value(tf.round(cx - half_w), 0.0, width)
        right = tf.clip_by_value(tf.round(cx + half_w), 0.0, width)
        box = tf.cast(box_masks(height, width, top, bottom, left, right),
                      tf.float32)
        pasted = (bottom - top) * (right - left) / (height * width)
        partner = tf.random.experimental.stateless_shuffle(
            tf.range(batch), seed=stateless_seed[::-1])
        box = box[..., None]
        images = (1.0 - box) * images + box * tf.gather(images, partner)
        labels = ((1.0 - pasted[:, None]) * labels
                  + pasted[:, None] * tf.gather(labels, partner))
        return images, labels

    return _mix_dataset(dataset, mix, num_classes, seed)
