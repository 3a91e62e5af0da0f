"""The reparameterisation trick of the variational autoencoder, as a function and
a layer."""

import keras
from keras import ops


def reparameterize(mean, log_var, noise):
    """Draws ``z ~ N(mean, exp(log_var))`` as a differentiable function of the
    parameters.

    Kingma & Welling (2014), "Auto-Encoding Variational Bayes", sec. 2.4:
    ``z = mu + sigma * eps`` with ``eps ~ N(0, I)`` and ``sigma = exp(log_var / 2)``,
    so the gradient reaches ``mu`` and ``log_var`` through ``z``.

    Args:
        mean: ``mu``, shape ``(batch, latent_dim)``.
        log_var: ``log sigma^2``, same shape.
        noise: ``eps``, standard normal, same shape.

    Returns:
        ``z``, same shape.

    Example:

    >>> float(reparameterize(ops.ones((1, 1)), ops.zeros((1, 1)),
    ...                      ops.ones((1, 1)))[0, 0])
    2.0
    """
    return mean + ops.exp(0.5 * log_var) * noise


@keras.saving.register_keras_serializable(package="keras_genai")
class Sampling(keras.layers.Layer):
    """The reparameterisation layer: ``[mean, log_var] -> z`` (see `reparameterize`).

    The noise comes from the layer's own ``keras.random.SeedGenerator``. That is
    what a functional VAE needs on one device; under a distribution strategy every
    replica would draw the same noise (keras#20611), so the models of
    `keras_genai.models` draw it with ``GenerativeModel.sample_normal`` and call
    `reparameterize` instead. Pass ``noise`` to supply ``eps`` yourself.

    Args:
        seed: int seed of the layer's noise.
        **kwargs: `keras.layers.Layer` arguments (``name`` ...).

    Example:

    >>> mean, log_var = keras.ops.zeros((4, 2)), keras.ops.zeros((4, 2))
    >>> Sampling(seed=0)([mean, log_var]).shape
    TensorShape([4, 2])
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")

    def call(self, inputs, noise=None):
        mean, log_var = inputs
        if noise is None:
            noise = keras.random.normal(ops.shape(mean), dtype=mean.dtype,
                                        seed=self.seed_generator)
        return reparameterize(mean, log_var, noise)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
