"""Pieces of RealNVP (Dinh et al. 2017): the coupling masks, the squeeze
between scales, the affine coupling itself and the learned scale of its
log-scales."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops


def checkerboard_mask(shape, parity=0):
    """The ``(H, W, C)`` 0/1 checkerboard of Dinh et al. (2017), fig. 3 (left):
    1 where ``(row + column) % 2 == parity``.

    Example:

    >>> checkerboard_mask((2, 2, 1))[..., 0]
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    h, w, c = shape
    board = (np.add.outer(np.arange(h), np.arange(w)) % 2 == parity)
    return np.repeat(board[..., None], c, axis=-1).astype(np.float32)


def channel_mask(shape, parity=0):
    """The ``(H, W, C)`` channel-wise mask of Dinh et al. (2017), fig. 3
    (right): 1 on the first half of the channels (``parity=0``) or the second.

    Example:

    >>> channel_mask((1, 1, 4))[0, 0]
    array([1., 1., 0., 0.], dtype=float32)
    """
    h, w, c = shape
    if c % 2:
        raise ValueError(f"A channel mask needs an even number of channels. "
                         f"Received: shape={tuple(shape)}")
    half = (np.arange(c) < c // 2) == (parity == 0)
    return np.broadcast_to(half, (h, w, c)).astype(np.float32).copy()


def squeeze(x):
    """``(batch, H, W, C) -> (batch, H/2, W/2, 4C)``: each 2x2 block of pixels
    becomes one pixel with 4 times the channels (Dinh et al. 2017, sec. 3.6).
    A permutation, so its log-determinant is 0.

    Example:

    >>> squeeze(tf.zeros((1, 4, 4, 1))).shape
    TensorShape([1, 2, 2, 4])
    """
    return tf.nn.space_to_depth(x, 2)


def unsqueeze(x):
    """The inverse of `squeeze`.

    Example:

    >>> unsqueeze(tf.zeros((1, 2, 2, 4))).shape
    TensorShape([1, 4, 4, 1])
    """
    return tf.nn.depth_to_space(x, 2)


def affine_coupling(network, x, mask, inverse=False, training=False):
    """One affine coupling layer (Dinh et al. 2017, eq. 9): the values where
    ``mask`` is 1 pass unchanged and condition the others,

        y = b * x + (1 - b) * (x * exp(s(b * x)) + t(b * x)),

    whose Jacobian is triangular with log-determinant ``sum((1 - b) * s)``
    (eq. 6); the inverse is ``x = b * y + (1 - b) * (y - t(b * y)) *
    exp(-s(b * y))`` (eq. 8), as cheap as the forward pass.

    Args:
        network: ``[masked inputs, mask] -> [s, t]``
            (`keras_genai.builders.coupling_network`).
        x: ``(batch, H, W, C)`` float32.
        mask: ``(H, W, C)`` 0/1 NumPy array.
        inverse: apply the inverse.
        training: passed to the network.

    Returns:
        ``(y, log_det)``: the output and the per-example log-determinant of
        the Jacobian of this direction (``-sum((1 - b) * s)`` for the inverse).

    Example:

    >>> y, log_det = affine_coupling(network, x, checkerboard_mask((28, 28, 1)))
    """
    b = ops.cast(mask, x.dtype)
    kept = x * b
    log_scale, shift = network([kept, ops.broadcast_to(b, ops.shape(x))],
                               training=training)
    log_scale = ops.cast(log_scale, x.dtype) * (1.0 - b)
    shift = ops.cast(shift, x.dtype) * (1.0 - b)
    if inverse:
        y = kept + (1.0 - b) * (x - shift) * ops.exp(-log_scale)
        return y, -ops.sum(log_scale, axis=(1, 2, 3))
    y = kept + (1.0 - b) * (x * ops.exp(log_scale) + shift)
    return y, ops.sum(log_scale, axis=(1, 2, 3))


@keras.saving.register_keras_serializable(package="keras_genai")
class ChannelScale(keras.layers.Layer):
    """Multiplies each channel by a learned factor (initially 1): the
    ``scale`` of RealNVP's ``log_scale = scale * tanh(raw)``, which bounds
    each log-scale while letting the bound be learned.

    Example:

    >>> ChannelScale()(keras.ops.ones((1, 2, 2, 3))).shape
    TensorShape([1, 2, 2, 3])
    """

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones",
                                     name="scale")

    def call(self, x):
        return x * ops.cast(self.scale, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape
