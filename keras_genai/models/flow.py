"""RealNVP (Dinh et al. 2017): a normalizing flow of affine coupling layers,
with an exact log-likelihood and one-pass sampling."""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_genai.builders.likelihood import coupling_network
from keras_genai.layers.flow import affine_coupling
from keras_genai.layers.flow import channel_mask
from keras_genai.layers.flow import checkerboard_mask
from keras_genai.layers.flow import squeeze
from keras_genai.layers.flow import unsqueeze
from keras_genai.models.base import GenerativeModel
from keras_genai.models.inputs import check_images
from keras_genai.models.inputs import unpack_images
from keras_genai.utils.batching import map_fixed_batches
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_image_shape
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_units

LEVELS = 256  # 8-bit images


def _coupling_plan(image_shape, num_couplings=(3, 3, 4)):
    """``[(stage, mask)]`` of the couplings (Dinh et al. 2017, sec. 3.6 and
    4.1, with two scales; ``num_couplings`` per stage): three checkerboards
    of alternating parity at full resolution, a squeeze, three alternating
    channel masks, half the channels factored out, and four checkerboards at
    half resolution on the other half."""
    h, w, c = image_shape
    full, half = (h, w, c), (h // 2, w // 2, 2 * c)
    first, second, third = num_couplings
    return ([(0, checkerboard_mask(full, i % 2)) for i in range(first)]
            + [(1, channel_mask((h // 2, w // 2, 4 * c), i % 2))
               for i in range(second)]
            + [(2, checkerboard_mask(half, i % 2)) for i in range(third)])


@keras.saving.register_keras_serializable(package="keras_genai")
class RealNVP(GenerativeModel):
    """RealNVP on 8-bit images: an invertible network ``z = f(x)`` to a
    standard normal latent, trained on the exact log-likelihood.

    Dinh, Sohl-Dickstein & Bengio (2017), "Density estimation using Real NVP":

    1. Dequantization (sec. 4.1; Theis et al. 2016): the pixel values ``x in
       {0..255}`` become ``v = x + u``, ``u ~ U[0, 1)``, and a density on
       ``v`` bounds the discrete model: ``log P(x) >= E_u log p(x + u)``.
    2. The logit transform (sec. 4.1): ``y = alpha + (1 - 2 alpha) v / 256``,
       ``z_0 = log y - log(1 - y)``, which maps the bounded pixels to the real
       line.
    3. Affine coupling layers (eq. 9, `keras_genai.layers.flow
       .affine_coupling`) at two scales (sec. 3.6, `_coupling_plan`):
       checkerboard and channel-wise masks, a squeeze, half the dimensions
       factored out.
    4. Change of variables (eq. 3): ``log p(v) = log N(z; 0, I) + sum_layers
       log |det df/dz_prev| + sum log |dz_0 / dv|``.

    ``log_prob`` of ``v`` is exact; ``bits_per_dim`` is ``-E_u log p(x + u) /
    (D ln 2)``, the paper's figure, an upper bound on the discrete model's.
    Sampling inverts the couplings in one pass.

    Logged: ``loss`` (``-log p(x + u)``, nats per image) and
    ``bits_per_dim``.

    Args:
        image_shape: ``(height, width, channels)`` of 8-bit images (values
            0..255, any number of channels: 32x32x3 is tested); height and
            width even.
        filters: width of each coupling's residual network.
        num_blocks: residual blocks per coupling network.
        num_couplings: couplings at full resolution (checkerboard), after
            the squeeze (channel-wise) and on the half left after factoring
            out (checkerboard): the paper's ``(3, 3, 4)``.
        alpha: the logit transform's margin (the paper's 0.05).
        couplings: the scale-and-shift networks, one per coupling (default:
            `builders.coupling_network` with the arguments above, from
            Keras' global seed).
        seed: seed of the dequantization noise and of `sample` without a
            seed.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> flow = RealNVP((28, 28, 1), seed=0)
    >>> flow.compile(optimizer=keras.optimizers.Adam(1e-3))
    >>> flow.fit(x_uint8.astype("float32"), epochs=20, batch_size=64)
    >>> flow.bits_per_dim(x_test_uint8, seed=0)
    >>> images = flow.sample(16, seed=0)  # 0..255
    """

    NETWORKS = {"couplings": ("inputs", "mask")}
    OPTIMIZERS = {"optimizer": ("couplings",)}
    TRACKERS = ("loss", "bits_per_dim")

    def __init__(self, image_shape=(28, 28, 1), filters=32, num_blocks=2,
                 num_couplings=(3, 3, 4), alpha=0.05, couplings=None, seed=None,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.image_shape = check_image_shape("image_shape", image_shape, factor=2,
                                             reason="the squeeze halves them")
        self.filters = check_positive_int("filters", filters)
        self.num_blocks = check_positive_int("num_blocks", num_blocks, minimum=0)
        self.alpha = check_fraction("alpha", alpha)
        if not 0.0 <= self.alpha < 0.5:
            raise ValueError(f"`alpha` must be in [0, 0.5). Received: alpha={alpha}")
        self.num_couplings = check_units("num_couplings", num_couplings)
        if len(self.num_couplings) != 3:
            raise ValueError("`num_couplings` must give the couplings of the 3 "
                             "stages. Received: num_couplings="
                             f"{num_couplings!r}")
        self.dimensions = int(np.prod(self.image_shape))
        self._plan = _coupling_plan(self.image_shape, self.num_couplings)
        if couplings is None:
            couplings = [coupling_network(mask.shape, filters, num_blocks,
                                          name=f"coupling{i}")
                         for i, (_, mask) in enumerate(self._plan)]
        self.couplings = self._check_couplings(couplings)
        self.built = True

    def _check_couplings(self, couplings):
        if not isinstance(couplings, (list, tuple)) or len(couplings) != len(self._plan):
            raise ValueError(f"`couplings` must be a list of {len(self._plan)} "
                             "networks, one per coupling layer. Received: "
                             f"couplings={couplings!r:.100}")
        for i, (network, (_, mask)) in enumerate(zip(couplings, self._plan)):
            check_network("couplings", network)
            shapes = [tuple(t.shape)[1:] for t in network.inputs + network.outputs]
            if len(network.inputs) != 2 or shapes != [mask.shape] * 4:
                raise ValueError(
                    f"`couplings` item {i} must map [inputs, mask] of shape "
                    f"{mask.shape} to [log_scale, shift] of that shape. "
                    f"Received: shapes {shapes}")
        return list(couplings)

    def compile(self, optimizer="adam", **kwargs):
        """Sets the optimizer of the coupling networks.

        Args:
            optimizer: a keras optimizer or its name.
            **kwargs: `keras.Model.compile` options; ``loss`` and ``metrics``
                are refused.
        """
        self._compile({"optimizer": optimizer}, kwargs)

    # -- the bijection -----------------------------------------------------------

    def _preprocess(self, values):
        """``v in [0, 256)`` to ``z_0`` (step 2) and ``log |dz_0 / dv|``."""
        y = self.alpha + (1.0 - 2.0 * self.alpha) * values / LEVELS
        log_det = ops.sum(-ops.log(y) - ops.log1p(-y), axis=(1, 2, 3)) \
            + self.dimensions * math.log((1.0 - 2.0 * self.alpha) / LEVELS)
        return ops.log(y) - ops.log1p(-y), log_det

    def _postprocess(self, z0):
        """The inverse of `_preprocess`: ``z_0`` back to ``v``."""
        return (ops.sigmoid(z0) - self.alpha) / (1.0 - 2.0 * self.alpha) * LEVELS

    def _split(self, x):
        half = x.shape[-1] // 2
        return x[..., :half], x[..., half:]

    def _stage(self, stage):
        return [(network, mask) for network, (s, mask)
                in zip(self.couplings, self._plan) if s == stage]

    def flow_forward(self, z0, training=False):
        """``z = f(z_0)`` through the couplings (step 3) and ``sum log |det
        df/dz_0|``; ``z`` has the image's shape."""
        x, log_det, factored = z0, 0.0, None
        for stage in range(3):
            if stage == 1:
                x = squeeze(x)
            if stage == 2:
                factored, x = self._split(x)
            for network, mask in self._stage(stage):
                x, step = affine_coupling(network, x, mask, training=training)
                log_det = log_det + step
        return unsqueeze(ops.concatenate([factored, x], axis=-1)), log_det

    def flow_inverse(self, z):
        """``z_0 = f^{-1}(z)``: the couplings inverted in reverse order."""
        factored, x = self._split(squeeze(z))
        for stage in (2, 1, 0):
            if stage == 1:
                x = ops.concatenate([factored, x], axis=-1)
            if stage == 0:
                x = unsqueeze(x)
            for network, mask in reversed(self._stage(stage)):
                x, _ = affine_coupling(network, x, mask, inverse=True)
        return x

    def _log_prob(self, values, training=False):
        """Step 4: ``log p(v)`` of each image, nats."""
        z0, log_det_pre = self._preprocess(ops.cast(values, "float32"))
        z, log_det_flow = self.flow_forward(z0, training=training)
        log_normal = -0.5 * ops.sum(ops.square(z), axis=(1, 2, 3)) \
            - 0.5 * self.dimensions * math.log(2.0 * math.pi)
        return log_normal + log_det_flow + log_det_pre

    # -- training -----------------------------------------------------------------

    def _nll(self, data, training):
        images = ops.cast(unpack_images(data), "float32")
        noise = self.sample_uniform(ops.shape(images)[0], self.image_shape)
        return -ops.mean(self._log_prob(images + noise, training))

    def _logs(self, nll):
        return self._log(loss=nll,
                         bits_per_dim=nll / (self.dimensions * math.log(2.0)))

    def train_step(self, data):
        """One step down ``-log p(x + u)`` with fresh dequantization noise."""
        return self._logs(self._descend("optimizer", lambda: self._nll(data, True)))

    def test_step(self, data):
        """``-log p(x + u)`` of a batch under fresh noise, without updates."""
        return self._logs(self._nll(data, False))

    def call(self, values, training=False):
        """``log p(v)`` of each image, ``(batch,)``."""
        return self._log_prob(values, training)

    # -- using the trained model -------------------------------------------------

    def _check_values(self, values, upper):
        values = check_images(values, self.image_shape)
        if values.min() < 0 or values.max() >= upper:
            raise ValueError(f"`images` must hold values in [0, {upper}). "
                             f"Received: values in [{values.min()}, "
                             f"{values.max()}]")
        return values

    def log_prob(self, values, batch_size=256):
        """The exact log-density of continuous images ``v in [0, 256)^D``
        (dequantized 8-bit images), in nats.

        Args:
            values: ``(n, *image_shape)``.
            batch_size: images per pass.

        Returns:
            ``(n,)`` float32 NumPy array.

        Example:

        >>> flow.log_prob(x_test + np.random.uniform(size=x_test.shape))
        """
        values = self._check_values(values, LEVELS)
        return map_fixed_batches(self._function("log_prob", self._log_prob), [values],
                                 batch_size)

    def bits_per_dim(self, images, seed=None, batch_size=256):
        """``-log p(x + u) / (D ln 2)`` averaged over the images, with one
        uniform ``u`` per image: Dinh et al.'s figure, an upper bound (in
        expectation) on the bits per dimension of the discrete model.

        Args:
            images: ``(n, *image_shape)`` 8-bit values (integers 0..255).
            seed: seed of the dequantization noise.
            batch_size: images per pass.

        Returns:
            A float.

        Example:

        >>> flow.bits_per_dim(x_test_uint8, seed=0)
        """
        images = self._check_values(images, LEVELS - 0.5)
        noise = np.random.default_rng(seed).random(images.shape, dtype=np.float32)
        values = np.minimum(np.floor(images) + noise, np.float32(LEVELS - 1e-3))
        log_p = self.log_prob(values, batch_size)
        return float(-np.mean(log_p) / (self.dimensions * math.log(2.0)))

    def encode(self, images, batch_size=256):
        """The latent ``z = f(z_0(x + 1/2))`` of each 8-bit image (the centre
        of its dequantization cell), for interpolation.

        Returns:
            ``(n, *image_shape)`` float32 NumPy array.

        Example:

        >>> z = flow.encode(x_test[:2])
        """
        values = self._check_values(images, LEVELS - 0.5)
        fn = self._function("encode", lambda v: self.flow_forward(
            self._preprocess(ops.floor(v) + 0.5)[0])[0])
        return map_fixed_batches(fn, [values], batch_size)

    def decode(self, z, batch_size=256):
        """8-bit images ``floor(v)`` of ``v = f^{-1}(z)``, as float32 in [0, 255].

        Example:

        >>> images = flow.decode(flow.encode(x_test[:2]))
        """
        z = check_images(z, self.image_shape)
        return map_fixed_batches(self._function("decode", self._decode), [z], batch_size)

    def _decode(self, z):
        values = self._postprocess(self.flow_inverse(z))
        return ops.clip(ops.floor(values), 0.0, LEVELS - 1.0)

    def sample(self, n, seed=None, temperature=1.0, batch_size=256):
        """Draws ``n`` images: ``z ~ N(0, temperature^2 I)``, decoded.

        Args:
            n: number of images.
            seed: int seed (``None``: random); ``sample(n, seed=s)`` equals the
                exported ``sample(n, [s, 0])`` at temperature 1.
            temperature: standard deviation of the latent (below 1 trades
                variety for cleaner images; Kingma & Dhariwal 2018).
            batch_size: images per pass.

        Returns:
            ``(n, *image_shape)`` float32 NumPy array of values in [0, 255].

        Example:

        >>> images = flow.sample(16, seed=0) / 255.0
        """
        n = check_positive_int("n", n)
        if isinstance(temperature, bool) or not isinstance(
                temperature, (int, float)) or not temperature > 0:
            raise ValueError("`temperature` must be a number > 0. Received: "
                             f"temperature={temperature!r}")
        z = tf.random.stateless_normal((n,) + self.image_shape, self.stateless_seed(seed))
        return self.decode(z.numpy() * np.float32(temperature), batch_size)

    # -- export --------------------------------------------------------------------

    def _export_endpoints(self):
        """``log_prob(values)`` in nats, ``encode(images)``, ``decode(z)``
        and ``sample(n, seed)`` (``seed``: two int32)."""
        images = tf.TensorSpec((None,) + tuple(self.image_shape), tf.float32,
                               name="images")
        z = tf.TensorSpec((None,) + tuple(self.image_shape), tf.float32, name="z")

        def sample(n, seed):
            return self._decode(tf.random.stateless_normal(
                tf.concat([[n], tf.constant(self.image_shape)], 0), seed))

        return [("log_prob", lambda v: self._log_prob(v), [images]),
                ("encode", lambda v: self.flow_forward(
                    self._preprocess(ops.floor(v) + 0.5)[0])[0], [images]),
                ("decode", self._decode, [z]),
                ("sample", sample, [tf.TensorSpec((), tf.int32, name="n"),
                                    tf.TensorSpec((2,), tf.int32, name="seed")])]
