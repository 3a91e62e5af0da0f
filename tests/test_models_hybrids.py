"""AdversarialAutoencoder, VAEGAN and BiGAN/ALI: the model contract, each
objective from the networks' outputs by hand, and what each learns."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai import builders
from keras_genai import losses
from keras_genai.models import AdversarialAutoencoder
from keras_genai.models import ALI
from keras_genai.models import BiGAN
from keras_genai.models import VAEGAN

SHAPE = (8, 8, 1)
LATENT = 3


def images(n=32, scale="unit"):
    rng = np.random.default_rng(0)
    x = np.zeros((n,) + SHAPE, "float32")
    for i in range(n):  # a bar at a random row: a one-parameter family
        x[i, rng.integers(0, 8)] = 1.0
    return (x if scale == "unit" else 2 * x - 1).astype("float32")


def _z(n, seed):
    return np.random.default_rng(seed).normal(size=(n, LATENT)).astype("float32")


def _sample(network_name):
    return lambda m, n, s: getattr(m, network_name)(
        tf.random.stateless_normal((int(n), LATENT), s))


def _adam(lr=1e-3):
    return keras.optimizers.Adam(lr, beta_1=0.5)


# -- adversarial autoencoder ---------------------------------------------------------


def make_aae(seed=3, latent_dim=LATENT, discriminator=None):
    return AdversarialAutoencoder(
        builders.dense_encoder(SHAPE, latent_dim, (16,)),
        builders.dense_decoder(SHAPE, latent_dim, (16,)),
        discriminator or builders.mlp_discriminator((latent_dim,), (16,)),
        seed=seed)


def compile_aae(model, **kwargs):
    model.compile(ae_optimizer=_adam(), d_optimizer=_adam(), g_optimizer=_adam(),
                  **kwargs)


AAE_SPEC = conformance.ModelSpec(
    make_model=make_aae, compile=compile_aae, data=lambda: (images(),),
    networks=("encoder", "decoder", "discriminator"),
    optimizers=("ae_optimizer", "d_optimizer", "g_optimizer"),
    inputs=lambda: images(5),
    endpoints={
        "serve": ((images(3),), lambda m, x: m(x)),
        "encode": ((images(3),), lambda m, x: m.encoder(x)),
        "decode": ((_z(3, 1),), lambda m, z: m.decoder(z)),
        "sample": ((np.int32(4), np.array([5, 6], "int32")), _sample("decoder")),
    },
    bad_arguments=[
        ("encoder", lambda: AdversarialAutoencoder(
            builders.dense_encoder(SHAPE, LATENT, variational=True),
            builders.dense_decoder(SHAPE, LATENT),
            builders.mlp_discriminator((LATENT,)))),
        ("discriminator", lambda: make_aae(
            discriminator=builders.mlp_discriminator((LATENT + 1,)))),
        ("reconstruction", lambda: AdversarialAutoencoder(
            builders.dense_encoder(SHAPE, LATENT), builders.dense_decoder(SHAPE, LATENT),
            builders.mlp_discriminator((LATENT,)), reconstruction="l2")),
        ("loss", lambda: compile_aae(make_aae(), loss="wasserstein")),
        ("g_optimizer", lambda: make_aae().compile(ae_optimizer="adam",
                                                   d_optimizer="adam")),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_aae_conformance(check, tmp_path, mirrored_strategy):
    check(AAE_SPEC, tmp_path, mirrored_strategy)


def test_aae_objectives_by_hand():
    model = make_aae()
    compile_aae(model)
    x = images(8)
    seed = model.seed_generator.state.numpy().copy()
    logs = model.evaluate(x, batch_size=8, verbose=0, return_dict=True)
    model.seed_generator.state.assign(seed)
    prior = model.sample_normal(8, (LATENT,))
    codes = model.encoder(x)
    rec = np.square(x - model.decoder(codes).numpy()).reshape(8, -1).sum(1).mean()
    real, fake = model.discriminator(prior), model.discriminator(codes)
    np.testing.assert_allclose(logs["reconstruction"], rec, rtol=1e-5)
    np.testing.assert_allclose(
        logs["d_loss"], losses.non_saturating_discriminator_loss(real, fake), rtol=1e-5)
    np.testing.assert_allclose(
        logs["g_loss"], losses.non_saturating_generator_loss(fake), rtol=1e-5)


def bumps(n=512):
    """A bump at a continuous random row: a one-parameter family of images."""
    u = np.random.default_rng(0).uniform(0, 7, n)
    rows = np.exp(-0.5 * (np.arange(8)[None, :] - u[:, None]) ** 2)
    return np.repeat(rows[:, :, None], 8, axis=2)[..., None].astype("float32")


def test_aae_reconstructs_and_the_game_pulls_its_codes_towards_the_prior():
    """The same autoencoder with the encoder's adversarial step switched off
    (g_optimizer learning rate 0) spreads its codes far from N(0, I); with the
    game on, their moments come much closer."""
    x = bumps()
    distance = {}
    for g_lr in (0.0, 1e-3):
        keras.utils.set_random_seed(0)  # the same initial networks for both
        model = make_aae(latent_dim=2)
        model.compile(ae_optimizer=keras.optimizers.Adam(5e-3), d_optimizer=_adam(),
                      g_optimizer=keras.optimizers.Adam(g_lr, beta_1=0.5))
        before = model.evaluate(x, batch_size=32, verbose=0, return_dict=True)
        model.fit(x, batch_size=32, epochs=30, verbose=0)
        after = model.evaluate(x, batch_size=32, verbose=0, return_dict=True)
        assert after["reconstruction"] < 0.2 * before["reconstruction"], (before,
                                                                          after)
        codes = model.encode(x)
        distance[g_lr] = (np.abs(codes.mean(0)).sum()
                          + np.abs(codes.std(0) - 1).sum())
    assert distance[1e-3] < 0.4 * distance[0.0], distance  # measured 6.0 vs 19.4


# -- VAE-GAN -------------------------------------------------------------------------


def make_vaegan(seed=3, beta=1.0, gamma=0.5, discriminator=None):
    return VAEGAN(
        builders.conv_encoder(SHAPE, LATENT, (4, 8), variational=True),
        builders.conv_decoder(SHAPE, LATENT, (8, 4)),
        discriminator or builders.vaegan_discriminator(SHAPE, (4, 8), kernel_size=3),
        beta=beta, gamma=gamma, seed=seed)


def compile_vaegan(model, **kwargs):
    model.compile(encoder_optimizer=_adam(), decoder_optimizer=_adam(),
                  d_optimizer=_adam(), **kwargs)


VAEGAN_SPEC = conformance.ModelSpec(
    make_model=make_vaegan, compile=compile_vaegan, data=lambda: (images(),),
    networks=("encoder", "decoder", "discriminator"),
    optimizers=("encoder_optimizer", "decoder_optimizer", "d_optimizer"),
    inputs=lambda: images(5),
    endpoints={
        "serve": ((images(3),), lambda m, x: m(x)),
        "encode": ((images(3),), lambda m, x: m.encoder(x)[0]),
        "sample": ((np.int32(2), np.array([7, 8], "int32")), _sample("decoder")),
    },
    bad_arguments=[
        ("discriminator", lambda: make_vaegan(
            discriminator=builders.dcgan_discriminator(SHAPE, (4,)))),
        ("discriminator", lambda: make_vaegan(
            discriminator=builders.vaegan_discriminator((16, 16, 1), (4,)))),
        ("gamma", lambda: make_vaegan(gamma=-1)),
        ("beta", lambda: make_vaegan(beta=-1)),
        ("loss", lambda: compile_vaegan(make_vaegan(), loss="hinge")),
        ("d_optimizer", lambda: make_vaegan().compile(encoder_optimizer="adam",
                                                      decoder_optimizer="adam")),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_vaegan_conformance(check, tmp_path, mirrored_strategy):
    check(VAEGAN_SPEC, tmp_path, mirrored_strategy)


def test_vaegan_objectives_by_hand():
    model = make_vaegan(beta=2.0, gamma=0.25)
    compile_vaegan(model)
    x = images(8)
    seed = model.seed_generator.state.numpy().copy()
    logs = model.evaluate(x, batch_size=8, verbose=0, return_dict=True)
    model.seed_generator.state.assign(seed)
    eps = model.sample_normal(8, (LATENT,))
    z_p = model.sample_normal(8, (LATENT,))
    mean, log_var = model.encoder(x)
    x_tilde = model.decoder(mean + tf.exp(0.5 * log_var) * eps)
    real_out, real_f = model.discriminator(x)
    tilde_out, tilde_f = model.discriminator(x_tilde)
    prior_out, _ = model.discriminator(model.decoder(z_p))
    feature = 0.5 * np.square(real_f.numpy() - tilde_f.numpy()).sum(1).mean()
    fake = tf.concat([tilde_out, prior_out], 0)
    np.testing.assert_allclose(logs["feature_reconstruction"], feature, rtol=1e-4)
    np.testing.assert_allclose(logs["kl"], np.mean(losses.kl_divergence(mean, log_var)),
                               rtol=1e-4)
    np.testing.assert_allclose(
        logs["d_loss"], losses.non_saturating_discriminator_loss(real_out, fake),
        rtol=1e-4)
    np.testing.assert_allclose(logs["g_loss"],
                               losses.non_saturating_generator_loss(fake), rtol=1e-4)
    np.testing.assert_allclose(
        logs["reconstruction"],
        np.square(x - x_tilde.numpy()).reshape(8, -1).sum(1).mean(), rtol=1e-4)


def test_vaegan_pixel_weight_adds_the_pixel_error_to_encoder_and_decoder():
    x = tf.constant(images(8))
    terms = {}
    networks = make_vaegan()
    for weight in (0.0, 2.0):
        model = VAEGAN(networks.encoder, networks.decoder, networks.discriminator,
                       gamma=0.5, pixel_weight=weight, seed=5)
        compile_vaegan(model)
        terms[weight] = model._vaegan_losses(x, training=False)
    pixel = float(terms[0.0]["pixel"])
    for name in ("encoder", "decoder"):
        np.testing.assert_allclose(float(terms[2.0][name]),
                                   float(terms[0.0][name]) + 2 * pixel, rtol=1e-5)
    np.testing.assert_allclose(float(terms[2.0]["discriminator"]),
                               float(terms[0.0]["discriminator"]), rtol=1e-6)
    with pytest.raises(ValueError, match="pixel_weight"):
        VAEGAN(networks.encoder, networks.decoder, networks.discriminator,
               pixel_weight=-1)


def test_vaegan_updates_each_network_from_its_own_loss():
    """Only the discriminator's loss reaches D: with the encoder's and decoder's
    learning rates at 0, one step changes D and nothing else, and D's change is
    the step of its own loss's gradient."""
    model = make_vaegan()
    model.compile(encoder_optimizer=keras.optimizers.SGD(0.0),
                  decoder_optimizer=keras.optimizers.SGD(0.0),
                  d_optimizer=keras.optimizers.SGD(0.1))
    x = images(8)
    before = {n: [v.numpy().copy() for v in getattr(model, n).trainable_variables]
              for n in ("encoder", "decoder", "discriminator")}
    seed = model.seed_generator.state.numpy().copy()
    with tf.GradientTape() as tape:
        terms = model._vaegan_losses(tf.constant(x), training=True)
    grads = tape.gradient(terms["discriminator"],
                          model.discriminator.trainable_variables)
    model.seed_generator.state.assign(seed)
    model.fit(x, batch_size=8, epochs=1, verbose=0)
    for name in ("encoder", "decoder"):
        for v, b in zip(getattr(model, name).trainable_variables, before[name]):
            np.testing.assert_array_equal(v.numpy(), b)
    for v, b, g in zip(model.discriminator.trainable_variables,
                       before["discriminator"], grads):
        # (graph vs eager convolution gradients differ in the 4th digit)
        np.testing.assert_allclose(v.numpy(), b - 0.1 * g.numpy(), rtol=1e-2,
                                   atol=2e-4)
        assert not np.allclose(v.numpy(), b)


# -- BiGAN / ALI ---------------------------------------------------------------------


def make_bigan(seed=3, latent_dim=LATENT, encoder=None, discriminator=None):
    return BiGAN(
        builders.mlp_generator(latent_dim, SHAPE, (16,)),
        encoder or builders.dense_encoder(SHAPE, latent_dim, (16,)),
        discriminator or builders.bigan_discriminator(SHAPE, latent_dim, (16, 16)),
        seed=seed)


def compile_bigan(model, **kwargs):
    model.compile(d_optimizer=_adam(), g_optimizer=_adam(), **kwargs)


BIGAN_SPEC = conformance.ModelSpec(
    make_model=make_bigan, compile=compile_bigan,
    data=lambda: (images(scale="tanh"),),
    networks=("generator", "encoder", "discriminator"),
    optimizers=("d_optimizer", "g_optimizer"),
    inputs=lambda: _z(5, 0),
    endpoints={
        "serve": ((_z(3, 1),), lambda m, z: m.generator(z)),
        "encode": ((images(3, "tanh"),), lambda m, x: m.encoder(x)),
        "sample": ((np.int32(3), np.array([1, 9], "int32")), _sample("generator")),
    },
    bad_arguments=[
        ("encoder", lambda: make_bigan(encoder=builders.dense_encoder(SHAPE, 4))),
        ("encoder", lambda: make_bigan(
            encoder=builders.dense_encoder((64,), LATENT))),
        ("discriminator", lambda: make_bigan(
            discriminator=builders.bigan_discriminator(SHAPE, LATENT + 1))),
        ("discriminator", lambda: make_bigan(
            discriminator=builders.mlp_discriminator(SHAPE))),
        ("loss", lambda: compile_bigan(make_bigan(), loss="minimax")),
        ("d_optimizer", lambda: make_bigan().compile(g_optimizer="adam")),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_bigan_conformance(check, tmp_path, mirrored_strategy):
    check(BIGAN_SPEC, tmp_path, mirrored_strategy)


@pytest.mark.parametrize("loss", ["non_saturating", "least_squares"])
def test_bigan_objectives_by_hand(loss):
    model = make_bigan()
    compile_bigan(model, loss=loss)
    x = tf.constant(images(8, "tanh"))
    seed = model.seed_generator.state.numpy().copy()
    logs = model.evaluate(x, batch_size=8, verbose=0, return_dict=True)
    model.seed_generator.state.assign(seed)
    z_d = model.sample_normal(8, (LATENT,))
    z_g = model.sample_normal(8, (LATENT,))
    real = model.discriminator([x, model.encoder(x)])
    d_loss_fn = losses.get_gan_loss(loss).discriminator_loss
    fake_d = model.discriminator([model.generator(z_d), z_d])
    fake_g = model.discriminator([model.generator(z_g), z_g])
    np.testing.assert_allclose(logs["d_loss"], d_loss_fn(real, fake_d), rtol=1e-5)
    # G and E: the same loss with real and fake swapped (inverted labels).
    np.testing.assert_allclose(logs["g_loss"], d_loss_fn(fake_g, real), rtol=1e-5)
    if loss == "non_saturating":
        by_hand = np.mean(np.logaddexp(0, -fake_g.numpy())) + np.mean(
            np.logaddexp(0, real.numpy()))  # -log D(G(z), z) - log(1 - D(x, E(x)))
        np.testing.assert_allclose(logs["g_loss"], by_hand, rtol=1e-5)


def test_ali_is_bigan_and_reconstruct_goes_through_both_networks():
    assert ALI is BiGAN
    model = make_bigan()
    x = images(4, "tanh")
    np.testing.assert_allclose(model.reconstruct(x),
                               model.generator(model.encoder(x)).numpy(), rtol=1e-5,
                               atol=1e-6)
    assert model.sample(3, seed=1).shape == (3,) + SHAPE


def test_bigan_encoder_learns_to_invert_the_generator():
    """At the optimum E = G^-1 (Donahue et al., Theorem 2): although nothing
    is trained to reconstruct, G(E(x)) comes much closer to x with training."""
    keras.utils.set_random_seed(0)
    model = BiGAN(builders.mlp_generator(2, SHAPE, (32,)),
                  builders.dense_encoder(SHAPE, 2, (32,)),
                  builders.bigan_discriminator(SHAPE, 2, (32, 32)), seed=0)
    model.compile(d_optimizer=_adam(2e-3), g_optimizer=_adam(2e-3))
    x = 2 * bumps() - 1

    def error():
        return float(np.square(model.reconstruct(x) - x).mean())

    before = error()  # about 0.7
    model.fit(x, batch_size=64, epochs=60, verbose=0)
    after = error()  # about 0.15 (measured)
    assert after < 0.5 * before, (before, after)
