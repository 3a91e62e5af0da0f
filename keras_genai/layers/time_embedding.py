"""The sinusoidal timestep embedding of diffusion networks."""

import math

import keras
from keras import ops

from keras_genai.utils.checks import check_positive_int


@keras.saving.register_keras_serializable(package="keras_genai")
class SinusoidalEmbedding(keras.layers.Layer):
    """Embeds integer timesteps with sines and cosines of geometric frequencies.

    The Transformer's position encoding (Vaswani et al. 2017, sec. 3.5) applied to
    the diffusion timestep, as in Ho et al. (2020), appendix B:
    ``[sin(t w_0), ..., sin(t w_{d/2-1}), cos(t w_0), ..., cos(t w_{d/2-1})]`` with
    ``w_i = max_period^(-i / (d/2 - 1))``. No weights.

    Args:
        dim: the embedding size (even).
        max_period: the longest period, ``1 / w_{d/2-1}``.
        **kwargs: `keras.layers.Layer` arguments (``name`` ...).

    Example:

    >>> SinusoidalEmbedding(8)(keras.ops.convert_to_tensor([0, 5])).shape
    TensorShape([2, 8])
    """

    def __init__(self, dim, max_period=10000.0, **kwargs):
        super().__init__(**kwargs)
        self.dim = check_positive_int("dim", dim, minimum=2)
        if self.dim % 2:
            raise ValueError(f"`dim` must be even. Received: dim={dim}")
        if not max_period > 1:
            raise ValueError(f"`max_period` must be > 1. Received: max_period={max_period}")
        self.max_period = float(max_period)

    def call(self, timesteps):
        half = self.dim // 2
        exponent = ops.arange(half, dtype="float32") / max(half - 1, 1)
        frequencies = ops.exp(-math.log(self.max_period) * exponent)
        angles = ops.cast(ops.reshape(timesteps, (-1, 1)), "float32") * frequencies
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        config = super().get_config()
        config.update(dim=self.dim, max_period=self.max_period)
        return config
