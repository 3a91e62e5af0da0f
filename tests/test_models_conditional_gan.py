"""ConditionalGAN: the model contract, labels in G and D, sample(labels=...)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai import builders
from keras_genai.models import ConditionalGAN

LATENT = 8
CLASSES = 3
SHAPE = (8, 8, 1)


def make_cgan(latent_dim=LATENT, num_classes=CLASSES, seed=3, encoding="embedding"):
    generator = builders.conditional_dcgan_generator(
        latent_dim, num_classes, SHAPE, filters=(8, 4), label_encoding=encoding)
    discriminator = builders.conditional_dcgan_discriminator(
        SHAPE, num_classes, filters=(4, 8), label_encoding=encoding)
    return ConditionalGAN(generator, discriminator, latent_dim=latent_dim,
                          num_classes=num_classes, seed=seed)


def compile_cgan(model, **kwargs):
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5), **kwargs)


def data(n=32):
    rng = np.random.default_rng(0)
    labels = (np.arange(n) % CLASSES).astype("int64")
    # Each class is a different brightness, so the label is learnable.
    x = (labels[:, None, None, None] - 1.0) * 0.5 + rng.normal(0, 0.1, (n,) + SHAPE)
    return x.astype("float32"), labels


def _z(n, seed):
    return np.random.default_rng(seed).normal(size=(n, LATENT)).astype("float32")


SPEC = conformance.ModelSpec(
    make_model=make_cgan,
    compile=compile_cgan,
    data=data,
    networks=("generator", "discriminator"),
    optimizers=("d_optimizer", "g_optimizer"),
    inputs=lambda: [_z(5, 1), np.array([0, 1, 2, 0, 1], "int32")],
    endpoints={
        "serve": ((_z(3, 2), np.array([2, 0, 1], "int32")),
                  lambda m, z, y: m.generator([z, y], training=False)),
    },
    bad_arguments=[
        ("num_classes", lambda: make_cgan(num_classes=1)),
        ("latent_dim", lambda: ConditionalGAN(
            builders.conditional_dcgan_generator(8, 3, SHAPE, filters=(8, 4)),
            builders.conditional_dcgan_discriminator(SHAPE, 3, filters=(4, 8)),
            latent_dim=4, num_classes=3)),
        ("generator", lambda: ConditionalGAN(
            builders.dcgan_generator(8, SHAPE, filters=(8, 4)),
            builders.conditional_dcgan_discriminator(SHAPE, 3, filters=(4, 8)),
            latent_dim=8, num_classes=3)),
        ("discriminator", lambda: ConditionalGAN(
            builders.conditional_dcgan_generator(8, 3, SHAPE, filters=(8, 4)),
            builders.dcgan_discriminator(SHAPE, filters=(4, 8)),
            latent_dim=8, num_classes=3)),
        ("labels", lambda: make_cgan().sample(labels=np.array([0, 3]))),
        ("labels", lambda: make_cgan().sample(labels=np.array([[0, 1]]))),
        ("labels", lambda: make_cgan().sample()),
        ("labels=", lambda: make_cgan().sample(np.array([0, 1]))),  # positional
        ("n", lambda: make_cgan().sample(3, labels=np.array([0, 1]))),
        ("loss", lambda: compile_cgan(make_cgan(), loss="nope")),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


def test_wgan_gp_mirrored_with_labels(tmp_path, mirrored_strategy):
    """The penalty is taken through D(., y) with each example's own label."""
    spec = conformance.ModelSpec(**{
        **SPEC.__dict__,
        # Adam's first step moves every weight by ~lr whatever the gradient's
        # size, so float rounding of near-zero gradients shows at lr 1e-2.
        "compile": lambda m: m.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                                       g_optimizer=keras.optimizers.Adam(1e-3),
                                       loss="wasserstein_gp", d_steps=2),
    })
    conformance.check_mirrored(spec, tmp_path, mirrored_strategy)


def test_generate_follows_the_labels_and_is_reproducible():
    model = make_cgan()
    labels = np.array([0, 1, 2, 2])
    a = model.sample(labels=labels, seed=5)
    b = model.sample(labels=labels, seed=5)
    assert a.shape == (4,) + SHAPE
    np.testing.assert_array_equal(a, b)
    z = model.sample_latents(4, seed=5)
    np.testing.assert_allclose(a, np.asarray(model([z, labels.astype("int32")])),
                               rtol=1e-5, atol=1e-6)
    assert not np.allclose(a[2], a[3])  # same label, other latent


def test_fit_needs_labels():
    model = make_cgan()
    compile_cgan(model)
    with pytest.raises(ValueError, match="labels"):
        model.fit(tf.data.Dataset.from_tensor_slices(data()[0]).batch(8), verbose=0)


def test_out_of_range_labels_stop_fit_with_a_value_error():
    model = make_cgan()
    compile_cgan(model)
    x, _ = data(8)
    ds = tf.data.Dataset.from_tensor_slices((x, np.full(8, CLASSES))).batch(8)
    with pytest.raises(ValueError, match=r"labels.*num_classes=3.*Received.*\[3 3 3"):
        model.fit(ds, verbose=0)
    # NumPy labels are checked before training starts.
    with pytest.raises(ValueError,
                       match=r"labels.*num_classes=3.*Received: labels from 3 to 3"):
        model.fit(x, np.full(8, CLASSES), verbose=0)


def test_samples_follow_their_label_after_training():
    """On data whose class sets the brightness (-0.5, 0, +0.5), a short training
    run makes G's samples as bright as their requested label says."""
    keras.utils.set_random_seed(0)
    model = make_cgan(seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5))
    x, y = data(96)
    model.fit(tf.data.Dataset.from_tensor_slices((x, y)).shuffle(96, seed=0)
              .batch(32).repeat(), steps_per_epoch=300, verbose=0)
    brightness = [float(model.sample(labels=np.full(64, k), seed=k).mean())
                  for k in range(CLASSES)]
    np.testing.assert_allclose(brightness, [-0.5, 0.0, 0.5], atol=0.15)
