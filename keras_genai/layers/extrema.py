"""Maxout, the maximum over groups of linear pieces (Goodfellow et al. 2013),
and min pooling: the layers that take a minimum or maximum the Keras set lacks."""

import keras
from keras import ops

from keras_genai.utils.checks import check_positive_int


@keras.saving.register_keras_serializable(package="keras_genai")
class Maxout(keras.layers.Layer):
    """Keeps the largest of each group of ``pieces`` consecutive features.

    A maxout unit (Goodfellow et al. 2013, "Maxout Networks", eq. 1) is
    ``h_i(x) = max_{j=1..k} z_ij`` with ``z_ij = x . W_ij + b_ij``: the maximum
    of ``k`` affine pieces, a learned convex piecewise-linear activation
    (ReLU is the case ``k = 2`` with one piece fixed at zero). A ``Dense``
    layer of ``units * pieces`` features followed by ``Maxout(units)`` makes
    ``units`` maxout units; feature ``i * pieces + j`` of the input is piece
    ``j`` of unit ``i``.

    Args:
        units: number of outputs; the last axis of the input must be a
            multiple of it.
        **kwargs: `keras.layers.Layer` arguments (``name``, ``dtype``...).

    Example:

    >>> x = keras.ops.convert_to_tensor([[1.0, 3.0, -2.0, -5.0]])
    >>> keras.ops.convert_to_numpy(Maxout(2)(x)).tolist()
    [[3.0, -2.0]]
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None or features % self.units:
            raise ValueError(
                f"The last axis of Maxout's input must be a multiple of "
                f"`units` ({self.units}). Received: input_shape={input_shape}")

    def call(self, inputs):
        pieces = inputs.shape[-1] // self.units
        grouped = ops.reshape(
            inputs, tuple(ops.shape(inputs)[:-1]) + (self.units, pieces))
        return ops.max(grouped, axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="keras_genai")
class MinPooling2D(keras.layers.MaxPooling2D):
    """Min pooling: the smallest value of each window, ``-maxpool(-x)``.

    Keras has max and average pooling only. After a ReLU most windows hold a
    zero, so min pooling keeps little but where a whole window fires (the
    inside of thick strokes); it is here for the comparison the notes make
    between pooling kinds.

    Args:
        pool_size, strides, padding, data_format: as
            `keras.layers.MaxPooling2D`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> x = keras.ops.reshape(keras.ops.arange(16.0), (1, 4, 4, 1))
    >>> keras.ops.convert_to_numpy(MinPooling2D(2)(x))[0, :, :, 0].tolist()
    [[0.0, 2.0], [8.0, 10.0]]
    """

    def call(self, inputs):
        return -super().call(-inputs)
