"""Pure loss functions, TF-GAN style: ``<family>_generator_loss`` and
``<family>_discriminator_loss``.

Every GAN loss takes the discriminator's raw outputs (its last linear layer: logits
for the cross-entropy families, scores for least-squares, hinge and Wasserstein)
and returns the mean over the batch as a scalar. Writing ``log D(x)`` as ``-softplus(-x)`` and
``log(1 - D(x))`` as ``-softplus(x)`` keeps them finite for any logit.

Goodfellow et al. (2014), "Generative Adversarial Nets", eq. 1:

    min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]

`contrastive_loss` is CLIP's and `masked_patch_loss` the masked
autoencoder's.

The autoencoder losses (`kl_divergence`, `bernoulli_reconstruction_loss`,
`gaussian_reconstruction_loss`) return one value per example, in nats, so a model
can average them over its batch and report them per image.
"""

import collections

from keras import ops

from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_fraction


def minimax_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """The discriminator's side of the minimax game, negated to be minimised.

    ``L_D = -E_x[log D(x)] - E_z[log(1 - D(G(z)))]`` (Goodfellow et al. 2014, eq. 1
    and Algorithm 1). With one-sided label smoothing (Salimans et al. 2016,
    "Improved Techniques for Training GANs", sec. 3.4) the real target is
    ``1 - label_smoothing`` instead of 1; fake targets stay 0.

    Args:
        real_logits: D's logits on real images, shape ``(batch, ...)``.
        fake_logits: D's logits on generated images.
        label_smoothing: amount ``s`` in ``[0, 1)`` taken off the real target.

    Returns:
        Scalar loss: mean binary cross-entropy over real and fake examples, summed.

    Example:

    >>> float(minimax_discriminator_loss(ops.zeros(4), ops.zeros(4)))  # 2 log 2
    1.3862943649291992
    """
    check_fraction("label_smoothing", label_smoothing)
    real_logits = ops.convert_to_tensor(real_logits)
    fake_logits = ops.convert_to_tensor(fake_logits)
    s = label_smoothing
    # BCE(target t, logit x) = t * softplus(-x) + (1 - t) * softplus(x)
    real_term = (1.0 - s) * ops.softplus(-real_logits) + s * ops.softplus(real_logits)
    fake_term = ops.softplus(fake_logits)
    return ops.mean(real_term) + ops.mean(fake_term)


def minimax_generator_loss(fake_logits):
    """The generator's side of the minimax game: ``E_z[log(1 - D(G(z)))]``.

    Goodfellow et al. (2014), Algorithm 1: G descends this. It saturates early in
    training (when D rejects G's samples with confidence the gradient vanishes),
    which is why `non_saturating_generator_loss` exists.

    Args:
        fake_logits: D's logits on generated images.

    Returns:
        Scalar ``mean log(1 - sigmoid(fake_logits)) = -mean softplus(fake_logits)``.

    Example:

    >>> float(minimax_generator_loss(ops.zeros(4)))  # log(1/2)
    -0.6931471824645996
    """
    return -ops.mean(ops.softplus(ops.convert_to_tensor(fake_logits)))


def non_saturating_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """The discriminator loss used with the non-saturating generator loss.

    D's objective is unchanged (Goodfellow et al. 2014, sec. 3); this is
    `minimax_discriminator_loss`, named for lookup by family.

    Args:
        real_logits: D's logits on real images.
        fake_logits: D's logits on generated images.
        label_smoothing: one-sided label smoothing of the real target.

    Returns:
        Scalar loss.

    Example:

    >>> float(non_saturating_discriminator_loss(ops.zeros(2), ops.zeros(2)))
    1.3862943649291992
    """
    return minimax_discriminator_loss(real_logits, fake_logits, label_smoothing)


def non_saturating_generator_loss(fake_logits):
    """The non-saturating generator loss ``J_G = -E_z[log D(G(z))]``.

    Goodfellow et al. (2014), sec. 3: "rather than training G to minimize
    log(1 - D(G(z))) we can train G to maximize log D(G(z))", which has the same
    fixed point but strong gradients early in training.

    Args:
        fake_logits: D's logits on generated images.

    Returns:
        Scalar ``-mean log sigmoid(fake_logits) = mean softplus(-fake_logits)``.

    Example:

    >>> float(non_saturating_generator_loss(ops.zeros(4)))  # log 2
    0.6931471824645996
    """
    return ops.mean(ops.softplus(-ops.convert_to_tensor(fake_logits)))


def least_squares_discriminator_loss(real_outputs, fake_outputs,
                                     label_smoothing=0.0):
    """LSGAN's discriminator loss (Mao et al. 2017, "Least Squares Generative
    Adversarial Networks", eq. 2 with ``a = 0``, ``b = 1``).

    ``L_D = 1/2 E_x[(D(x) - b)^2] + 1/2 E_z[(D(G(z)) - a)^2]``, on D's raw outputs
    (no sigmoid). One-sided label smoothing lowers the real target ``b`` to
    ``1 - label_smoothing``.

    Args:
        real_outputs: D's outputs on real images.
        fake_outputs: D's outputs on generated images.
        label_smoothing: amount taken off the real target.

    Returns:
        Scalar loss.

    Example:

    >>> float(least_squares_discriminator_loss(ops.zeros(2), ops.ones(2)))
    1.0
    """
    check_fraction("label_smoothing", label_smoothing)
    real = ops.convert_to_tensor(real_outputs)
    fake = ops.convert_to_tensor(fake_outputs)
    return (0.5 * ops.mean(ops.square(real - (1.0 - label_smoothing)))
            + 0.5 * ops.mean(ops.square(fake)))


def least_squares_generator_loss(fake_outputs):
    """LSGAN's generator loss ``1/2 E_z[(D(G(z)) - c)^2]`` with ``c = 1`` (Mao et
    al. 2017, eq. 2): G pulls its samples' scores to the real target.

    Example:

    >>> float(least_squares_generator_loss(ops.zeros(2)))
    0.5
    """
    fake = ops.convert_to_tensor(fake_outputs)
    return 0.5 * ops.mean(ops.square(fake - 1.0))


def hinge_discriminator_loss(real_outputs, fake_outputs):
    """The hinge discriminator loss (Lim & Ye 2017; Miyato et al. 2018, eq. 16).

    ``L_D = E_x[max(0, 1 - D(x))] + E_z[max(0, 1 + D(G(z)))]``: real scores above
    +1 and fake scores below -1 cost nothing.

    Example:

    >>> float(hinge_discriminator_loss(ops.zeros(2), ops.zeros(2)))
    2.0
    """
    real = ops.convert_to_tensor(real_outputs)
    fake = ops.convert_to_tensor(fake_outputs)
    return ops.mean(ops.relu(1.0 - real)) + ops.mean(ops.relu(1.0 + fake))


def hinge_generator_loss(fake_outputs):
    """The hinge generator loss ``-E_z[D(G(z))]`` (Miyato et al. 2018, eq. 17).

    Example:

    >>> float(hinge_generator_loss(ops.ones(2)))
    -1.0
    """
    return -ops.mean(ops.convert_to_tensor(fake_outputs))


def wasserstein_discriminator_loss(real_outputs, fake_outputs):
    """The critic's loss of WGAN (Arjovsky et al. 2017, Algorithm 1).

    The critic maximises ``E_x[D(x)] - E_z[D(G(z))]``, an estimate of the
    Wasserstein-1 distance when D is 1-Lipschitz; this returns its negation,
    ``E_z[D(G(z))] - E_x[D(x)]``, to be minimised. The Lipschitz constraint comes
    from weight clipping (WGAN) or `gradient_penalty` (WGAN-GP).

    Example:

    >>> float(wasserstein_discriminator_loss(ops.ones(2), ops.zeros(2)))
    -1.0
    """
    real = ops.convert_to_tensor(real_outputs)
    fake = ops.convert_to_tensor(fake_outputs)
    return ops.mean(fake) - ops.mean(real)


def wasserstein_generator_loss(fake_outputs):
    """The generator's WGAN loss ``-E_z[D(G(z))]`` (Arjovsky et al. 2017).

    Example:

    >>> float(wasserstein_generator_loss(ops.ones(2)))
    -1.0
    """
    return -ops.mean(ops.convert_to_tensor(fake_outputs))


def feature_matching_generator_loss(real_features, fake_features):
    """Feature matching (Salimans et al. 2016, "Improved Techniques for
    Training GANs", sec. 3.1): G matches the mean of an intermediate layer
    ``f`` of the discriminator on real and on generated images,

        ||E_x f(x) - E_z f(G(z))||_2^2,

    divided here by the number of features (a constant scale, as in the
    authors' code), instead of maximising D's output. D still trains with its
    own loss; G no longer chases D's current decision, only the statistics of
    its features.

    Args:
        real_features: ``(batch, ...)`` the layer's output on real images.
        fake_features: ``(batch, ...)`` its output on generated images.

    Returns:
        Scalar ``mean_d (mean_batch real_d - mean_batch fake_d)^2``.

    Example:

    >>> float(feature_matching_generator_loss(ops.ones((2, 3)), ops.zeros((4, 3))))
    1.0
    """
    real = ops.cast(ops.convert_to_tensor(real_features), "float32")
    fake = ops.cast(ops.convert_to_tensor(fake_features), "float32")
    real = ops.reshape(real, (ops.shape(real)[0], -1))
    fake = ops.reshape(fake, (ops.shape(fake)[0], -1))
    return ops.mean(ops.square(ops.mean(real, axis=0) - ops.mean(fake, axis=0)))


def gradient_penalty(discriminator, real_images, fake_images, epsilon=None,
                     seed=None):
    """WGAN-GP's gradient penalty (Gulrajani et al. 2017, Algorithm 1, line 8).

    ``E[(||grad_x_hat D(x_hat)||_2 - 1)^2]`` at ``x_hat = eps x + (1 - eps) x_tilde``,
    with ``eps ~ U[0, 1]`` drawn once per example, on the straight lines between
    real images ``x`` and generated ones ``x_tilde``. The norm is over all of an
    example's pixels. The WGAN-GP critic adds ``lambda`` (10 in the paper) times
    this to `wasserstein_discriminator_loss`.

    Args:
        discriminator: a callable ``images -> (batch, 1)`` scores (a Keras model).
        real_images: a batch of real images.
        fake_images: a batch of generated images, same shape.
        epsilon: optional interpolation weights ``(batch,)`` (drawn uniformly when
            ``None``).
        seed: a stateless seed pair ``[int, int]`` for ``epsilon`` (``None``:
            TensorFlow's global generator).

    Returns:
        Scalar penalty, differentiable with respect to D's weights.

    Example:

    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> float(gradient_penalty(critic, ops.ones((4, 2)), ops.zeros((4, 2)))) >= 0
    True
    """
    import tensorflow as tf

    real = tf.convert_to_tensor(real_images, dtype=tf.float32)
    fake = tf.convert_to_tensor(fake_images, dtype=tf.float32)
    if real.shape.rank is not None and fake.shape.rank is not None \
            and real.shape[1:] != fake.shape[1:]:
        raise ValueError("`real_images` and `fake_images` must have the same shape. "
                         f"Received: real_images.shape={real.shape}, "
                         f"fake_images.shape={fake.shape}")
    batch = tf.shape(real)[0]
    if epsilon is None:
        if seed is None:
            epsilon = tf.random.uniform([batch])
        else:
            epsilon = tf.random.stateless_uniform([batch], seed=seed)
    epsilon = tf.reshape(tf.cast(epsilon, tf.float32),
                         [-1] + [1] * (real.shape.rank - 1))
    interpolated = epsilon * real + (1.0 - epsilon) * fake
    with tf.GradientTape() as tape:
        tape.watch(interpolated)
        scores = discriminator(interpolated)
    grads = tape.gradient(scores, interpolated)
    norms = tf.sqrt(tf.reduce_sum(tf.square(tf.reshape(grads, [batch, -1])),
                                  axis=1) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))


def r1_penalty(discriminator, real_images):
    """The R1 gradient penalty on real images (Mescheder et al. 2018, "Which
    Training Methods for GANs do actually Converge?", eq. 9).

    ``E_x[||grad_x D(x)||^2]`` over real images only: it pushes D's gradient to
    zero on the data, which makes the game locally convergent. D's loss adds
    ``gamma / 2`` times it (StyleGAN uses gamma = 10 at 1024x1024).

    Args:
        discriminator: a callable ``images -> (batch, 1)`` outputs.
        real_images: a batch of real images.

    Returns:
        ``(penalty, outputs)``: the scalar penalty, differentiable with respect
        to D's weights, and D's outputs on ``real_images`` (so a caller need not
        run D on them twice).

    Example:

    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> penalty, outputs = r1_penalty(critic, ops.ones((4, 2)))  # ||w||^2
    """
    import tensorflow as tf

    real = tf.convert_to_tensor(real_images, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(real)
        outputs = discriminator(real)
        total = tf.reduce_sum(tf.cast(outputs, tf.float32))
    grads = tf.cast(tape.gradient(total, real), tf.float32)
    batch = tf.shape(real)[0]
    penalty = tf.reduce_mean(tf.reduce_sum(tf.square(tf.reshape(grads, [batch, -1])),
                                           axis=1))
    return penalty, outputs


class LossFamily(collections.namedtuple(
        "LossFamily", ["generator_loss", "discriminator_loss", "decision_threshold",
                       "smoothable", "d_steps", "gradient_penalty_weight"])):
    """One adversarial loss family: everything a model needs to train with it.

    Attributes:
        generator_loss: ``fn(fake_outputs) -> scalar``.
        discriminator_loss: ``fn(real_outputs, fake_outputs[, label_smoothing])
            -> scalar``.
        decision_threshold: D's output above which D calls an example real
            (logits: 0; least-squares targets 0 and 1: 1/2; hinge margins -1
            and +1: 0), or ``None`` for a Wasserstein critic, whose scores have
            none (it logs ``wasserstein_distance`` instead of accuracies).
        smoothable: whether ``discriminator_loss`` takes ``label_smoothing``.
        d_steps: default discriminator (critic) steps per generator step.
        gradient_penalty_weight: default weight of `gradient_penalty` in D's loss
            (0: off).

    Example:

    >>> GAN_LOSSES["wasserstein_gp"].d_steps
    5
    """


GAN_LOSSES = {
    "minimax": LossFamily(minimax_generator_loss, minimax_discriminator_loss,
                          0.0, True, 1, 0.0),
    "non_saturating": LossFamily(non_saturating_generator_loss,
                                 non_saturating_discriminator_loss, 0.0, True, 1,
                                 0.0),
    "least_squares": LossFamily(least_squares_generator_loss,
                                least_squares_discriminator_loss, 0.5, True, 1, 0.0),
    "hinge": LossFamily(hinge_generator_loss, hinge_discriminator_loss, 0.0, False,
                        1, 0.0),
    # WGAN's critic is unconstrained unless the networks constrain it.
    "wasserstein": LossFamily(wasserstein_generator_loss,
                              wasserstein_discriminator_loss, None, False, 1, 0.0),
    # Gulrajani et al. (2017), Algorithm 1: n_critic = 5, lambda = 10.
    "wasserstein_gp": LossFamily(wasserstein_generator_loss,
                                 wasserstein_discriminator_loss, None, False, 5,
                                 10.0),
}
"""Every adversarial loss family by name, one `LossFamily` record each."""


def get_gan_loss(name):
    """Returns the `LossFamily` record of a loss family name.

    Args:
        name: one of ``GAN_LOSSES``: ``"minimax"``, ``"non_saturating"``,
            ``"least_squares"``, ``"hinge"``, ``"wasserstein"``,
            ``"wasserstein_gp"``.

    Returns:
        A `LossFamily`.

    Raises:
        ValueError: for an unknown name.

    Example:

    >>> family = get_gan_loss("non_saturating")
    >>> family.generator_loss is non_saturating_generator_loss
    True
    """
    check_choice("loss", name, tuple(GAN_LOSSES))
    return GAN_LOSSES[name]


def discriminator_accuracy(real_outputs, fake_outputs, threshold=0.0):
    """Share of real images D calls real and of fakes D calls fake.

    D calls an image real when its output is above ``threshold``: 0 for logits
    (``sigmoid > 1/2``) and hinge scores, 1/2 for least-squares outputs (see
    `LossFamily`).

    Args:
        real_outputs: D's outputs on real images.
        fake_outputs: D's outputs on generated images.
        threshold: decision threshold on D's output.

    Returns:
        ``(real_accuracy, fake_accuracy)``, scalars in ``[0, 1]``.

    Example:

    >>> [float(a) for a in discriminator_accuracy(ops.ones(2), ops.ones(2))]
    [1.0, 0.0]
    """
    real = ops.cast(ops.convert_to_tensor(real_outputs) > threshold, "float32")
    fake = ops.cast(ops.convert_to_tensor(fake_outputs) <= threshold, "float32")
    return ops.mean(real), ops.mean(fake)


# -- autoencoder and VAE losses (per example: one value per image) -----------------


def _per_example_sum(values):
    """Sums every axis but the first (the batch axis)."""
    values = ops.convert_to_tensor(values)
    return ops.sum(ops.reshape(values, (ops.shape(values)[0], -1)), axis=1)


def kl_divergence(mean, log_var):
    """KL divergence of a diagonal Gaussian posterior from the standard normal prior.

    Kingma & Welling (2014), "Auto-Encoding Variational Bayes", appendix B:

        KL(N(mu, sigma^2) || N(0, I)) = 1/2 sum_j (mu_j^2 + sigma_j^2
                                                   - log sigma_j^2 - 1)

    computed from the log-variance (``sigma^2 = exp(log_var)``), so no ``log`` of a
    variance that rounds to 0 appears. The course notes write
    ``1/2 sum(mu^2 + sigma^2 - log(1e-8 + sigma^2)) - 1``, with the ``- 1`` outside
    the sum: the correct ``- 1`` is inside, once per latent dimension (with it
    outside, the KL of the prior to itself would be ``-1`` instead of 0).

    Args:
        mean: posterior means, shape ``(batch, latent_dim)``.
        log_var: posterior log-variances, same shape.

    Returns:
        The KL of each example in nats, shape ``(batch,)``.

    Example:

    >>> float(kl_divergence(ops.zeros((1, 3)), ops.zeros((1, 3)))[0])
    0.0
    """
    mean = ops.convert_to_tensor(mean)
    log_var = ops.convert_to_tensor(log_var)
    return 0.5 * _per_example_sum(ops.square(mean) + ops.exp(log_var) - log_var - 1.0)


def gaussian_kl(mu_p, var_p, mu_q, var_q):
    """KL divergence between two diagonal Gaussians, ``KL(P || Q)``.

    The general formula for ``K``-dimensional Gaussians (the course notes,
    Kullback 1959; Ho et al. 2020 use it for the terms ``L_{t-1}`` of eq. 5):

        KL(P || Q) = 1/2 (tr(S_Q^-1 S_P) + (mu_Q - mu_P)^T S_Q^-1 (mu_Q - mu_P)
                          - K + ln(det S_Q / det S_P))

    which for diagonal covariances is a sum over dimensions of
    ``1/2 (var_p / var_q + (mu_q - mu_p)^2 / var_q - 1 + ln var_q - ln var_p)``.
    The notes write it as ``D_KL(Q || P)`` with ``S_P`` inverted: the same formula
    with the two names swapped. ``kl_divergence(mean, log_var)`` is the special
    case ``Q = N(0, I)``.

    Args:
        mu_p, var_p: mean and variance (> 0) of ``P``, shape ``(batch, ...)``.
        mu_q, var_q: mean and variance (> 0) of ``Q``, broadcastable to it.

    Returns:
        The KL of each example in nats (summed over every axis but the first),
        shape ``(batch,)``.

    Example:

    >>> float(gaussian_kl(ops.zeros((1, 1)), ops.ones((1, 1)),
    ...                   ops.ones((1, 1)), ops.ones((1, 1)))[0])  # (0 - 1)^2 / 2
    0.5
    """
    mu_p = ops.convert_to_tensor(mu_p)
    var_p, mu_q, var_q = (ops.broadcast_to(ops.convert_to_tensor(v, mu_p.dtype),
                                           ops.shape(mu_p))
                          for v in (var_p, mu_q, var_q))
    return 0.5 * _per_example_sum(var_p / var_q + ops.square(mu_q - mu_p) / var_q
                                  - 1.0 + ops.log(var_q) - ops.log(var_p))


def bernoulli_reconstruction_loss(x, probabilities, epsilon=1e-7):
    """Negative log-likelihood of ``x`` under independent Bernoulli pixels.

    ``-log p(x | z) = -sum_i [x_i log p_i + (1 - x_i) log(1 - p_i)]``, the binary
    cross-entropy summed over the pixels of each image (Kingma & Welling 2014,
    appendix C.1). For binarized images it is a log-likelihood in nats; for grey
    levels in ``[0, 1]`` it is the usual cross-entropy surrogate.

    Args:
        x: targets in ``[0, 1]``, shape ``(batch, ...)``.
        probabilities: the decoder's pixel probabilities, same shape; clipped to
            ``[epsilon, 1 - epsilon]`` so a saturated pixel costs at most
            ``-log(epsilon)`` (16 nats for 1e-7).
        epsilon: the clipping margin.

    Returns:
        One value per image, shape ``(batch,)``.

    Example:

    >>> round(float(bernoulli_reconstruction_loss([[1.0, 0.0]], [[0.5, 0.5]])[0]), 4)
    1.3863
    """
    x = ops.cast(ops.convert_to_tensor(x), "float32")
    p = ops.clip(ops.cast(ops.convert_to_tensor(probabilities), "float32"),
                 epsilon, 1.0 - epsilon)
    return -_per_example_sum(x * ops.log(p) + (1.0 - x) * ops.log(1.0 - p))


def gaussian_reconstruction_loss(x, reconstruction):
    """Squared error summed over the pixels of each image.

    ``sum_i (x_i - x_hat_i)^2``: up to a constant, the negative log-likelihood of
    ``x`` under a Gaussian ``N(x_hat, 1/2 I)`` decoder.

    Args:
        x: targets, shape ``(batch, ...)``.
        reconstruction: the decoder's output, same shape.

    Returns:
        One value per image, shape ``(batch,)``.

    Example:

    >>> float(gaussian_reconstruction_loss([[1.0, 0.0]], [[0.5, 0.5]])[0])
    0.5
    """
    x = ops.cast(ops.convert_to_tensor(x), "float32")
    reconstruction = ops.cast(ops.convert_to_tensor(reconstruction), "float32")
    return _per_example_sum(ops.square(x - reconstruction))


RECONSTRUCTION_LOSSES = {
    "bce": bernoulli_reconstruction_loss,
    "mse": gaussian_reconstruction_loss,
}


def get_reconstruction_loss(name):
    """Returns the per-example reconstruction loss called ``name``.

    Args:
        name: ``"bce"`` (`bernoulli_reconstruction_loss`) or ``"mse"``
            (`gaussian_reconstruction_loss`).

    Example:

    >>> get_reconstruction_loss("mse") is gaussian_reconstruction_loss
    True
    """
    check_choice("reconstruction", name, tuple(RECONSTRUCTION_LOSSES))
    return RECONSTRUCTION_LOSSES[name]


def contrastive_loss(image_embeddings, text_embeddings, logit_scale,
                     image_keys=None, text_keys=None, offset=0):
    """CLIP's symmetric cross-entropy (Radford et al. 2021, Figure 3).

    ``logits = scale * I T^T`` for L2-normalized embeddings; the ``i``-th image
    and caption are a pair, every other caption of the batch a negative for
    the image and every other image a negative for the caption:
    ``image_to_text = CE(softmax over captions, i)`` and ``text_to_image =
    CE(softmax over images, i)``, each averaged over the rows.

    With ``image_keys`` / ``text_keys`` (the embeddings of a larger batch, e.g.
    gathered from every replica) the rows are this batch and the columns the
    keys; row ``i``'s pair is key ``offset + i``.

    Args:
        image_embeddings: ``(n, d)``, L2-normalized.
        text_embeddings: ``(n, d)``, L2-normalized; row ``i`` describes image ``i``.
        logit_scale: the scalar ``exp(t)``.
        image_keys: ``(m, d)`` image columns (default: ``image_embeddings``).
        text_keys: ``(m, d)`` caption columns (default: ``text_embeddings``).
        offset: index of row 0's pair among the keys.

    Returns:
        ``(image_to_text, text_to_image)``, two scalar means; CLIP minimises
        their average.

    Example:

    >>> e = keras.ops.eye(3)
    >>> [round(float(v), 4) for v in contrastive_loss(e, e, 10.0)]
    [0.0001, 0.0001]
    """
    image_embeddings = ops.cast(image_embeddings, "float32")
    text_embeddings = ops.cast(text_embeddings, "float32")
    image_keys = image_embeddings if image_keys is None else ops.cast(image_keys,
                                                                      "float32")
    text_keys = text_embeddings if text_keys is None else ops.cast(text_keys,
                                                                   "float32")
    logit_scale = ops.cast(logit_scale, "float32")
    labels = offset + ops.arange(ops.shape(image_embeddings)[0])
    image_logits = logit_scale * ops.matmul(image_embeddings, ops.transpose(text_keys))
    text_logits = logit_scale * ops.matmul(text_embeddings, ops.transpose(image_keys))

    def cross_entropy(logits):
        return ops.mean(ops.sparse_categorical_crossentropy(labels, logits,
                                                            from_logits=True))
    return cross_entropy(image_logits), cross_entropy(text_logits)


def masked_patch_loss(target_patches, predicted_patches, mask, normalize=False,
                      epsilon=1e-6):
    """The masked autoencoder's loss (He et al. 2022, sec. 3): the mean squared
    error per pixel of the masked patches only.

    Args:
        target_patches: ``(batch, num_patches, patch_dim)`` (`keras_genai.layers
            .patchify`).
        predicted_patches: the decoder's output, same shape.
        mask: ``(batch, num_patches)``, 1 where a patch was hidden from the
            encoder.
        normalize: compare with each target patch normalized by its own mean
            and standard deviation (the paper's "normalized pixels", which it
            found to give better representations).
        epsilon: added to the variance before the square root.

    Returns:
        A scalar: ``sum(mask * mse per patch) / sum(mask)``.

    Example:

    >>> t = keras.ops.zeros((1, 2, 3))
    >>> p = keras.ops.convert_to_tensor([[[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]])
    >>> float(masked_patch_loss(t, p, keras.ops.convert_to_tensor([[0.0, 1.0]])))
    4.0
    """
    target = ops.cast(target_patches, "float32")
    if normalize:
        mean = ops.mean(target, axis=-1, keepdims=True)
        var = ops.var(target, axis=-1, keepdims=True)
        target = (target - mean) / ops.sqrt(var + epsilon)
    per_patch = ops.mean(ops.square(ops.cast(predicted_patches, "float32") - target),
                         axis=-1)
    mask = ops.cast(mask, "float32")
    return ops.sum(per_patch * mask) / ops.maximum(ops.sum(mask), 1.0)


__all__ = [
    "GAN_LOSSES",
    "LossFamily",
    "RECONSTRUCTION_LOSSES",
    "bernoulli_reconstruction_loss",
    "contrastive_loss",
    "discriminator_accuracy",
    "feature_matching_generator_loss",
    "gaussian_kl",
    "gaussian_reconstruction_loss",
    "get_gan_loss",
    "get_reconstruction_loss",
    "gradient_penalty",
    "r1_penalty",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "kl_divergence",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "masked_patch_loss",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_discriminator_loss",
    "non_saturating_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
]
