"""Activity regularizers for sparse autoencoders.

A sparse autoencoder adds a penalty on its code layer's activations to the
reconstruction loss, so that only a few units are active for each input. Two are
usual (both registered serializable, so a model that uses them saves and loads):

* the L1 penalty `L1Sparsity`, ``lambda * sum_j |h_j|`` per example
  (Goodfellow, Bengio & Courville 2016, "Deep Learning", eq. 14.2 with
  ``Omega(h) = lambda sum |h_i|``), averaged over the batch;
* the KL sparsity penalty `KLSparsity` (Ng, "Sparse autoencoder", CS294A lecture
  notes, 2011), a property of the whole batch.

Keras 3.14 and later divide a layer's activity penalty by the batch size;
Keras 3.10 to 3.13 do not. Both regularizers give the layer the same loss on
every version (``keras.regularizers.L1(lambda)`` gives the batch mean of
``lambda * sum_j |h_j|`` on the newer versions and the batch sum on the older).
"""

import keras
from keras import ops

from keras_genai.utils import compat
from keras_genai.utils.checks import check_non_negative


def _as_layer_loss(penalty, batch):
    """``penalty`` scaled so that the layer's loss is ``penalty`` whether or
    not Keras divides an activity penalty by the batch size."""
    if compat.activity_penalty_divided_by_batch():
        return penalty * ops.cast(batch, penalty.dtype)
    return penalty


@keras.saving.register_keras_serializable(package="keras_genai")
class L1Sparsity(keras.regularizers.Regularizer):
    """The L1 sparsity penalty of a sparse autoencoder, per example.

    Goodfellow, Bengio & Courville (2016), "Deep Learning", eq. 14.2 with
    ``Omega(h) = lambda * sum_j |h_j|``, averaged over the batch's examples:
    the layer's loss is ``weight * mean_i sum_j |h_ij|`` on every Keras
    version (as ``keras.regularizers.L1(weight)`` gives on Keras 3.14 and
    later).

    Args:
        weight: ``lambda``, the penalty's weight (>= 0).

    Example:

    >>> layer = keras.layers.Dense(64, activation="relu",
    ...                            activity_regularizer=L1Sparsity(1e-3))
    """

    def __init__(self, weight=0.01):
        self.weight = check_non_negative("weight", weight)

    def __call__(self, activations):
        activations = ops.convert_to_tensor(activations)
        flat = ops.reshape(activations, (ops.shape(activations)[0], -1))
        per_example = self.weight * ops.mean(ops.sum(ops.abs(flat), axis=1))
        return _as_layer_loss(per_example, ops.shape(flat)[0])

    def get_config(self):
        return {"weight": self.weight}


@keras.saving.register_keras_serializable(package="keras_genai")
class KLSparsity(keras.regularizers.Regularizer):
    """The KL sparsity penalty of a sparse autoencoder.

    Ng (2011), "Sparse autoencoder", CS294A lecture notes, sec. 2.3: with
    ``rho_hat_j`` the mean activation of hidden unit ``j`` over the batch and
    ``rho`` the target,

        penalty = weight * sum_j KL(rho || rho_hat_j)
                = weight * sum_j [rho log(rho / rho_hat_j)
                                  + (1 - rho) log((1 - rho) / (1 - rho_hat_j))]

    It is 0 when every unit's mean activation is ``rho`` and grows without bound
    as a mean approaches 0 or 1. The activations must lie in ``(0, 1)`` (a sigmoid
    code layer); ``rho_hat`` is clipped to ``[1e-7, 1 - 1e-7]``.

    The penalty is a property of the whole batch, not a sum over examples: the
    layer's loss is exactly ``weight * sum_j KL(rho || rho_hat_j)`` on every
    Keras version (on Keras 3.14 and later, which divide an activity penalty
    by the batch size, this regularizer multiplies by it first).

    Args:
        target: ``rho``, the desired mean activation, in ``(0, 1)``.
        weight: ``beta``, the penalty's weight (>= 0).

    Example:

    >>> layer = keras.layers.Dense(64, activation="sigmoid",
    ...                            activity_regularizer=KLSparsity(0.05, 1.0))
    """

    def __init__(self, target=0.05, weight=1.0):
        if isinstance(target, bool) or not isinstance(target, (int, float)) \
                or not 0.0 < target < 1.0:
            raise ValueError("`target` must be a mean activation in (0, 1). "
                             f"Received: target={target!r}")
        self.target = float(target)
        self.weight = check_non_negative("weight", weight)

    def __call__(self, activations):
        activations = ops.convert_to_tensor(activations)
        flat = ops.reshape(activations, (ops.shape(activations)[0], -1))
        rho_hat = ops.clip(ops.mean(flat, axis=0), 1e-7, 1.0 - 1e-7)
        rho = self.target
        kl = (rho * ops.log(rho / rho_hat)
              + (1.0 - rho) * ops.log((1.0 - rho) / (1.0 - rho_hat)))
        return _as_layer_loss(self.weight * ops.sum(kl), ops.shape(flat)[0])

    def get_config(self):
        return {"target": self.target, "weight": self.weight}


__all__ = ["KLSparsity", "L1Sparsity"]
