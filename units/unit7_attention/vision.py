"""Exercises ``vit`` (a Vision Transformer against the course CNN as the
training set grows) and ``mae`` (a masked autoencoder: reconstructions, a
linear probe of its encoder, and the mask ratio)."""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import models
from keras_genai import viz
from units.common import compile_classifier
from units.common import digits
from units.common import export_if_asked
from units.common import first_test_digits
from units.common import linear_probe
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise


def vit_classifier():
    """The lab's ViT: 7x7 patches (16 tokens), width 64, 3 blocks, 4 heads
    (about 105k weights).

    Example:

    >>> vit_classifier().count_params()
    105226
    """
    return builders.vit((28, 28, 1), patch_size=7, dim=64, depth=3, heads=4,
                        mlp_dim=128)


def cnn_classifier():
    """The course's LeNet-style CNN cut to about the ViT's size (16 and 32
    filters, 64 hidden units: about 106k weights).

    Example:

    >>> cnn_classifier().count_params()
    105866
    """
    return builders.lenet((28, 28, 1), filters=(16, 32), dense_units=64)


@exercise("vit", "A Vision Transformer against the course CNN, at about the "
                 "same number of weights, on 500 and 4,000 training digits.")
def vit(run: Run, *, epochs: Count = 40, batch_size: Count = 64,
        train_size: Count | None = None, test_digits: Count | None = None) -> dict:
    """A Vision Transformer against the course CNN at about the same number of
    weights, trained on 500 and on all the training digits.

    Args:
        epochs: training epochs of each network.
        batch_size: digits per training step.
        train_size: train on the first N digits (default: all 4,000).
        test_digits: evaluate on the first N of the 1,000 test digits, for a
            quick try (default: all).
    """
    x, y, x_test, y_test = digits(train_size)
    x_test, y_test = first_test_digits(test_digits, x_test, y_test)
    rows, curves = {}, {}
    for size in sorted({min(s, len(x)) for s in (500, len(x))}):
        for name, build in (("CNN", cnn_classifier), ("ViT", vit_classifier)):
            reseed(run.seed)
            model = compile_classifier(build())
            print(f"{name} on {size} digits for {epochs} epochs.", flush=True)
            history = model.fit(x[:size], y[:size], epochs=epochs,
                                batch_size=batch_size,
                                validation_data=(x_test, y_test), verbose=run.verbose)
            key = f"{name} {size}"
            rows[key] = {"test_accuracy": float(history.history["val_accuracy"][-1]),
                         "train_accuracy": float(history.history["accuracy"][-1]),
                         "parameters": model.count_params()}
            curves[key] = history.history["val_accuracy"]
    figure = viz.plot_curves(curves, os.path.join(run.out, "vit_vs_cnn.png"),
                             ylabel="test accuracy",
                             title="ViT vs CNN on few and more digits")
    return {"rows": Row(rows, "test accuracy by training set"),
            "accuracy_curves": figure}


def build_mae(mask_ratio, seed):
    """The lab's masked autoencoder: 4x4 patches (49 tokens), a 64-wide
    3-block encoder and a 32-wide 1-block decoder, normalized-pixel targets.

    Example:

    >>> mae = build_mae(0.75, seed=0)
    >>> mae.compile(optimizer=keras.optimizers.AdamW(1e-3))
    """
    return models.MaskedAutoencoder(
        builders.mae_encoder((28, 28, 1), 4, dim=64, depth=3, heads=4),
        builders.mae_decoder((28, 28, 1), 4, encoder_dim=64, dim=32, depth=1,
                             heads=2),
        patch_size=4, mask_ratio=mask_ratio, norm_pix_loss=True, seed=seed)


def _train_mae(mask_ratio, x, x_test, run, epochs, batch_size, untrained=False):
    """A masked autoencoder trained at ``mask_ratio`` for ``epochs`` (``run``:
    seed, verbosity and backups of the exercise); returns ``(model,
    history, features of x and x_test before training or None)``."""
    reseed(run.seed)
    model = build_mae(mask_ratio, run.seed)
    model.compile(optimizer=keras.optimizers.AdamW(2e-3, weight_decay=0.05))
    untrained = (model.encode(x), model.encode(x_test)) if untrained else None
    print(f"Training a masked autoencoder at {mask_ratio:.0%} masking for "
          f"{epochs} epochs.", flush=True)
    history = model.fit(x, epochs=epochs, batch_size=batch_size,
                        callbacks=run.backup(), verbose=run.verbose)
    return model, history, untrained


@exercise("mae", "A masked autoencoder on the digits: reconstructions at 75% "
                 "masking, a linear probe of its encoder against raw pixels, and "
                 "the mask ratio.",
          export=os.path.join("saved_models", "unit7_mae"))
def mae(run: Run, *, epochs: Count = 30, batch_size: Count = 128,
        train_size: Count | None = None, test_digits: Count | None = None,
        mask_ratios: list[float] = [0.25, 0.5, 0.75, 0.9],
        probe_epochs: Count = 200) -> dict:
    """A masked autoencoder (75% of the 4x4 patches hidden): reconstructions,
    a linear probe of its encoder against raw pixels and the same encoder
    untrained, and the mask ratio swept.

    Args:
        epochs: training epochs of each masked autoencoder.
        batch_size: digits per training step.
        train_size: train on the first N digits (default: all 4,000).
        test_digits: evaluate on the first N of the 1,000 test digits, for a
            quick try (default: all).
        mask_ratios: mask ratios of the sweep.
        probe_epochs: epochs of the linear classifiers.
    """
    x, y, x_test, y_test = digits(train_size)
    x_test, y_test = first_test_digits(test_digits, x_test, y_test)
    model, history, untrained = _train_mae(0.75, x, x_test, run, epochs,
                                           batch_size, untrained=True)
    masked, reconstructed = model.reconstruct(x_test[:10], seed=run.seed)
    grid = viz.save_image_grid(
        np.concatenate([x_test[:10], masked, np.clip(reconstructed, 0, 1)]),
        os.path.join(run.out, "reconstructions.png"), cols=10,
        title="test digits; 75% of the 4x4 patches hidden; reconstructed "
              "(hidden patches at their true mean and spread)")
    probe = {
        "raw pixels (784)": linear_probe(x.reshape(len(x), -1), y,
                                         x_test.reshape(len(x_test), -1), y_test,
                                         run.seed, probe_epochs),
        "MAE encoder (64)": linear_probe(model.encode(x), y, model.encode(x_test),
                                         y_test, run.seed, probe_epochs),
        "untrained encoder (64)": linear_probe(untrained[0], y, untrained[1], y_test,
                                               run.seed, probe_epochs),
    }
    sweep = {}
    for ratio in mask_ratios:
        trained = model if ratio == 0.75 else _train_mae(
            ratio, x, x_test, run, epochs, batch_size)[0]
        sweep[f"{ratio:.0%}"] = {
            "probe_accuracy": probe["MAE encoder (64)"] if ratio == 0.75
            else linear_probe(trained.encode(x), y, trained.encode(x_test), y_test,
                              run.seed, probe_epochs),
            # at the model's own ratio: a harder task as the ratio grows
            "test_loss": float(trained.evaluate(x_test, verbose=0,
                                                return_dict=True)["loss"])}
    curves = viz.plot_history(history, os.path.join(run.out, "loss.png"), keys=["loss"],
                              title="masked-patch loss (normalized pixels)")
    return {"probe": Row(probe, "linear probe test accuracy", "{:.1%}"),
            "mask_ratio_sweep": Row(sweep, "mask ratio"),
            "reconstructions": grid, "loss_curve": curves,
            **export_if_asked(model, run.export, "encode(images), "
                                           "reconstruct(images, seed)")}
