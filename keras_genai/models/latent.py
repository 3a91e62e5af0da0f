"""What the models with a decoder from a latent space share: decoding, sampling
from the prior, and the matching SavedModel endpoints."""

import numpy as np
import tensorflow as tf

from keras_genai import losses as losses_module
from keras_genai.models.base import GenerativeModel


class LatentVariableModel(GenerativeModel):
    """A `GenerativeModel` with a network ``z -> x`` and the prior ``N(0, I)``.

    Subclasses set ``latent_dim``, ``image_shape`` and name the network in
    ``DECODER`` (``"decoder"`` for the autoencoders, ``"generator"`` for BiGAN).
    """

    DECODER = "decoder"

    def _decoder_network(self):
        return getattr(self, self.DECODER)

    def _set_reconstruction(self, reconstruction):
        """Sets ``reconstruction`` (its name) and ``reconstruction_fn``, the
        per-image loss of `keras_genai.losses.get_reconstruction_loss`."""
        self.reconstruction_fn = losses_module.get_reconstruction_loss(
            reconstruction)
        self.reconstruction = reconstruction

    def _check_decoder(self, latent_dim, image_shape):
        """Checks that the decoder maps ``(batch, latent_dim)`` latents to
        ``image_shape`` images."""
        z_shape = self._input_shapes(self.DECODER)[0]
        if z_shape[1:] != (latent_dim,):
            raise ValueError(
                f"`{self.DECODER}` must take the encoder's latent size "
                f"{latent_dim}. Received: {self.DECODER} z input shape {z_shape}")
        out = tuple(self._decoder_network().output_shape)[1:]
        if out != image_shape:
            raise ValueError(
                f"`{self.DECODER}` must return the encoder's input shape "
                f"{image_shape}. Received: {self.DECODER} output shape {out}")

    def decode(self, z, batch_size=256):
        """Maps latents to images.

        Args:
            z: ``(n, latent_dim)`` latents.
            batch_size: batch size of the network.

        Returns:
            A float32 NumPy array ``(n, *image_shape)``.
        """
        return self._decoder_network().predict(np.asarray(z, np.float32),
                                               batch_size=batch_size, verbose=0)

    def sample(self, n, seed=None, batch_size=256):
        """Generates ``n`` images from the prior: ``z ~ N(0, I)``, decoded.

        Args:
            n: number of images.
            seed: int seed for reproducible samples, or ``None``.
            batch_size: batch size of the network.

        Returns:
            A float32 NumPy array ``(n, *image_shape)``.

        Example:

        >>> images = model.sample(16, seed=0)
        """
        return self.decode(self.sample_latents(n, seed=seed), batch_size=batch_size)

    def _image_spec(self):
        return tf.TensorSpec((None,) + tuple(self.image_shape), tf.float32, name="x")

    def _latent_endpoints(self):
        """``decode(z)`` and ``sample(n, seed)`` (``seed``: two int32, the
        stateless seed of ``tf.random.stateless_normal``)."""
        network = self._decoder_network()

        def sample(n, seed):
            z = tf.random.stateless_normal(tf.stack([n, self.latent_dim]), seed)
            return network(z, training=False)

        return [
            ("decode", lambda z: network(z, training=False),
             [tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")]),
            ("sample", sample, [tf.TensorSpec((), tf.int32, name="n"),
                                tf.TensorSpec((2,), tf.int32, name="seed")]),
        ]
