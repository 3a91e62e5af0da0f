"""What the adversarial models share: the loss family chosen in ``compile``, the
discriminator loss with its label smoothing, and the adversarial trackers.

Every model with a discriminator (`GAN`, `AdversarialAutoencoder`, `BiGAN`,
`VAEGAN`, the paired and cycle GANs, `LAPGAN`) declares ``d_optimizer`` and
``g_optimizer`` (or its own split) in ``OPTIMIZERS`` and builds an
`AdversarialLoss` in ``compile`` from the one table of loss families,
`keras_genai.losses.GAN_LOSSES`; those that log D's accuracies add
`ADVERSARIAL_TRACKERS` to their ``TRACKERS`` and log `AdversarialLoss.logs`.
"""

from keras import ops

from keras_genai import losses
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_fraction

# D's loss, G's loss, and the share of real (fake) examples D calls real (fake).
ADVERSARIAL_TRACKERS = ("d_loss", "g_loss", "d_real_accuracy", "d_fake_accuracy")


class AdversarialLoss:
    """A loss family of `keras_genai.losses.GAN_LOSSES`, checked and bound to a
    label smoothing.

    Args:
        loss: the family's name; must be one of ``allowed``.
        allowed: the families the model accepts.
        label_smoothing: one-sided smoothing of D's real target (Salimans et
            al. 2016, sec. 3.4), in ``[0, 1)``; only for families whose
            `LossFamily.smoothable` is true.

    Example:

    >>> adversarial = AdversarialLoss("non_saturating", GAN_LOSSES, 0.1)
    >>> d_loss = adversarial.discriminator_loss(real_logits, fake_logits)
    """

    def __init__(self, loss, allowed, label_smoothing=0.0):
        check_choice("loss", loss, tuple(allowed))
        label_smoothing = check_fraction("label_smoothing", label_smoothing)
        family = losses.get_gan_loss(loss)
        if label_smoothing and not family.smoothable:
            smoothable = [n for n in allowed if losses.GAN_LOSSES[n].smoothable]
            raise ValueError(
                f"`label_smoothing` applies to the losses {smoothable}, not to "
                f"loss={loss!r}. Received: label_smoothing={label_smoothing}")
        self.name = loss
        self.family = family
        self.label_smoothing = label_smoothing

    @property
    def decision_threshold(self):
        """D's output above which D calls an example real (``None`` for a
        Wasserstein critic)."""
        return self.family.decision_threshold

    def discriminator_loss(self, real_outputs, fake_outputs):
        """D's loss on its outputs for real and fake examples, smoothed where
        the family takes it."""
        if self.family.smoothable:
            return self.family.discriminator_loss(
                real_outputs, fake_outputs, label_smoothing=self.label_smoothing)
        return self.family.discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        """G's loss on D's outputs for fakes."""
        return self.family.generator_loss(fake_outputs)

    def logs(self, d_loss, g_loss, real_outputs, fake_outputs):
        """The values of `ADVERSARIAL_TRACKERS` for one batch; for a critic
        without a decision threshold, ``wasserstein_distance`` (``E[D(x)] -
        E[D(G(z))]``) instead of the two accuracies."""
        logs = {"d_loss": d_loss, "g_loss": g_loss}
        if self.decision_threshold is None:
            logs["wasserstein_distance"] = (ops.mean(real_outputs)
                                            - ops.mean(fake_outputs))
        else:
            logs["d_real_accuracy"], logs["d_fake_accuracy"] = (
                losses.discriminator_accuracy(real_outputs, fake_outputs,
                                              threshold=self.decision_threshold))
        return logs

    def config(self):
        """The ``compile`` arguments that rebuild it."""
        return {"loss": self.name, "label_smoothing": self.label_smoothing}
