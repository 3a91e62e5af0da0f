"""The layers of a style-based generator (Karras et al. 2019, "A Style-Based
Generator Architecture for GANs", and 2020, "Analyzing and Improving the Image
Quality of StyleGAN"): the normalised latent of the mapping network, the
learned constant input, the modulated and demodulated convolution and the
per-pixel noise input."""

import keras
from keras import ops

from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_shape


@keras.saving.register_keras_serializable(package="keras_genai")
class PixelNorm(keras.layers.Layer):
    """Scales each vector to unit root-mean-square: ``x / sqrt(mean(x^2) +
    eps)`` over the last axis (Karras et al. 2018, "Progressive Growing of
    GANs", sec. 4.2; StyleGAN normalises ``z`` this way before the mapping
    network). No weights.

    Args:
        epsilon: added under the square root.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> PixelNorm()(keras.ops.convert_to_tensor([[3.0, 4.0]]))  # / 3.5355
    [[0.8485, 1.1314]]
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        if not epsilon > 0:
            raise ValueError(f"`epsilon` must be > 0. Received: epsilon={epsilon!r}")
        self.epsilon = float(epsilon)

    def call(self, x):
        return x * ops.rsqrt(ops.mean(ops.square(x), axis=-1, keepdims=True)
                             + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="keras_genai")
class LearnedConstant(keras.layers.Layer):
    """StyleGAN's synthesis input: one learned ``(H, W, C)`` tensor (initialised
    from N(0, 1)), repeated for every example of the batch it is called on;
    the styles, not the input, carry the latent (Karras et al. 2019, sec. 2).

    Args:
        shape: ``(H, W, C)``.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> LearnedConstant((7, 7, 64))(w).shape  # w: (batch, w_dim)
    TensorShape([batch, 7, 7, 64])
    """

    def __init__(self, shape, **kwargs):
        super().__init__(**kwargs)
        self.shape = tuple(int(d) for d in check_shape("shape", shape, rank=3))
        self.constant = self.add_weight(
            shape=self.shape, initializer=keras.initializers.RandomNormal(0.0, 1.0),
            name="constant")

    def call(self, batch_like):
        batch = ops.shape(batch_like)[0]
        return ops.broadcast_to(ops.cast(self.constant, self.compute_dtype)[None],
                                (batch,) + self.shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self.shape

    def get_config(self):
        return {**super().get_config(), "shape": self.shape}


@keras.saving.register_keras_serializable(package="keras_genai")
class ModulatedConv2D(keras.layers.Layer):
    """A convolution whose weights each example's style scales (StyleGAN2,
    Karras et al. 2020, sec. 2.2, eqs. 1-3).

    ``inputs = [x, w]``: the style ``s = A(w)`` (a dense layer, bias 1 at
    first, so the first styles are 1) modulates the weights per input channel,
    ``w'_ijk = s_i w_ijk`` (eq. 1); with ``demodulate`` each output channel is
    then scaled back to unit expected variance, ``w''_ijk = w'_ijk /
    sqrt(sum_{i,k} w'_ijk^2 + eps)`` (eq. 3), which replaces StyleGAN's
    instance normalisation and its droplet artefacts. As in the authors'
    non-fused implementation, the per-example weights are never built: the
    input is scaled by ``s`` and the output by the demodulation factors, which
    is the same convolution. ``upsample`` doubles the resolution (bilinear)
    first. Then a bias.

    Args:
        filters: output channels.
        kernel_size: square kernel size.
        demodulate: apply eq. 3 (off for StyleGAN2's toRGB layers).
        upsample: upsample 2x before the convolution.
        epsilon: added under the square root of eq. 3.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> y = ModulatedConv2D(32, 3)([x, w])  # x: (b, 7, 7, 64), w: (b, 64)
    """

    def __init__(self, filters, kernel_size=3, demodulate=True, upsample=False,
                 epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int("filters", filters)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        if not isinstance(demodulate, bool) or not isinstance(upsample, bool):
            raise TypeError("`demodulate` and `upsample` must be True or False. "
                            f"Received: demodulate={demodulate!r}, "
                            f"upsample={upsample!r}")
        self.demodulate = demodulate
        self.upsample = upsample
        if not epsilon > 0:
            raise ValueError(f"`epsilon` must be > 0. Received: epsilon={epsilon!r}")
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        channels = x_shape[-1]
        self.style = keras.layers.Dense(channels, bias_initializer="ones",
                                        name="style", dtype=self.dtype_policy)
        self.style.build(w_shape)
        k = self.kernel_size
        self.kernel = self.add_weight(
            shape=(k, k, channels, self.filters), name="kernel",
            initializer=keras.initializers.HeNormal())
        self.bias = self.add_weight(shape=(self.filters,), name="bias",
                                    initializer="zeros")

    def call(self, inputs):
        x, w = inputs
        styles = self.style(w)  # (batch, in)
        if self.upsample:
            x = ops.image.resize(x, (2 * x.shape[1], 2 * x.shape[2]),
                                 interpolation="bilinear")
        kernel = ops.cast(self.kernel, self.compute_dtype)
        y = ops.conv(x * styles[:, None, None, :], kernel, padding="same")
        if self.demodulate:
            # sum_{i,k} (s_i w_ijk)^2 = sum_i s_i^2 sum_k w_ijk^2: (batch, out)
            energy = ops.matmul(ops.square(styles),
                                ops.sum(ops.square(kernel), axis=(0, 1)))
            y = y * ops.rsqrt(energy + self.epsilon)[:, None, None, :]
        return y + ops.cast(self.bias, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        x_shape = input_shape[0]
        scale = 2 if self.upsample else 1
        h, w = (None if d is None else d * scale for d in x_shape[1:3])
        return (x_shape[0], h, w, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "demodulate": self.demodulate,
                "upsample": self.upsample, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="keras_genai")
class NoiseInjection(keras.layers.Layer):
    """Adds per-pixel noise scaled by a learned strength per channel (initially
    0): ``x + strength_c * noise`` (Karras et al. 2019, sec. 3.2: the noise
    places stochastic detail such as hair and freckles, leaving the styles to
    the overall structure).

    The noise is an input, ``inputs = [x, noise]`` with ``noise`` of shape
    ``(batch, H, W, 1)``, not drawn inside the layer: the model draws it with
    its own per-replica seeds, and a caller who fixes it fixes the image.

    Args:
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> y = NoiseInjection()([x, keras.random.normal((b, 7, 7, 1))])
    """

    def build(self, input_shape):
        self.strength = self.add_weight(shape=(input_shape[0][-1],), name="strength",
                                        initializer="zeros")

    def call(self, inputs):
        x, noise = inputs
        return x + ops.cast(noise, self.compute_dtype) * ops.cast(
            self.strength, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]


@keras.saving.register_keras_serializable(package="keras_genai")
class SelectStyle(keras.layers.Layer):
    """Row ``index`` of a ``(batch, num_ws, w_dim)`` stack of styles: the style
    of one layer of a synthesis network.

    Args:
        index: the row.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> SelectStyle(2)(ws).shape  # ws: (b, 6, 64)
    TensorShape([b, 64])
    """

    def __init__(self, index, **kwargs):
        super().__init__(**kwargs)
        self.index = check_positive_int("index", index, minimum=0)

    def call(self, ws):
        return ws[:, self.index]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "index": self.index}


@keras.saving.register_keras_serializable(package="keras_genai")
class SubsampleNoise(keras.layers.Layer):
    """Channel ``channel`` of a ``(batch, H, W, C)`` noise map, every
    ``stride``-th pixel: i.i.d. N(0, 1) noise at ``H / stride``, so one
    full-resolution draw serves the noise layers of every resolution.

    Args:
        channel: the channel to keep.
        stride: keep every ``stride``-th row and column.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> SubsampleNoise(0, 4)(noise).shape  # noise: (b, 28, 28, 5)
    TensorShape([b, 7, 7, 1])
    """

    def __init__(self, channel, stride=1, **kwargs):
        super().__init__(**kwargs)
        self.channel = check_positive_int("channel", channel, minimum=0)
        self.stride = check_positive_int("stride", stride)

    def call(self, noise):
        s, c = self.stride, self.channel
        return noise[:, ::s, ::s, c:c + 1]

    def compute_output_shape(self, input_shape):
        h, w = (None if d is None else -(-d // self.stride)
                for d in input_shape[1:3])
        return (input_shape[0], h, w, 1)

    def get_config(self):
        return {**super().get_config(), "channel": self.channel,
                "stride": self.stride}


__all__ = ["LearnedConstant", "ModulatedConv2D", "NoiseInjection", "PixelNorm",
           "SelectStyle", "SubsampleNoise"]
