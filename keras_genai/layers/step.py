"""The Heaviside step activation of Rosenblatt's perceptron, trainable by the
perceptron rule."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_genai")
class Step(keras.layers.Layer):
    """Heaviside step ``1[x >= 0]`` with a straight-through gradient.

    The step has zero derivative almost everywhere, so back-propagation alone
    could not train a perceptron. This layer passes the incoming gradient through
    unchanged (the straight-through estimator, Bengio et al. 2013). With a squared
    error ``1/2 (y_hat - y)^2`` and plain SGD of learning rate ``eta``, one update
    of the weights feeding the step is then exactly Rosenblatt's (1958) perceptron
    learning rule: ``w <- w + eta (y - y_hat) x``.

    Example:

    >>> Step()(keras.ops.convert_to_tensor([-0.5, 0.0, 2.0])).numpy().tolist()
    [0.0, 1.0, 1.0]
    """

    def call(self, inputs):
        inputs = tf.convert_to_tensor(inputs)
        hard = tf.cast(inputs >= 0, inputs.dtype)
        # Forward: the step; backward: the identity.
        return inputs + tf.stop_gradient(hard - inputs)

    def compute_output_shape(self, input_shape):
        return input_shape
