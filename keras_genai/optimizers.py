"""Optimizers.

`Adam` is Keras' Adam whose update of each variable is TensorFlow's fused
``ResourceApplyAdam`` kernel: the update's arithmetic is one op, and the
step's scalars (``beta^t``, the betas, epsilon) are computed once per step
for all variables, so each variable adds 6 graph ops (4 of them its inputs:
gradient, weight, and Adam's two slots) where `keras.optimizers.Adam` adds
41. A training step traces faster, and a small model's step runs faster on
a CPU, where it spends much of its time launching the update's ops
(`benchmarks/optimizers.py`).
"""

import threading

import keras
import tensorflow as tf

from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_non_negative

_FUSED_DTYPES = ("float32", "float64")


@keras.saving.register_keras_serializable(package="keras_genai")
class Adam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` with each variable's update in one fused kernel.

    The update is Algorithm 1 of Kingma & Ba (2015), "Adam: A Method for
    Stochastic Optimization", in the form of their Section 2 that Keras uses
    too, at step ``t``:

    1. ``m <- m + (g - m)(1 - beta_1)``
    2. ``v <- v + (g^2 - v)(1 - beta_2)``
    3. ``alpha_t = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)``
    4. ``w <- w - alpha_t m / (sqrt(v) + epsilon)``

    TensorFlow's ``ResourceApplyAdam`` computes the four lines in one op;
    `keras.optimizers.Adam` builds them from separate ops (41 graph ops per
    variable in all). Here the scalars of line 3 are made once per `apply`
    (and per graph and dtype: a ``tf.cond`` branch makes its own), so each
    variable adds the fused op and its inputs (and a cast for a gradient or
    learning rate of another dtype). The arguments, the config and the slots
    (one ``*_momentum`` and one ``*_velocity`` per variable, built in Keras'
    order) are Keras'; ``beta_1``, ``beta_2`` and ``epsilon`` must be numbers
    (Keras also takes tensors), checked when the optimizer is made.
    The kernel computes ``1 - beta`` in float32 where Keras rounds a float64
    difference, so the two agree to a few float32 roundings, not bit for bit:
    after 50 steps on weights of size ~1, the largest difference was 3.6e-7.

    The cases the kernel does not cover use Keras' own update: the
    ``amsgrad`` variant, sparse gradients (``tf.IndexedSlices``, from an
    ``Embedding``), variables other than float32 and float64, and backends
    other than TensorFlow. Gradient clipping, weight decay, weight averaging,
    gradient accumulation and loss scaling (a
    `keras.optimizers.LossScaleOptimizer` wrapping it) happen outside the
    update, as for Keras' Adam.

    Example:

    >>> model.compile(optimizer=keras_genai.optimizers.Adam(2e-4, beta_1=0.5))
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        # Checked here: Keras' Adam takes any value and fails at the first step.
        check_fraction("beta_1", beta_1)
        check_fraction("beta_2", beta_2)
        check_non_negative("epsilon", epsilon)
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, **kwargs)
        self._scalars = _StepScalars()

    def apply(self, grads, trainable_variables=None):
        """`keras.optimizers.Optimizer.apply`, during which every variable's
        update shares the step's scalars."""
        self._scalars.enter()
        try:
            return super().apply(grads, trainable_variables)
        finally:
            self._scalars.exit()

    def update_step(self, gradient, variable, learning_rate):
        """Applies one step to ``variable``: one ``ResourceApplyAdam`` op."""
        if (keras.backend.backend() != "tensorflow" or self.amsgrad
                or isinstance(gradient, tf.IndexedSlices)
                or tf.as_dtype(variable.dtype).name not in _FUSED_DTYPES):
            return super().update_step(gradient, variable, learning_rate)
        dtype = tf.as_dtype(variable.dtype)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index].value, self._velocities[index].value
        # Under tf.distribute this runs once per device (inside
        # `strategy.extended.update`), where a mirrored slot's handle is that
        # device's copy; the scalars come from the first device's update
        # (the learning rate from each device's: under a strategy a
        # schedule's value is a tensor per device).
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=m.handle, v=v.handle, grad=tf.cast(gradient, dtype),
            lr=self._scalars.get((dtype, learning_rate),
                                 lambda: tf.cast(learning_rate, dtype)),
            **self._scalars.get((dtype,), lambda: self._make_scalars(dtype)))

    def _make_scalars(self, dtype):
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.constant(self.beta_1, dtype)
        beta_2 = tf.constant(self.beta_2, dtype)
        return dict(beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
                    beta1=beta_1, beta2=beta_2, epsilon=tf.constant(self.epsilon, dtype))


class _StepScalars:
    """The tensors that every variable's update in one ``apply`` shares, by
    graph (a ``tf.cond`` branch is a graph of its own) and dtype.

    Emptied when an ``apply`` begins and ends: the next step reads the
    incremented ``iterations``. Outside ``apply`` (``update_step`` called
    directly) nothing is shared. Under ``MirroredStrategy`` each replica's
    thread enters ``apply``, and the updates run once, between, in the
    thread that merges them; where a strategy updates in each replica's
    thread instead (XLA on GPUs), the threads run one at a time, each
    entering, updating and leaving before the next.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._depth = 0
        self._made = {}

    def enter(self):
        with self._lock:
            self._depth += 1
            self._made.clear()

    def exit(self):
        with self._lock:
            self._depth -= 1
            self._made.clear()

    def get(self, objects, make):
        """``make()``, made once per ``apply``, graph and ``objects`` (a tuple,
        compared by identity; kept until the ``apply`` ends, so no other
        object can take their ids)."""
        if not self._depth:
            return make()
        key = (tf.compat.v1.get_default_graph(), *map(id, objects))
        if key not in self._made:
            self._made[key] = (objects, make())
        return self._made[key][1]


__all__ = ["Adam"]
