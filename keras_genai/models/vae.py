"""The variational autoencoder of Kingma & Welling (2014) and its conditional form."""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_genai import losses as losses_module
from keras_genai.distribute import replica_mean
from keras_genai.layers.sampling import reparameterize
from keras_genai.models.inputs import check_images
from keras_genai.models.inputs import images_and_labels
from keras_genai.models.inputs import unpack_images
from keras_genai.models.latent import LatentVariableModel
from keras_genai.utils.batching import pad_to_batches
from keras_genai.utils.batching import predict_fixed
from keras_genai.utils.checks import check_labels
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_non_negative
from keras_genai.utils.checks import check_num_classes
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed


def check_variational_encoder(encoder):
    """Checks that ``encoder`` returns ``[z_mean, z_log_var]`` of one shape
    ``(batch, latent_dim)``; returns ``latent_dim``."""
    shapes = [tuple(t.shape) for t in encoder.outputs]
    if len(shapes) != 2 or shapes[0] != shapes[1] or len(shapes[0]) != 2:
        raise ValueError(
            "`encoder` must return [z_mean, z_log_var], two tensors of shape "
            "(batch, latent_dim) (e.g. builders.dense_encoder(..., "
            f"variational=True)). Received: encoder output shapes {shapes}")
    return shapes[0][1]


@keras.saving.register_keras_serializable(package="keras_genai")
class VAE(LatentVariableModel):
    """A variational autoencoder trained on the negative ELBO.

    Kingma & Welling (2014), "Auto-Encoding Variational Bayes", eq. 3 and 10: for
    each image the model maximises the evidence lower bound

        ELBO(x) = E_q(z|x)[log p(x | z)] - KL(q(z | x) || p(z)) <= log p(x)

    with ``q(z | x) = N(mu(x), diag(sigma^2(x)))`` from the encoder, the prior
    ``p(z) = N(0, I)`` and ``p(x | z)`` the decoder. One ``z`` per image is drawn
    with the reparameterisation trick (`keras_genai.layers.reparameterize`), so
    the loss is

        loss = reconstruction + beta * KL

    with the reconstruction term `keras_genai.losses.bernoulli_reconstruction_loss`
    (``"bce"``: binary cross-entropy summed over pixels, the Bernoulli decoder of
    the paper's MNIST experiments) or `gaussian_reconstruction_loss` (``"mse"``:
    squared error summed over pixels) and the KL term
    `keras_genai.losses.kl_divergence`. ``beta = 1`` is the VAE; ``beta > 1`` the
    beta-VAE of Higgins et al. (2017).

    With ``free_bits = lambda > 0`` (Kingma et al. 2016, "Improved Variational
    Inference with Inverse Autoregressive Flow", eq. 15) the KL term of the
    loss is ``sum_j max(lambda, E_batch KL_j)`` over the latent dimensions
    ``j``: a dimension is not pushed below ``lambda`` nats, so the optimiser
    gains nothing by collapsing it onto the prior (posterior collapse). The
    logged ``kl`` and ``elbo`` stay the true ones.

    Logged (epoch means, per image, in nats): ``loss``, ``reconstruction``, ``kl``
    and ``elbo`` = ``-(reconstruction + kl)`` whatever ``beta`` is. On binarized
    images with ``"bce"``, ``evaluate``'s ``elbo`` is the test ELBO in nats per
    image (a one-sample estimate; ``-elbo`` bounds ``-log p(x)`` from above).

    ``fit`` takes images (``x``, or ``(x, y)`` whose ``y`` is ignored) with pixels
    in ``[0, 1]`` for ``"bce"``.

    Args:
        encoder: built `keras.Model` ``images -> [z_mean, z_log_var]`` (e.g.
            `builders.dense_encoder(..., variational=True)`).
        decoder: built `keras.Model` ``z -> images`` (e.g. `builders.dense_decoder`
            with a sigmoid output for ``"bce"``).
        beta: weight of the KL term (``>= 0``).
        reconstruction: ``"bce"`` or ``"mse"``.
        free_bits: ``lambda``, nats of KL per latent dimension the loss does
            not penalise (``>= 0``; 0: the plain KL term).
        seed: seed of the model's noise.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> vae = VAE(dense_encoder((28, 28, 1), 20, (512, 256), variational=True),
    ...           dense_decoder((28, 28, 1), 20, (256, 512)))
    >>> vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    >>> vae.fit(x_binary, epochs=50, batch_size=100)
    >>> vae.evaluate(x_test_binary, return_dict=True)["elbo"]  # nats per image
    >>> samples = vae.sample(16, seed=0)
    """

    NETWORKS = {"encoder": ("images",), "decoder": ("z",)}
    OPTIMIZERS = {"optimizer": ("encoder", "decoder")}
    TRACKERS = ("loss", "reconstruction", "kl", "elbo")

    def __init__(self, encoder, decoder, beta=1.0, reconstruction="bce",
                 free_bits=0.0, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.encoder = check_network("encoder", encoder)
        self.decoder = check_network("decoder", decoder)
        self.beta = check_non_negative("beta", beta)
        self.free_bits = check_non_negative("free_bits", free_bits)
        self._set_reconstruction(reconstruction)
        self.latent_dim, self.image_shape = self._check_networks()
        self.built = True

    def _check_networks(self):
        """Checks that the encoder and decoder fit together; returns
        ``(latent_dim, image_shape)``."""
        image_shape = self._input_shapes("encoder")[0][1:]
        latent_dim = check_variational_encoder(self.encoder)
        self._check_decoder(latent_dim, image_shape)
        return latent_dim, image_shape

    def compile(self, optimizer="adam", **kwargs):
        """Sets the optimizer of the encoder and decoder.

        Args:
            optimizer: a keras optimizer or its name.
            **kwargs: `keras.Model.compile` options (``steps_per_execution``,
                ``jit_compile``, ``run_eagerly``); the model computes its own
                loss, so ``loss`` and ``metrics`` are refused.
        """
        self._compile({"optimizer": optimizer}, kwargs)

    # -- what the conditional subclass changes -----------------------------------

    def _unpack(self, data):
        """Returns ``(images, condition)``; no condition here."""
        return unpack_images(data), None

    def _encode(self, x, condition, training):
        return self.encoder(x, training=training)

    def _decode(self, z, condition, training):
        return self.decoder(z, training=training)

    # -- the algorithm -----------------------------------------------------------

    def _posterior_sample(self, x, condition, training):
        """``(mu, log_var, z)`` of ``q(z | x)`` with one reparameterised ``z`` per
        image, its noise drawn for this replica."""
        mean, log_var = self._encode(x, condition, training)
        noise = self.sample_normal(tf.shape(x)[0], (self.latent_dim,))
        return mean, log_var, reparameterize(mean, log_var, noise)

    def _loss_terms(self, x, condition, training):
        """The batch means of the total loss, reconstruction and KL terms."""
        mean, log_var, z = self._posterior_sample(x, condition, training)
        x_hat = self._decode(z, condition, training)
        reconstruction = ops.mean(self.reconstruction_fn(x, x_hat))
        kl = ops.mean(losses_module.kl_divergence(mean, log_var))
        penalised = kl
        if self.free_bits:
            # The batch mean of each dimension's KL, held at >= free_bits.
            # ... of the global batch: max() is not linear in the replicas.
            per_dimension = replica_mean(ops.mean(
                0.5 * (ops.square(mean) + ops.exp(log_var) - log_var - 1.0), axis=0))
            penalised = ops.sum(ops.maximum(per_dimension, self.free_bits))
        return reconstruction + self.beta * penalised, reconstruction, kl

    def _update_metrics(self, loss, reconstruction, kl):
        return self._log(loss=loss, reconstruction=reconstruction, kl=kl,
                         elbo=-(reconstruction + kl))

    def train_step(self, data):
        """One gradient step on ``reconstruction + beta * KL``."""
        x, condition = self._unpack(data)
        losses = self._descend("optimizer",
                               lambda: self._loss_terms(x, condition, training=True))
        return self._update_metrics(*losses)

    def test_step(self, data):
        """The losses and the ELBO of a batch, without updates."""
        x, condition = self._unpack(data)
        return self._update_metrics(*self._loss_terms(x, condition, training=False))

    def call(self, x, training=False):
        """Reconstructs ``x`` from its posterior mean: ``decoder(mu(x))``."""
        mean, _ = self.encoder(x, training=training)
        return self.decoder(mean, training=training)

    # -- using the trained model -------------------------------------------------

    def encode(self, x, return_log_var=False, batch_size=256):
        """The posterior mean ``mu(x)`` of each image (and the log-variance).

        Args:
            x: images, ``(n, *image_shape)``.
            return_log_var: also return ``log sigma^2(x)``.
            batch_size: encoder batch size.

        Returns:
            ``mu`` ``(n, latent_dim)``, or ``(mu, log_var)``.

        Example:

        >>> codes = vae.encode(x_test)  # e.g. a 2-D latent map by label
        """
        mean, log_var = predict_fixed(self.encoder, [x], batch_size)
        return (mean, log_var) if return_log_var else mean

    def _condition(self, labels):
        """The checked condition of `log_likelihood` (none here)."""
        if labels is not None:
            raise ValueError(f"{type(self).__name__} is unconditional. Received: "
                             f"labels={labels!r:.100}")
        return None

    def _log_weights(self, x, condition, noise):
        """``log w_j = log p(x | z_j) + log p(z_j) - log q(z_j | x)`` for
        ``z_j = mu + sigma * noise_j``: ``(batch, samples)`` from ``noise``
        ``(batch, samples, latent_dim)``."""
        mean, log_var = self._encode(x, condition, False)
        batch, samples = ops.shape(noise)[0], ops.shape(noise)[1]
        z = mean[:, None] + ops.exp(0.5 * log_var)[:, None] * noise
        repeat = (lambda t: ops.repeat(t, samples, axis=0))
        x_hat = self._decode(ops.reshape(z, (-1, self.latent_dim)),
                             None if condition is None else repeat(condition), False)
        log_px = -self.reconstruction_fn(repeat(x), x_hat)
        if self.reconstruction == "mse":  # N(x_hat, I/2): -sum (x - x_hat)^2 - D/2 log pi
            log_px = log_px - 0.5 * math.prod(self.image_shape) * math.log(math.pi)
        # log N(z; 0, I) - log N(z; mu, sigma^2): the 2 pi terms cancel.
        log_ratio = ops.sum(-0.5 * ops.square(z) + 0.5 * ops.square(noise)
                            + 0.5 * log_var[:, None], axis=-1)
        return ops.reshape(log_px, (batch, samples)) + log_ratio

    def log_likelihood(self, x, labels=None, num_samples=100, seed=None,
                       batch_size=100, sample_batch=100):
        """The importance-weighted estimate of ``log p(x)`` of each image, in
        nats (Burda, Grosse & Salakhutdinov 2016, eq. 8):

            L_k(x) = log (1/k) sum_{j=1}^{k} p(x, z_j) / q(z_j | x),
            z_j ~ q(z | x),

        with the encoder's ``q`` as the proposal. ``L_1`` is the ELBO; in
        expectation ``L_k`` rises with ``k`` (their theorem 1) and tends to
        ``log p(x)`` as ``k`` grows. The decoder's likelihood is the model's
        (``"bce"``: Bernoulli, a log-probability for binary images; ``"mse"``:
        the Gaussian ``N(x_hat, I/2)`` whose negative log-density the squared
        error is, up to ``D/2 log pi``, included here).

        Args:
            x: ``(n, *image_shape)`` images.
            labels: the images' labels (conditional models only).
            num_samples: ``k``.
            seed: seed of the ``z_j`` (``None``: random).
            batch_size: images per pass.
            sample_batch: samples per image per pass (``batch_size *
                sample_batch`` decoder rows at once).

        Returns:
            ``(n,)`` float32 NumPy array; its mean is the estimate of the
            test log-likelihood.

        Example:

        >>> for k in (1, 10, 100, 1000):
        ...     print(k, vae.log_likelihood(x_test, num_samples=k, seed=0).mean())
        """
        x = check_images(x, self.image_shape)
        condition = self._condition(labels)
        num_samples = check_positive_int("num_samples", num_samples)
        batch_size = check_positive_int("batch_size", batch_size)
        sample_batch = min(num_samples, check_positive_int("sample_batch", sample_batch))
        rng = np.random.default_rng(check_seed(seed))
        arrays = [x] if condition is None else [x, condition]
        padded = pad_to_batches(arrays, batch_size)
        fn = self._function("log_weights", lambda *a: self._log_weights(
            a[0], a[1] if len(a) > 2 else None, a[-1]), reduce_retracing=True)
        total = np.full(len(padded[0]), -np.inf)
        for done in range(0, num_samples, sample_batch):
            chunk = min(sample_batch, num_samples - done)
            for i in range(0, len(padded[0]), batch_size):
                noise = rng.standard_normal((batch_size, chunk, self.latent_dim),
                                            dtype=np.float32)
                log_w = np.asarray(fn(*[a[i:i + batch_size] for a in padded], noise),
                                   np.float64)
                top = log_w.max(axis=1)
                chunk_sum = top + np.log(np.exp(log_w - top[:, None]).sum(axis=1))
                total[i:i + batch_size] = np.logaddexp(total[i:i + batch_size],
                                                       chunk_sum)
        return (total[:len(x)] - math.log(num_samples)).astype(np.float32)

    # -- export --------------------------------------------------------------------

    def _export_resources(self):
        return [self.encoder, self.decoder]

    def _export_endpoints(self):
        """``serve(x)`` reconstructs, ``encode(x)`` gives ``mu(x)``,
        ``decode(z)`` and ``sample(n, seed)`` generate (``seed``: two int32, the
        stateless seed of ``tf.random.stateless_normal``)."""
        images = self._image_spec()
        return [
            ("serve", lambda x: self(x, training=False), [images]),
            ("encode", lambda x: self.encoder(x, training=False)[0], [images]),
        ] + self._latent_endpoints()


@keras.saving.register_keras_serializable(package="keras_genai")
class ConditionalVAE(VAE):
    """A VAE whose encoder and decoder both see the class label.

    Sohn, Lee & Yan (2015), "Learning Structured Output Representation using Deep
    Conditional Generative Models", eq. 4 with the label as the condition:

        ELBO(x | y) = E_q(z|x,y)[log p(x | z, y)] - KL(q(z | x, y) || p(z))

    (the prior stays ``N(0, I)``, as in Kingma et al. 2014's M2 with observed
    labels). The latent no longer needs to encode the digit's class, only its
    style, and ``sample(labels)`` draws images of chosen classes.

    ``fit`` takes ``(images, labels)`` batches with integer labels in
    ``[0, num_classes)``.

    Args:
        encoder: built `keras.Model` ``[images, labels] -> [z_mean, z_log_var]``
            (e.g. `builders.dense_encoder(..., variational=True,
            num_classes=10)`).
        decoder: built `keras.Model` ``[z, labels] -> images``.
        num_classes: number of labels.
        beta: weight of the KL term.
        reconstruction: ``"bce"`` or ``"mse"``.
        seed: seed of the model's noise.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> cvae = ConditionalVAE(
    ...     dense_encoder((28, 28, 1), 20, variational=True, num_classes=10),
    ...     dense_decoder((28, 28, 1), 20, num_classes=10), num_classes=10)
    >>> cvae.compile(optimizer="adam")
    >>> cvae.fit(image_dataset(x, y, batch_size=100, scale="unit"), epochs=30)
    >>> sevens = cvae.sample(labels=np.full(16, 7), seed=0)
    """

    NETWORKS = {"encoder": ("images", "labels"), "decoder": ("z", "labels")}
    DATA = ("images", "labels")

    def __init__(self, encoder, decoder, num_classes, beta=1.0, reconstruction="bce",
                 free_bits=0.0, seed=None, **kwargs):
        self._num_classes = check_num_classes(num_classes)
        super().__init__(encoder, decoder, beta=beta, reconstruction=reconstruction,
                         free_bits=free_bits, seed=seed, **kwargs)

    @property
    def num_classes(self):
        """Number of labels the model is conditioned on."""
        return self._num_classes

    def _unpack(self, data):
        return images_and_labels(data, self.num_classes, self)

    def _encode(self, x, labels, training):
        return self.encoder([x, labels], training=training)

    def _decode(self, z, labels, training):
        return self.decoder([z, labels], training=training)

    def call(self, inputs, training=False):
        """Reconstructs ``[x, labels]`` from the posterior mean."""
        x, labels = inputs
        mean, _ = self.encoder([x, labels], training=training)
        return self.decoder([mean, labels], training=training)

    def _condition(self, labels):
        return check_labels(labels, self.num_classes)

    def encode(self, x, labels, return_log_var=False, batch_size=256):
        """The posterior mean ``mu(x, y)`` of each image given its label (and the
        log-variance)."""
        labels = check_labels(labels, self.num_classes)
        mean, log_var = predict_fixed(self.encoder, [x, labels], batch_size)
        return (mean, log_var) if return_log_var else mean

    def _export_endpoints(self):
        """``serve(x, labels)``, ``encode(x, labels)``, ``decode(z, labels)`` and
        ``sample(labels, seed)``."""
        images = self._image_spec()
        labels = tf.TensorSpec((None,), tf.int32, name="labels")
        z = tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")
        seed = tf.TensorSpec((2,), tf.int32, name="seed")

        def sample(labels, seed):
            z = tf.random.stateless_normal(
                tf.stack([tf.shape(labels)[0], self.latent_dim]), seed)
            return self.decoder([z, labels], training=False)

        return [
            ("serve", lambda x, y: self([x, y], training=False), [images, labels]),
            ("encode", lambda x, y: self.encoder([x, y], training=False)[0],
             [images, labels]),
            ("decode", lambda z, y: self.decoder([z, y], training=False),
             [z, labels]),
            ("sample", sample, [labels, seed]),
        ]
