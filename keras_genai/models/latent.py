"""What the models with a network from a latent space share: the prior
``N(0, I)``, the one sampling API, decoding, and the matching SavedModel
endpoints."""

import keras
import numpy as np
import tensorflow as tf

from keras_genai import losses as losses_module
from keras_genai.models.base import GenerativeModel
from keras_genai.utils.batching import predict_fixed
from keras_genai.utils.checks import check_labels
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed


class LatentVariableModel(GenerativeModel):
    """A `GenerativeModel` with a network ``z -> x`` (or ``[z, labels] -> x``)
    and the prior ``N(0, I)``.

    Subclasses set ``latent_dim`` and ``image_shape`` in their constructor and
    name the network in ``DECODER`` (``"decoder"`` for the autoencoders,
    ``"generator"`` for the GANs). A conditional subclass overrides
    ``num_classes``.
    """

    DECODER = "decoder"
    # Number of labels a conditional subclass is conditioned on.
    num_classes = None

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

    def sample_latents(self, n, seed=None):
        """Draws ``n`` standard normal latents of size ``latent_dim``.

        Args:
            n: number of latents.
            seed: int seed for reproducible latents; ``None`` uses (and advances)
                the model's seed generator.

        Returns:
            A float32 NumPy array ``(n, latent_dim)``.
        """
        n = check_positive_int("n", n)
        seed = check_seed(seed)
        z = keras.random.normal((n, self.latent_dim),
                                seed=self.seed_generator if seed is None else seed)
        return np.asarray(keras.ops.convert_to_numpy(z), dtype=np.float32)

    def _sample_count(self, n, labels):
        """``(n, labels)`` of a `sample` call, checked: ``n`` for an
        unconditional model, one label per image for a conditional one."""
        if self.num_classes is None:
            if labels is not None:
                raise ValueError(
                    f"{type(self).__name__} is unconditional: it takes `n`, not "
                    f"labels. Received: labels={labels!r:.100}")
            return check_positive_int("n", n), None
        if labels is None and n is not None and not isinstance(n, int):
            raise TypeError(
                f"`n` must be an int. {type(self).__name__} samples one image per "
                f"label: pass them as `labels=`. Received: n={n!r:.100}")
        if labels is None:
            raise ValueError(
                f"{type(self).__name__} samples one image per label: pass "
                f"`labels`, ints in [0, {self.num_classes}). Received: labels=None")
        labels = check_labels(labels, self.num_classes)
        if n is not None and n != len(labels):
            raise ValueError(f"`n` must be None or len(labels) = {len(labels)}. "
                             f"Received: n={n!r:.100}")
        return len(labels), labels

    def sample(self, n=None, labels=None, seed=None, batch_size=256):
        """Generates images from the prior: ``z ~ N(0, I)``, decoded.

        Args:
            n: number of images (unconditional models).
            labels: one int label per image (conditional models).
            seed: int seed for reproducible samples, or ``None``.
            batch_size: batch size of the network; every batch has this size
                (the last is padded), so repeated calls never retrace.

        Returns:
            A float32 NumPy array ``(n, *image_shape)``.

        Example:

        >>> images = model.sample(16, seed=0)
        >>> sevens = conditional_model.sample(labels=np.full(16, 7), seed=0)
        """
        n, labels = self._sample_count(n, labels)
        return self.decode(self.sample_latents(n, seed=seed), labels,
                           batch_size=batch_size)

    def decode(self, z, labels=None, batch_size=256):
        """Maps latents (and, for a conditional model, labels) to images.

        Args:
            z: ``(n, latent_dim)`` latents.
            labels: ``n`` int labels (conditional models only).
            batch_size: batch size of the network.

        Returns:
            A float32 NumPy array ``(n, *image_shape)``.
        """
        z = np.asarray(z, np.float32)
        inputs = [z]
        if self.num_classes is not None:
            inputs.append(check_labels(labels, self.num_classes))
        elif labels is not None:
            raise ValueError(f"{type(self).__name__} is unconditional. Received: "
                             f"labels={labels!r:.100}")
        return predict_fixed(self._decoder_network(), inputs, batch_size)

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
