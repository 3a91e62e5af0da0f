"""Unit V exercise ``autoencoder``, the lab's default.

It trains the course's listing: a dense 784-128-64-32-64-128-784 autoencoder
with ReLU and a sigmoid output, Adam and the mean squared error, batch 256, on
the 4,000 embedded training digits, validated on the 1,000 test digits. It shows
the encoder / bottleneck / decoder split (``autoencoder.encoder`` gives the 32
numbers that stand for a digit, a compression of 784 / 32 = 24.5x) and what
survives the bottleneck: the reconstructions keep each digit's identity and
shape and lose fine detail.
"""

import os

import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import viz
from keras_genai.data.pipeline import scale_images
from units.common import JUDGED_IMAGES
from units.common import export_if_asked
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.lab import take
from units.unit5_autoencoder.common import per_image_mse
from units.unit5_autoencoder.common import side_by_side
from units.unit5_autoencoder.common import train_autoencoder


@exercise("autoencoder", "The course's 784-128-64-32-64-128-784 autoencoder: "
                         "originals vs reconstructions, test MSE.",
          export=os.path.join("saved_models", "unit5_autoencoder"), any_dataset=True)
def autoencoder(run: Run, *, epochs: Count = 30, batch_size: Count = 256,
                latent_dim: Count = 32, train_size: Count | None = None) -> dict:
    """The course's dense autoencoder: reconstructions, test MSE, code size.
    On another ``--dataset`` the same layers take its flattened images
    (``H * W * C`` inputs) and stream its training split; the measures use
    its first 1,000 test images.

    Args:
        epochs: training epochs.
        batch_size: images per minibatch.
        latent_dim: size of the code (the bottleneck).
        train_size: train on the first N training images (default: all).
    """
    images = run.images()
    shape = images.image_shape
    pixels = int(np.prod(shape))
    x_test, _ = images.arrays(JUDGED_IMAGES, split="test")
    x_test = scale_images(x_test.reshape(len(x_test), pixels), "unit").numpy()
    if images.arrays_of:  # the embedded digits, in memory
        x = take(train_size, images.arrays_of["train"][0])
        x = scale_images(x.reshape(len(x), pixels), "unit").numpy()
        count = len(x)
    else:
        x = images.batches(batch_size, scale="unit", seed=run.seed,
                           limit=train_size).map(
            lambda b: (tf.reshape(b, (-1, pixels)), tf.reshape(b, (-1, pixels))))
        count = images.count(limit=train_size)
    model = builders.dense_autoencoder((pixels,), latent_dim=latent_dim)
    print(f"Training the {pixels}-128-64-{latent_dim}-64-128-{pixels} autoencoder "
          f"on {count} {images.name} images for {epochs} epochs.", flush=True)
    history = train_autoencoder(model, x, epochs, batch_size, run.backup(),
                                run.verbose, x_val=x_test)
    x_hat = model.predict(x_test, verbose=0)
    grid = viz.save_image_grid(side_by_side([x_test, x_hat], shape=shape),
                               os.path.join(run.out, "reconstructions.png"),
                               cols=10, title="test images (top) and reconstructions")
    curves = viz.plot_history(history, os.path.join(run.out, "loss.png"),
                              keys=["loss", "val_loss"], title="reconstruction MSE")
    codes = model.encoder.predict(x_test, verbose=0)
    size = codes.shape[1]
    return {
        "dataset": Row(images.name, "dataset", note="x".join(map(str, shape))),
        "test_mse": Row(float(per_image_mse(x_test, x_hat).mean()),
                        "test reconstruction MSE (per pixel)", "{:.5f}"),
        "train_mse": Row(history.history["loss"][-1], "train reconstruction MSE",
                         "{:.5f}"),
        "code_size": Row(size, fmt="{} numbers",
                         note=f"compression {pixels / size:.1f}x"),
        "dead_code_units": Row(int((codes.max(axis=0) <= 0).sum()),
                               "code units never active on the test images"),
        "reconstructions": grid,
        "loss_curves": curves,
        **export_if_asked(model, run.export, f"serve: x[None, {pixels}] in [0, 1] "
                                             "-> reconstruction"),
    }
