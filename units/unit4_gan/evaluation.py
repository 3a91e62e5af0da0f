"""Unit IV exercise ``precision-recall``: fidelity and variety apart, for every
generator of Units IV-VI on one table.

FID mixes two failures: samples off the data's manifold and parts of the
manifold never reached. Precision (the share of samples inside the real
images' k-NN manifold) and recall (the share of real images inside the
samples' manifold), with density and coverage (the same question asked with
the real balls only), separate them (`keras_genai.metrics.precision_recall`).
The exercise loads the SavedModels the other exercises export (the default
DCGAN, the StyleGAN, the cGAN, Unit V's VAE, Unit VI's diffusion model),
trains a short stand-in for any that is missing, and measures 1,000 samples
of each with the lab's judge. It then asks the DCGAN where its unconfident
samples sit (on the manifold or off it) and which test digits no sample
reaches, and how close its samples come to training digits against test
digits (memorisation).
"""

import os
import typing

import keras
import numpy as np
import tensorflow as tf

from keras_genai import callbacks
from keras_genai import data
from keras_genai import metrics
from keras_genai import viz
from keras_genai.data.pipeline import scale_images
from units.common import JUDGED_IMAGES
from units.common import PR_NEIGHBOUR
from units.common import SampleJudge
from units.common import dtype_policy
from units.common import load_export
from units.common import precision_policy
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit4_gan.digits import conditional_dcgan
from units.unit4_gan.digits import default_dcgan
from units.unit4_gan.digits import digits_for_gan
from units.unit4_gan.style import TRUNCATIONS
from units.unit4_gan.style import stylegan_on_digits
from units.unit5_autoencoder.common import unit_digits
from units.unit5_autoencoder.variational import build_vae
from units.unit6_diffusion.common import WIDTHS
from units.unit6_diffusion.common import build_model

# Where each generator's SavedModel is exported by default, and the command
# that writes it.
EXPORTS = {
    "dcgan": ("unit4_dcgan", "python -m units.unit4_gan"),
    "stylegan": ("unit4_stylegan", "python -m units.unit4_gan --exercise stylegan"),
    "cgan": ("unit4_cgan", "python -m units.unit4_gan --exercise cgan"),
    "vae": ("unit5_vae", "python -m units.unit5_autoencoder --exercise vae"),
    "diffusion": ("unit6_diffusion",
                  "python -m units.unit6_diffusion --exercise train"),
}
GeneratorName = typing.Literal["dcgan", "stylegan", "cgan", "vae", "diffusion"]
# The scales of the DCGAN's latents measured besides 1.
DCGAN_TRUNCATIONS = (1.0, 0.8, 0.6)
# Classifier-free guidance of the diffusion model's samples (Unit VI's
# default).
GUIDANCE = 3.0


def load_digit_export(name, folder):
    """The exported SavedModel of ``name`` under ``folder``, or ``None`` when
    there is none or it was trained on images other than 28x28x1."""
    loaded, path = load_export(folder, EXPORTS[name][0])
    if loaded is None:
        return None, path
    endpoint = loaded.sample if name in ("stylegan", "vae", "diffusion") \
        else loaded.serve
    output = endpoint.concrete_functions[0].structured_outputs
    if tuple(output.shape[1:]) != (28, 28, 1):
        print(f"{path} makes {output.shape[1:]} images, not digits: training a "
              "stand-in instead.", flush=True)
        return None, path
    return loaded, path


def _from_export(name, loaded, n, seed, diffusion_steps):
    """``n`` images in ``[-1, 1]`` (``n`` labels 0-9 in turn for the
    conditional models) from an exported SavedModel."""
    labels = np.arange(n, dtype=np.int32) % 10
    pair = tf.constant([seed, 0], tf.int32)
    if name == "cgan":
        latent = loaded.serve.input_signature[0].shape[1]
        z = np.random.default_rng(seed).standard_normal((n, latent)).astype("float32")
        images = loaded.serve(z, labels)
    elif name.startswith("stylegan"):
        psi = float(name.split("=")[1])
        images = loaded.sample(tf.constant(n), pair, tf.constant(psi))
    elif name == "vae":  # Bernoulli means in [0, 1]
        images = 2.0 * loaded.sample(tf.constant(n), pair) - 1.0
    else:
        noise = tf.random.stateless_normal((n, 28, 28, 1), pair)
        images = loaded.sample(noise, labels, tf.constant(GUIDANCE),
                               tf.constant(diffusion_steps), tf.constant(0.0), pair)
    return np.asarray(images, np.float32)


def stand_in_dcgan(run, seconds, train_size=None):
    """The default DCGAN (latent 64, batch 64, under ``--precision``) trained
    for about ``seconds`` (whole epochs): what the exercises that need the
    exported one use when it is missing. Returns ``(gan, seconds trained)``.

    Example:

    >>> gan, seconds = stand_in_dcgan(run, 30)
    """
    reseed(run.seed)
    limit = callbacks.TimeLimit(seconds)
    gan, dataset, _ = default_dcgan(run.precision, 64, 64, run.seed, train_size)
    gan.fit(dataset, epochs=10_000, callbacks=[limit], verbose=0)
    return gan, limit.elapsed


def dcgan_decoder(run, models_dir, stand_in_seconds, train_size=None):
    """The default DCGAN's generator as a function ``z -> images in [-1, 1]``:
    the export under ``models_dir``, or a stand-in trained now.

    Returns:
        ``(decode, latent_dim, where it came from)``.

    Example:

    >>> decode, latent_dim, source = dcgan_decoder(run, "saved_models", 30)
    """
    loaded, path = load_digit_export("dcgan", models_dir)
    if loaded is not None:
        return (lambda z: np.asarray(loaded.serve(np.asarray(z, np.float32))),
                loaded.serve.input_signature[0].shape[1], f"exported: {path}")
    print(f"No {path}: training a {stand_in_seconds} s stand-in DCGAN "
          f"({EXPORTS['dcgan'][1]} exports the real one).", flush=True)
    gan, seconds = stand_in_dcgan(run, stand_in_seconds, train_size)
    return gan.decode, gan.latent_dim, f"stand-in trained here for {seconds:.0f} s"


def _stand_in(name, run, seconds, train_size, diffusion_steps, n):
    """A stand-in for a missing export: the exercise's own model, trained for
    about ``seconds`` (whole epochs), and ``n`` of its samples (a dict, one
    entry per truncation for the StyleGAN)."""
    reseed(run.seed)
    limit = callbacks.TimeLimit(seconds)
    x, y = digits_for_gan(train_size)
    labels = np.arange(n) % 10
    fit = dict(epochs=10_000, callbacks=[limit], verbose=0)
    if name == "stylegan":
        with dtype_policy(precision_policy(run.precision)):
            gan = stylegan_on_digits(64, run.seed)
        gan.fit(data.image_dataset(x, batch_size=64, scale="tanh", seed=run.seed),
                **fit)
        samples = {f"stylegan psi={psi}": gan.sample(n, seed=run.seed, truncation=psi)
                   for psi in TRUNCATIONS}
    elif name == "cgan":
        gan = conditional_dcgan(64, run.seed)
        gan.fit(data.image_dataset(x, y, batch_size=64, scale="tanh", seed=run.seed),
                **fit)
        samples = {"cgan": gan.sample(labels=labels, seed=run.seed)}
    elif name == "vae":
        vae = build_vae(20, seed=run.seed)
        vae.compile(optimizer=keras.optimizers.Adam(1e-3))
        binary, _, _, _ = unit_digits(train_size, binarize=True)
        vae.fit(binary, batch_size=100, **fit)
        samples = {"vae": 2.0 * vae.sample(n, seed=run.seed) - 1.0}
    else:
        model = build_model(run.seed, 1000, WIDTHS, (28, 28, 1), 10)
        model.compile(optimizer=keras.optimizers.Adam(2e-3))
        model.fit(data.image_dataset(x, y, batch_size=32, scale="tanh",
                                     seed=run.seed), **fit)
        samples = {"diffusion": model.sample(labels=labels, steps=diffusion_steps,
                                             guidance_scale=GUIDANCE, seed=run.seed,
                                             verbose=False)}
    return samples, limit.elapsed


def _diagnosis(judge, images):
    """Where the unconfident ones of ``images`` (in ``[-1, 1]``) sit, on the
    test digits' manifold or off it, and which test digits none of them
    reaches."""
    features = judge.features(images)
    probs = metrics.classify(images, classifier=judge.classifier,
                             value_range=(-1, 1))
    confident = probs.max(axis=1) >= 0.9
    membership = metrics.manifold_membership(judge.test_features, features,
                                             k=PR_NEIGHBOUR)
    inside, covered = membership["generated_inside"], membership["real_covered"]
    missed = np.bincount(judge.test_labels[~covered], minlength=10)
    totals = np.bincount(judge.test_labels, minlength=10)
    return {
        "unconfident_share": float(1.0 - confident.mean()),
        "unconfident_on_manifold": float(inside[~confident].mean())
        if (~confident).any() else None,
        "confident_off_manifold": float(1.0 - inside[confident].mean())
        if confident.any() else None,
        "recall_per_digit": {str(d): float(1.0 - missed[d] / max(totals[d], 1))
                             for d in range(10)},
    }


def _closest_pairs(samples, train, result, path, pairs=8):
    """The ``pairs`` samples nearest to a training digit, each above its
    nearest training digit."""
    order = np.argsort(result["train_distance"])[:pairs]
    grid = np.concatenate([samples[order], train[result["train_index"][order]]])
    return viz.save_image_grid(grid, path, value_range=(-1, 1), cols=pairs,
                               title="top: the DCGAN's samples closest to a "
                                     "training digit; bottom: that digit")


@exercise("precision-recall", "Fidelity and variety apart: FID, precision, recall, "
                              "density and coverage of every exported generator "
                              "(DCGAN, StyleGAN, cGAN, VAE, diffusion), the DCGAN's "
                              "missing points, memorisation.")
def precision_recall(run: Run, *, models: list[GeneratorName] = list(EXPORTS),
                     samples: Count = JUDGED_IMAGES,
                     models_dir: str = "saved_models", stand_in_seconds: Count = 30,
                     train_size: Count | None = None,
                     diffusion_steps: Count = 10) -> dict:
    """Loads each generator's SavedModel from ``models_dir`` (trains a stand-in
    for ``stand_in_seconds`` where one is missing) and measures ``samples``
    images of each.

    Args:
        models: the generators to measure (the DCGAN always, with its latents
            also scaled by `DCGAN_TRUNCATIONS`: the diagnosis and the closest
            pairs are its).
        samples: images generated and measured per model (labels 0-9 in turn
            for the conditional ones).
        models_dir: the folder of the other exercises' exports.
        stand_in_seconds: training time of a stand-in for a missing export
            (whole epochs: it ends with the first epoch past this).
        train_size: train stand-ins on the first N digits (default: all).
        diffusion_steps: DDIM steps of the diffusion model's samples.
    """
    judge = SampleJudge()
    generated, sources = {}, {}
    # The DCGAN, and its latents drawn from narrower Gaussians (z x psi): the
    # truncation trick, which trades variety for fidelity at no training cost.
    decode, latent_dim, sources["dcgan"] = dcgan_decoder(run, models_dir,
                                                         stand_in_seconds, train_size)
    z = np.random.default_rng(run.seed).standard_normal(
        (samples, latent_dim)).astype(np.float32)
    for psi in DCGAN_TRUNCATIONS:
        generated["dcgan" if psi == 1.0 else f"dcgan z x {psi}"] = decode(psi * z)
    for name in [m for m in EXPORTS if m in models and m != "dcgan"]:
        command = EXPORTS[name][1]
        loaded, path = load_digit_export(name, models_dir)
        if loaded is not None:
            names = [f"stylegan psi={p}" for p in TRUNCATIONS] \
                if name == "stylegan" else [name]
            for row in names:
                generated[row] = _from_export(row, loaded, samples, run.seed,
                                              diffusion_steps)
            sources[name] = f"exported: {path}"
            continue
        print(f"No {path}: training a {stand_in_seconds} s stand-in ({command} "
              "exports the real one).", flush=True)
        made, seconds = _stand_in(name, run, stand_in_seconds, train_size,
                                  diffusion_steps, samples)
        generated.update(made)
        sources[name] = f"stand-in trained here for {seconds:.0f} s"
    (train, _), (test, _) = (data.load_images("digits").arrays(samples, split=s)
                             for s in ("train", "test"))
    train = scale_images(train, scale="tanh").numpy()
    test = scale_images(test, scale="tanh").numpy()
    table, memorised = {}, {}
    for row, images in generated.items():
        report = judge.report(images)
        density = metrics.density_coverage(judge.test_features, judge.features(images))
        copies = metrics.memorisation(images, train, test)
        memorised[row] = copies
        table[row] = {"fid": report["fid"], "precision": report["precision"],
                      "recall": report["recall"], **density,
                      "confident": report["confident_fraction"],
                      "closer_to_train": copies["closer_to_train"]}
        print(f"{row:>18}: FID {report['fid']:6.1f}, precision "
              f"{report['precision']:.3f}, recall {report['recall']:.3f}", flush=True)
    real_density = metrics.density_coverage(
        judge.test_features, judge.features(train))
    figure = viz.save_image_grid(
        np.concatenate([images[:10] for images in generated.values()]),
        os.path.join(run.out, "samples.png"), value_range=(-1, 1), cols=10,
        title="rows: " + ", ".join(generated))
    return {
        **judge.floors(),
        "density_coverage_floor": Row(real_density, "density / coverage floor "
                                      "(real train vs test images, k=5)", "{:.3f}"),
        "sources": Row(sources, "models"),
        "table": Row(table, f"{samples} samples each", note="density and "
                     "coverage k=5; closer_to_train: share nearer a training "
                     "digit than any test digit"),
        "diagnosis": Row({"dcgan": _diagnosis(judge, generated["dcgan"]),
                          "real training digits": _diagnosis(judge, train)},
                         "unconfident and off-manifold shares", "{:.3f}"),
        "memorisation_ratio": Row({row: m["ratio"] for row, m in memorised.items()},
                                  "median distance to the nearest training digit "
                                  "/ to the nearest test digit (1: no "
                                  "memorisation)", "{:.3f}"),
        "closest_pairs": _closest_pairs(generated["dcgan"], train, memorised["dcgan"],
                                        os.path.join(run.out, "closest_pairs.png")),
        "samples": figure,
    }
