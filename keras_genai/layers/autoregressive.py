"""Masked convolutions of PixelCNN (van den Oord et al. 2016)."""

import keras
import numpy as np
from keras import ops

MASK_TYPES = ("A", "B")


def pixel_order_mask(kernel_size, mask_type):
    """The ``(kh, kw)`` 0/1 mask that lets the centre pixel's output see only
    the pixels before it in raster order (rows above, then the pixels to its
    left): van den Oord et al. (2016), "Pixel Recurrent Neural Networks",
    sec. 3.4 and fig. 4. Type ``"A"`` (the first layer) also hides the centre
    itself, so no output sees its own pixel; type ``"B"`` (every later layer)
    keeps it, since the features at the centre already depend only on earlier
    pixels.

    Example:

    >>> pixel_order_mask(3, "A")
    array([[1., 1., 1.],
           [1., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) \
        else tuple(kernel_size)
    if kh % 2 != 1 or kw % 2 != 1 or kh < 1 or kw < 1:
        raise ValueError("`kernel_size` must be odd (the centre is the pixel "
                         f"being predicted). Received: kernel_size={kernel_size!r}")
    if mask_type not in MASK_TYPES:
        raise ValueError(f"`mask_type` must be 'A' or 'B'. Received: "
                         f"mask_type={mask_type!r}")
    mask = np.zeros((kh, kw), np.float32)
    mask[:kh // 2] = 1.0
    mask[kh // 2, :kw // 2 + (mask_type == "B")] = 1.0
    return mask


@keras.saving.register_keras_serializable(package="keras_genai")
class MaskedConv2D(keras.layers.Conv2D):
    """A ``"same"`` 2-D convolution whose kernel is multiplied by
    `pixel_order_mask`, so output ``(i, j)`` depends only on input pixels
    before ``(i, j)`` in raster order (type ``"A"``) or up to and including it
    (type ``"B"``).

    All channels of a pixel are treated as one unit: a model built from these
    layers predicts every channel of pixel ``(i, j)`` from the earlier pixels,
    the channels independently of each other (for the one-channel digits this
    is the full chain rule).

    Args:
        filters: output channels.
        kernel_size: odd side (or ``(height, width)``) of the kernel.
        mask_type: ``"A"`` or ``"B"``.
        **kwargs: `keras.layers.Conv2D` arguments; ``padding`` must be
            ``"same"`` and ``strides`` / ``dilation_rate`` 1.

    Example:

    >>> layer = MaskedConv2D(8, 7, "A")
    >>> layer(keras.ops.zeros((1, 5, 5, 1))).shape
    TensorShape([1, 5, 5, 8])
    """

    def __init__(self, filters, kernel_size, mask_type="B", **kwargs):
        for key, allowed in (("padding", "same"), ("strides", 1),
                             ("dilation_rate", 1), ("data_format", "channels_last")):
            value = kwargs.pop(key, allowed)
            if value not in (allowed, (allowed, allowed)):
                raise ValueError(f"MaskedConv2D needs {key}={allowed!r}. "
                                 f"Received: {key}={value!r}")
        self.mask = pixel_order_mask(kernel_size, mask_type)
        super().__init__(filters, kernel_size, padding="same", **kwargs)
        self.mask_type = mask_type

    def convolution_op(self, inputs, kernel):
        mask = ops.cast(self.mask[:, :, None, None], kernel.dtype)
        return super().convolution_op(inputs, kernel * mask)

    def get_config(self):
        config = super().get_config()
        for key in ("padding", "strides", "dilation_rate", "data_format"):
            config.pop(key, None)
        config["mask_type"] = self.mask_type
        return config
