"""Position embeddings: the sinusoidal timestep embedding of diffusion networks
and the learned position embedding of the text encoder."""

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

    The angles are computed in float32 whatever the dtype policy (float16 keeps
    only 11 bits, 0.5 apart at ``t = 1000``); the embedding is returned in the
    layer's compute dtype (float16 under ``"mixed_float16"``).

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
        embedding = ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)
        return ops.cast(embedding, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        config = super().get_config()
        config.update(dim=self.dim, max_period=self.max_period)
        return config


@keras.saving.register_keras_serializable(package="keras_genai")
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned vector per position to a sequence of token embeddings
    (the learned positional embedding of BERT, Devlin et al. 2019, sec. 3).

    Args:
        sequence_length: the longest sequence (positions beyond raise).
        initializer: initializer of the position vectors.
        **kwargs: `keras.layers.Layer` arguments (``name`` ...).

    Example:

    >>> PositionEmbedding(4)(keras.ops.zeros((2, 4, 8))).shape
    TensorShape([2, 4, 8])
    """

    def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = check_positive_int("sequence_length", sequence_length)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        self.position_embeddings = self.add_weight(
            shape=(self.sequence_length, input_shape[-1]), initializer=self.initializer,
            name="position_embeddings")

    def call(self, inputs):
        length = ops.shape(inputs)[1]
        positions = ops.cast(self.position_embeddings[:length], inputs.dtype)
        return inputs + ops.expand_dims(positions, 0)

    def get_config(self):
        config = super().get_config()
        config.update(sequence_length=self.sequence_length,
                      initializer=keras.initializers.serialize(self.initializer))
        return config
