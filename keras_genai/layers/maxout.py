"""Maxout: the maximum over groups of linear pieces (Goodfellow et al. 2013)."""

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
