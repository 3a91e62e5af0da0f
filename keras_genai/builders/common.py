"""Argument checks and small helpers shared by the builders."""

import itertools
import numbers

import keras
import numpy as np
import tensorflow as tf

from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_positive_int

NORMALIZATIONS = ("batch", "layer", "group", "instance", None)


def seed_counter(seed):
    """An endless iterator of layer seeds: ``seed, seed + 1, ...``, or ``None``s.

    Gives each layer of a builder its own reproducible seed from one user seed.

    Example:

    >>> next(seed_counter(3)), next(seed_counter(None))
    (3, None)
    """
    if seed is None:
        return itertools.repeat(None)
    return itertools.count(check_positive_int("seed", seed, minimum=0))


def normalization_layer(kind, name, groups=8, momentum=0.9, channels=None):
    """The normalisation layer ``kind`` (see `NORMALIZATIONS`), or ``None``.

    * ``"batch"``: batch normalisation (Ioffe & Szegedy 2015), statistics over the
      batch and spatial axes, per channel. The moving averages used at inference
      have momentum 0.9 (PyTorch's default), not Keras' 0.99: with 0.99 a ResNet
      trained for 5 short epochs on the digits scored 97% with batch statistics
      but 82% in inference mode, because the averages lagged behind the weights.
    * ``"layer"``: layer normalisation (Ba et al. 2016), per example; Keras
      normalises over the last axis, so in a CNN each position over its channels
      (as ConvNeXt uses it).
    * ``"group"``: group normalisation (Wu & He 2018), per example over groups of
      channels and the spatial axes. With ``channels`` given, the number of groups
      is the largest divisor of ``channels`` that is at most ``groups``.
    * ``"instance"``: instance normalisation (Ulyanov et al. 2016), per example and
      channel over the spatial axes: group normalisation with one channel per group.

    Args:
        kind: one of `NORMALIZATIONS`.
        name: the layer's name.
        groups: number of groups for ``"group"`` (at most).
        momentum: momentum of batch normalisation's moving averages.
        channels: the number of channels the layer will see, if known.

    Returns:
        A Keras layer, or ``None`` for ``kind=None``.

    Example:

    >>> type(normalization_layer("instance", "norm")).__name__
    'GroupNormalization'
    """
    check_choice("normalization", kind, NORMALIZATIONS)
    if kind == "batch":
        return keras.layers.BatchNormalization(momentum=momentum, name=name)
    if kind == "layer":
        return keras.layers.LayerNormalization(name=name)
    if kind == "group":
        if channels is not None:
            groups = max(g for g in range(1, min(groups, channels) + 1)
                         if channels % g == 0)
        return keras.layers.GroupNormalization(groups=groups, name=name)
    if kind == "instance":
        return keras.layers.GroupNormalization(groups=-1, name=name)
    return None


def float32_output_layers(count=1):
    """The layers that give a network float32 outputs under a mixed policy.

    Under ``mixed_float16`` / ``mixed_bfloat16`` (set with
    `keras.mixed_precision.set_global_policy` before building) a network computes
    in 16 bits; its outputs should still be float32, so that losses, softmaxes
    and exported interfaces keep float32 precision (the TensorFlow mixed
    precision guide's advice). Under a float32 policy this returns ``[]``, so
    the network is exactly what it was.

    Args:
        count: how many outputs (one layer each, named ``float32_output``,
            ``float32_output_1``...).

    Returns:
        A list of ``count`` linear `keras.layers.Activation` layers with a
        float32 policy, or ``[]``.

    Example:

    >>> layers = body + float32_output_layers()   # for a Sequential builder
    """
    if keras.config.dtype_policy().compute_dtype == "float32":
        return []
    return [keras.layers.Activation("linear", dtype="float32",
                                    name="float32_output" + (f"_{i}" if i else ""))
            for i in range(count)]


def float32_outputs(outputs):
    """Passes the outputs of a functional network through
    `float32_output_layers` (unchanged under a float32 policy).

    Args:
        outputs: a symbolic tensor, or a list of them.

    Returns:
        The outputs, float32 under a mixed policy, with the same structure.

    Example:

    >>> return keras.Model(inputs, float32_outputs(x), name=name)
    """
    flat = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    layers = float32_output_layers(len(flat))
    if not layers:
        return outputs
    cast = [layer(t) for layer, t in zip(layers, flat)]
    return cast if isinstance(outputs, (list, tuple)) else cast[0]


@keras.saving.register_keras_serializable(package="keras_genai")
class CheckedSequential(keras.Sequential):
    """A `keras.Sequential` whose ``fit``, ``evaluate`` and ``predict`` compare
    the data's shape with the model's input before any work starts.

    Keras checks a layer's input only loosely (an input spec ending in 1 lets
    any last axis through), so a sequence model built for 1 feature and given
    2 fails deep inside its recurrent cell ("Dimensions must be equal"), and
    leaves ``fit`` unusable until the model is rebuilt. Here it gets a
    ``ValueError`` naming the expected and the received shapes.

    Example:

    >>> model = CheckedSequential([keras.Input((None, 1)), keras.layers.LSTM(4)])
    >>> model.compile("adam", "mse")
    >>> model.fit(np.zeros((8, 5, 2)), np.zeros((8, 4)))  # ValueError
    """

    def _check_x(self, x):
        if not self.inputs:
            return
        want = tuple(self.inputs[0].shape)[1:]
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            spec = spec[0] if isinstance(spec, (tuple, list)) else spec
            if not isinstance(spec, tf.TensorSpec) or spec.shape.rank is None:
                return
            got = tuple(spec.shape)[1:]
        elif isinstance(x, np.ndarray) or tf.is_tensor(x):
            got = tuple(x.shape)[1:]
        else:
            return
        if len(got) != len(want) or any(
                w is not None and g is not None and g != w for g, w in zip(got, want)):
            raise ValueError(
                f"`x` must hold examples of shape {want}, the input of "
                f"{self.name!r}. Received: examples of shape {got}")

    def fit(self, x=None, *args, **kwargs):
        """`keras.Model.fit`, after checking ``x``'s shape."""
        self._check_x(x)
        return super().fit(x, *args, **kwargs)

    def evaluate(self, x=None, *args, **kwargs):
        """`keras.Model.evaluate`, after checking ``x``'s shape."""
        self._check_x(x)
        return super().evaluate(x, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        """`keras.Model.predict`, after checking ``x``'s shape."""
        self._check_x(x)
        return super().predict(x, *args, **kwargs)
