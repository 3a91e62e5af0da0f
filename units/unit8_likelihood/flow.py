"""Exercise ``flow``: RealNVP on the 8-bit digits."""

import math
import os
import time

import keras
import numpy as np

from keras_genai import models
from keras_genai import utils
from keras_genai import viz
from units.common import export_if_asked
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.lab import take

TEMPERATURES = (1.0, 0.7)
# Full MNIST (60,000 digits), Real NVP as reported in Grathwohl et al. (2019),
# table 2.
PUBLISHED_BITS_PER_DIM = 1.06


def _learning_rate(n, epochs, batch_size):
    """Adam's step size: a linear warm-up to 1e-3 over the first epoch (as in
    the training code of Glow, Kingma & Dhariwal 2018), then a cosine decay to
    1e-4. At a constant 1e-3 the training bits per dimension rose again
    between epochs (3.04 to 3.41, 2.61 to 2.87 in one 8-epoch run)."""
    steps = math.ceil(n / batch_size)
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=max(1, (epochs - 1) * steps), alpha=0.1,
        warmup_target=1e-3, warmup_steps=steps)


@exercise("flow", "RealNVP on the 8-bit digits (or --dataset): test bits per "
                  "dimension, samples at two temperatures, exact inversion, a "
                  "latent walk.",
          export=os.path.join("saved_models", "unit8_realnvp"), any_dataset=True)
def flow(run: Run, *, epochs: Count = 7, batch_size: Count = 64,
         train_size: Count | None = None, test_digits: Count | None = None,
         samples: Count = 100) -> dict:
    """Trains RealNVP on the 8-bit digits: bits per dimension, samples at the
    `TEMPERATURES`, the exact inverse and a walk between two digits' latents.
    On another ``--dataset`` the same model takes its 8-bit images (any
    channels, even sides) streamed; the training bits per dimension are then
    those of its first 1,000 training images.

    Args:
        epochs: training epochs.
        batch_size: images per minibatch.
        train_size: train on the first N training images (default: all).
        test_digits: score the first N test images (default: all the digits'
            1,000; another dataset's first 1,000), for a quick try.
        samples: images drawn for each sample grid.
    """
    images = run.images()
    shape = images.image_shape
    x_test, _ = images.arrays(test_digits or 1000, split="test")
    x_test = x_test.astype("float32")
    if images.arrays_of:  # the embedded digits, in memory
        x = take(train_size, images.arrays_of["train"][0]).astype("float32")
        n, fit = len(x), dict(x=x, batch_size=batch_size)
    else:
        n = images.count(limit=train_size)
        fit = dict(x=images.batches(batch_size, scale=None, seed=run.seed,
                                    limit=n))
        x = images.arrays(min(n, 1000), split="train")[0].astype("float32")
    reseed(run.seed)
    model = models.RealNVP(shape, seed=run.seed)
    model.compile(optimizer=keras.optimizers.Adam(
        _learning_rate(n, epochs, batch_size)))
    print(f"Training RealNVP ({model.count_params():,} weights, "
          f"{len(model.couplings)} couplings) on {n} {images.name} images for "
          f"{epochs} epochs.", flush=True)
    start = time.perf_counter()
    history = model.fit(**fit, epochs=epochs, callbacks=run.backup(),
                        verbose=run.verbose)
    train_seconds = time.perf_counter() - start
    grids = {}
    for t in TEMPERATURES:
        grids[t] = viz.save_image_grid(
            model.sample(samples, seed=run.seed, temperature=t) / 255.0,
            os.path.join(run.out, f"samples_t{t:g}.png"), cols=10,
            title=f"RealNVP samples, latent temperature {t:g}")
    # The inverse is exact: every test digit comes back from its latent.
    z = model.encode(x_test)
    roundtrip = float(np.abs(model.decode(z) - x_test).max())
    walks = [model.decode(utils.interpolate(z[a].ravel(), z[b].ravel(), 10)
                          .reshape(10, *shape))
             for a, b in ((0, 1), (2, 3), (4, 5)) if b < len(z)]
    interpolation = viz.save_image_grid(
        np.concatenate(walks) / 255.0, os.path.join(run.out, "interpolation.png"),
        cols=10, title="straight lines between the latents of test digits")
    return {
        "dataset": Row(images.name, "dataset", note="x".join(map(str, shape))),
        "test_bits_per_dim": Row(model.bits_per_dim(x_test, seed=run.seed),
                                 "test bits per dimension", "{:.3f}",
                                 note="full MNIST, published: "
                                      f"{PUBLISHED_BITS_PER_DIM}" if images.is_digits
                                 else f"{len(x_test)} test images"),
        "train_bits_per_dim": Row(model.bits_per_dim(x, seed=run.seed),
                                  "training bits per dimension", "{:.3f}"),
        "training_seconds": Row(train_seconds, "training time", "{:.0f} s",
                                note=f"{epochs} epochs"),
        "parameters": Row(model.count_params(), "weights", "{:,}"),
        "roundtrip_error": Row(roundtrip, "largest |decode(encode(x)) - x| on the "
                                          "test digits", "{:g}",
                               note="pixel values 0..255"),
        **{f"samples_t{t:g}": grids[t] for t in TEMPERATURES},
        "interpolation": interpolation,
        "loss_curves": viz.plot_history(history, os.path.join(run.out, "bits.png"),
                                        keys=["bits_per_dim"],
                                        title="training bits per dimension"),
        **export_if_asked(model, run.export, "log_prob(values) -> nats; encode, "
                                             "decode, sample(n, seed[2]) -> images "
                                             "0..255"),
    }
