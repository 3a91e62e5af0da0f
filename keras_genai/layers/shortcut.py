"""The parameter-free shortcut of ResNet's CIFAR networks (He et al. 2016,
option A)."""

import keras
from keras import ops

from keras_genai.utils.checks import check_positive_int


@keras.saving.register_keras_serializable(package="keras_genai")
class PaddedShortcut(keras.layers.Layer):
    """Identity shortcut that subsamples and zero-pads: ``x[:, ::s, ::s, :]``
    followed by zero channels up to ``channels``.

    He et al. (2016, Sec. 3.3, option A) use it where a residual block halves
    the resolution and doubles the channels, so that every shortcut stays
    free of parameters (option B projects with a strided 1x1 convolution
    instead). The new channels are zeros: for them the block is plain.

    Args:
        channels: channels of the output (at least the input's).
        strides: spatial subsampling factor ``s``.
        **kwargs: `keras.layers.Layer` arguments (``name``, ``dtype``...).

    Example:

    >>> x = keras.ops.ones((1, 4, 4, 2))
    >>> PaddedShortcut(channels=4, strides=2)(x).shape
    (1, 2, 2, 4)
    """

    def __init__(self, channels, strides=1, **kwargs):
        super().__init__(**kwargs)
        self.channels = check_positive_int("channels", channels)
        self.strides = check_positive_int("strides", strides)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None \
                or input_shape[-1] > self.channels:
            raise ValueError(
                "PaddedShortcut takes (batch, height, width, channels) inputs with "
                f"at most `channels` ({self.channels}) channels. "
                f"Received: input_shape={input_shape}")

    def call(self, inputs):
        x = inputs[:, ::self.strides, ::self.strides, :]
        extra = self.channels - inputs.shape[-1]
        if extra:
            x = ops.pad(x, [[0, 0], [0, 0], [0, 0], [0, extra]])
        return x

    def compute_output_shape(self, input_shape):
        def out(size):
            return None if size is None else -(-size // self.strides)
        return (input_shape[0], out(input_shape[1]), out(input_shape[2]),
                self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels,
                "strides": self.strides}
