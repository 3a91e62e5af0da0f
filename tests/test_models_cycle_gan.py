"""CycleGAN: the model contract, the objective by hand, unpaired learning."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai import builders
from keras_genai.models import CycleGAN

SHAPE = (8, 8, 1)


def _g(name):
    return builders.unet_generator(SHAPE, filters=(4, 8), bottleneck_filters=8,
                                   dropout=0.0, name=name)


def _d(name):
    return builders.patchgan_discriminator(SHAPE, filters=(4, 8), name=name)


def make_cycle_gan(cycle_weight=10.0, identity_weight=None, seed=3):
    return CycleGAN(_g("g_ab"), _g("g_ba"), _d("d_a"), _d("d_b"),
                    cycle_weight=cycle_weight, identity_weight=identity_weight,
                    seed=seed)


def compile_cycle_gan(model, **kwargs):
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5), **kwargs)


def unpaired(n=32):
    """Domain A: images; domain B: *other* images, negated (not pairs)."""
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (n,) + SHAPE).astype("float32")
    b = -rng.uniform(-1, 1, (n,) + SHAPE).astype("float32")
    return a, b


SPEC = conformance.ModelSpec(
    make_model=make_cycle_gan,
    compile=compile_cycle_gan,
    data=unpaired,
    networks=("generator_ab", "generator_ba", "discriminator_a", "discriminator_b"),
    optimizers=("d_optimizer", "g_optimizer"),
    inputs=lambda: unpaired(5)[0],
    endpoints={
        "serve": ((unpaired(3)[0],), lambda m, a: m.generator_ab(a, training=False)),
        "serve_b_to_a": ((unpaired(3)[1],),
                         lambda m, b: m.generator_ba(b, training=False)),
    },
    bad_arguments=[
        ("cycle_weight", lambda: make_cycle_gan(cycle_weight=-1)),
        ("identity_weight", lambda: make_cycle_gan(identity_weight="x")),
        ("discriminator_b", lambda: CycleGAN(
            _g("a"), _g("b"), _d("c"),
            builders.patchgan_discriminator((16, 16, 1), filters=(4,)))),
        ("generator_ba", lambda: CycleGAN(_g("a"), None, _d("c"), _d("d"))),
        ("loss", lambda: compile_cycle_gan(make_cycle_gan(), loss="wasserstein")),
        ("direction", lambda: make_cycle_gan().translate(unpaired(2)[0], "up")),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


def test_objective_by_hand():
    model = make_cycle_gan(cycle_weight=3.0, identity_weight=2.0)
    compile_cycle_gan(model)
    a, b = unpaired(8)
    logs = model.evaluate(a, b, batch_size=8, verbose=0, return_dict=True)

    def g(x):
        return np.asarray(model.generator_ab(x, training=False))

    def f(x):
        return np.asarray(model.generator_ba(x, training=False))

    cycle = np.mean(np.abs(a - f(g(a)))) + np.mean(np.abs(b - g(f(b))))
    identity = np.mean(np.abs(b - g(b))) + np.mean(np.abs(a - f(a)))
    # Least squares: 1/2 mean((D(fake) - 1)^2) for each generator.
    adversarial = (0.5 * np.mean((np.asarray(model.discriminator_b(g(a))) - 1) ** 2)
                   + 0.5 * np.mean((np.asarray(model.discriminator_a(f(b))) - 1) ** 2))
    np.testing.assert_allclose(logs["cycle_loss"], cycle, rtol=1e-5)
    np.testing.assert_allclose(logs["identity_loss"], identity, rtol=1e-5)
    np.testing.assert_allclose(logs["adversarial_loss"], adversarial, rtol=1e-5)
    np.testing.assert_allclose(logs["g_loss"],
                               adversarial + 3.0 * cycle + 2.0 * identity, rtol=1e-5)
    assert make_cycle_gan(cycle_weight=10.0).identity_weight == 5.0


def test_cycle_loss_falls_on_unpaired_data():
    keras.utils.set_random_seed(0)
    model = make_cycle_gan()
    compile_cycle_gan(model)
    a, b = unpaired(64)
    before = model.evaluate(a, b, batch_size=64, verbose=0, return_dict=True)
    ds = tf.data.Dataset.zip((tf.data.Dataset.from_tensor_slices(a).shuffle(64, 1),
                              tf.data.Dataset.from_tensor_slices(b).shuffle(64, 2)))
    model.fit(ds.batch(32).repeat(), steps_per_epoch=100, verbose=0)
    after = model.evaluate(a, b, batch_size=64, verbose=0, return_dict=True)
    assert after["cycle_loss"] < 0.5 * before["cycle_loss"], (before, after)
    np.testing.assert_allclose(model.translate(b[:2], "b_to_a"),
                               model.generator_ba(b[:2], training=False), atol=1e-6)
