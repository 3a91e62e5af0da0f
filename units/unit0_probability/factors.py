"""Probability lab exercise ``lines``: a dataset made by four known latent
factors (`keras_genai.data.lines`: length, grey level, angle, width) and what
a beta-VAE with a four-dimensional latent recovers of them."""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai import models
from keras_genai import viz
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise

# The beta-VAE's hidden layers (encoder; the decoder mirrors them).
HIDDEN = (256, 128)


def _ranks(values):
    """Ranks of each column (Spearman's correlation is Pearson's on ranks)."""
    return np.argsort(np.argsort(values, axis=0), axis=0).astype(np.float64)


def factor_correlations(codes, factors):
    """``(latent dims, factors)`` Spearman correlations between the codes and
    the true factors (a monotone, not only linear, relation counts).

    Example:

    >>> factor_correlations(codes, factors).shape
    (4, 4)
    """
    a = _ranks(np.asarray(codes))
    b = _ranks(np.stack([factors[k] for k in data.LINE_FACTORS], axis=1))
    a = (a - a.mean(0)) / a.std(0)
    b = (b - b.mean(0)) / b.std(0)
    return a.T @ b / len(a)


def build_line_vae(latent_dim, beta, seed):
    """The exercise's beta-VAE: dense 784-256-128-z and back, Bernoulli
    likelihood on grey levels in [0, 1] (binary cross-entropy).

    Example:

    >>> vae = build_line_vae(4, beta=4.0, seed=0)
    """
    encoder = builders.dense_encoder((28, 28, 1), latent_dim, HIDDEN,
                                     variational=True)
    decoder = builders.dense_decoder((28, 28, 1), latent_dim, HIDDEN[::-1])
    return models.VAE(encoder, decoder, beta=beta, seed=seed)


@exercise("lines", "Lines drawn from 4 known factors (length, grey, angle, width) "
                   "and a beta-VAE with a 4-D latent: correlation of each latent "
                   "with each factor, traversals.")
def lines(run: Run, *, beta: float = 2.0, epochs: Count = 40,
          batch_size: Count = 64, train_size: Count = 4096,
          test_size: Count = 1024) -> dict:
    """Trains a beta-VAE on ``train_size`` line images and correlates its
    posterior means on ``test_size`` others with the factors that drew them.

    Args:
        beta: weight of the KL term (1: a plain VAE).
        epochs: training epochs.
        batch_size: images per minibatch.
        train_size: training lines.
        test_size: test lines.
    """
    if beta < 0:
        raise ValueError(f"`beta` must be >= 0. Received: beta={beta}")
    x, _ = data.lines(train_size, seed=run.seed)
    x_test, factors = data.lines(test_size, seed=run.seed + 1)
    latent = len(data.LINE_FACTORS)
    reseed(run.seed)
    vae = build_line_vae(latent, beta, run.seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    print(f"Training a beta-VAE (beta {beta:g}, {latent}-D latent) on {train_size} "
          f"lines for {epochs} epochs.", flush=True)
    history = vae.fit(x, epochs=epochs, batch_size=batch_size,
                      callbacks=run.backup(), verbose=run.verbose)
    mean, log_var = vae.encode(x_test, return_log_var=True)
    # KL of each latent dimension, averaged over the test lines: a dimension
    # with KL ~ 0 is unused (its posterior is the prior).
    kl = 0.5 * np.mean(mean ** 2 + np.exp(log_var) - log_var - 1.0, axis=0)
    correlations = factor_correlations(mean, factors)
    names = list(data.LINE_FACTORS)
    best = np.abs(correlations).max(axis=0)
    heatmap = viz.plot_matrices(
        {"|Spearman correlation|": np.abs(correlations)},
        os.path.join(run.out, "correlations.png"),
        row_labels=[f"z{i + 1}" for i in range(latent)], col_labels=names,
        value_format="{:.2f}", title=f"beta-VAE (beta {beta:g}) latents vs factors")
    # Traversals: each row moves one latent from -2 to 2, the others at 0.
    steps = np.linspace(-2.0, 2.0, 9)
    z = np.zeros((latent, len(steps), latent), np.float32)
    for i in range(latent):
        z[i, :, i] = steps
    traversal = viz.save_image_grid(vae.decode(z.reshape(-1, latent)),
                                    os.path.join(run.out, "traversals.png"),
                                    cols=len(steps),
                                    title="row i: z_i from -2 to 2, the rest 0")
    return {
        "factors": Row({k: f"{lo:g} to {hi:g}" for k, (lo, hi) in
                        data.LINE_FACTORS.items()}, "factors (uniform)",
                       note="length and width in pixels, angle in degrees, grey "
                            "level of the ink"),
        "correlations": Row({f"z{i + 1}": dict(zip(names, map(float, row)))
                             for i, row in enumerate(correlations)},
                            "Spearman correlation, latent x factor", "{:+.2f}"),
        "best_per_factor": Row(dict(zip(names, map(float, best))),
                               "each factor's best |correlation| with one latent",
                               "{:.2f}"),
        "kl_per_dimension": Row([float(v) for v in kl], "KL per latent dimension "
                                "(nats)", "{:.2f}"),
        "train_elbo": Row(float(history.history["elbo"][-1]),
                          "ELBO of the last epoch (nats per training line)",
                          "{:.1f}"),
        "correlation_map": heatmap, "traversals": traversal,
    }
