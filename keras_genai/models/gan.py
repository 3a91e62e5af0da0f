"""The GAN of Goodfellow et al. (2014), with any generator / discriminator pair."""

import keras
import tensorflow as tf

from keras_genai import losses as losses_module
from keras_genai.distribute import replica_mean
from keras_genai.models.adversarial import ADVERSARIAL_TRACKERS
from keras_genai.models.adversarial import AdversarialLoss
from keras_genai.models.averaging import WeightAverage
from keras_genai.models.inputs import unpack_images
from keras_genai.models.latent import LatentVariableModel
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_non_negative
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_score_shape


@keras.saving.register_keras_serializable(package="keras_genai")
class GAN(LatentVariableModel):
    """A generative adversarial network trained with Goodfellow's Algorithm 1.

    Goodfellow et al. (2014), "Generative Adversarial Nets": the value function
    ``min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]`` (eq. 1) is
    optimised by alternating ``k = d_steps`` discriminator updates with one
    generator update (Algorithm 1).

    One call of ``train_step`` consumes one batch of ``k * m`` real images: the
    ``k`` discriminator updates use its ``k`` disjoint minibatches of ``m`` images
    (Algorithm 1 samples a fresh real minibatch for each update) with fresh noise
    each, then the generator is updated on ``m`` new latents. Each network has its
    own optimizer and variable list; nothing toggles ``trainable``.

    The objective is chosen by name in ``compile(loss=...)``: minimax,
    non-saturating, least-squares, hinge, Wasserstein or WGAN-GP (see
    `keras_genai.losses`).

    Logged (epoch means): ``d_loss``, ``g_loss``, and ``d_real_accuracy`` (share of
    real images D calls real) / ``d_fake_accuracy`` (share of fakes D calls fake),
    or for a Wasserstein critic ``wasserstein_distance`` (``E[D(x)] -
    E[D(G(z))]``); ``gradient_penalty`` and ``r1_penalty`` when they are on.

    With ``ema``, the model keeps ``ema_generator``, an exponential moving
    average of G's weights (Karras et al. 2018, "Progressive Growing of GANs",
    sec. 5; Yazici et al. 2019, "The Unusual Effectiveness of Averaging in GAN
    Training"), updated after every G step; `sample`, `decode` and the export
    use it, which smooths out the oscillation of the game and gives sharper
    samples. Training uses ``generator``.

    Args:
        generator: built `keras.Model` ``(batch, latent_dim) -> images``.
        discriminator: built `keras.Model` ``images -> (batch, 1)`` logits.
        latent_dim: size of the latent vector; must match the generator's input.
        ema: decay of the generator's weight average (e.g. 0.999), or ``None``
            for none: samples come from ``generator`` itself.
        seed: seed of the model's noise (``None`` for a random seed).
        **kwargs: `keras.Model` arguments (``name``).

    Example:

    >>> gan = GAN(dcgan_generator(64), dcgan_discriminator(), latent_dim=64)
    >>> gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...             g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> gan.fit(image_dataset(x_train, batch_size=64), epochs=10)
    >>> images = gan.sample(16, seed=0)
    """

    DECODER = "generator"
    # A conditional GAN adds "labels".
    NETWORKS = {"generator": ("z",), "discriminator": ("images",)}
    OPTIMIZERS = {"d_optimizer": ("discriminator",), "g_optimizer": ("generator",)}
    TRACKERS = ADVERSARIAL_TRACKERS + ("wasserstein_distance", "gradient_penalty",
                                       "r1_penalty")

    def __init__(self, generator, discriminator, latent_dim, ema=None, seed=None,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.generator = check_network("generator", generator)
        self.discriminator = check_network("discriminator", discriminator)
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.ema = None if ema is None else check_fraction("ema", ema)
        self.image_shape = self._check_networks()
        self._ema_average = (None if ema is None
                             else WeightAverage(self.generator, self.ema))
        self.ema_generator = None if ema is None else self._ema_average.average
        self.adversarial = None  # set by compile
        self.d_steps = 1
        self.gradient_penalty_weight = 0.0
        self.r1_weight = 0.0
        self.r1_every = 1
        self.feature_matching = None
        self._features = None  # D's layer `feature_matching`, set by compile
        # Built here: otherwise Keras builds a model by calling it on the first
        # training batch, and `call` takes latents, not images.
        self.built = True

    def _check_networks(self):
        """Checks that G and D fit together; returns the image shape."""
        z_shape = self._input_shapes("generator")[0]
        if z_shape[1:] != (self.latent_dim,):
            raise ValueError(
                "`latent_dim` must match the generator's z input shape "
                f"{z_shape}. Received: latent_dim={self.latent_dim}"
            )
        g_out = tuple(self.generator.output_shape)[1:]
        d_in = self._input_shapes("discriminator")[0][1:]
        if g_out != d_in:
            raise ValueError(
                "`discriminator` must take the generator's output shape "
                f"{g_out}. Received: discriminator image input shape {d_in}"
            )
        check_score_shape("discriminator", self.discriminator)
        return g_out

    def call(self, z, training=False):
        """Maps latents to images: ``G(z)`` (the trained generator, not its
        average)."""
        return self.generator(z, training=training)

    def _decoder_network(self):
        """The network that samples: the weight average when there is one."""
        return self.generator if self.ema_generator is None else self.ema_generator

    @property
    def logged(self):
        """``d_loss`` and ``g_loss`` always; D's accuracies on real and fake
        images for the losses with a decision threshold, and the critic's
        estimate ``E[D(x)] - E[D(G(z))]`` (``wasserstein_distance``) for the
        Wasserstein losses; ``gradient_penalty`` and ``r1_penalty`` when they
        are on."""
        names = ["d_loss", "g_loss"]
        if self.adversarial is not None and self.adversarial.decision_threshold is None:
            names.append("wasserstein_distance")
        else:
            names += ["d_real_accuracy", "d_fake_accuracy"]
        if self.gradient_penalty_weight:
            names.append("gradient_penalty")
        if self.r1_weight:
            names.append("r1_penalty")
        return names

    def compile(self, d_optimizer=None, g_optimizer=None, loss="non_saturating",
                d_steps=None, label_smoothing=0.0, gradient_penalty_weight=None,
                r1_weight=0.0, r1_every=1, feature_matching=None, **kwargs):
        """Sets the optimizers and the objective.

        Args:
            d_optimizer: discriminator optimizer (instance or name).
            g_optimizer: generator optimizer (instance or name).
            loss: a loss family of `keras_genai.losses.GAN_LOSSES`:
                ``"non_saturating"`` (G minimises ``-log D(G(z))``),
                ``"minimax"`` (G minimises ``log(1 - D(G(z)))``),
                ``"least_squares"`` (LSGAN), ``"hinge"``, ``"wasserstein"``
                (the critic is unconstrained unless you constrain it) or
                ``"wasserstein_gp"`` (WGAN-GP, Gulrajani et al. 2017).
            d_steps: ``k``, discriminator updates per generator update; the
                batch size must be divisible by ``k``. Default 5 for
                ``"wasserstein_gp"`` (the paper's ``n_critic``), else 1.
            label_smoothing: one-sided label smoothing of D's real target
                (``minimax``, ``non_saturating`` and ``least_squares`` only).
            gradient_penalty_weight: ``lambda`` of the gradient penalty added
                to D's loss (`keras_genai.losses.gradient_penalty`). Default 10
                for ``"wasserstein_gp"`` (the paper's value), else 0 (off).
            r1_weight: ``gamma`` of the R1 penalty on real images: D's loss adds
                ``gamma / 2 * E[||grad_x D(x)||^2]`` (`keras_genai.losses
                .r1_penalty`, Mescheder et al. 2018). 0 (off) by default.
            r1_every: lazy regularization (Karras et al. 2020, "Analyzing and
                Improving the Image Quality of StyleGAN", sec. 3.1): the R1
                penalty is computed on every ``r1_every``-th discriminator step
                only, with its weight multiplied by ``r1_every``, so it costs a
                fraction of its time with the same weight on average. The
                logged ``r1_penalty`` is then ``r1_every`` times the penalty on
                the D steps that compute it and 0 on the others, averaged over
                each G step's ``d_steps`` D steps (its epoch mean estimates the
                penalty's). 1 (every step) by default.
            feature_matching: the name of a layer of the discriminator (for
                the DCGAN's, ``"features"``, ``"down2_lrelu"``...): G then
                minimises `keras_genai.losses.feature_matching_generator_loss`
                on that layer's outputs for real and generated images instead
                of the family's generator loss (Salimans et al. 2016, sec.
                3.1); D keeps the family's loss. ``None`` (default): off.
            **kwargs: `keras.Model.compile` options (``steps_per_execution``,
                ``jit_compile``, ``run_eagerly``).

        Example:

        >>> gan.compile(d_optimizer=keras.optimizers.Adam(1e-4, 0.0, 0.9),
        ...             g_optimizer=keras.optimizers.Adam(1e-4, 0.0, 0.9),
        ...             loss="wasserstein_gp")  # 5 critic steps, lambda = 10
        """
        adversarial = AdversarialLoss(loss, losses_module.GAN_LOSSES,
                                      label_smoothing)
        family = adversarial.family
        d_steps = check_positive_int(
            "d_steps", family.d_steps if d_steps is None else d_steps)
        gradient_penalty_weight = check_non_negative(
            "gradient_penalty_weight",
            family.gradient_penalty_weight if gradient_penalty_weight is None
            else gradient_penalty_weight)
        r1_weight = check_non_negative("r1_weight", r1_weight)
        r1_every = check_positive_int("r1_every", r1_every)
        features = self._feature_network(feature_matching)
        self._compile(dict(d_optimizer=d_optimizer, g_optimizer=g_optimizer),
                      kwargs, **adversarial.config(), d_steps=d_steps,
                      gradient_penalty_weight=gradient_penalty_weight,
                      r1_weight=r1_weight, r1_every=r1_every,
                      feature_matching=feature_matching)
        self.feature_matching = feature_matching
        # Kept in a closure, not as a tracked attribute: its weights are D's.
        self._features = None if features is None else (
            lambda inputs, training: features(inputs, training=training))
        self.adversarial = adversarial
        self.d_steps = d_steps
        self.gradient_penalty_weight = gradient_penalty_weight
        self.r1_weight = r1_weight
        self.r1_every = r1_every

    def _feature_network(self, layer):
        """A network from D's inputs to the output of its layer ``layer``
        (sharing D's weights), or ``None`` for ``None``."""
        if layer is None:
            return None
        names = [l.name for l in self.discriminator.layers
                 if not isinstance(l, keras.layers.InputLayer)]
        if not isinstance(layer, str) or layer not in names:
            raise ValueError("`feature_matching` must name a layer of the "
                             f"discriminator: one of {names}. Received: "
                             f"feature_matching={layer!r}")
        return keras.Model(self.discriminator.inputs,
                           self.discriminator.get_layer(layer).output,
                           name=f"{self.discriminator.name}_{layer}")

    # -- what a conditional subclass changes ---------------------------------------

    def _unpack(self, data):
        """Returns ``(real_images, condition)`` of a batch (no condition here)."""
        return unpack_images(data), None

    def _generate(self, z, condition, training):
        """``G(z)`` (a conditional GAN passes the condition too)."""
        return self.generator(z, training=training)

    def _discriminator_inputs(self, images, condition):
        """What D takes for ``images`` (a conditional GAN adds the condition)."""
        return images

    def _discriminate(self, images, condition, training):
        """``D(x)``."""
        return self.discriminator(self._discriminator_inputs(images, condition),
                                  training=training)

    # -- the algorithm -----------------------------------------------------------

    def _fakes(self, batch, condition, training):
        """``G(z)`` for ``batch`` fresh latents of this replica."""
        return self._generate(self.sample_normal(batch, (self.latent_dim,)),
                              condition, training)

    def _discriminator_loss(self, real, fake, condition, training):
        """D's loss (penalties included), its outputs on ``real`` and ``fake``,
        and the penalties ``{name: value}`` that are on."""
        discriminate = lambda x: self._discriminate(x, condition, training)  # noqa: E731
        penalties = {}
        if self.r1_weight and (self.r1_every == 1 or not training):
            penalties["r1_penalty"], real_out = losses_module.r1_penalty(
                discriminate, real)
        elif self.r1_weight:
            # Lazy R1: on every r1_every-th D step, r1_every times the penalty.
            k = self.r1_every

            def with_penalty():
                penalty, outputs = losses_module.r1_penalty(discriminate, real)
                return k * penalty, outputs

            def without_penalty():
                return tf.zeros((), tf.float32), discriminate(real)

            penalties["r1_penalty"], real_out = tf.cond(
                tf.equal(self.d_optimizer.iterations % k, 0), with_penalty,
                without_penalty)
        else:
            real_out = discriminate(real)
        fake_out = discriminate(fake)
        d_loss = self.adversarial.discriminator_loss(real_out, fake_out)
        if self.gradient_penalty_weight:
            penalties["gradient_penalty"] = losses_module.gradient_penalty(
                discriminate, real, fake,
                epsilon=self.sample_uniform(tf.shape(real)[0]))
            d_loss = d_loss + self.gradient_penalty_weight * penalties[
                "gradient_penalty"]
        if "r1_penalty" in penalties:
            d_loss = d_loss + 0.5 * self.r1_weight * penalties["r1_penalty"]
        return d_loss, real_out, fake_out, penalties

    def _generator_loss(self, real, condition, training):
        """G's loss on ``len(real)`` fresh fakes: the family's on D's outputs,
        or with ``feature_matching`` the distance between the mean features
        of ``real`` and of the fakes."""
        fake = self._fakes(tf.shape(real)[0], condition, training)
        if self._features is None:
            return self.adversarial.generator_loss(
                self._discriminate(fake, condition, training))

        def global_mean(images):
            """The mean features of the global batch, as a batch of one."""
            features = self._features(self._discriminator_inputs(images, condition),
                                      training)
            features = tf.cast(tf.reshape(features, [tf.shape(features)[0], -1]),
                               tf.float32)
            return replica_mean(tf.reduce_mean(features, axis=0))[None]

        return losses_module.feature_matching_generator_loss(global_mean(real),
                                                             global_mean(fake))

    def _update_metrics(self, d_loss, g_loss, real_out, fake_out, penalties):
        logs = self.adversarial.logs(d_loss, g_loss, real_out, fake_out)
        return self._log(**logs, **{name: value for name, value in penalties.items()
                                    if name in self.logged})

    def _minibatches(self, real, condition):
        """Splits a batch (and its condition) into ``d_steps`` disjoint
        minibatches, strided so that the split of a global batch is the same on
        any number of replicas."""
        k = self.d_steps
        if k == 1:
            return [(real, condition)]
        message = f"The batch size must be divisible by d_steps={k}."
        n = real.shape[0]
        if n is not None and n % k:
            raise ValueError(f"{message} Received: batch of {n} images")
        if n is None:  # Unknown until run time: checked in the graph.
            tf.debugging.assert_equal(tf.shape(real)[0] % k, 0, message=message)
        return [(real[i::k], None if condition is None else condition[i::k])
                for i in range(k)]

    def train_step(self, data):
        """One iteration of Algorithm 1: ``d_steps`` D updates, one G update.

        The generator step uses the condition of the last minibatch (none for an
        unconditional GAN).
        """
        real, condition = self._unpack(data)
        d_losses, logged_penalties = [], []
        for real_i, condition_i in self._minibatches(real, condition):
            batch = tf.shape(real_i)[0]
            # The fakes need no gradient in the D step: draw them off the tape.
            fake = self._fakes(batch, condition_i, training=True)
            d_loss, real_out, fake_out, penalties = self._descend(
                "d_optimizer",
                lambda: self._discriminator_loss(real_i, fake, condition_i,
                                                 training=True))
            d_losses.append(d_loss)
            logged_penalties.append(penalties)
        # Each penalty's mean over the D steps (lazy R1 puts it on some only).
        penalties = {name: tf.add_n([p[name] for p in logged_penalties])
                     / len(logged_penalties) for name in penalties}
        g_loss = self._descend(
            "g_optimizer",
            lambda: self._generator_loss(real_i, condition_i, training=True))
        if self.ema_generator is not None:
            self._ema_average.update(self.g_optimizer.iterations)
        return self._update_metrics(tf.add_n(d_losses) / len(d_losses), g_loss,
                                    real_out, fake_out, penalties)

    def test_step(self, data):
        """Both losses and D's accuracies (or the critic's estimate) on a batch,
        without updates."""
        real, condition = self._unpack(data)
        batch = tf.shape(real)[0]
        d_loss, real_out, fake_out, penalties = self._discriminator_loss(
            real, self._fakes(batch, condition, training=False), condition,
            training=False)
        g_loss = self._generator_loss(real, condition, training=False)
        return self._update_metrics(d_loss, g_loss, real_out, fake_out, penalties)

    def generate(self, n=None, labels=None, seed=None, batch_size=256):
        """The same as `sample`, under the name GAN tutorials use."""
        return self.sample(n, labels=labels, seed=seed, batch_size=batch_size)

    # -- export --------------------------------------------------------------------

    def _export_resources(self):
        return [self._decoder_network()]

    def _export_endpoints(self):
        signature = [tf.TensorSpec((None, self.latent_dim), tf.float32, name="z")]
        generator = self._decoder_network()
        return [("serve", lambda z: generator(z, training=False), signature)]
