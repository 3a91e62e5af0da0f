"""The exponential moving average of a network's weights.

Generators and denoisers sample better from an average of their recent
weights than from the last ones (Polyak averaging; Karras et al. 2018 for
GANs, Ho et al. 2020 for diffusion). A `WeightAverage` keeps a frozen copy of
a network and moves it towards the network after each training step, in
cross-replica context, so every replica keeps the same copy.
"""

import keras
import tensorflow as tf

from keras_genai.utils import compat


class WeightAverage:
    """The moving average of ``network``'s weights, kept in ``average``.

    ``average <- d average + (1 - d) w`` over every weight (batch-norm
    statistics too), with ``d = min(decay, (1 + n) / (10 + n))`` after ``n``
    updates, so early averages are not dominated by the random initial weights
    (the warm-up of TensorFlow's ``ExponentialMovingAverage`` with
    ``num_updates``).

    The model keeps ``average`` as an attribute of its own (so it is saved
    with the model's weights) and this object untracked beside it.

    Args:
        network: the network being trained.
        decay: the largest ``d``, in ``[0, 1]``.

    Example:

    >>> ema = WeightAverage(generator, decay=0.999)
    >>> ema.average  # a frozen copy of the generator
    >>> ema.update(optimizer.iterations)  # in train_step, after the step
    """

    def __init__(self, network, decay):
        self.network = network
        self.decay = decay
        self.average = keras.models.clone_model(network)
        self.average.set_weights(network.get_weights())
        self.average.trainable = False

    def update(self, step):
        """Moves `average` towards the network, ``step`` being the number of
        updates so far (an optimizer's ``iterations``)."""
        n = tf.cast(step, tf.float32)
        move_towards(
            [(a.value, w.value) for a, w in zip(self.average.weights,
                                                self.network.weights)],
            tf.minimum(self.decay, (1.0 + n) / (10.0 + n)))


def move_towards(pairs, decay):
    """``variable <- d variable + (1 - d) target`` for each ``(variable,
    target)`` pair, written once per variable in cross-replica context, as
    Keras optimizers update their variables, so every replica's copy gets the
    same value (the targets must be the same on every replica).

    Example:

    >>> move_towards([(w_avg, batch_mean)], 0.995)
    """

    def update(strategy, pairs):
        mix = 1.0 - decay  # once, not once per variable and device
        for variable, target in pairs:
            strategy.extended.update(
                variable, lambda v, t: v.assign(decay * v + mix * tf.cast(
                    t, v.dtype)), args=(target,), group=False)

    compat.merge_call(update, pairs)


__all__ = ["WeightAverage", "move_towards"]
