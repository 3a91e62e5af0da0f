"""Probability lab exercises on information: ``information`` (information,
entropy, cross-entropy and KL on real distributions, KL's asymmetry, and
``log p(x) - ELBO = KL(q || p(z|x))`` computed by quadrature) and
``independence`` (why pixels cannot be modelled one by one)."""

import math
import os

import numpy as np

from keras_genai import data
from keras_genai import information as info
from keras_genai import probability
from keras_genai import viz
from units.common import SampleJudge
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit0_probability.common import pixelcnn_log_prob
from units.unit8_likelihood.common import binary_digits
from units.unit8_likelihood.nats import bernoulli_nll

# The one-dimensional latent model of the ELBO check: z ~ N(0, 1),
# x | z ~ N(tanh(2 z), 0.3^2), observed at x = 0.8. Its posterior is not
# Gaussian, so no Gaussian q closes the gap.
OBSERVED_X = 0.8
NOISE_STD = 0.3


def _log_likelihood(z):
    return probability.normal_log_pdf(OBSERVED_X, np.tanh(2.0 * z), NOISE_STD)


def _ink_distribution(images):
    """Where the ink of ``images`` falls: the mean image as a distribution over
    the 784 positions, add-one smoothed (so no position has probability 0)."""
    ink = images.reshape(len(images), -1).astype(np.float64).sum(axis=0) / 255.0
    return (ink + 1.0) / (ink + 1.0).sum()


def _character_distribution(text, vocabulary):
    counts = np.array([text.count(c) for c in vocabulary], np.float64) + 1.0
    return counts / counts.sum()


def _best_gaussian(grid_means, grid_stds):
    """The Gaussian q of the largest ELBO on a grid of means and stds."""
    best = None
    for mean in grid_means:
        for std in grid_stds:
            result = probability.latent_bound_by_quadrature(_log_likelihood, mean, std)
            if best is None or result["elbo"] > best[2]["elbo"]:
                best = (mean, std, result)
    return best


@exercise("information", "Information, entropy, cross-entropy and KL on the digits' "
                         "ink and the text's characters; KL's asymmetry; log p(x) - "
                         "ELBO = KL(q || p(z|x)) by quadrature.")
def information(run: Run) -> dict:
    """Information in bits of a likely, a rare and a certain event; entropy,
    cross-entropy and KL (both ways) of where the ink of 1s and 0s falls and
    of the text corpus' characters; the ELBO identity on a 1-D latent model."""
    events = {"p = 0.9 (a likely event)": 0.9, "p = 0.001 (a rare event)": 0.001,
              "p = 1 (a certain event)": 1.0}
    (x, y), _ = data.load_digits()
    ones, zeros = _ink_distribution(x[y == 1]), _ink_distribution(x[y == 0])
    every = _ink_distribution(x)
    train, _, test, vocabulary = data.text_corpus()
    text_train = _character_distribution(train, vocabulary)
    text_test = _character_distribution(test, vocabulary)
    uniform = np.full(len(vocabulary), 1.0 / len(vocabulary))
    expected_log_p = float(np.sum(text_train * np.log2(text_train)))
    # The ELBO identity, for three choices of q.
    mean, std, best = _best_gaussian(np.linspace(-0.5, 1.5, 81),
                                     np.linspace(0.05, 1.0, 39))
    bounds = {"q = the prior N(0, 1)":
              probability.latent_bound_by_quadrature(_log_likelihood, 0.0, 1.0),
              f"q = N({mean:.3f}, {std:.3f}^2), the best Gaussian": best,
              "q = N(-1, 0.5^2), a poor one":
              probability.latent_bound_by_quadrature(_log_likelihood, -1.0, 0.5)}
    z = np.linspace(-3.0, 3.0, 601)
    log_joint = _log_likelihood(z) + probability.normal_log_pdf(z)
    posterior = np.exp(log_joint - best["log_evidence"])
    figure = viz.plot_curves(
        {"p(z | x), exact": (z, posterior),
         "best Gaussian q": (z, np.exp(probability.normal_log_pdf(z, mean, std))),
         "prior p(z)": (z, np.exp(probability.normal_log_pdf(z)))},
        os.path.join(run.out, "posterior.png"), xlabel="z", ylabel="density",
        title=f"x | z ~ N(tanh(2z), {NOISE_STD}^2), x = {OBSERVED_X}")
    return {
        "information_bits": Row({k: float(info.information(p, base=2)) + 0.0
                                 for k, p in events.items()},
                                "information -log2 p (bits)", "{:.3f}"),
        "ink_entropy_bits": Row({"1s": float(info.entropy(ones, base=2)),
                                 "0s": float(info.entropy(zeros, base=2)),
                                 "uniform over 784 pixels": math.log2(784)},
                                "entropy of where the ink falls (bits)", "{:.3f}"),
        "ink_cross_entropy_bits": Row(float(info.cross_entropy(ones, zeros, base=2)),
                                      "cross-entropy H(1s, 0s) (bits)", "{:.3f}"),
        "ink_kl_bits": Row({"KL(1s || 0s)": float(info.categorical_kl(ones, zeros, 2)),
                            "KL(0s || 1s)": float(info.categorical_kl(zeros, ones, 2)),
                            "KL(1s || all digits)": float(info.categorical_kl(
                                ones, every, 2)),
                            "KL(all digits || 1s)": float(info.categorical_kl(
                                every, ones, 2))},
                           "KL both ways (bits): not symmetric", "{:.3f}"),
        "text_entropy_bits": Row(float(info.entropy(text_train, base=2)),
                                 f"entropy of the text's {len(vocabulary)} "
                                 "characters (bits per character)", "{:.3f}"),
        "text_expected_log_p": Row(expected_log_p, "E_p[log2 p(x)] of the "
                                   "characters", "{:.3f}",
                                   note="negative: the entropy is minus it"),
        "text_kl_bits": Row({"KL(train || test)": float(info.categorical_kl(
                                 text_train, text_test, 2)),
                             "KL(train || uniform)": float(info.categorical_kl(
                                 text_train, uniform, 2))},
                            "KL of the characters (bits)", "{:.4f}",
                            note="KL(p || uniform) = log2 V - H(p)"),
        "elbo_identity": Row(bounds, "log p(x), ELBO and KL(q || p(z|x)) by "
                                     "quadrature (nats)", "{:.6f}"),
        "posterior": figure,
    }


def _neighbour_correlation(images):
    """The mean correlation between horizontally adjacent pixels, over the
    pixel pairs whose both pixels vary."""
    a = images[:, :, :-1].reshape(len(images), -1)
    b = images[:, :, 1:].reshape(len(images), -1)
    varies = (a.std(0) > 0) & (b.std(0) > 0)
    a, b = a[:, varies] - a[:, varies].mean(0), b[:, varies] - b[:, varies].mean(0)
    return float(np.mean((a * b).mean(0) / (a.std(0) * b.std(0))))


@exercise("independence", "How many 28x28 images there are, per-pixel Bernoulli "
                          "samples against real digits, the nats the "
                          "independence costs against a PixelCNN.")
def independence(run: Run, *, samples: Count = 1000,
                 models_dir: str = "saved_models", stand_in_epochs: Count = 2,
                 train_size: Count | None = None,
                 test_digits: Count | None = None) -> dict:
    """Counts the images, samples independent pixels with the binarized
    training digits' ink frequencies, and measures what that loses.

    Args:
        samples: per-pixel Bernoulli samples judged by the digit classifier.
        models_dir: the folder of the other labs' exports (the PixelCNN of
            ``python -m units.unit8_likelihood``).
        stand_in_epochs: epochs of a PixelCNN trained here when none is
            exported.
        train_size: the first N training digits (default: all).
        test_digits: score the first N test digits (default: all 1,000).
    """
    x, x_test = binary_digits(train_size, test_digits)
    rng = np.random.default_rng(run.seed)
    p = (x.sum(axis=0) + 1.0) / (len(x) + 2.0)
    independent = (rng.random((samples,) + p.shape) < p).astype(np.float32)
    judge = SampleJudge()
    report = judge.report(independent, value_range=(0.0, 1.0))
    log_prob, source = pixelcnn_log_prob(x, models_dir, run.seed, stand_in_epochs)
    bernoulli = float(bernoulli_nll(x, x_test))
    pixelcnn = float(-np.mean(log_prob(x_test)))
    grid = viz.save_image_grid(np.concatenate([x_test[:16], independent[:16]]),
                               os.path.join(run.out, "independent_pixels.png"),
                               cols=16, title="top: real digits; bottom: every pixel "
                                              "drawn on its own")
    return {
        "images_binary_28x28": Row(784 * math.log10(2), "binary 28x28 images",
                                   "10^{:.1f}"),
        "images_grey_28x28": Row(784 * math.log10(256), "256-level 28x28 images",
                                 "10^{:.1f}"),
        "images_grey_100x100": Row(10_000 * math.log10(256),
                                   "256-level 100x100 images (the notes' example)",
                                   "10^{:.1f}"),
        "neighbour_correlation": Row(
            {"real digits": _neighbour_correlation(x_test),
             "independent pixels": _neighbour_correlation(independent)},
            "correlation of horizontally adjacent pixels", "{:.3f}"),
        "judged": Row({"confident (p >= 0.9)": report["confident_fraction"],
                       "most common class": max(report["class_counts"])
                       / sum(report["class_counts"]),
                       "classifier FID": report["fid"],
                       "precision": report["precision"],
                       "recall": report["recall"]},
                      "independent pixels, judged", "{:.3f}",
                      note=f"real test digits: {judge.real_confident:.1%} "
                           f"confident, FID floor {judge.fid_floor:.1f}"),
        "test_nll": Row({"independent pixels (per-pixel Bernoulli)": bernoulli,
                         "PixelCNN (each pixel given the ones before)": pixelcnn},
                        "test NLL (nats per digit)", "{:.1f}", note=source),
        "independence_costs": Row(bernoulli - pixelcnn, "what independence costs",
                                  "{:.1f} nats per digit"),
        "grid": grid,
    }
