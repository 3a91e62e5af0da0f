"""Unit IV exercise ``stylegan``: a style-based generator (Karras et al. 2019,
2020) against the lab's DCGAN at equal training time.

What it shows:

* the generator's architecture: a mapping network ``z -> w``, a learned
  constant instead of an input layer, convolutions modulated by a style per
  layer, per-pixel noise;
* **style mixing**: a grid whose rows take the coarse styles (the 7x7 and
  14x14 layers: the digit's identity and pose) of one latent and whose columns
  take the fine styles (the 28x28 layers: stroke width and texture) of
  another;
* the **truncation trick**: sampling ``w`` closer to the average ``w`` (psi <
  1) gives more typical digits (more confident samples) and less variety (the
  rarest digit gets rarer, the FID rises once variety is lost);
* and, fairly measured, what a StyleGAN costs on a 2-core CPU: each step does
  several times the DCGAN's arithmetic, so at equal time it sees far fewer
  images.
"""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import callbacks
from keras_genai import data
from keras_genai import models
from keras_genai import viz
from units.common import SampleJudge
from units.common import dtype_policy
from units.common import export_if_asked
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit4_gan.digits import R1_WEIGHT
from units.unit4_gan.digits import default_dcgan
from units.unit4_gan.digits import digits_for_gan

# Truncation values of the sweep (1: none).
TRUNCATIONS = (1.0, 0.7, 0.5)
# The first style layer that the mixing grid takes from the "fine" latent: of
# the six style layers of a 28x28 generator (7x7; 14x14 up, 14x14; 28x28 up,
# 28x28; output), the three at 7x7 and 14x14 set the coarse shape. (With the
# crossover at 2, the 14x14 layer of the fine latent still changed the digit.)
CROSSOVER = 3


def stylegan_on_digits(latent_dim, seed):
    """The exercise's StyleGAN: `builders.stylegan_generator` (mapping 4 x 64,
    synthesis 64-32-16 channels at 7, 14 and 28 pixels) against the lab's
    DCGAN discriminator, Adam 1e-3 with beta_1 0 (StyleGAN2's choice), R1 with
    the default DCGAN's gamma and the weight average of G.

    Example:

    >>> gan = stylegan_on_digits(64, seed=0)
    """
    gan = models.StyleGAN(
        builders.stylegan_generator(latent_dim, (28, 28, 1), w_dim=64,
                                    filters=(64, 32, 16)),
        builders.dcgan_discriminator((28, 28, 1)), latent_dim=latent_dim,
        seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99),
                g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99),
                r1_weight=R1_WEIGHT)
    return gan


def _mixing_grid(gan, seed, out, n=6):
    """Row i, column j: coarse styles of latent i, fine styles of latent j;
    the first row and column are the sources themselves."""
    z = gan.sample_latents(2 * n, seed=seed + 2)
    coarse, fine = z[:n], z[n:]
    rows = [np.concatenate([np.zeros((1, 28, 28, 1), np.float32) - 1.0,
                            gan.decode(fine, truncation=0.7, seed=seed)])]
    for i in range(n):
        rows.append(np.concatenate([
            gan.decode(coarse[i:i + 1], truncation=0.7, seed=seed),
            gan.style_mix(np.repeat(coarse[i:i + 1], n, 0), fine, CROSSOVER,
                          truncation=0.7, seed=seed)]))
    return viz.save_image_grid(
        np.concatenate(rows), os.path.join(out, "style_mixing.png"),
        value_range=(-1, 1), cols=n + 1,
        title=f"rows: coarse styles (layers < {CROSSOVER}); columns: fine styles")


@exercise("stylegan", "A style-based generator against the DCGAN at equal "
                      "training time: FID, a style-mixing grid and the truncation "
                      "trick (psi 1.0, 0.7, 0.5); exports the StyleGAN.",
          export=os.path.join("saved_models", "unit4_stylegan"))
def stylegan(run: Run, *, epochs: Count = 30, batch_size: Count = 64,
             latent_dim: Count = 64, train_size: Count | None = None) -> dict:
    """The default DCGAN for ``epochs``, then the StyleGAN for as long, both
    under ``--precision``; the StyleGAN's samples at each truncation.

    Args:
        epochs: training epochs of the DCGAN (the StyleGAN gets its training
            time).
        batch_size: images per minibatch.
        latent_dim: size of the generators' latent vector.
        train_size: train on the first N training digits (default: all).
    """
    reseed(run.seed)
    dcgan, dataset, policy = default_dcgan(run.precision, latent_dim, batch_size,
                                           run.seed, train_size)
    limit = callbacks.TimeLimit(float("inf"))
    dcgan.fit(dataset, epochs=epochs, callbacks=[limit, *run.backup()],
              verbose=run.verbose)
    budget = limit.elapsed
    trained = {"dcgan": {"generator steps": int(dcgan.g_optimizer.iterations),
                         "seconds": budget, "dtype policy": policy}}
    reseed(run.seed)
    with dtype_policy(policy):
        style = stylegan_on_digits(latent_dim, run.seed)
    x, _ = digits_for_gan(train_size)
    limit = callbacks.TimeLimit(budget)
    style.fit(data.image_dataset(x, batch_size=batch_size, scale="tanh",
                                 seed=run.seed),
              epochs=100 * epochs, callbacks=[limit, *run.backup()],
              verbose=run.verbose)
    trained["stylegan"] = {"generator steps": int(style.g_optimizer.iterations),
                           "seconds": limit.elapsed, "dtype policy": policy}
    judge = SampleJudge()
    samples = {"dcgan": dcgan.sample(1000, seed=run.seed + 1)}
    for psi in TRUNCATIONS:
        samples[f"stylegan psi={psi}"] = style.sample(1000, seed=run.seed + 1,
                                                    truncation=psi)
    reports = {name: judge.report(s) for name, s in samples.items()}
    keys = ("fid", "precision", "recall", "confident_fraction", "min_class_share")
    figure = viz.save_image_grid(
        np.concatenate([s[:16] for s in samples.values()]),
        os.path.join(run.out, "samples.png"), value_range=(-1, 1), cols=16,
        title="rows: " + ", ".join(samples))
    return {
        **judge.floors(),
        "training": Row(trained, "training (equal time)"),
        "quality": Row({name: {k: r[k] for k in keys} for name, r in reports.items()},
                       "sample quality"),
        "samples": figure,
        "style_mixing": _mixing_grid(style, run.seed, run.out),
        "generator_parameters": Row({"dcgan": dcgan.generator.count_params(),
                                     "stylegan": style.generator.count_params()},
                                    "generator parameters"),
        **export_if_asked(style, run.export, f"serve(z[None, {latent_dim}], noise), "
                                             "sample(n, seed[2], truncation) -> "
                                             "images in [-1, 1]"),
    }
