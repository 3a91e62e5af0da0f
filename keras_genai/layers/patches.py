"""Images as sequences of patches: ViT's patch embedding (Dosovitskiy et al.
2021) and the mask tokens of a masked autoencoder's decoder (He et al. 2022)."""

import keras
from keras import ops

from keras_genai.utils.checks import check_positive_int


def patchify(images, patch_size):
    """Cuts images into non-overlapping square patches, row by row.

    Args:
        images: ``(batch, H, W, C)`` with ``H`` and ``W`` divisible by
            ``patch_size``.
        patch_size: the side ``p`` of a patch.

    Returns:
        ``(batch, (H / p) * (W / p), p * p * C)``: patch ``i * (W / p) + j`` is
        rows ``i p .. i p + p - 1`` and columns ``j p .. j p + p - 1``, its
        pixels in row-major order, channels last.

    Example:

    >>> patchify(keras.ops.ones((2, 28, 28, 1)), 7).shape
    TensorShape([2, 16, 49])
    """
    if len(images.shape) != 4:
        raise ValueError("`images` must be (batch, H, W, C). Received: images of "
                         f"shape {tuple(images.shape)}")
    _, h, w, c = images.shape
    p = check_positive_int("patch_size", patch_size)
    if h is None or w is None or h % p or w % p:
        raise ValueError(f"The image sides must be divisible by `patch_size`. "
                         f"Received: images of shape {tuple(images.shape)}, "
                         f"patch_size={patch_size}")
    x = ops.reshape(images, (-1, h // p, p, w // p, p, c))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
    return ops.reshape(x, (-1, (h // p) * (w // p), p * p * c))


def unpatchify(patches, patch_size, image_shape):
    """The inverse of `patchify`.

    Args:
        patches: ``(batch, num_patches, p * p * C)``.
        patch_size: ``p``.
        image_shape: ``(H, W, C)``.

    Returns:
        ``(batch, H, W, C)``.

    Example:

    >>> x = keras.ops.ones((2, 28, 28, 1))
    >>> unpatchify(patchify(x, 7), 7, (28, 28, 1)).shape
    TensorShape([2, 28, 28, 1])
    """
    if len(tuple(image_shape)) != 3:
        raise ValueError("`image_shape` must be (H, W, C). Received: "
                         f"image_shape={image_shape!r}")
    h, w, c = image_shape
    p = check_positive_int("patch_size", patch_size)
    if h % p or w % p or tuple(patches.shape[1:]) != ((h // p) * (w // p), p * p * c):
        raise ValueError(f"`patches` must be (batch, {(h // p) * (w // p)}, "
                         f"{p * p * c}) for image_shape={tuple(image_shape)} and "
                         f"patch_size={p}. Received: {tuple(patches.shape)}")
    x = ops.reshape(patches, (-1, h // p, w // p, p, p, c))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
    return ops.reshape(x, (-1, h, w, c))


@keras.saving.register_keras_serializable(package="keras_genai")
class PatchEmbedding(keras.layers.Layer):
    """Cuts images into ``patch_size`` patches (`patchify`) and projects each
    linearly to ``dim`` features: the "linear projection of flattened patches"
    of ViT (Dosovitskiy et al. 2021, eq. 1), equal to a convolution with kernel
    and stride ``patch_size``. Positions are added by the caller
    (`keras_genai.layers.PositionEmbedding`).

    Args:
        patch_size: side of a patch.
        dim: features per patch token.
        **kwargs: `keras.layers.Layer` arguments (``name`` ...).

    Example:

    >>> PatchEmbedding(7, 32)(keras.ops.ones((2, 28, 28, 1))).shape
    TensorShape([2, 16, 32])
    """

    def __init__(self, patch_size, dim, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = check_positive_int("patch_size", patch_size)
        self.dim = check_positive_int("dim", dim)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[1] is None or input_shape[2] is None \
                or input_shape[1] % self.patch_size or input_shape[2] % self.patch_size:
            raise ValueError(
                "PatchEmbedding needs (batch, H, W, C) images with H and W "
                f"divisible by patch_size={self.patch_size}. Received: input "
                f"shape {tuple(input_shape)}")
        self.projection = keras.layers.Dense(self.dim, name="projection",
                                             dtype=self.dtype_policy)
        self.projection.build((None, None,
                               self.patch_size ** 2 * input_shape[-1]))

    def call(self, images):
        return self.projection(patchify(images, self.patch_size))

    def compute_output_shape(self, input_shape):
        n = (input_shape[1] // self.patch_size) * (input_shape[2] // self.patch_size)
        return (input_shape[0], n, self.dim)

    def get_config(self):
        config = super().get_config()
        config.update(patch_size=self.patch_size, dim=self.dim)
        return config


@keras.saving.register_keras_serializable(package="keras_genai")
class MaskTokens(keras.layers.Layer):
    """Puts the encoded visible patches back in their places among
    ``num_patches``, a learned mask token everywhere else: the input of a
    masked autoencoder's decoder (He et al. 2022, sec. 3, "MAE decoder").

    Call arguments:
        tokens: ``(batch, visible, dim)``, the encoder's outputs.
        positions: ``(batch, visible)`` int, the patch index of each token
            (distinct within an example).

    Returns:
        ``(batch, num_patches, dim)``.

    Args:
        num_patches: the length of the full sequence.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> layer = MaskTokens(4)
    >>> layer(keras.ops.ones((1, 2, 3)), keras.ops.convert_to_tensor([[0, 3]])).shape
    TensorShape([1, 4, 3])
    """

    def __init__(self, num_patches, **kwargs):
        super().__init__(**kwargs)
        self.num_patches = check_positive_int("num_patches", num_patches)

    def build(self, tokens_shape, positions_shape=None):
        # MAE initialises its mask token with std 0.02 (their code).
        self.mask_token = self.add_weight(
            shape=(tokens_shape[-1],), name="mask_token",
            initializer=keras.initializers.RandomNormal(stddev=0.02))

    def call(self, tokens, positions):
        # A one-hot scatter, (batch, visible, num_patches): differentiable and
        # XLA-friendly, and cheap at the lengths of these models.
        placed = ops.one_hot(ops.cast(positions, "int32"), self.num_patches,
                             dtype=tokens.dtype)
        full = ops.einsum("bvn,bvd->bnd", placed, tokens)
        empty = 1.0 - ops.sum(placed, axis=1)  # (batch, num_patches)
        return full + empty[..., None] * ops.cast(self.mask_token, tokens.dtype)

    def compute_output_shape(self, tokens_shape, positions_shape=None):
        return (tokens_shape[0], self.num_patches, tokens_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update(num_patches=self.num_patches)
        return config
