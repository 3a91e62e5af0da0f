"""Padding-aware helpers of text encoders."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_genai")
class PaddingMask(keras.layers.Layer):
    """True at real tokens, False at padding (token id 0, the padding index of
    ``TextVectorization``).

    Example:

    >>> PaddingMask()(keras.ops.convert_to_tensor([[4, 2, 0]]))
    <tf.Tensor: shape=(1, 3), dtype=bool, numpy=array([[ True,  True, False]])>
    """

    def call(self, tokens):
        return ops.not_equal(tokens, 0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, tokens):
        return keras.KerasTensor(tokens.shape, dtype="bool")


@keras.saving.register_keras_serializable(package="keras_genai")
class MaskedMeanPooling(keras.layers.Layer):
    """The mean of the tokens where ``mask`` is True (a caption's words, not its
    padding); zeros for a row with no token.

    ``mask`` plays the part of a Keras mask of ``x``: the layer consumes it, and
    the pooled output, with no token axis, carries none.

    Example:

    >>> x = keras.ops.convert_to_tensor([[[1.0], [3.0], [8.0]]])
    >>> MaskedMeanPooling()(x, keras.ops.convert_to_tensor([[True, True, False]]))
    <tf.Tensor: shape=(1, 1), dtype=float32, numpy=array([[2.]], dtype=float32)>
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # It consumes the mask (without this, Keras warns at every call that
        # the mask passed is lost).
        self.supports_masking = True

    def build(self, x_shape, mask_shape=None):
        # No weights. Named after `call`'s arguments, so a build from the shapes
        # of both inputs (`build(x_shape=..., mask_shape=...)`, as Keras' layer
        # test does) works.
        pass

    def call(self, x, mask):
        weights = ops.cast(mask, x.dtype)[..., None]
        return ops.sum(x * weights, axis=1) / ops.maximum(
            ops.sum(weights, axis=1), 1.0)

    def compute_output_shape(self, x_shape, mask_shape=None):
        return (x_shape[0], x_shape[-1])

    def compute_mask(self, x, mask=None):
        return None
