"""VAE and ConditionalVAE: the model contract, the loss by hand, the ELBO."""

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
