"""Unit IV exercises on small, fully known problems: mode collapse on the
8-Gaussian ring, and generative vs discriminative classifiers."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import metrics
from keras_genai import models
from keras_genai import viz
from keras_genai.classical import GaussianMixtureClassifier
from keras_genai.classical import GaussianNaiveBayes
from units.common import compile_classifier
from units.common import digits
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise

# The ring of Metz et al. (2017, "Unrolled GANs"): 8 modes on a circle of radius
# 2, standard deviation 0.02.
RING = dict(modes=8, std=0.02, radius=2.0)
# A mode counts as covered when at least 1% of the samples are high-quality
# samples of it (a uniform spread gives 12.5% each).
COVERED_SHARE = 0.01


def _ring_gan(loss, d_steps, latent_dim, seed):
    gan = models.GAN(
        builders.mlp_generator(latent_dim, (2,), hidden_units=(128, 128),
                               output_activation=None),
        builders.mlp_discriminator((2,), hidden_units=(128, 128)),
        latent_dim=latent_dim, seed=seed)
    betas = dict(beta_1=0.5, beta_2=0.9 if loss == "wasserstein_gp" else 0.999)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, **betas),
                g_optimizer=keras.optimizers.Adam(1e-3, **betas),
                loss=loss, d_steps=d_steps)
    return gan


@exercise("mode-collapse", "8-Gaussian ring: minimax vs non-saturating vs WGAN-GP, "
                           "scatter plots over training and modes covered "
                           "(--epochs checkpoints of --ring-steps generator "
                           "steps).")
def mode_collapse(run: Run, *, epochs: Count = 5, batch_size: Count = 256,
                  latent_dim: Count = 64, train_size: Count | None = None,
                  ring_steps: Count = 1000) -> dict:
    """Four GANs with the same MLP networks on the 8-Gaussian ring: minimax
    with 1 and 5 D steps per G step, non-saturating and WGAN-GP with 5.

    Args:
        epochs: checkpoints (scatter plot and modes counted) of each GAN.
        batch_size: ring points per D step.
        latent_dim: size of the generators' latent vector.
        train_size: train on the first N of the 20,000 ring points (default:
            all).
        ring_steps: generator steps between two checkpoints.
    """
    x, _, centres = data.gaussian_mixture(20000, seed=run.seed, return_labels=True,
                                          **RING)
    x = x[:train_size] if train_size else x
    settings = [("minimax", 1), ("minimax", 5), ("non_saturating", 5),
                ("wasserstein_gp", 5)]
    steps = ring_steps
    panels, table = {}, {}
    for loss, k in settings:
        reseed(run.seed)
        gan = _ring_gan(loss, k, latent_dim, run.seed)
        dataset = (tf.data.Dataset.from_tensor_slices(x)
                   .shuffle(len(x), seed=run.seed).repeat()
                   .batch(batch_size * k, drop_remainder=True))
        name = f"{loss}, k={k}"
        panels[name], table[name] = [], []
        for epoch in range(epochs):
            gan.fit(dataset, steps_per_epoch=steps, epochs=epoch + 1,
                    initial_epoch=epoch, verbose=0)
            samples = gan.sample(2000, seed=run.seed + 1)
            coverage = metrics.mode_coverage(
                samples, centres, RING["std"],
                min_samples=int(COVERED_SHARE * len(samples)))
            step = (epoch + 1) * steps
            panels[name].append((f"step {step}", samples))
            table[name].append((step, coverage["modes_covered"],
                                coverage["high_quality_fraction"]))
        if run.verbose:
            print(f"{name}: modes covered / high-quality share by step: "
                  f"{[(s, c, round(q, 3)) for s, c, q in table[name]]}", flush=True)
    figure = viz.plot_point_grid(panels, os.path.join(run.out, "ring.png"),
                                 centres=centres, limit=2.6,
                                 title="8-Gaussian ring: generated points (red: "
                                       "true modes); k = D steps per G step")
    return {
        "modes_covered": Row({name: rows[-1][1] for name, rows in table.items()},
                             "modes covered of 8 at the end"),
        "high_quality_share": Row({name: rows[-1][2] for name, rows in
                                   table.items()},
                                  "high-quality share at the end", "{:.1%}"),
        "by_checkpoint": Row(table, "by checkpoint (step, modes covered, "
                                    "high-quality share)"),
        "scatter_plots": figure,
    }


@exercise("generative-vs-discriminative",
          "Gaussian naive Bayes and a Gaussian mixture per class (generative: they "
          "can sample digits) vs logistic regression and an MLP (discriminative), "
          "at 3 training-set sizes.")
def generative_vs_discriminative(run: Run, *, epochs: Count = 30,
                                 batch_size: Count = 64,
                                 train_size: Count | None = None) -> dict:
    """Generative and discriminative classifiers on 50, 500 and all the
    training digits; the generative ones also sample digits.

    Args:
        epochs: training epochs of logistic regression and the MLP.
        batch_size: their minibatch (at most the training set's size).
        train_size: use the first N training digits (default: all).
    """
    x, y, x_test, y_test = digits(train_size, flatten=True)
    sizes = sorted({min(n, len(x)) for n in (50, 500, len(x))})
    rng = np.random.default_rng(run.seed)
    order = rng.permutation(len(x))
    table, generative = {}, {}
    for n in sizes:
        xs, ys = x[order[:n]], y[order[:n]]
        row = {}
        classifiers = {
            "naive Bayes": GaussianNaiveBayes(seed=run.seed),
            "GMM, 5 per class": GaussianMixtureClassifier(components=5,
                                                          seed=run.seed),
        }
        for name, model in classifiers.items():
            model.fit(xs, ys)
            row[name] = float(np.mean(model.predict(x_test) == y_test))
            generative[name] = model
        for name, hidden in (("logistic regression", ()), ("MLP 128", (128,))):
            reseed(run.seed)
            net = compile_classifier(builders.mlp((784,), hidden, num_classes=10))
            net.fit(xs, ys, epochs=epochs, batch_size=min(batch_size, n),
                    callbacks=run.backup(), verbose=0)
            row[name] = float(net.evaluate(x_test, y_test, verbose=0)[1])
        table[f"{n} training digits"] = row
    labels = np.repeat(np.arange(10), 8)
    grids = {}
    for name, model in generative.items():
        samples = np.clip(model.sample(labels, seed=run.seed), 0.0, 1.0)
        slug = name.split(",")[0].replace(" ", "_").lower()
        grids[name] = viz.save_image_grid(
            samples.reshape(10, 8, 28, 28).transpose(1, 0, 2, 3)
            .reshape(-1, 28, 28), os.path.join(run.out, f"samples_{slug}.png"),
            cols=10, title=f"{name}: samples x ~ p(x | y), one digit per column")
    return {
        "test_accuracy": Row(table, "test accuracy", "{:.1%}"),
        "samples": Row(grids, "samples drawn from the generative classifiers"),
        "discriminative_models": "cannot sample: they only model p(y | x)",
    }
