"""The learned temperature of CLIP's contrastive loss."""

import math

import keras
from keras import ops

# CLIP's logits are scaled by at most 100 (Radford et al. 2021, sec. 2.5).
MAX_LOGIT_SCALE = 100.0


@keras.saving.register_keras_serializable(package="keras_genai")
class ClipLogScale(keras.constraints.Constraint):
    """Keeps a log logit scale in ``[0, log(max_scale)]`` after every update."""

    def __init__(self, max_scale=MAX_LOGIT_SCALE):
        self.max_scale = float(max_scale)

    def __call__(self, w):
        return ops.clip(w, 0.0, math.log(self.max_scale))

    def get_config(self):
        return {"max_scale": self.max_scale}


@keras.saving.register_keras_serializable(package="keras_genai")
class LogitScale(keras.layers.Layer):
    """Multiplies cosine similarities by a learned ``exp(t)``: the inverse
    temperature of CLIP (Radford et al. 2021, Figure 3, ``np.exp(t)``).

    ``t`` starts at ``log(1 / 0.07)`` (the temperature 0.07 of Wu et al. 2018)
    and is clipped to ``[0, log(100)]`` after each optimizer step, so the
    logits are never scaled by more than 100 (the paper's sec. 2.5).

    The output is float32 whatever the dtype policy (``compute_output_spec``
    says so): these are the logits of CLIP's softmax cross-entropy, which mixed
    precision keeps in float32, like a model's last layer.

    Args:
        initial_temperature: the starting temperature ``1 / exp(t)``.
        max_scale: the largest ``exp(t)``.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> layer = LogitScale()
    >>> round(float(layer(keras.ops.ones(())) ), 2)
    14.29
    """

    def __init__(self, initial_temperature=0.07, max_scale=MAX_LOGIT_SCALE, **kwargs):
        super().__init__(**kwargs)
        for key, value in (("initial_temperature", initial_temperature),
                           ("max_scale", max_scale)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"`{key}` must be a number. Received: "
                                f"{key}={value!r}")
        if not max_scale >= 1.0:
            raise ValueError(f"`max_scale` must be >= 1. Received: max_scale={max_scale}")
        if not (initial_temperature > 0
                and 1.0 <= 1.0 / initial_temperature <= max_scale):
            raise ValueError(
                f"`initial_temperature` must be in [1 / max_scale = {1 / max_scale:g}, "
                f"1]. Received: initial_temperature={initial_temperature}")
        self.initial_temperature = float(initial_temperature)
        self.max_scale = float(max_scale)
        self.log_scale = self.add_weight(
            shape=(), name="log_scale",
            initializer=keras.initializers.Constant(
                math.log(1.0 / self.initial_temperature)),
            constraint=ClipLogScale(self.max_scale))
        self.built = True

    @property
    def scale(self):
        """``exp(t)``, float32."""
        return ops.exp(ops.cast(self.log_scale, "float32"))

    def call(self, similarities):
        return ops.cast(similarities, "float32") * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, similarities):
        return keras.KerasTensor(similarities.shape, dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update(initial_temperature=self.initial_temperature,
                      max_scale=self.max_scale)
        return config
