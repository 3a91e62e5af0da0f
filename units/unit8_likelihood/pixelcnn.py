"""Likelihood lab exercise ``pixelcnn``, the lab's default: a PixelCNN (van den
Oord et al. 2016) on the binarized digits, its exact test NLL in nats, samples,
and the time per sample (784 network passes, one per pixel).

It saves its model as ``pixelcnn.keras`` in its output folder; ``--exercise
nats`` uses it from there instead of training another.
"""

import os
import time

from keras_genai import viz
from units.common import export_if_asked
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit5_autoencoder.variational import VALIDATION_DIGITS
from units.unit8_likelihood.common import PIXELCNN_FILE
from units.unit8_likelihood.common import binary_digits
from units.unit8_likelihood.common import bits_per_dim
from units.unit8_likelihood.common import save_model
from units.unit8_likelihood.common import timed
from units.unit8_likelihood.common import train_pixelcnn


@exercise("pixelcnn", "PixelCNN on binarized digits: exact test NLL in nats, "
                      "samples, seconds per sample (784 sequential steps).",
          export=os.path.join("saved_models", "unit8_pixelcnn"))
def pixelcnn(run: Run, *, epochs: Count = 10, batch_size: Count = 64,
             train_size: Count | None = None, test_digits: Count | None = None,
             samples: Count = 100) -> dict:
    """Trains the lab's PixelCNN (`units.unit8_likelihood.common.train_pixelcnn`),
    saves it for ``--exercise nats``, scores the test digits and times sampling.

    Args:
        epochs: the most epochs (early stopping on 500 held-out digits).
        batch_size: digits per minibatch.
        train_size: train on the first N training digits (default: all).
        test_digits: score the first N of the 1,000 test digits, for a quick try
            (default: all).
        samples: images drawn for the sample grid and timed.
    """
    x, x_test = binary_digits(train_size, test_digits)
    start = time.perf_counter()
    model, history = train_pixelcnn(x, run.seed, epochs, batch_size, run.backup(),
                                    run.verbose)
    train_seconds = time.perf_counter() - start
    save_model(model, os.path.join(run.out, PIXELCNN_FILE))
    test_nll = float(-model.log_prob(x_test).mean())
    train_nll = float(-model.log_prob(x[VALIDATION_DIGITS:]).mean())
    images, seconds = timed(lambda: model.sample(samples, seed=run.seed,
                                                 batch_size=samples))
    height, width, _ = model.image_shape
    grid = viz.save_image_grid(images, os.path.join(run.out, "samples.png"),
                               cols=10,
                               title="PixelCNN samples, drawn pixel by pixel")
    curves = viz.plot_history(history, os.path.join(run.out, "nll.png"),
                              keys=["loss", "val_loss"],
                              title="-log p(x), training and held-out digits "
                                    "(nats)")
    return {
        "test_nll": Row(test_nll, "test NLL, exact (nats per image)", "{:.2f}",
                        note=f"{bits_per_dim(test_nll):.4f} bits/dim"),
        "train_nll": Row(train_nll, "training NLL (nats per image)", "{:.2f}"),
        "epochs": Row(len(history.history["loss"]), "epochs (early stopping)"),
        "training_seconds": Row(train_seconds, "training time", "{:.0f} s"),
        "parameters": Row(model.count_params(), "weights", "{:,}"),
        "sampling_seconds": Row(seconds, f"drawing {samples} samples at once",
                                "{:.1f} s",
                                note=f"{height * width} network passes, tracing "
                                     "included"),
        "seconds_per_sample": Row(seconds / samples, "seconds per sample",
                                  "{:.3f} s"),
        "samples": grid,
        "nll_curves": curves,
        "model": os.path.join(run.out, PIXELCNN_FILE),
        **export_if_asked(model, run.export, "log_prob(images) -> nats; sample(n, "
                                             "seed[2]) -> binary images"),
    }
