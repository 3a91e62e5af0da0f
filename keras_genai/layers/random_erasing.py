"""Random erasing (Zhong et al. 2020) as a Keras layer."""

import math

import keras
import tensorflow as tf


def box_masks(height, width, top, bottom, left, right):
    """One boolean ``(height, width)`` rectangle mask per example.

    Args:
        height: image height (a float32 scalar tensor).
        width: image width (a float32 scalar tensor).
        top, bottom, left, right: float32 ``(batch,)`` box edges in pixels; rows
            ``top <= r < bottom`` and columns ``left <= c < right`` are inside.

    Returns:
        A bool tensor ``(batch, height, width)``.

    Example:

    >>> m = box_masks(tf.constant(4.0), tf.constant(4.0), tf.constant([1.0]),
    ...               tf.constant([3.0]), tf.constant([0.0]), tf.constant([2.0]))
    >>> int(tf.reduce_sum(tf.cast(m, tf.int32)))
    4
    """
    rows = tf.range(height)[None, :]
    cols = tf.range(width)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < bottom[:, None])
    in_cols = (cols >= left[:, None]) & (cols < right[:, None])
    return in_rows[:, :, None] & in_cols[:, None, :]


@keras.saving.register_keras_serializable(package="keras_genai")
class RandomErasing(keras.layers.Layer):
    """Erases one random rectangle per image, in training only.

    Zhong, Zheng, Kang, Li & Yang (2020), "Random Erasing Data Augmentation",
    Algorithm 1: with probability ``probability`` an image gets a rectangle of area
    ``S_e = s * H * W`` with ``s ~ U(scale)`` and aspect ratio ``r_e`` drawn
    log-uniformly from ``[ratio[0], ratio[1]]``, i.e. ``H_e = sqrt(S_e r_e)``,
    ``W_e = sqrt(S_e / r_e)`` (clipped to the image), at a uniformly random position
    where it fits; its pixels are replaced by uniform noise over ``value_range``
    (the paper's choice) or by ``fill_value``. With ``training=False`` (what
    ``predict`` and ``evaluate`` pass) the layer is the identity; like Keras'
    own preprocessing layers, a bare call augments.

    (`keras.layers.RandomErasing` exists too; its ``factor`` is a range of
    probabilities and it has no aspect-ratio control, so this layer follows the
    paper's parameters instead.)

    Args:
        probability: chance that an image is erased.
        scale: ``(s_l, s_h)``, the range of the erased area as a fraction of the
            image (paper: ``(0.02, 0.4)``).
        ratio: ``(r_1, r_2)``, the range of height/width (paper: ``(0.3, 3.3)``).
        value_range: ``(low, high)`` of the pixel values, for the noise fill.
        fill_value: a constant fill instead of noise (``None``: noise).
        seed: int seed.
        **kwargs: `keras.layers.Layer` arguments (``name`` ...).

    Example:

    >>> layer = RandomErasing(probability=1.0, seed=0)
    >>> images = keras.ops.ones((2, 28, 28, 1))
    >>> bool((layer(images, training=True) != 1).numpy().any())
    True
    """

    def __init__(self, probability=0.5, scale=(0.02, 0.4), ratio=(0.3, 3.3),
                 value_range=(0.0, 1.0), fill_value=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= probability <= 1.0:
            raise ValueError("`probability` must be in [0, 1]. "
                             f"Received: probability={probability!r}")
        if len(scale) != 2 or not 0.0 < scale[0] <= scale[1] <= 1.0:
            raise ValueError("`scale` must be (low, high) with 0 < low <= high <= 1. "
                             f"Received: scale={scale!r}")
        if len(ratio) != 2 or not 0.0 < ratio[0] <= ratio[1]:
            raise ValueError("`ratio` must be (low, high) with 0 < low <= high. "
                             f"Received: ratio={ratio!r}")
        if len(value_range) != 2 or not value_range[0] < value_range[1]:
            raise ValueError("`value_range` must be (low, high) with low < high. "
                             f"Received: value_range={value_range!r}")
        self.probability = float(probability)
        self.scale = tuple(float(s) for s in scale)
        self.ratio = tuple(float(r) for r in ratio)
        self.value_range = tuple(float(v) for v in value_range)
        self.fill_value = None if fill_value is None else float(fill_value)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=True):
        if not training or self.probability == 0.0:
            return images
        images = tf.convert_to_tensor(images)
        shape = tf.shape(images)
        batch = shape[0]
        height = tf.cast(shape[1], tf.float32)
        width = tf.cast(shape[2], tf.float32)

        def uniform(low=0.0, high=1.0):
            return keras.random.uniform((batch,), low, high, seed=self.seed_generator)

        area = uniform(*self.scale) * height * width
        log_ratio = uniform(math.log(self.ratio[0]), math.log(self.ratio[1]))
        aspect = tf.exp(log_ratio)
        h = tf.minimum(tf.round(tf.sqrt(area * aspect)), height)
        w = tf.minimum(tf.round(tf.sqrt(area / aspect)), width)
        top = tf.floor(uniform() * (height - h + 1.0))
        left = tf.floor(uniform() * (width - w + 1.0))
        erase = uniform() < self.probability

        mask = box_masks(height, width, top, top + h, left, left + w)
        mask = mask & erase[:, None, None]
        mask = tf.cast(mask[..., None], images.dtype)
        if self.fill_value is None:
            low, high = self.value_range
            fill = keras.random.uniform(shape, low, high, seed=self.seed_generator,
                                        dtype=images.dtype)
        else:
            fill = tf.fill(shape, tf.cast(self.fill_value, images.dtype))
        return images * (1 - mask) + fill * mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "probability": self.probability,
                "scale": self.scale, "ratio": self.ratio,
                "value_range": self.value_range, "fill_value": self.fill_value,
                "seed": self.seed}
