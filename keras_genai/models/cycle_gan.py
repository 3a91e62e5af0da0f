"""CycleGAN: unpaired image-to-image translation (Zhu et al. 2017)."""

import keras
import tensorflow as tf
from keras import ops

from keras_genai.models.adversarial import AdversarialLoss
from keras_genai.models.base import GenerativeModel
from keras_genai.models.inputs import unpack_pair
from keras_genai.models.paired_gan import PAIRED_LOSSES
from keras_genai.utils.batching import predict_fixed
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_non_negative


@keras.saving.register_keras_serializable(package="keras_genai")
class CycleGAN(GenerativeModel):
    """Two generators ``G: A -> B`` and ``F: B -> A`` learnt from unpaired images.

    Zhu et al. (2017), "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks", eqs. 1-3 and sec. 5.2:

        L(G, F, D_A, D_B) = L_GAN(G, D_B) + L_GAN(F, D_A)
                            + lambda_cyc (E_a ||F(G(a)) - a||_1 + E_b ||G(F(b)) - b||_1)
                            + lambda_id (E_b ||G(b) - b||_1 + E_a ||F(a) - a||_1)

    with ``lambda_cyc = 10`` and the identity weight ``0.5 lambda_cyc``. The
    adversarial terms use least squares by default, as in the paper (sec. 4).
    The cycle term is what makes unpaired training work: G may only change what
    F can undo, so a digit keeps its identity across domains.

    ``fit`` takes ``(images_a, images_b)`` batches whose two halves are *not*
    paired (e.g. zip two independently shuffled datasets). One step updates
    both discriminators (one optimizer over their variables) and then both
    generators (one optimizer).

    Logged: ``d_loss``, ``g_loss`` (the weighted total), ``adversarial_loss``,
    ``cycle_loss``, ``identity_loss``.

    Args:
        generator_ab: built `keras.Model` ``A -> B``.
        generator_ba: built `keras.Model` ``B -> A``.
        discriminator_a: built `keras.Model` judging domain-A images (logits).
        discriminator_b: built `keras.Model` judging domain-B images.
        cycle_weight: ``lambda_cyc``.
        identity_weight: ``lambda_id`` (default ``0.5 * cycle_weight``; 0 turns
            the identity term off).
        seed: seed of the model's randomness.
        **kwargs: `keras.Model` arguments.

    Example:

    >>> model = CycleGAN(unet_generator(dropout=0), unet_generator(dropout=0),
    ...                  patchgan_discriminator(), patchgan_discriminator())
    >>> model.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...               g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> model.fit(tf.data.Dataset.zip((thin_ds, bold_ds)), epochs=10)
    """

    NETWORKS = {"generator_ab": ("images_a",), "generator_ba": ("images_b",),
                "discriminator_a": ("images_a",), "discriminator_b": ("images_b",)}
    OPTIMIZERS = {"d_optimizer": ("discriminator_a", "discriminator_b"),
                  "g_optimizer": ("generator_ab", "generator_ba")}
    TRACKERS = ("d_loss", "g_loss", "adversarial_loss", "cycle_loss",
                "identity_loss")
    DATA = ("images_a", "images_b")

    def __init__(self, generator_ab, generator_ba, discriminator_a, discriminator_b,
                 cycle_weight=10.0, identity_weight=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        for name, network in zip(self.NETWORKS, (generator_ab, generator_ba,
                                                 discriminator_a, discriminator_b)):
            setattr(self, name, check_network(name, network))
        self.cycle_weight = check_non_negative("cycle_weight", cycle_weight)
        self.identity_weight = check_non_negative(
            "identity_weight",
            0.5 * self.cycle_weight if identity_weight is None else identity_weight)
        shape_a = tuple(generator_ab.input_shape)[1:]
        shape_b = tuple(generator_ab.output_shape)[1:]
        for name, network, (shape_in, shape_out) in (
                ("generator_ba", generator_ba, (shape_b, shape_a)),
                ("discriminator_a", discriminator_a, (shape_a, None)),
                ("discriminator_b", discriminator_b, (shape_b, None))):
            got_in = tuple(network.input_shape)[1:]
            got_out = tuple(network.output_shape)[1:]
            if got_in != shape_in or (shape_out is not None and got_out != shape_out):
                raise ValueError(
                    f"`{name}` does not fit generator_ab ({shape_a} -> {shape_b}). "
                    f"Received: {name} {got_in} -> {got_out}")
        self.shape_a, self.shape_b = shape_a, shape_b
        self.adversarial = None  # set by compile
        self.built = True

    def call(self, images_a, training=False):
        """``G(a)``: domain A to domain B."""
        return self.generator_ab(images_a, training=training)

    def compile(self, d_optimizer=None, g_optimizer=None, loss="least_squares",
                **kwargs):
        """Sets the optimizers and the adversarial loss family.

        Args:
            d_optimizer: optimizer of both discriminators.
            g_optimizer: optimizer of both generators.
            loss: one of ``PAIRED_LOSSES`` (``"least_squares"`` as in the paper).
            **kwargs: `keras.Model.compile` options.
        """
        adversarial = AdversarialLoss(loss, PAIRED_LOSSES)
        self._compile(dict(d_optimizer=d_optimizer, g_optimizer=g_optimizer), kwargs,
                      loss=loss)
        self.adversarial = adversarial

    def _d_loss(self, a, b, fake_a, fake_b, training):
        return (self.adversarial.discriminator_loss(
                    self.discriminator_a(a, training=training),
                    self.discriminator_a(fake_a, training=training))
                + self.adversarial.discriminator_loss(
                    self.discriminator_b(b, training=training),
                    self.discriminator_b(fake_b, training=training)))

    def _g_losses(self, a, b, training):
        def l1(x, y):
            return ops.mean(ops.abs(x - y))

        fake_b = self.generator_ab(a, training=training)
        fake_a = self.generator_ba(b, training=training)
        g_loss = self.adversarial.generator_loss
        adversarial = (g_loss(self.discriminator_b(fake_b, training=training))
                       + g_loss(self.discriminator_a(fake_a, training=training)))
        cycle = (l1(a, self.generator_ba(fake_b, training=training))
                 + l1(b, self.generator_ab(fake_a, training=training)))
        identity = ops.zeros(())
        if self.identity_weight:
            identity = (l1(b, self.generator_ab(b, training=training))
                        + l1(a, self.generator_ba(a, training=training)))
        total = (adversarial + self.cycle_weight * cycle
                 + self.identity_weight * identity)
        return total, adversarial, cycle, identity

    def _update_metrics(self, d_loss, g_losses):
        return self._log(**dict(zip(self.TRACKERS, (d_loss,) + tuple(g_losses))))

    def train_step(self, data):
        """Both discriminators, then both generators."""
        a, b = unpack_pair(data, self)
        fake_b = self.generator_ab(a, training=True)
        fake_a = self.generator_ba(b, training=True)
        d_loss = self._descend(
            "d_optimizer", lambda: self._d_loss(a, b, fake_a, fake_b, training=True))
        g_losses = self._descend("g_optimizer",
                                 lambda: self._g_losses(a, b, training=True))
        return self._update_metrics(d_loss, g_losses)

    def test_step(self, data):
        """The losses on a batch, without updates."""
        a, b = unpack_pair(data, self)
        fake_b = self.generator_ab(a, training=False)
        fake_a = self.generator_ba(b, training=False)
        d_loss = self._d_loss(a, b, fake_a, fake_b, training=False)
        return self._update_metrics(d_loss, self._g_losses(a, b, training=False))

    def translate(self, images, direction="a_to_b", batch_size=256):
        """Translates images as a NumPy array.

        Args:
            images: a batch of domain-A (``"a_to_b"``) or domain-B images.
            direction: ``"a_to_b"`` or ``"b_to_a"``.
            batch_size: inference batch size.

        Example:

        >>> bold = model.translate(thin_digits)
        """
        if direction not in ("a_to_b", "b_to_a"):
            raise ValueError("`direction` must be 'a_to_b' or 'b_to_a'. "
                             f"Received: direction={direction!r}")
        network = self.generator_ab if direction == "a_to_b" else self.generator_ba
        return predict_fixed(network, [images], batch_size)

    def _export_resources(self):
        return [self.generator_ab, self.generator_ba]

    def _export_endpoints(self):
        return [
            ("serve", lambda a: self.generator_ab(a, training=False),
             [tf.TensorSpec((None,) + self.shape_a, tf.float32, name="images_a")]),
            ("serve_b_to_a", lambda b: self.generator_ba(b, training=False),
             [tf.TensorSpec((None,) + self.shape_b, tf.float32, name="images_b")]),
        ]
