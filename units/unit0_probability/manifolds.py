"""Probability lab exercises on the data manifold: ``manifold`` (the intrinsic
dimension of digits and lines against their 784 pixels, PCA, t-SNE and Isomap
embeddings, interpolation in pixel space against a VAE's latent space) and
``ood`` (whether likelihood tells digits from other images)."""

import os

import numpy as np

from keras_genai import data
from keras_genai import metrics
from keras_genai import utils
from keras_genai import viz
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit0_probability.common import digit_vae
from units.unit0_probability.common import pixelcnn_log_prob
from units.unit8_likelihood.common import binary_digits

# Neighbours of the intrinsic-dimension estimate (Levina & Bickel use 10-20).
NEIGHBOURS = (10, 20)


def _embeddings(points, labels, seed):
    """2-D PCA, t-SNE and Isomap embeddings of ``points`` and the
    leave-one-out 5-nearest-neighbour label accuracy in each."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    from sklearn.manifold import Isomap

    made = {"PCA": PCA(2, random_state=seed).fit_transform(points),
            "t-SNE": TSNE(2, random_state=seed, init="pca").fit_transform(points),
            "Isomap": Isomap(n_neighbors=10, n_components=2).fit_transform(points)}
    accuracy = {}
    for name, codes in made.items():
        distances = metrics.pairwise_distances(codes, codes)
        np.fill_diagonal(distances, np.inf)
        nearest = np.argsort(distances, axis=1)[:, :5]
        votes = np.apply_along_axis(np.bincount, 1, labels[nearest], minlength=10)
        accuracy[name] = float(np.mean(votes.argmax(axis=1) == labels))
    return made, accuracy


def _pca_components(points, shares=(0.9, 0.95)):
    """Principal components needed to keep each share of the variance."""
    centred = points - points.mean(axis=0)
    variance = np.linalg.svd(centred, compute_uv=False) ** 2
    cumulative = np.cumsum(variance) / variance.sum()
    return {f"{share:.0%}": int(np.searchsorted(cumulative, share) + 1)
            for share in shares}


@exercise("manifold", "Intrinsic dimension of digits and lines vs 784 pixels; PCA, "
                      "t-SNE and Isomap of the digits; interpolation in pixel space "
                      "vs a VAE's latent space, judged along the way.")
def manifold(run: Run, *, points: Count = 1000, vae_epochs: Count = 30,
             pairs: Count = 20, train_size: Count | None = None) -> dict:
    """Estimates intrinsic dimensions, embeds the test digits in 2-D three
    ways, and walks between digits in pixel space and in a VAE's latent space.

    Args:
        points: test digits and lines measured and embedded.
        vae_epochs: epochs of the VAE whose latent space is walked.
        pairs: digit pairs walked between (each pair of different classes).
        train_size: train the VAE on the first N digits (default: all).
    """
    (_, _), (x_test, y_test) = data.load_digits()
    digits = x_test[:points].reshape(-1, 784).astype(np.float64) / 255.0
    labels = y_test[:points]
    lines, _ = data.lines(points, seed=run.seed)
    lines = lines.reshape(-1, 784).astype(np.float64)
    noise = np.random.default_rng(run.seed).random((points, 784))
    sets = {"digits": digits, "lines (4 factors)": lines,
            "uniform noise": noise}
    dimension = {name: {f"k={k}": metrics.intrinsic_dimension(values, k=k)
                        for k in NEIGHBOURS} for name, values in sets.items()}
    components = {name: _pca_components(values) for name, values in sets.items()}
    made, accuracy = _embeddings(digits, labels, run.seed)
    scatter = {name: viz.plot_latent_scatter(
        codes, labels, os.path.join(run.out, f"embedding_{name.lower()}.png"),
        title=f"{name} of {points} test digits") for name, codes in made.items()}
    # Walks between pairs of test digits of different classes.
    x, x_test_binary = binary_digits(train_size)
    vae = digit_vae(x, run.seed, vae_epochs, run.backup(), run.verbose)
    rng = np.random.default_rng(run.seed)
    starts, ends = [], []
    while len(starts) < pairs:
        a, b = rng.choice(len(x_test_binary), 2, replace=False)
        if y_test[a] != y_test[b]:
            starts.append(a)
            ends.append(b)
    steps = 9
    flat = x_test_binary.reshape(len(x_test_binary), -1)
    pixel_walk = np.concatenate([utils.interpolate(flat[a], flat[b], steps)
                                 for a, b in zip(starts, ends)]).reshape(
                                     (-1,) + x_test_binary.shape[1:])
    codes = vae.encode(x_test_binary)
    latent_walk = vae.decode(np.concatenate(
        [utils.interpolate(codes[a], codes[b], steps) for a, b in zip(starts, ends)]))
    classifier = metrics.digit_classifier()
    along = {}
    for name, walk in (("pixel space", pixel_walk), ("VAE latent space", latent_walk)):
        probs = metrics.classify(walk, classifier=classifier,
                                 value_range=(0, 1))
        confidence = probs.max(axis=1).reshape(pairs, steps)
        # Distance of each walk's midpoint to its nearest training digit.
        middle = walk.reshape(pairs, steps, -1)[:, steps // 2]
        nearest = metrics.pairwise_distances(middle, x.reshape(len(x), -1)).min(axis=1)
        along[name] = {"confidence at the midpoint": float(confidence[:, steps // 2]
                                                           .mean()),
                       "lowest confidence on the path": float(confidence.min(axis=1)
                                                              .mean()),
                       "midpoint to nearest training digit": float(nearest.mean())}
    real = metrics.pairwise_distances(x_test_binary[:pairs].reshape(pairs, -1),
                                      x.reshape(len(x), -1)).min(axis=1)
    walks = viz.save_image_grid(
        np.concatenate([pixel_walk[:4 * steps], latent_walk[:4 * steps]]),
        os.path.join(run.out, "walks.png"), cols=steps,
        title="rows 1-4: pixel space; rows 5-8: the VAE's latent space")
    return {
        "intrinsic_dimension": Row(dimension, "intrinsic dimension (Levina & "
                                   f"Bickel MLE), {points} points of 784 pixels",
                                   "{:.1f}"),
        "pca_components": Row(components, "principal components for 90% / 95% of "
                                          "the variance"),
        "neighbour_accuracy": Row(accuracy, "5-NN label accuracy in each 2-D "
                                            "embedding", "{:.1%}"),
        "walks": Row(along, f"{pairs} walks between test digits of two classes, "
                            "judged", "{:.3f}"),
        "real_to_nearest_training_digit": Row(float(real.mean()),
                                              "a real test digit to its nearest "
                                              "training digit", "{:.3f}",
                                              note="the scale of on-manifold "
                                                   "distances"),
        "embeddings": Row(scatter, "embeddings"),
        "walk_grid": walks,
    }


def _ood_sets(x_test, seed):
    """Binarized images that are not digits, as many as ``x_test``."""
    n = len(x_test)
    rng = np.random.default_rng(seed)
    lines, factors = data.lines(n, seed=seed)
    full_ink = lines / factors["grey"][:, None, None, None]
    ink = x_test.mean()
    return {
        "lines": (full_ink > 0.5).astype(np.float32),
        f"noise (ink share {ink:.2f})": (rng.random(x_test.shape) < ink)
        .astype(np.float32),
        "inverted digits": 1.0 - x_test,
        "blank": np.zeros_like(x_test),
    }


@exercise("ood", "Likelihood of test digits against lines, noise, inverted and "
                 "blank images under a PixelCNN and a VAE: where it separates "
                 "them and where it does not.")
def ood(run: Run, *, models_dir: str = "saved_models", stand_in_epochs: Count = 2,
        vae_epochs: Count = 30, iwae_samples: Count = 100,
        train_size: Count | None = None, test_digits: Count | None = None) -> dict:
    """Test NLL of the binarized test digits and of images that are not digits,
    and the ROC AUC of the NLL as an out-of-distribution score.

    Args:
        models_dir: the folder of the other labs' exports (the PixelCNN of
            ``python -m units.unit8_likelihood``).
        stand_in_epochs: epochs of a PixelCNN trained here when none is
            exported.
        vae_epochs: epochs of the VAE trained here.
        iwae_samples: importance samples of the VAE's log-likelihood estimate.
        train_size: train on the first N digits (default: all).
        test_digits: the first N test digits, and as many of each other set
            (default: all 1,000).
    """
    x, x_test = binary_digits(train_size, test_digits)
    others = _ood_sets(x_test, run.seed)
    log_prob, source = pixelcnn_log_prob(x, models_dir, run.seed, stand_in_epochs)
    vae = digit_vae(x, run.seed, vae_epochs, run.backup(), run.verbose)
    scorers = {"PixelCNN": log_prob,
               "VAE": lambda images: vae.log_likelihood(
                   images, num_samples=iwae_samples, seed=run.seed)}
    nll, auc = {}, {}
    for model, score in scorers.items():
        digits_nll = -np.asarray(score(x_test), np.float64)
        nll[model] = {"test digits": float(digits_nll.mean())}
        auc[model] = {}
        for name, images in others.items():
            other_nll = -np.asarray(score(images), np.float64)
            nll[model][name] = float(other_nll.mean())
            # Positives are the non-digits: a high NLL should flag them.
            auc[model][name] = metrics.roc_auc(digits_nll, other_nll)
    grid = viz.save_image_grid(np.concatenate([x_test[:8]] + [images[:8] for images
                                                              in others.values()]),
                               os.path.join(run.out, "sets.png"), cols=8,
                               title="rows: test digits, " + ", ".join(others))
    return {
        "nll": Row(nll, "mean NLL (nats per image; lower: more likely)", "{:.1f}",
                   note=f"PixelCNN {source}"),
        "auc": Row(auc, "ROC AUC of the NLL as a 'not a digit' score (1: "
                        "separates, 0.5: chance, below 0.5: backwards)", "{:.3f}"),
        "sets": grid,
    }
