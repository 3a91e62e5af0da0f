"""Exercises ``nats`` (every model's negative log-likelihood on the same
binarized test digits) and ``sampling-cost`` (what drawing 100 images costs)."""

import os
import platform

import keras
import numpy as np

from keras_genai import builders
from keras_genai import models
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit5_autoencoder.variational import VALIDATION_DIGITS
from units.unit5_autoencoder.variational import build_vae
from units.unit5_autoencoder.variational import fit_with_early_stopping
from units.unit5_autoencoder.variational import mean_elbo
from units.unit6_diffusion.common import build_model as build_diffusion
from units.unit6_diffusion.common import labels_for
from units.unit8_likelihood.common import binary_digits
from units.unit8_likelihood.common import bits_per_dim
from units.unit8_likelihood.common import build_pixelcnn
from units.unit8_likelihood.common import timed
from units.unit8_likelihood.common import trained_pixelcnn

VAE_BATCH_SIZE = 100  # as in Unit V's vae exercise
# Published test NLLs on full binarized MNIST (60,000 training digits), nats.
PUBLISHED = {"VAE": "about 89-90", "IWAE": "about 87",
             "PixelCNN": "81.3 (van den Oord et al. 2016a, table 4)"}


def bernoulli_nll(train, test):
    """Test NLL (nats per image) of independent pixels, each a Bernoulli with
    its training frequency (add-one smoothed): a model that knows how often
    each pixel is ink and nothing about how pixels depend on each other.

    Example:

    >>> train = np.array([[1.0, 0.0], [1.0, 1.0]])  # p = (3/4, 1/2)
    >>> round(float(bernoulli_nll(train, np.array([[1.0, 1.0]]))), 4)
    0.9808
    """
    train = np.asarray(train, np.float64).reshape(len(train), -1)
    test = np.asarray(test, np.float64).reshape(len(test), -1)
    p = (train.sum(axis=0) + 1.0) / (len(train) + 2.0)
    log_p = test * np.log(p) + (1.0 - test) * np.log1p(-p)
    return -log_p.sum(axis=1).mean()


@exercise("nats", "One table of test NLL in nats: per-pixel Bernoulli, VAE ELBO, "
                  "importance-weighted VAE (k = 1 ... 1,000), PixelCNN (exact).")
def nats(run: Run, *, epochs: Count = 10, batch_size: Count = 64,
         latent_dim: Count = 20, train_size: Count | None = None,
         test_digits: Count | None = None,
         iwae_samples: list[Count] = [1, 10, 100, 1000],
         vae_epochs: Count = 150) -> dict:
    """Every model's test NLL in nats on the same binarized test digits: a
    per-pixel Bernoulli, a VAE (its ELBO and importance-weighted estimates) and
    the PixelCNN that ``--exercise pixelcnn`` saved (trained now if none).

    Args:
        epochs: the most epochs of the PixelCNN, when none was saved.
        batch_size: its minibatch, when none was saved (the VAE's is 100).
        latent_dim: the VAE's latent size.
        train_size: train on the first N training digits (default: all).
        test_digits: score the first N of the 1,000 test digits, for a quick try
            (default: all).
        iwae_samples: importance samples k of the VAE's estimates.
        vae_epochs: the most epochs of the VAE (early stopping).
    """
    x, x_test = binary_digits(train_size, test_digits)
    rows = {"per-pixel Bernoulli": bernoulli_nll(x[VALIDATION_DIGITS:], x_test)}
    reseed(run.seed)
    vae = build_vae(latent_dim, seed=run.seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    print(f"Training a {latent_dim}-D VAE (up to {vae_epochs} epochs, "
          "early stopping).", flush=True)
    history = fit_with_early_stopping(vae, x, None, vae_epochs, VAE_BATCH_SIZE,
                                      run.backup(), run.verbose)
    rows["VAE, -ELBO"] = -mean_elbo(vae, x_test)["elbo"]
    for k in sorted(iwae_samples):
        print(f"Importance-weighted estimate, k = {k}.", flush=True)
        rows[f"VAE, importance-weighted, k={k}"] = float(
            -vae.log_likelihood(x_test, num_samples=k, seed=run.seed).mean())
    pixelcnn = trained_pixelcnn(x, run.out, run.seed, epochs, batch_size,
                                run.backup(), run.verbose)
    rows["PixelCNN, exact"] = float(-pixelcnn.log_prob(x_test).mean())
    table = {name: {"nats": float(v), "bits_per_dim": bits_per_dim(float(v))}
             for name, v in rows.items()}
    best_vae = min(v for k, v in rows.items() if k.startswith("VAE"))
    return {
        "table": Row(table, "test negative log-likelihood (lower is better)"),
        "vae_epochs": Row(len(history.history["elbo"]), "VAE epochs (early "
                                                         "stopping)"),
        "elbo_gap": Row(rows["VAE, -ELBO"] - best_vae,
                        "-ELBO minus the best importance-weighted estimate",
                        "{:.2f} nats",
                        note="a lower bound on the ELBO's gap to log p(x)"),
        "pixelcnn_below_vae": Row(best_vae - rows["PixelCNN, exact"],
                                  "PixelCNN below the best VAE estimate",
                                  "{:.2f} nats"),
        "published_full_mnist": Row(PUBLISHED, "published, full binarized MNIST "
                                               "(nats)"),
    }


def _samplers(n, seed):
    """The labs' four samplers as untrained networks of the labs' sizes (the
    cost of a sample depends on the architecture, not on the weights):
    ``{name: (draw n images, network passes per image)}``."""
    vae = build_vae(20, seed=seed)
    gan = models.GAN(builders.dcgan_generator(64, (28, 28, 1)),
                     builders.dcgan_discriminator((28, 28, 1)), latent_dim=64,
                     seed=seed)
    diffusion = build_diffusion(seed)
    pixelcnn = build_pixelcnn(seed)
    return {
        "VAE decoder": (lambda: vae.sample(n, seed=seed), "1"),
        "DCGAN generator": (lambda: gan.sample(n, seed=seed), "1"),
        "DDIM, 50 steps": (lambda: diffusion.sample(labels=labels_for(n), steps=50,
                                                    seed=seed, verbose=False),
                           "50 (each on 2 images: guidance)"),
        "PixelCNN": (lambda: pixelcnn.sample(n, seed=seed, batch_size=n),
                     f"{28 * 28} (one per pixel)"),
    }


@exercise("sampling-cost", "Seconds per 100 samples: VAE, DCGAN, DDIM at 50 "
                           "steps, PixelCNN at 784 steps, on this machine.")
def sampling_cost(run: Run, *, samples: Count = 100) -> dict:
    """Times each lab's sampler (untrained networks of the labs' sizes: the
    cost of a sample depends on the architecture, not on the weights).

    Args:
        samples: images each sampler draws at once (timed after one untimed
            call that traces it).
    """
    n = samples
    rows = {}
    for name, (draw, passes) in _samplers(n, run.seed).items():
        _, seconds = timed(draw, warm_up=True)
        rows[name] = {"seconds_per_100": seconds * 100 / n,
                      "network_passes": passes}
        print(f"  {name}: {seconds:.2f} s for {n} samples", flush=True)
    base = rows["VAE decoder"]["seconds_per_100"]
    for row in rows.values():
        row["times_the_vae"] = row["seconds_per_100"] / base
    return {
        "rows": Row(rows, f"drawing {n} images at once (after one untimed call "
                          "that traces the sampler)"),
        "pixelcnn_over_ddim": Row(rows["PixelCNN"]["seconds_per_100"]
                                  / rows["DDIM, 50 steps"]["seconds_per_100"],
                                  "PixelCNN / DDIM-50", "{:.1f}x"),
        "cpu": Row(_cpu(), "measured on"),
    }


def _cpu():
    """The processor's model name (Linux), else the platform's."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
