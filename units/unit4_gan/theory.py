"""Unit IV exercise ``optimal-discriminator``: Goodfellow et al.'s (2014)
Proposition 1 and Theorem 1 checked numerically on one-dimensional densities.

For a fixed generator the best discriminator is ``D*(x) = p_data(x) /
(p_data(x) + p_g(x))``; a discriminator trained by ``fit`` on samples of both
lands on it where there is data. At ``D*`` the game's value is ``V(D*, G) = 2
JS(p_data || p_g) - log 4``, so the generator's best answer minimises the
Jensen-Shannon divergence, and ``-log 4`` is reached when ``p_g = p_data``.
"""

import os

import keras
import numpy as np

from keras_genai import probability
from keras_genai import viz
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise

# The data: two Gaussians at -2 and 2 (std 0.5), equal weights. The
# generators: (weights, means, stds) of mixtures.
DATA = ((0.5, 0.5), (-2.0, 2.0), (0.5, 0.5))
GENERATORS = {
    "G = N(0, 1.5^2), spread over both modes": ((1.0,), (0.0,), (1.5,)),
    "G = N(2, 0.5^2), one mode": ((1.0,), (2.0,), (0.5,)),
    "G = N(6, 0.5^2), far away": ((1.0,), (6.0,), (0.5,)),
    "G = p_data": DATA,
}
# Matching pennies in pure strategies: D picks a row, G a column, D receives
# the entry. With no mixed strategies min_G max_D V > max_D min_G V.
PENNIES = np.array([[1.0, -1.0], [-1.0, 1.0]])


def _density(mixture, x):
    weights, means, stds = mixture
    return sum(w * np.exp(probability.normal_log_pdf(x, m, s))
               for w, m, s in zip(weights, means, stds))


def _draw(mixture, n, rng):
    weights, means, stds = (np.asarray(v) for v in mixture)
    k = rng.choice(len(weights), n, p=weights)
    return rng.normal(means[k], stds[k]).astype("float32")


def _train_discriminator(real, fake, seed, epochs, batch_size):
    """An MLP 1-64-64-1 trained by ``fit`` to tell ``real`` (label 1) from
    ``fake`` (label 0) with binary cross-entropy: the discriminator's step of
    the GAN, with G held fixed."""
    reseed(seed)
    model = keras.Sequential([keras.Input((1,)),
                              keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(3e-3), "binary_crossentropy")
    x = np.concatenate([real, fake])[:, None]
    y = np.concatenate([np.ones(len(real)), np.zeros(len(fake))]).astype("float32")
    model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return model


@exercise("optimal-discriminator", "The trained D against D* = p_data / (p_data + "
                                   "p_g) on 1-D mixtures; V(D*, G) = 2 JS - log 4 "
                                   "checked numerically.")
def optimal_discriminator(run: Run, *, samples: Count = 20_000, epochs: Count = 10,
                          batch_size: Count = 256) -> dict:
    """For each of `GENERATORS`: a discriminator trained on ``samples`` draws of
    the data and of G, against ``D*``; ``V(D*, G)`` against ``2 JS - log 4``.

    Args:
        samples: draws of the data and of the generator each.
        epochs: training epochs of each discriminator.
        batch_size: draws per minibatch.
    """
    x = np.linspace(-10.0, 10.0, 8001)
    p_data = _density(DATA, x)
    rng = np.random.default_rng(run.seed)
    real = _draw(DATA, samples, rng)
    rows, curves = {}, {}
    for name, mixture in GENERATORS.items():
        p_g = _density(mixture, x)
        d_star = probability.optimal_discriminator(p_data, p_g)
        model = _train_discriminator(real, _draw(mixture, samples, rng), run.seed,
                                     epochs, batch_size)
        trained = np.asarray(model(x[:, None].astype("float32"))[:, 0], np.float64)
        # Compare where there are draws to learn from: the mixture of both
        # densities above 1% of its peak, weighted by it.
        mass = (p_data + p_g) / 2.0
        where = mass > 0.01 * mass.max()
        gap = np.abs(trained - d_star)
        js = probability.jensen_shannon(p_data, p_g, x)
        rows[name] = {
            "JS (nats)": js,
            "V(D*, G)": probability.gan_value(d_star, p_data, p_g, x),
            "2 JS - log 4": 2.0 * js - np.log(4.0),
            "V(trained D, G)": probability.gan_value(trained, p_data, p_g, x),
            "mean |D - D*|": float(np.sum(gap[where] * mass[where])
                                   / np.sum(mass[where])),
            "max |D - D*|": float(gap[where].max()),
        }
        curves[name] = (d_star, trained, p_g)
    figures = {}
    for i, (name, (d_star, trained, p_g)) in enumerate(curves.items()):
        scale = 1.0 / max(p_data.max(), p_g.max())
        figures[name] = viz.plot_curves(
            {"D*(x)": (x, d_star), "trained D(x)": (x, trained),
             "p_data (scaled)": (x, p_data * scale), "p_g (scaled)": (x, p_g * scale)},
            os.path.join(run.out, f"discriminator_{i + 1}.png"), xlabel="x",
            ylabel="D(x)", title=name)
    return {
        "table": Row(rows, f"{samples:,} draws each, discriminator MLP 1-64-64-1, "
                           f"{epochs} epochs", "{:.4f}"),
        "log_4": Row(float(np.log(4.0)), "log 4", "{:.4f}",
                     note="V(D*, G) = -log 4 exactly when p_g = p_data"),
        "pure_strategy_game": Row(
            {"min_G max_D V": float(PENNIES.max(axis=0).min()),
             "max_D min_G V": float(PENNIES.min(axis=1).max())},
            "matching pennies without mixed strategies", "{:+.0f}",
            note="min max >= max min always; equal only for games such as "
                 "the GAN's over all densities (von Neumann)"),
        "figures": Row(figures, "D* and the trained D"),
    }
