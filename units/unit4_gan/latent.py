"""Unit IV exercise ``latent-arithmetic``: attribute directions in the DCGAN's
latent space (the "smile vector" of Radford et al. 2016, sec. 6.3, and of the
course notes' "blonde up, smile up"), found from the digits' measured
thickness and slant and moved along."""

import os

import numpy as np

from keras_genai import data
from keras_genai import metrics
from keras_genai import viz
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit4_gan.evaluation import dcgan_decoder

# The measured attributes (`keras_genai.data.measure_digits`) given directions.
ATTRIBUTES = ("thickness", "slant")
# How far along each direction the walk goes, in units of the direction.
STEPS = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)


def attribute_directions(z, measured, labels, share=0.25):
    """For each attribute, the mean latent of the samples at its top
    ``share`` minus that of its bottom ``share``, taken within each class the
    classifier assigned and averaged over classes (so that the direction
    changes the style, not the digit: 1s are thin and 0s thick).

    Example:

    >>> directions = attribute_directions(z, measure_digits(images), labels)
    """
    directions = {}
    for name, values in measured.items():
        per_class = []
        for k in np.unique(labels):
            members = np.flatnonzero(labels == k)
            if len(members) < 8:
                continue
            order = members[np.argsort(values[members])]
            cut = max(1, int(share * len(order)))
            per_class.append(z[order[-cut:]].mean(0) - z[order[:cut]].mean(0))
        directions[name] = np.mean(per_class, axis=0)
    return directions


@exercise("latent-arithmetic", "Thickness and slant directions in the DCGAN's "
                               "latent space (thick minus thin samples, per "
                               "class) and a random control: the measured "
                               "attribute and the digit along each, and a grid.")
def latent_arithmetic(run: Run, *, samples: Count = 4000, walkers: Count = 200,
                      models_dir: str = "saved_models",
                      stand_in_seconds: Count = 60,
                      train_size: Count | None = None) -> dict:
    """Finds each attribute's direction from ``samples`` generated digits,
    then moves ``walkers`` other latents along it.

    Args:
        samples: generated digits the directions are measured on.
        walkers: latents moved along each direction.
        models_dir: the folder of the default DCGAN's export.
        stand_in_seconds: training time of a stand-in DCGAN when none is
            exported.
        train_size: train a stand-in on the first N digits (default: all).
    """
    decode, latent_dim, source = dcgan_decoder(run, models_dir, stand_in_seconds,
                                               train_size)
    classifier = metrics.digit_classifier()
    rng = np.random.default_rng(run.seed)
    z = rng.standard_normal((samples, latent_dim)).astype(np.float32)
    images = decode(z)
    labels = metrics.classify(images, classifier=classifier,
                              value_range=(-1, 1)).argmax(axis=1)
    measured = data.measure_digits(images, value_range=(-1, 1))
    measured = {k: measured[k] for k in ATTRIBUTES}
    directions = attribute_directions(z, measured, labels)
    base = rng.standard_normal((walkers, latent_dim)).astype(np.float32)
    base_labels = metrics.classify(decode(base), classifier=classifier,
                                   value_range=(-1, 1)).argmax(axis=1)
    rows, grids = {}, []
    moves = dict(directions)
    moves["thickness + slant"] = directions["thickness"] + directions["slant"]
    # The control: a random direction as long as the thickness one. How often
    # the digit changes along it is what any move of that length costs.
    random = rng.standard_normal(latent_dim)
    moves["random (control)"] = (random / np.linalg.norm(random)
                                 * np.linalg.norm(directions["thickness"]))
    for name, direction in moves.items():
        for step in STEPS:
            moved = decode(base + step * direction)
            probs = metrics.classify(moved, classifier=classifier,
                                     value_range=(-1, 1))
            values = data.measure_digits(moved, value_range=(-1, 1))
            rows[f"{name}, step {step:+g}"] = {
                **{a: float(values[a].mean()) for a in ATTRIBUTES},
                "same digit": float(np.mean(probs.argmax(axis=1) == base_labels)),
                "confident": metrics.confident_fraction(probs, 0.9),
            }
        grids.append(np.stack([decode(base[:6] + s * direction) for s in STEPS],
                              axis=1).reshape((-1,) + images.shape[1:]))
    grid = viz.save_image_grid(
        np.concatenate(grids), os.path.join(run.out, "latent_arithmetic.png"),
        value_range=(-1, 1), cols=len(STEPS),
        title="columns: " + ", ".join(f"{s:+g}" for s in STEPS) + "; rows: 6 "
              "latents along " + ", ".join(moves))
    real = data.measure_digits(data.load_images("digits").arrays(1000)[0],
                               value_range=(0, 255))
    return {
        "generator": Row(source, "DCGAN"),
        "directions": Row({k: float(np.linalg.norm(v)) for k, v in moves.items()},
                          "direction lengths (a typical latent: "
                          f"{np.sqrt(latent_dim):.1f})", "{:.2f}"),
        "real_spread": Row({a: {"mean": float(real[a].mean()),
                                "std": float(real[a].std())} for a in ATTRIBUTES},
                           "real test digits", "{:.3f}"),
        "walks": Row(rows, f"{walkers} latents moved by step x direction: "
                           "measured attributes, share still the same digit, "
                           "confident share", "{:.3f}"),
        "grid": grid,
    }
