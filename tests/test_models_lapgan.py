"""LAPGAN: the pyramid by hand, the model contract, coarse-to-fine sampling."""

import keras
import numpy as np
import pytest

import conformance
from keras_genai import builders
from keras_genai.models import LAPGAN
from keras_genai.models.lapgan import laplacian_pyramid
from keras_genai.models.lapgan import upsample2

LATENT = 4


def make_lapgan(latent_dim=LATENT, seed=3):
    generators = [builders.mlp_generator(latent_dim, (2, 2, 1), hidden_units=(8,),
                                         name="g0"),
                  builders.lapgan_generator((4, 4, 1), latent_dim, (4,), name="g1"),
                  builders.lapgan_generator((8, 8, 1), latent_dim, (4,), name="g2")]
    discriminators = [builders.mlp_discriminator((2, 2, 1), (8,), name="d0"),
                      builders.lapgan_discriminator((4, 4, 1), (4,), name="d1"),
                      builders.lapgan_discriminator((8, 8, 1), (4,), name="d2")]
    return LAPGAN(generators, discriminators, latent_dim=latent_dim, seed=seed)


def compile_lapgan(model, **kwargs):
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5), **kwargs)


def images(n=32):
    return np.random.default_rng(0).uniform(-1, 1, (n, 8, 8, 1)).astype("float32")


def _z(n, seed):
    return np.random.default_rng(seed).normal(size=(n, 3, LATENT)).astype("float32")


SPEC = conformance.ModelSpec(
    make_model=make_lapgan,
    compile=compile_lapgan,
    data=lambda: (images(),),
    networks=("generators", "discriminators"),
    optimizers=("d_optimizer", "g_optimizer"),
    inputs=lambda: _z(5, 1),
    endpoints={"serve": ((_z(3, 2),), lambda m, z: m(z, training=False))},
    bad_arguments=[
        ("generators", lambda: LAPGAN([builders.mlp_generator(4, (2, 2, 1))],
                                      [builders.mlp_discriminator((2, 2, 1))], 4)),
        ("discriminators", lambda: LAPGAN(make_lapgan().generators,
                                          make_lapgan().discriminators[:2], 4)),
        ("latent_dim", lambda: make_lapgan(latent_dim=0)),
        ("loss", lambda: compile_lapgan(make_lapgan(), loss="wasserstein_gp")),
        ("n", lambda: make_lapgan().sample(0)),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


def test_laplacian_pyramid_by_hand_and_exact_reconstruction():
    x = images(2)
    gaussian, residuals = laplacian_pyramid(x, 3)
    assert [tuple(g.shape[1:3]) for g in gaussian] == [(2, 2), (4, 4), (8, 8)]
    np.testing.assert_allclose(gaussian[1][0, 0, 0, 0], x[0, :2, :2, 0].mean(),
                               rtol=1e-6)
    rebuilt = residuals[0]
    for k in (1, 2):
        rebuilt = upsample2(rebuilt) + residuals[k]
    np.testing.assert_allclose(rebuilt, x, atol=1e-5)


def test_sampling_runs_coarse_to_fine():
    model = make_lapgan()
    z = _z(3, 0)
    levels = model(z, return_levels=True)
    assert [tuple(level.shape) for level in levels] == [(3, 2, 2, 1), (3, 4, 4, 1),
                                                        (3, 8, 8, 1)]
    coarse = np.asarray(upsample2(levels[1]))
    detail = np.asarray(model.generators[2]([z[:, 2], coarse]))
    np.testing.assert_allclose(levels[2], np.clip(coarse + detail, -1, 1), atol=1e-6)
    a = model.sample(4, seed=1)
    np.testing.assert_array_equal(a, model.sample(4, seed=1))
    assert a.shape == (4, 8, 8, 1) and np.abs(a).max() <= 1.0
