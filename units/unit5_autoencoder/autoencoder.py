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

from keras_genai import builders
from keras_genai import viz
from units.common import export_if_asked
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit5_autoencoder.common import per_image_mse
from units.unit5_autoencoder.common import side_by_side
from units.unit5_autoencoder.common import train_autoencoder
from units.unit5_autoencoder.common import unit_digits


@exercise("autoencoder", "The course's 784-128-64-32-64-128-784 autoencoder: "
                         "originals vs reconstructions, test MSE.",
          export=os.path.join("saved_models", "unit5_autoencoder"))
def autoencoder(run: Run, *, epochs: Count = 30, batch_size: Count = 256,
                latent_dim: Count = 32, train_size: Count | None = None) -> dict:
    """The course's dense autoencoder: reconstructions, test MSE, code size.

    Args:
        epochs: training epochs.
        batch_size: digits per minibatch.
        latent_dim: size of the code (the bottleneck).
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size, flatten=True)
    model = builders.dense_autoencoder((784,), latent_dim=latent_dim)
    print(f"Training the {784}-128-64-{latent_dim}-64-128-784 autoencoder on "
          f"{len(x)} digits for {epochs} epochs.", flush=True)
    history = train_autoencoder(model, x, epochs, batch_size, run.backup(),
                                run.verbose, x_val=x_test)
    x_hat = model.predict(x_test, verbose=0)
    grid = viz.save_image_grid(side_by_side([x_test, x_hat]),
                               os.path.join(run.out, "reconstructions.png"),
                               cols=10, title="test digits (top) and reconstructions")
    curves = viz.plot_history(history, os.path.join(run.out, "loss.png"),
                              keys=["loss", "val_loss"], title="reconstruction MSE")
    codes = model.encoder.predict(x_test, verbose=0)
    size = codes.shape[1]
    return {
        "test_mse": Row(float(per_image_mse(x_test, x_hat).mean()),
                        "test reconstruction MSE (per pixel)", "{:.5f}"),
        "train_mse": Row(history.history["loss"][-1], "train reconstruction MSE",
                         "{:.5f}"),
        "code_size": Row(size, fmt="{} numbers",
                         note=f"compression {784 / size:.1f}x"),
        "dead_code_units": Row(int((codes.max(axis=0) <= 0).sum()),
                               "code units never active on the test digits"),
        "reconstructions": grid,
        "loss_curves": curves,
        **export_if_asked(model, run.export, "serve: x[None, 784] in [0, 1] -> "
                                             "reconstruction"),
    }
