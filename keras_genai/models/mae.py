"""Masked autoencoders (He et al. 2022, "Masked Autoencoders Are Scalable
Vision Learners")."""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_genai.layers.patches import patchify
from keras_genai.layers.patches import unpatchify
from keras_genai.losses import masked_patch_loss
from keras_genai.models.base import GenerativeModel
from keras_genai.models.inputs import check_images
from keras_genai.models.inputs import unpack_images
from keras_genai.utils.batching import map_fixed_batches
from keras_genai.utils.batching import predict_fixed
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed


def visible_count(num_patches, mask_ratio):
    """How many of ``num_patches`` patches the encoder sees at ``mask_ratio``:
    ``round(num_patches * (1 - mask_ratio))``, at least 1 and at most
    ``num_patches - 1`` (something is always hidden).

    Example:

    >>> visible_count(16, 0.75)
    4
    """
    return min(num_patches - 1, max(1, round(num_patches * (1.0 - mask_ratio))))


@keras.saving.register_keras_serializable(package="keras_genai")
class MaskedAutoencoder(GenerativeModel):
    """A masked autoencoder: hide most patches of an image, encode the rest,
    and reconstruct the hidden ones.

    He et al. (2022), sec. 3: each image is cut into patches
    (`keras_genai.layers.patchify`), a random ``mask_ratio`` of them is hidden
    (a new random subset per image and step: the patches ranked by uniform
    noise, the first ``visible_count`` kept), the encoder sees only the
    visible patches with their positions, and the decoder gets the encoded
    patches back in place among mask tokens and predicts every patch's pixels.
    The loss is the mean squared error on the hidden patches only
    (`keras_genai.losses.masked_patch_loss`), optionally against per-patch
    normalized pixels (``norm_pix_loss``). A high ratio (75%) leaves a task
    that interpolating neighbours cannot solve, and makes the encoder 4x
    cheaper per image.

    The masking noise is drawn like the models' other noise
    (`GenerativeModel.sample_uniform`): each replica gets its slice of the
    global batch's draw, so replicas mask differently and a step on N replicas
    equals a step on one device.

    Logged: ``loss`` (per pixel of the hidden patches).

    Args:
        encoder: built `keras.Model` ``[patches (batch, n, p*p*C), positions
            (batch, n)] -> (batch, n, dim)`` (`builders.mae_encoder`).
        decoder: built `keras.Model` ``[tokens (batch, n, dim), positions] ->
            (batch, num_patches, p*p*C)`` (`builders.mae_decoder`).
        patch_size: side of a patch; the images are square, with
            ``num_patches`` (the decoder's output length) patches.
        mask_ratio: share of patches hidden in training (``0 < r < 1``).
        norm_pix_loss: reconstruct per-patch normalized pixels.
        seed: seed of the masking noise.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> mae = MaskedAutoencoder(builders.mae_encoder(dim=64),
    ...                         builders.mae_decoder(encoder_dim=64), patch_size=7)
    >>> mae.compile(optimizer=keras.optimizers.AdamW(1e-3))
    >>> mae.fit(x_train, epochs=30, batch_size=128)
    >>> features = mae.encode(x_test)  # (n, 64), for a linear probe
    """

    NETWORKS = {"encoder": ("patches", "positions"), "decoder": ("tokens", "positions")}
    OPTIMIZERS = {"optimizer": ("encoder", "decoder")}
    TRACKERS = ("loss",)

    def __init__(self, encoder, decoder, patch_size, mask_ratio=0.75,
                 norm_pix_loss=False, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.encoder = check_network("encoder", encoder)
        self.decoder = check_network("decoder", decoder)
        self.patch_size = check_positive_int("patch_size", patch_size)
        self.mask_ratio = check_fraction("mask_ratio", mask_ratio)
        if not 0.0 < self.mask_ratio < 1.0:
            raise ValueError("`mask_ratio` must be in (0, 1). Received: "
                             f"mask_ratio={mask_ratio}")
        if not isinstance(norm_pix_loss, bool):
            raise TypeError("`norm_pix_loss` must be a bool. Received: "
                            f"norm_pix_loss={norm_pix_loss!r}")
        self.norm_pix_loss = norm_pix_loss
        self.num_patches, self.image_shape, self.dim = self._check_networks()
        self.built = True

    def _check_networks(self):
        patch_shape = self._input_shapes("encoder")[0]
        out_shape = tuple(self.decoder.outputs[0].shape)
        token_shape = self._input_shapes("decoder")[0]
        encoded = tuple(self.encoder.outputs[0].shape)
        patch_dim = patch_shape[-1]
        if len(out_shape) != 3 or out_shape[1] is None or out_shape[2] != patch_dim:
            raise ValueError(
                "`decoder` must return (batch, num_patches, patch_dim) with the "
                f"encoder's patch_dim={patch_dim}. Received: decoder output shape "
                f"{out_shape}")
        if encoded[-1] != token_shape[-1]:
            raise ValueError(
                f"`decoder` must take the encoder's {encoded[-1]}-wide tokens. "
                f"Received: decoder tokens of width {token_shape[-1]}")
        num_patches = out_shape[1]
        if num_patches < 2:
            raise ValueError("`decoder` must predict at least 2 patches (one to "
                             "see, one to hide). Received: decoder output shape "
                             f"{out_shape}")
        side = math.isqrt(num_patches)
        channels = patch_dim // self.patch_size ** 2
        if side * side != num_patches or channels * self.patch_size ** 2 != patch_dim:
            raise ValueError(
                f"The networks must work on square images cut into {self.patch_size}"
                f"x{self.patch_size} patches. Received: {num_patches} patches of "
                f"{patch_dim} values with patch_size={self.patch_size}")
        image_shape = (side * self.patch_size, side * self.patch_size, channels)
        return num_patches, image_shape, encoded[-1]

    def compile(self, optimizer="adam", **kwargs):
        """Sets the optimizer of the encoder and decoder.

        Args:
            optimizer: a keras optimizer or its name.
            **kwargs: `keras.Model.compile` options; ``loss`` and ``metrics``
                are refused.
        """
        self._compile({"optimizer": optimizer}, kwargs)

    # -- the algorithm -----------------------------------------------------------

    def _visible(self, noise, mask_ratio=None):
        """The patch indices each image keeps, ``(batch, visible)`` int32: the
        patches of lowest noise (He et al.'s random shuffle)."""
        k = visible_count(self.num_patches,
                          self.mask_ratio if mask_ratio is None else mask_ratio)
        return ops.cast(ops.argsort(noise, axis=1)[:, :k], "int32")

    def _forward(self, images, keep, training):
        """``(patches, predicted patches, mask)`` for the kept indices ``keep``;
        ``mask`` is 1 at hidden patches."""
        patches = patchify(ops.cast(images, "float32"), self.patch_size)
        visible = ops.take_along_axis(patches, keep[..., None], axis=1)
        tokens = self.encoder([visible, keep], training=training)
        predicted = self.decoder([tokens, keep], training=training)
        mask = 1.0 - ops.sum(ops.one_hot(keep, self.num_patches), axis=1)
        return patches, predicted, mask

    def _loss(self, data, training):
        images = unpack_images(data)
        noise = self.sample_uniform(ops.shape(images)[0], (self.num_patches,))
        patches, predicted, mask = self._forward(images, self._visible(noise),
                                                 training)
        return masked_patch_loss(patches, predicted, mask,
                                 normalize=self.norm_pix_loss)

    def train_step(self, data):
        """One step down the masked-patch loss, with a fresh mask per image."""
        return self._log(loss=self._descend("optimizer",
                                            lambda: self._loss(data, True)))

    def test_step(self, data):
        """The masked-patch loss of a batch under a fresh mask, without updates."""
        return self._log(loss=self._loss(data, False))

    def _features(self, images, training=False):
        patches = patchify(ops.cast(images, "float32"), self.patch_size)
        positions = ops.broadcast_to(ops.arange(self.num_patches, dtype="int32"),
                                     ops.shape(patches)[:2])
        return ops.mean(self.encoder([patches, positions], training=training), axis=1)

    def call(self, images, training=False):
        """The mean of the encoder's tokens over all patches, ``(batch, dim)``
        (what `encode` returns)."""
        return self._features(images, training)

    def _reconstruct_batch(self, images, noise, mask_ratio):
        """``(masked images, reconstructions)`` of a batch under ``noise``."""
        patches, predicted, mask = self._forward(images, self._visible(noise, mask_ratio),
                                                 training=False)
        if self.norm_pix_loss:  # back to pixels with each true patch's statistics
            mean = ops.mean(patches, axis=-1, keepdims=True)
            std = ops.sqrt(ops.var(patches, axis=-1, keepdims=True) + 1e-6)
            predicted = predicted * std + mean
        hidden = mask[..., None]
        masked = patches * (1.0 - hidden)
        pasted = masked + predicted * hidden  # visible patches as they were
        shape = self.image_shape
        return (unpatchify(masked, self.patch_size, shape),
                unpatchify(pasted, self.patch_size, shape))

    # -- using the trained model -------------------------------------------------

    def encode(self, images, batch_size=256):
        """Features for a probe: the mean of the encoder's tokens with every
        patch visible (He et al. 2022 probe their encoder the same way).

        Args:
            images: ``(n, *image_shape)``, scaled as in training.
            batch_size: images per batch.

        Returns:
            ``(n, dim)`` NumPy array.

        Example:

        >>> mae.encode(x_test[:10]).shape
        (10, 64)
        """
        images = check_images(images, self.image_shape)
        patches = np.asarray(patchify(images, self.patch_size))
        positions = np.broadcast_to(np.arange(self.num_patches, dtype=np.int32),
                                    patches.shape[:2])
        return predict_fixed(self.encoder, [patches, positions], batch_size).mean(axis=1)

    def reconstruct(self, images, mask_ratio=None, seed=None, batch_size=256):
        """Hides a random ``mask_ratio`` of each image's patches and
        reconstructs them, for figures.

        Args:
            images: ``(n, *image_shape)``.
            mask_ratio: the share hidden (default: the training ratio).
            seed: seed of the masks (``None``: random).
            batch_size: images per batch.

        Returns:
            ``(masked, reconstructed)``, two ``(n, *image_shape)`` arrays: the
            images with the hidden patches zeroed, and with the hidden patches
            replaced by the decoder's prediction (the visible ones kept). With
            ``norm_pix_loss`` the model predicts each patch normalized; the
            prediction is shown at the true patch's mean and standard
            deviation, which the model did not see (as MAE's own figures of
            such models do): the shapes are the model's, the brightness is not.

        Example:

        >>> masked, reconstructed = mae.reconstruct(x_test[:8], seed=0)
        """
        images = check_images(images, self.image_shape)
        ratio = self.mask_ratio if mask_ratio is None else check_fraction(
            "mask_ratio", mask_ratio)
        if not 0.0 < ratio < 1.0:
            raise ValueError(f"`mask_ratio` must be in (0, 1). Received: "
                             f"mask_ratio={mask_ratio}")
        check_positive_int("batch_size", batch_size)
        noise = np.random.default_rng(check_seed(seed)).random(
            (len(images), self.num_patches)).astype(np.float32)
        # One function per ratio (it fixes how many patches the encoder sees).
        fn = self._function(f"reconstruct@{ratio!r}",
                            lambda x, u: self._reconstruct_batch(x, u, ratio))
        return map_fixed_batches(fn, [images, noise], batch_size)

    # -- export --------------------------------------------------------------------

    def _export_endpoints(self):
        """``encode(images)`` gives the probe features; ``reconstruct(images,
        seed)`` the ``[masked, reconstructed]`` images at the training ratio
        (``seed``: two int32, the stateless seed of the masks)."""
        images = tf.TensorSpec((None,) + tuple(self.image_shape), tf.float32,
                               name="images")

        def reconstruct(x, seed):
            noise = tf.random.stateless_uniform(
                tf.stack([tf.shape(x)[0], self.num_patches]), seed)
            return list(self._reconstruct_batch(x, noise, self.mask_ratio))

        return [("encode", lambda x: self._features(x), [images]),
                ("reconstruct", reconstruct,
                 [images, tf.TensorSpec((2,), tf.int32, name="seed")])]
