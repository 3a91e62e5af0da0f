"""The input corruption of a denoising autoencoder, as a Keras layer."""

import keras
from keras import ops

from keras_genai.utils.checks import check_choice

CORRUPTIONS = ("gaussian", "salt_and_pepper", "masking")


@keras.saving.register_keras_serializable(package="keras_genai")
class Corruption(keras.layers.Layer):
    """Corrupts its input in training, for a denoising autoencoder.

    Vincent, Larochelle, Bengio & Manzagol (2008), "Extracting and Composing Robust
    Features with Denoising Autoencoders", sec. 2.3: the autoencoder sees a
    corrupted ``x~ ~ q_D(x~ | x)`` and is trained to reconstruct the clean ``x``.
    Three corruptions:

    * ``"gaussian"``: ``x~ = x + amount * eps``, ``eps ~ N(0, I)``, clipped to
      ``value_range`` (additive isotropic Gaussian noise, Vincent et al. 2010).
    * ``"salt_and_pepper"``: each pixel, with probability ``amount``, is set to the
      minimum or the maximum of ``value_range`` (each with probability 1/2).
    * ``"masking"``: each pixel, with probability ``amount``, is set to the
      minimum of ``value_range`` (the 2008 paper's "masking noise").

    Like `keras.layers.GaussianNoise`, it corrupts only when called with
    ``training=True`` (what ``fit`` passes); ``predict``, ``evaluate`` and a bare
    call return the input unchanged, so a trained denoiser is applied to the
    images it is given.

    Args:
        kind: one of `CORRUPTIONS`.
        amount: the noise's standard deviation for ``"gaussian"``, the
            probability of corrupting a pixel for the others.
        value_range: ``(low, high)`` of the pixel values.
        seed: int seed of the layer's noise.
        **kwargs: `keras.layers.Layer` arguments (``name`` ...).

    Example:

    >>> layer = Corruption("masking", amount=0.5, seed=0)
    >>> x = keras.ops.ones((1, 1000))
    >>> float(keras.ops.mean(layer(x, training=True)))  # about half masked
    0.49...
    >>> bool(keras.ops.all(layer(x) == x))  # identity outside training
    True
    """

    def __init__(self, kind="gaussian", amount=0.5, value_range=(0.0, 1.0),
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        check_choice("kind", kind, CORRUPTIONS)
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) \
                or amount < 0 or (kind != "gaussian" and amount > 1):
            bound = "a standard deviation >= 0" if kind == "gaussian" \
                else "a probability in [0, 1]"
            raise ValueError(f"`amount` must be {bound} for kind={kind!r}. "
                             f"Received: amount={amount!r}")
        try:
            low, high = (float(v) for v in value_range)
        except (TypeError, ValueError):
            raise ValueError("`value_range` must be (low, high). "
                             f"Received: value_range={value_range!r}") from None
        if not low < high:
            raise ValueError("`value_range` must be (low, high) with low < high. "
                             f"Received: value_range={value_range!r}")
        self.kind = kind
        self.amount = float(amount)
        self.value_range = (low, high)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.amount == 0.0:
            return inputs
        low, high = self.value_range
        shape = ops.shape(inputs)
        if self.kind == "gaussian":
            noise = keras.random.normal(shape, seed=self.seed_generator,
                                        dtype=inputs.dtype)
            return ops.clip(inputs + self.amount * noise, low, high)
        hit = keras.random.uniform(shape, seed=self.seed_generator) < self.amount
        if self.kind == "masking":
            fill = ops.full(shape, low, dtype=inputs.dtype)
        else:
            salt = keras.random.uniform(shape, seed=self.seed_generator) < 0.5
            fill = ops.where(salt, ops.cast(high, inputs.dtype),
                             ops.cast(low, inputs.dtype))
        return ops.where(hit, fill, inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "kind": self.kind, "amount": self.amount,
                "value_range": self.value_range, "seed": self.seed}
