"""PixelCNN (van den Oord et al. 2016): an autoregressive model of binary
images, whose log-likelihood is exact."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_genai.builders.likelihood import pixelcnn
from keras_genai.models.base import GenerativeModel
from keras_genai.models.inputs import check_images
from keras_genai.models.inputs import unpack_images
from keras_genai.utils.batching import map_fixed_batches
from keras_genai.utils.checks import check_image_shape
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_positive_int


def bernoulli_log_prob(x, logits):
    """``log p(x)`` of each image under independent Bernoulli pixels with the
    given logits: ``sum_i [x_i * l_i - log(1 + exp(l_i))]`` (``x_i`` 0 or 1;
    the same as ``sum_i log sigmoid(+-l_i)``), in nats, ``(batch,)``.

    Example:

    >>> float(bernoulli_log_prob(np.ones((1, 1, 1, 1)), np.zeros((1, 1, 1, 1)))[0])
    -0.6931471824645996
    """
    x = ops.cast(x, "float32")
    logits = ops.cast(logits, "float32")
    return ops.sum(x * logits - ops.softplus(logits),
                   axis=tuple(range(1, len(x.shape))))


@keras.saving.register_keras_serializable(package="keras_genai")
class PixelCNN(GenerativeModel):
    """A PixelCNN on binary images: the chain rule written as a network.

    van den Oord et al. (2016a), "Pixel Recurrent Neural Networks", eq. 1:

        p(x) = prod_{i=1}^{n} p(x_i | x_1, ..., x_{i-1}),

    the pixels in raster order, each conditional a Bernoulli whose logit the
    masked network (`keras_genai.builders.pixelcnn`) computes from the pixels
    before it. One pass of the network gives every conditional at once, so
    ``log p(x)`` is exact and costs one forward pass; sampling must draw the
    pixels one after another (``H * W`` passes).

    Trained by maximum likelihood: the loss is ``-log p(x)`` in nats per image,
    which on the test digits is directly comparable with a VAE's negative
    ELBO (an upper bound on the same quantity).

    Colour images are binary per channel (a pixel's channels 0 or 1), and a
    pixel's channels are predicted independently given the pixels before it,
    not R, then G given R, then B as in the paper (`keras_genai.layers.
    MaskedConv2D`); tested at 32x32x3.

    Logged: ``loss`` (``-log p(x)``, nats per image).

    Args:
        image_shape: ``(height, width, channels)`` of the binary images.
        filters: width ``h`` of the residual blocks.
        num_blocks: residual blocks (3x3 masked convolutions) after the 7x7
            type-A one; with them each pixel sees ``3 + num_blocks`` rows up.
        gated: gated activation units (van den Oord et al. 2016b).
        head_filters: width of the two 1x1 layers before the logits.
        network: the masked network itself (default: `builders.pixelcnn`
            with the arguments above, from Keras' global seed); one of your
            own must keep each logit blind to its pixel and the later ones.
        seed: seed of the sampling noise when `sample` gets no seed.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> model = PixelCNN((28, 28, 1), seed=0)
    >>> model.compile(optimizer=keras.optimizers.Adam(1e-3))
    >>> model.fit(x_binary, epochs=10, batch_size=64)
    >>> -model.log_prob(x_test_binary).mean()  # test NLL, nats per image
    >>> samples = model.sample(16, seed=0)
    """

    NETWORKS = {"network": ("images",)}
    OPTIMIZERS = {"optimizer": ("network",)}
    TRACKERS = ("loss",)

    def __init__(self, image_shape=(28, 28, 1), filters=32, num_blocks=5,
                 gated=False, head_filters=64, network=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.image_shape = check_image_shape("image_shape", image_shape)
        self.filters = check_positive_int("filters", filters)
        self.num_blocks = check_positive_int("num_blocks", num_blocks, minimum=0)
        self.gated = gated
        self.head_filters = check_positive_int("head_filters", head_filters)
        if network is None:
            network = pixelcnn(self.image_shape, filters, num_blocks, gated=gated,
                               head_filters=head_filters)
        self.network = check_network("network", network)
        shapes = (self._input_shapes("network")[0][1:],
                  tuple(self.network.outputs[0].shape)[1:])
        if shapes != (self.image_shape, self.image_shape):
            raise ValueError(
                f"`network` must map {self.image_shape} images to logits of the "
                f"same shape. Received: network {shapes[0]} -> {shapes[1]}")
        self.built = True

    def compile(self, optimizer="adam", **kwargs):
        """Sets the optimizer of the network.

        Args:
            optimizer: a keras optimizer or its name.
            **kwargs: `keras.Model.compile` options; ``loss`` and ``metrics``
                are refused.
        """
        self._compile({"optimizer": optimizer}, kwargs)

    # -- the algorithm -----------------------------------------------------------

    def _log_prob(self, images, training=False):
        return bernoulli_log_prob(images, self.network(images, training=training))

    def train_step(self, data):
        """One step down ``-log p(x)``, the batch mean in nats per image."""
        images = unpack_images(data)
        return self._log(loss=self._descend(
            "optimizer", lambda: -ops.mean(self._log_prob(images, True))))

    def test_step(self, data):
        """``-log p(x)`` of a batch, without updates."""
        return self._log(loss=-ops.mean(self._log_prob(unpack_images(data))))

    def call(self, images, training=False):
        """The logit of each pixel given the pixels before it, ``(batch, H, W,
        C)``."""
        return self.network(images, training=training)

    def _sample_batch(self, uniforms):
        """Images drawn pixel by pixel: pixel ``k`` (raster order) is 1 where
        ``uniforms`` at ``k`` is below its probability given pixels ``< k``.
        One `tf.while_loop` of ``H * W`` network passes; the pixels after
        ``k`` are still 0 when pixel ``k`` is drawn, and the masks keep them
        from mattering."""
        height, width, _ = self.image_shape
        positions = tf.reshape(tf.eye(height * width, dtype=uniforms.dtype),
                               (height * width, 1, height, width, 1))

        def step(k, x):
            logits = self.network(x, training=False)[:, k // width, k % width]
            bits = tf.cast(uniforms[:, k // width, k % width]
                           < tf.sigmoid(logits), x.dtype)
            return k + 1, x + positions[k] * bits[:, None, None, :]

        _, images = tf.while_loop(lambda k, x: k < height * width, step,
                                  (tf.constant(0), tf.zeros_like(uniforms)))
        return images

    # -- using the trained model -------------------------------------------------

    def log_prob(self, images, batch_size=256):
        """The exact ``log p(x)`` of each binary image, in nats.

        Args:
            images: ``(n, *image_shape)`` with pixels 0 or 1.
            batch_size: images per network pass.

        Returns:
            ``(n,)`` float32 NumPy array; ``-log_prob(x).mean()`` is the
            negative log-likelihood in nats per image (divide by ``H * W * C *
            ln 2`` for bits per dimension).

        Example:

        >>> nll = -model.log_prob(x_test_binary).mean()
        """
        images = check_images(images, self.image_shape)
        if not np.isin(images, (0.0, 1.0)).all():
            raise ValueError("`images` must be binary (pixels 0 or 1): "
                             "PixelCNN models Bernoulli pixels. Received: values "
                             f"in [{images.min()}, {images.max()}]")
        return map_fixed_batches(self._function("log_prob", self._log_prob), [images],
                                 batch_size)

    def sample(self, n, seed=None, batch_size=64):
        """Draws ``n`` images, each pixel from its conditional given the
        pixels drawn before it.

        Args:
            n: number of images.
            seed: int seed (``None``: random); ``sample(n, seed=s)`` equals the
                exported ``sample(n, [s, 0])``.
            batch_size: images drawn together (each batch is ``H * W``
                network passes; at most ``n``).

        Returns:
            ``(n, *image_shape)`` float32 NumPy array of 0s and 1s.

        Example:

        >>> images = model.sample(16, seed=0)
        """
        n = check_positive_int("n", n)
        check_positive_int("batch_size", batch_size)
        uniforms = tf.random.stateless_uniform((n,) + self.image_shape,
                                               self.stateless_seed(seed))
        return map_fixed_batches(self._function("sample", self._sample_batch),
                                 [uniforms.numpy()], min(batch_size, n))

    # -- export --------------------------------------------------------------------

    def _export_endpoints(self):
        """``log_prob(images)`` in nats and ``sample(n, seed)`` (``seed``: two
        int32, the stateless seed of the sampling noise)."""
        images = tf.TensorSpec((None,) + tuple(self.image_shape), tf.float32,
                               name="images")

        def sample(n, seed):
            return self._sample_batch(tf.random.stateless_uniform(
                tf.concat([[n], tf.constant(self.image_shape)], 0), seed))

        return [("log_prob", lambda x: self._log_prob(x), [images]),
                ("sample", sample, [tf.TensorSpec((), tf.int32, name="n"),
                                    tf.TensorSpec((2,), tf.int32, name="seed")])]
