"""VAE and ConditionalVAE: the model contract, the loss by hand, the ELBO."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai import builders
from keras_genai import losses
from keras_genai.layers import reparameterize
from keras_genai.models import ConditionalVAE
from keras_genai.models import VAE

SHAPE = (8, 8, 1)
LATENT = 3
CLASSES = 3


def make_vae(latent_dim=LATENT, beta=1.0, reconstruction="bce", seed=3,
             conv=False):
    if conv:
        encoder = builders.conv_encoder(SHAPE, latent_dim, filters=(4, 8),
                                        variational=True)
        decoder = builders.conv_decoder(SHAPE, latent_dim, filters=(8, 4))
    else:
        encoder = builders.dense_encoder(SHAPE, latent_dim, (16,), variational=True)
        decoder = builders.dense_decoder(SHAPE, latent_dim, (16,))
    return VAE(encoder, decoder, beta=beta, reconstruction=reconstruction, seed=seed)


def make_cvae(seed=3, num_classes=CLASSES):
    encoder = builders.dense_encoder(SHAPE, LATENT, (16,), variational=True,
                                     num_classes=num_classes)
    decoder = builders.dense_decoder(SHAPE, LATENT, (16,), num_classes=num_classes)
    return ConditionalVAE(encoder, decoder, num_classes=num_classes, seed=seed)


def compile_vae(model, **kwargs):
    model.compile(optimizer=keras.optimizers.Adam(1e-2), **kwargs)


def images(n=32):
    rng = np.random.default_rng(0)
    return (rng.random((n,) + SHAPE) > 0.5).astype("float32")


def labelled(n=32):
    labels = (np.arange(n) % CLASSES).astype("int64")
    rng = np.random.default_rng(1)
    # Each class lights a different third of the image.
    x = np.zeros((n,) + SHAPE, "float32")
    for i, c in enumerate(labels):
        x[i, :, 3 * c:3 * c + 2] = 1.0
    x = np.clip(x + (rng.random(x.shape) < 0.05), 0, 1).astype("float32")
    return x, labels


def _z(n, seed):
    return np.random.default_rng(seed).normal(size=(n, LATENT)).astype("float32")


def _sample_reference(m, n, seed):
    return m.decoder(tf.random.stateless_normal((int(n), LATENT), seed))


SPEC = conformance.ModelSpec(
    make_model=make_vae,
    compile=compile_vae,
    data=lambda: (images(),),
    networks=("encoder", "decoder"),
    optimizers=("optimizer",),
    inputs=lambda: images(5),
    endpoints={
        "serve": ((images(3),), lambda m, x: m(x)),
        "encode": ((images(3),), lambda m, x: m.encoder(x)[0]),
        "decode": ((_z(3, 2),), lambda m, z: m.decoder(z)),
        "sample": ((np.int32(4), np.array([1, 2], "int32")), _sample_reference),
    },
    bad_arguments=[
        ("beta", lambda: make_vae(beta=-1.0)),
        ("free_bits", lambda: VAE(builders.dense_encoder(SHAPE, 3, variational=True),
                                  builders.dense_decoder(SHAPE, 3), free_bits=-0.5)),
        ("reconstruction", lambda: make_vae(reconstruction="l1")),
        ("encoder", lambda: VAE(builders.dense_encoder(SHAPE, LATENT),
                                builders.dense_decoder(SHAPE, LATENT))),
        ("decoder", lambda: VAE(builders.dense_encoder(SHAPE, 3, variational=True),
                                builders.dense_decoder(SHAPE, 4))),
        ("decoder", lambda: VAE(builders.dense_encoder(SHAPE, 3, variational=True),
                                builders.dense_decoder((64,), 3))),
        ("encoder", lambda: VAE("encoder", builders.dense_decoder(SHAPE, 3))),
        ("optimizer", lambda: make_vae().compile(optimizer=None)),
        ("loss", lambda: make_vae().compile(optimizer="adam", loss="mse")),
        ("n", lambda: make_vae().sample(0)),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


CVAE_SPEC = conformance.ModelSpec(
    make_model=make_cvae,
    compile=compile_vae,
    data=labelled,
    networks=("encoder", "decoder"),
    optimizers=("optimizer",),
    inputs=lambda: [images(5), np.array([0, 1, 2, 0, 1], "int32")],
    endpoints={
        "serve": ((images(3), np.array([2, 0, 1], "int32")),
                  lambda m, x, y: m([x, y])),
        "encode": ((images(3), np.array([2, 0, 1], "int32")),
                   lambda m, x, y: m.encoder([x, y])[0]),
        "decode": ((_z(3, 2), np.array([1, 1, 0], "int32")),
                   lambda m, z, y: m.decoder([z, y])),
        "sample": ((np.array([0, 2], "int32"), np.array([3, 4], "int32")),
                   lambda m, y, s: m.decoder(
                       [tf.random.stateless_normal((2, LATENT), s),
                        tf.constant(y)])),
    },
    bad_arguments=[
        ("num_classes", lambda: make_cvae(num_classes=1)),
        ("encoder", lambda: ConditionalVAE(
            builders.dense_encoder(SHAPE, LATENT, variational=True),
            builders.dense_decoder(SHAPE, LATENT, num_classes=3), num_classes=3)),
        ("decoder", lambda: ConditionalVAE(
            builders.dense_encoder(SHAPE, LATENT, variational=True, num_classes=3),
            builders.dense_decoder(SHAPE, LATENT), num_classes=3)),
        ("labels", lambda: make_cvae().sample(labels=np.array([0, 3]))),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conditional_conformance(check, tmp_path, mirrored_strategy):
    check(CVAE_SPEC, tmp_path, mirrored_strategy)


def test_logged_losses_are_the_formula_on_the_models_own_noise():
    """test_step's numbers equal reconstruction + beta KL computed by hand with
    the noise the model draws next."""
    model = make_vae(beta=0.5)
    compile_vae(model)
    x = images(8)
    seed_before = model.seed_generator.state.numpy().copy()
    logs = model.evaluate(x, batch_size=8, verbose=0, return_dict=True)
    model.seed_generator.state.assign(seed_before)
    noise = model.sample_normal(8, (LATENT,)).numpy()
    mean, log_var = (t.numpy() for t in model.encoder(x))
    z = mean + np.exp(0.5 * log_var) * noise
    p = np.clip(model.decoder(z).numpy(), 1e-7, 1 - 1e-7)
    rec = -(x * np.log(p) + (1 - x) * np.log(1 - p)).reshape(8, -1).sum(1).mean()
    kl = (0.5 * (mean ** 2 + np.exp(log_var) - log_var - 1).sum(1)).mean()
    np.testing.assert_allclose(logs["reconstruction"], rec, rtol=1e-4)
    np.testing.assert_allclose(logs["kl"], kl, rtol=1e-4)
    np.testing.assert_allclose(logs["loss"], rec + 0.5 * kl, rtol=1e-4)
    np.testing.assert_allclose(logs["elbo"], -(rec + kl), rtol=1e-4)


def test_mse_reconstruction_is_the_summed_squared_error():
    model = make_vae(reconstruction="mse")
    x = images(4)
    mean, _ = model.encoder(x)
    expected = np.square(x - model.decoder(mean).numpy()).reshape(4, -1).sum(1)
    np.testing.assert_allclose(
        losses.gaussian_reconstruction_loss(x, model(x)), expected, rtol=1e-5)


def test_the_elbo_rises_with_training():
    """Three column patterns (plus 5% flipped pixels): the bound climbs from
    about 64 log 2 = 44 nats (coin-flip pixels) towards the flips' entropy."""
    keras.utils.set_random_seed(0)
    model = make_vae(conv=True)
    compile_vae(model)
    x, _ = labelled(64)
    before = model.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    model.fit(x, batch_size=32, epochs=40, verbose=0)
    after = model.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    assert after["elbo"] > before["elbo"] + 15, (before, after)
    assert after["kl"] > 0.1, after  # the code is used: it tells the classes apart


def test_beta_weights_the_kl_term():
    x = images(8)
    logs = {}
    for beta in (0.0, 4.0):
        model = make_vae(beta=beta, seed=1)
        compile_vae(model)
        logs[beta] = model.evaluate(x, batch_size=8, verbose=0, return_dict=True)
    for beta, log in logs.items():
        np.testing.assert_allclose(log["loss"], log["reconstruction"] + beta * log["kl"],
                                   rtol=1e-5)


def test_free_bits_hold_each_dimensions_kl_term_at_lambda():
    """With lambda above every dimension's KL the loss's KL term is
    latent_dim * lambda; the logged KL and ELBO stay the true ones."""
    x = images(8)
    logs = {}
    for free_bits in (0.0, 50.0):
        keras.utils.set_random_seed(1)
        model = VAE(builders.dense_encoder(SHAPE, LATENT, (16,), variational=True),
                    builders.dense_decoder(SHAPE, LATENT, (16,)), seed=1,
                    beta=2.0, free_bits=free_bits)
        compile_vae(model)
        logs[free_bits] = model.evaluate(x, batch_size=8, verbose=0,
                                         return_dict=True)
    held, plain = logs[50.0], logs[0.0]
    assert held["kl"] == pytest.approx(plain["kl"], rel=1e-5)
    assert held["elbo"] == pytest.approx(plain["elbo"], rel=1e-5)
    assert held["loss"] == pytest.approx(held["reconstruction"] + 2.0 * 50.0 * LATENT,
                                         rel=1e-5)
    assert plain["loss"] == pytest.approx(plain["reconstruction"] + 2.0 * plain["kl"],
                                          rel=1e-5)


def test_free_bits_keep_a_high_beta_from_collapsing_every_dimension():
    keras.utils.set_random_seed(0)
    kls = {}
    for free_bits in (0.0, 1.0):
        model = VAE(builders.dense_encoder(SHAPE, LATENT, (16,), variational=True),
                    builders.dense_decoder(SHAPE, LATENT, (16,)), seed=3, beta=50.0,
                    free_bits=free_bits)
        compile_vae(model)
        model.fit(images(64), batch_size=32, epochs=30, verbose=0)
        kls[free_bits] = model.evaluate(images(64), batch_size=32, verbose=0,
                                        return_dict=True)["kl"]
    # Measured: 4e-5 nats without, 0.93 with (3 dimensions of lambda = 1).
    assert kls[0.0] < 0.1 and kls[1.0] > 0.5, kls


def test_high_beta_collapses_the_posterior_to_the_prior():
    """With a heavy KL weight the encoder learns to ignore x: KL -> 0."""
    keras.utils.set_random_seed(0)
    model = make_vae(beta=50.0)
    compile_vae(model)
    model.fit(images(64), batch_size=32, epochs=30, verbose=0)
    assert model.evaluate(images(64), batch_size=32, verbose=0,
                          return_dict=True)["kl"] < 0.1


def test_sample_encode_decode():
    model = make_vae()
    a, b = model.sample(5, seed=2), model.sample(5, seed=2)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5,) + SHAPE and 0 <= a.min() and a.max() <= 1
    np.testing.assert_allclose(a, model.decode(model.sample_latents(5, seed=2)),
                               rtol=1e-6)
    x = images(4)
    mean, log_var = model.encode(x, return_log_var=True)
    assert mean.shape == log_var.shape == (4, LATENT)
    np.testing.assert_allclose(model.encode(x), mean)
    np.testing.assert_allclose(model.decode(mean), model(x).numpy(), rtol=1e-5,
                               atol=1e-6)


def test_reparameterisation_is_the_models_sampling():
    mean = np.array([[1.0, -2.0]], "float32")
    log_var = np.log(np.array([[4.0, 0.25]], "float32"))
    noise = np.array([[1.0, 2.0]], "float32")
    np.testing.assert_allclose(reparameterize(mean, log_var, noise), [[3.0, -1.0]])


def test_conditional_vae_samples_follow_the_label():
    """Each class lights its own columns; after training, sampled images of
    class c are brightest in c's columns."""
    keras.utils.set_random_seed(0)
    model = make_cvae()
    compile_vae(model)
    x, y = labelled(96)
    model.fit(x, y, batch_size=32, epochs=40, verbose=0)
    for c in range(CLASSES):
        samples = model.sample(labels=np.full(8, c), seed=c)
        columns = [samples[:, :, 3 * k:3 * k + 2].mean() for k in range(CLASSES)]
        assert int(np.argmax(columns)) == c, (c, columns)


def test_conditional_vae_needs_labels():
    model = make_cvae()
    compile_vae(model)
    with pytest.raises(ValueError, match="labels"):
        model.fit(images(8), batch_size=8, verbose=0)


def _one_dimensional_vae():
    """A VAE with a 1-D latent, trained a little on the labelled bars, so that
    ``log p(x)`` is a one-dimensional integral computable on a grid."""
    keras.utils.set_random_seed(0)
    model = make_vae(latent_dim=1, seed=0)
    compile_vae(model)
    model.fit(labelled(64)[0], epochs=20, batch_size=16, verbose=0)
    return model


def _on_a_grid(model, x, count=4001, limit=10.0):
    """``(log p(x), ELBO(x))`` per image by quadrature over z in [-10, 10]."""
    z = np.linspace(-limit, limit, count, dtype=np.float64)
    dz = z[1] - z[0]
    probabilities = np.asarray(model.decoder(z[:, None].astype("float32")),
                               np.float64).reshape(count, -1)
    p = np.clip(probabilities, 1e-7, 1 - 1e-7)
    flat = x.reshape(len(x), -1).astype(np.float64)
    log_px_z = flat @ np.log(p).T + (1 - flat) @ np.log(1 - p).T  # (n, count)
    log_prior = -0.5 * z ** 2 - 0.5 * math.log(2 * math.pi)
    joint = log_px_z + log_prior
    top = joint.max(axis=1, keepdims=True)
    log_px = top[:, 0] + np.log(np.exp(joint - top).sum(axis=1) * dz)
    mean, log_var = (np.asarray(t, np.float64)[:, 0] for t in model.encoder(x))
    q = np.exp(-0.5 * (z[None] - mean[:, None]) ** 2 / np.exp(log_var[:, None])) \
        / np.sqrt(2 * math.pi * np.exp(log_var[:, None]))
    kl = 0.5 * (np.exp(log_var) + mean ** 2 - 1 - log_var)
    elbo = (q * log_px_z).sum(axis=1) * dz - kl
    return log_px, elbo


def test_importance_weighted_bound_lies_between_the_elbo_and_log_likelihood():
    model = _one_dimensional_vae()
    x = labelled(6)[0]
    log_px, elbo = _on_a_grid(model, x)
    assert np.all(elbo < log_px)
    # k = 1 is the ELBO: averaged over 400 draws per image.
    draws = model.log_likelihood(np.repeat(x, 400, axis=0), num_samples=1, seed=0)
    np.testing.assert_allclose(draws.reshape(6, 400).mean(axis=1), elbo, atol=0.25)
    # In expectation L_k rises with k (Burda et al. 2016, theorem 1) towards
    # log p(x): the mean over images and 5 seeds.
    bounds = {k: np.mean([model.log_likelihood(x, num_samples=k, seed=s)
                          for s in range(5)], axis=0)
              for k in (1, 10, 100, 2000)}
    means = [bounds[k].mean() for k in (1, 10, 100, 2000)]
    assert means == sorted(means) and means[0] < means[-1] - 0.1
    assert np.all(bounds[2000] >= elbo - 0.05)
    assert np.all(bounds[2000] <= log_px + 0.05)
    # At k = 2,000 less than a quarter of the ELBO's gap to log p(x) is left.
    assert (log_px - bounds[2000]).mean() < 0.25 * (log_px - elbo).mean()


def test_log_likelihood_of_a_conditional_vae_and_of_a_gaussian_decoder():
    cvae = make_cvae()
    x, y = labelled(4)
    values = cvae.log_likelihood(x, labels=y, num_samples=3, seed=0)
    assert values.shape == (4,) and np.all(np.isfinite(values))
    with pytest.raises(ValueError, match="labels"):
        cvae.log_likelihood(x, num_samples=3)
    with pytest.raises(ValueError, match="labels"):
        make_vae().log_likelihood(x, labels=y)
    with pytest.raises(ValueError, match="num_samples"):
        make_vae().log_likelihood(x, num_samples=0)
    # N(x_hat, I/2): log w = -sum (x - x_hat)^2 - D/2 log(pi) + log N(z; 0, I)
    # - log N(z; mu, sigma^2), by hand at z = mu (zero noise).
    model = make_vae(reconstruction="mse")
    mean, log_var = (np.asarray(t, np.float64) for t in model.encoder(x))
    x_hat = np.asarray(model.decoder(mean.astype("float32")), np.float64)
    expected = -((x - x_hat) ** 2).reshape(4, -1).sum(1) - 32 * math.log(math.pi) \
        - 0.5 * (mean ** 2).sum(1) + 0.5 * log_var.sum(1)
    weights = model._log_weights(x, None, np.zeros((4, 1, LATENT), "float32"))
    np.testing.assert_allclose(np.asarray(weights)[:, 0], expected, rtol=1e-5)


def test_free_bits_equal_on_one_and_two_replicas(tmp_path, mirrored_strategy):
    """The held KL term is taken on the global batch's per-dimension KL (with
    lambda 0.5 some dimensions straddle it: per-replica means fail this)."""
    import dataclasses

    spec = dataclasses.replace(SPEC, make_model=lambda: VAE(
        builders.dense_encoder(SHAPE, LATENT, (16,), variational=True),
        builders.dense_decoder(SHAPE, LATENT, (16,)), seed=3, free_bits=0.5))
    conformance.check_mirrored(spec, tmp_path, mirrored_strategy)
