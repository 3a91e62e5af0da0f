"""Pure loss functions, TF-GAN style: ``<family>_generator_loss`` and
``<family>_discriminator_loss``.

Every GAN loss takes the discriminator's *logits* (pre-sigmoid outputs) and returns
the mean over the batch as a scalar. Writing ``log D(x)`` as ``-softplus(-x)`` and
``log(1 - D(x))`` as ``-softplus(x)`` keeps them finite for any logit.

Goodfellow et al. (2014), "Generative Adversarial Nets", eq. 1:

    min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]
"""

from keras import ops

from keras_genai.utils.checks import check_choice


def _check_smoothing(label_smoothing):
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(
            "`label_smoothing` must be in [0, 1). "
            f"Received: label_smoothing={label_smoothing}"
        )


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
    _check_smoothing(label_smoothing)
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


GAN_LOSSES = {
    "minimax": (minimax_generator_loss, minimax_discriminator_loss),
    "non_saturating": (non_saturating_generator_loss,
                       non_saturating_discriminator_loss),
}


def get_gan_loss(name):
    """Returns ``(generator_loss, discriminator_loss)`` for a loss family name.

    Args:
        name: one of ``GAN_LOSSES`` (``"minimax"``, ``"non_saturating"``).

    Returns:
        A pair of pure functions.

    Raises:
        ValueError: for an unknown name.

    Example:

    >>> g_loss, d_loss = get_gan_loss("non_saturating")
    """
    check_choice("loss", name, tuple(GAN_LOSSES))
    return GAN_LOSSES[name]


def discriminator_accuracy(real_logits, fake_logits):
    """Share of real images D calls real and of fakes D calls fake.

    Args:
        real_logits: D's logits on real images.
        fake_logits: D's logits on generated images.

    Returns:
        ``(real_accuracy, fake_accuracy)``, scalars in ``[0, 1]``.

    Example:

    >>> [float(a) for a in discriminator_accuracy(ops.ones(2), ops.ones(2))]
    [1.0, 0.0]
    """
    real = ops.cast(ops.convert_to_tensor(real_logits) > 0, "float32")
    fake = ops.cast(ops.convert_to_tensor(fake_logits) < 0, "float32")
    return ops.mean(real), ops.mean(fake)


__all__ = [
    "GAN_LOSSES",
    "discriminator_accuracy",
    "get_gan_loss",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_discriminator_loss",
    "non_saturating_generator_loss",
]
