"""StyleGAN: the model contract, style mixing, the running mean of w, the
truncation trick and style-mixed images."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai import builders
from keras_genai.models import StyleGAN

LATENT = 8
SHAPE = (8, 8, 1)
NUM_WS = 4  # 4x4: one convolution; 8x8: two; the output layer


def make_stylegan(latent_dim=LATENT, seed=3, **kwargs):
    generator = builders.stylegan_generator(latent_dim, SHAPE, w_dim=8,
                                            mapping_layers=2, filters=(8, 4))
    discriminator = builders.dcgan_discriminator(SHAPE, filters=(4, 8))
    return StyleGAN(generator, discriminator, latent_dim=LATENT, seed=seed,
                    **kwargs)


def compile_stylegan(model, **kwargs):
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.0, beta_2=0.99),
                  g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.0, beta_2=0.99),
                  **kwargs)


def images(n=32):
    return np.random.default_rng(0).uniform(-1, 1, (n,) + SHAPE).astype("float32")


def _rng(seed):
    return np.random.default_rng(seed)


SPEC = conformance.ModelSpec(
    make_model=make_stylegan,
    # R1 with a weight that matters at this size, so every check covers it.
    compile=lambda m: compile_stylegan(m, r1_weight=1.0),
    data=lambda: (images(),),
    networks=("generator", "discriminator"),
    optimizers=("d_optimizer", "g_optimizer"),
    inputs=lambda: [_rng(1).normal(size=(5, NUM_WS, LATENT)).astype("float32"),
                    _rng(2).normal(size=(5,) + SHAPE[:2] + (3,)).astype("float32")],
    endpoints={
        "serve": ((_rng(3).normal(size=(3, LATENT)).astype("float32"),
                   _rng(4).normal(size=(3,) + SHAPE[:2] + (3,)).astype("float32")),
                  lambda m, z, noise: m.ema_generator(
                      {"z": np.repeat(z[:, None], NUM_WS, 1), "noise": noise})),
        "sample": ((np.int32(4), np.array([5, 6], "int32"), np.float32(0.5)),
                   lambda m, n, seed, psi: m._synthesize(
                       *[tf.random.stateless_normal((n, LATENT), seed)] * 2,
                       tf.random.stateless_normal((n, 8, 8, 3), seed + 1),
                       NUM_WS, psi)),
    },
    bad_arguments=[
        ("generator", lambda: StyleGAN(builders.dcgan_generator(LATENT, SHAPE,
                                                                filters=(8, 4)),
                                       builders.dcgan_discriminator(SHAPE),
                                       latent_dim=LATENT)),
        ("latent_dim", lambda: StyleGAN(
            builders.stylegan_generator(LATENT, SHAPE, w_dim=8, filters=(8, 4)),
            builders.dcgan_discriminator(SHAPE), latent_dim=LATENT + 1)),
        ("discriminator", lambda: StyleGAN(
            builders.stylegan_generator(LATENT, SHAPE, w_dim=8, filters=(8, 4)),
            builders.dcgan_discriminator((16, 16, 1)), latent_dim=LATENT)),
        ("mixing", lambda: make_stylegan(mixing=1.5)),
        ("w_avg_decay", lambda: make_stylegan(w_avg_decay=-0.1)),
        ("ema", lambda: make_stylegan(ema=2.0)),
        ("r1_weight", lambda: compile_stylegan(make_stylegan(), r1_weight=-1.0)),
        ("truncation", lambda: make_stylegan().sample(2, truncation=1.5)),
        ("crossover", lambda: make_stylegan().style_mix(
            np.zeros((1, LATENT)), np.zeros((1, LATENT)), crossover=NUM_WS + 1)),
        ("z_fine", lambda: make_stylegan().style_mix(
            np.zeros((1, LATENT)), np.zeros((2, LATENT)), crossover=1)),
        ("seed", lambda: make_stylegan(seed="seven")),
    ],
    # The running mean of w, averaged across replicas.
    compared_variables=("w_avg",),
    export_atol=1e-4,
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


def test_mixed_latents_switch_once_at_a_crossover_inside_the_stack():
    model = make_stylegan(mixing=1.0)
    z = model._mixed_latents(64).numpy()
    assert z.shape == (64, NUM_WS, LATENT)
    crossovers = set()
    for rows in z:
        first = [np.array_equal(r, rows[0]) for r in rows]
        c = first.index(False)  # every example is mixed
        assert all(first[:c]) and not any(first[c:]), first
        assert all(np.array_equal(r, rows[c]) for r in rows[c:])
        crossovers.add(c)
    assert crossovers == set(range(1, NUM_WS))
    z = make_stylegan(mixing=0.0)._mixed_latents(8).numpy()
    np.testing.assert_array_equal(z, np.repeat(z[:, :1], NUM_WS, axis=1))


def test_w_avg_moves_towards_the_mean_of_the_mapped_latents():
    """One update by hand (`check_mirrored` compares it on two replicas)."""
    model = make_stylegan(w_avg_decay=0.75)
    model.w_avg.assign(np.ones(8, "float32"))
    state = model.seed_generator.state.numpy()
    model._track_w_avg(16)
    model.seed_generator.state.assign(state)  # the same latents again
    mapping = model.generator.get_layer("mapping")
    mean = mapping(model.sample_normal(16, (1, LATENT)))[:, 0].numpy().mean(0)
    np.testing.assert_allclose(model.w_avg.numpy(), mean + 0.75 * (1.0 - mean),
                               rtol=1e-5)


def test_truncation_zero_gives_one_image_without_noise_and_one_is_the_generator():
    """At initialisation the noise strengths are 0: psi = 0 maps every latent
    to w_avg, so every image is the same; psi = 1 is the generator itself."""
    model = make_stylegan(ema=None)
    model.w_avg.assign(_rng(0).normal(size=8).astype("float32"))
    same = model.sample(5, truncation=0.0, seed=1)
    np.testing.assert_allclose(same, np.repeat(same[:1], 5, axis=0), atol=1e-6)
    z = model.sample_latents(3, seed=2)
    noise = model._noise(3, seed=4)
    np.testing.assert_allclose(
        model.decode(z, truncation=1.0, seed=4),
        model.generator({"z": np.repeat(z[:, None], NUM_WS, 1), "noise": noise}),
        atol=1e-6)
    assert not np.allclose(model.decode(z, truncation=0.5, seed=4),
                           model.decode(z, truncation=1.0, seed=4), atol=1e-4)


def test_style_mix_takes_the_coarse_layers_from_one_latent_and_the_rest_from_another():
    model = make_stylegan(ema=None)
    a, b = _rng(5).normal(size=(2, 3, LATENT)).astype("float32")
    np.testing.assert_allclose(model.style_mix(a, b, crossover=NUM_WS, seed=0),
                               model.decode(a, seed=0), atol=1e-6)
    np.testing.assert_allclose(model.style_mix(a, b, crossover=0, seed=0),
                               model.decode(b, seed=0), atol=1e-6)
    # Crossover 2: the generator with the rows of a, a, b, b.
    rows = np.concatenate([np.repeat(a[:, None], 2, 1), np.repeat(b[:, None], 2, 1)],
                          axis=1)
    np.testing.assert_allclose(
        model.style_mix(a, b, crossover=2, seed=0),
        model.generator({"z": rows, "noise": model._noise(3, seed=0)}), atol=1e-6)
