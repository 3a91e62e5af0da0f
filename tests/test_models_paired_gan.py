"""Pix2Pix (and the shared PairedGAN algorithm): the model contract, the
objective by hand, learning a paired task."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai import builders
from keras_genai.models import Pix2Pix

SHAPE = (8, 8, 1)


def make_pix2pix(l1_weight=100.0, dropout=0.0, seed=3):
    generator = builders.unet_generator(SHAPE, filters=(4, 8), bottleneck_filters=8,
                                        dropout=dropout)
    discriminator = builders.patchgan_discriminator(SHAPE, condition_shape=SHAPE,
                                                    filters=(4, 8))
    return Pix2Pix(generator, discriminator, l1_weight=l1_weight, seed=seed)


def compile_pix2pix(model, **kwargs):
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5), **kwargs)


def pairs(n=32):
    """Source: an image; target: its negative (a local, learnable map)."""
    x = np.random.default_rng(0).uniform(-1, 1, (n,) + SHAPE).astype("float32")
    return x, -x


SPEC = conformance.ModelSpec(
    make_model=make_pix2pix,
    compile=compile_pix2pix,
    data=pairs,
    networks=("generator", "discriminator"),
    optimizers=("d_optimizer", "g_optimizer"),
    inputs=lambda: pairs(5)[0],
    endpoints={"serve": ((pairs(3)[0],), lambda m, x: m.generator(x, training=False))},
    bad_arguments=[
        ("l1_weight", lambda: make_pix2pix(l1_weight=-1)),
        ("discriminator", lambda: Pix2Pix(
            builders.unet_generator(SHAPE, filters=(4, 8)),
            builders.patchgan_discriminator(SHAPE, filters=(4, 8)))),
        ("generator", lambda: Pix2Pix("unet", builders.patchgan_discriminator(
            SHAPE, condition_shape=SHAPE))),
        ("loss", lambda: compile_pix2pix(make_pix2pix(), loss="wasserstein_gp")),
        ("label_smoothing", lambda: compile_pix2pix(make_pix2pix(), loss="hinge",
                                                    label_smoothing=0.1)),
        ("d_optimizer", lambda: make_pix2pix().compile(g_optimizer="adam")),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


def test_objective_is_adversarial_plus_lambda_l1_by_hand():
    model = make_pix2pix(l1_weight=7.0)
    compile_pix2pix(model)
    x, y = pairs(16)
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    fake = np.asarray(model.generator(x, training=False))
    np.testing.assert_allclose(logs["l1_loss"], np.mean(np.abs(y - fake)), rtol=1e-5)
    patches = np.asarray(model.discriminator([x, fake], training=False))
    adversarial = np.mean(np.logaddexp(0.0, -patches))  # -log sigmoid, per patch
    np.testing.assert_allclose(logs["adversarial_loss"], adversarial, rtol=1e-5)
    np.testing.assert_allclose(logs["g_loss"], adversarial + 7.0 * logs["l1_loss"],
                               rtol=1e-5)


def test_learns_a_paired_task():
    """The L1 error of the negation task falls well below its starting value."""
    keras.utils.set_random_seed(0)
    model = make_pix2pix()
    compile_pix2pix(model)
    x, y = pairs(64)
    before = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(32).repeat(),
              steps_per_epoch=150, verbose=0)
    after = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    assert after["l1_loss"] < 0.5 * before["l1_loss"], (before, after)
    np.testing.assert_allclose(model.translate(x[:4]),
                               model.generator(x[:4], training=False), atol=1e-6)


def test_fit_needs_targets():
    model = make_pix2pix()
    compile_pix2pix(model)
    with pytest.raises(ValueError, match="target"):
        model.fit(pairs(8)[0], batch_size=8, verbose=0)


# -- SRGAN -------------------------------------------------------------------------

from keras_genai.models import SRGAN  # noqa: E402


def content_features():
    inputs = keras.Input(SHAPE, name="image")
    x = keras.layers.Conv2D(3, 3, padding="same", activation="relu",
                            kernel_initializer=keras.initializers.GlorotUniform(0),
                            name="features")(inputs)
    return keras.Model(inputs, x, name="content")


def make_srgan(content=True, adversarial_weight=1e-3, seed=3):
    return SRGAN(builders.sr_generator((4, 4, 1), scale=2, filters=4,
                                       residual_blocks=1),
                 builders.dcgan_discriminator(SHAPE, filters=(4, 8)),
                 content_model=content_features() if content else None,
                 adversarial_weight=adversarial_weight, seed=seed)


def low_high(n=32):
    from keras_genai.data import downsample

    high = np.random.default_rng(0).uniform(-1, 1, (n,) + SHAPE).astype("float32")
    return downsample(high, 2), high


SR_SPEC = conformance.ModelSpec(
    make_model=make_srgan,
    compile=compile_pix2pix,
    data=low_high,
    networks=("generator", "discriminator"),
    optimizers=("d_optimizer", "g_optimizer"),
    inputs=lambda: low_high(5)[0],
    endpoints={"serve": ((low_high(3)[0],),
                         lambda m, x: m.generator(x, training=False))},
    bad_arguments=[
        ("adversarial_weight", lambda: make_srgan(adversarial_weight=-1.0)),
        ("content_model", lambda: SRGAN(
            builders.sr_generator((4, 4, 1), scale=2, filters=4),
            builders.dcgan_discriminator(SHAPE, filters=(4,)),
            content_model=builders.dcgan_discriminator((16, 16, 1)))),
        ("discriminator", lambda: SRGAN(
            builders.sr_generator((4, 4, 1), scale=2, filters=4),
            builders.dcgan_discriminator((16, 16, 1)))),
        ("scale", lambda: builders.sr_generator(scale=3)),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_srgan_conformance(check, tmp_path, mirrored_strategy):
    check(SR_SPEC, tmp_path, mirrored_strategy)


def test_srgan_perceptual_loss_by_hand():
    model = make_srgan(adversarial_weight=0.5)
    compile_pix2pix(model)
    low, high = low_high(16)
    logs = model.evaluate(low, high, batch_size=16, verbose=0, return_dict=True)
    fake = np.asarray(model.generator(low, training=False))
    phi = model.content_model
    content = (np.mean((high - fake) ** 2)
               + np.mean((np.asarray(phi(high)) - np.asarray(phi(fake))) ** 2))
    np.testing.assert_allclose(logs["content_loss"], content, rtol=1e-5)
    logits = np.asarray(model.discriminator(fake, training=False))
    np.testing.assert_allclose(logs["adversarial_loss"],
                               np.mean(np.logaddexp(0.0, -logits)), rtol=1e-5)
    np.testing.assert_allclose(logs["g_loss"],
                               content + 0.5 * logs["adversarial_loss"], rtol=1e-5)
    plain = make_srgan(content=False)
    compile_pix2pix(plain)
    logs = plain.evaluate(low, high, batch_size=16, verbose=0, return_dict=True)
    fake = np.asarray(plain.generator(low, training=False))
    np.testing.assert_allclose(logs["content_loss"], np.mean((high - fake) ** 2),
                               rtol=1e-5)
