"""Unit II exercises on generalising from few digits: ``regularization``
(dropout, batch normalisation), ``normalization`` (batch norm against batch
size and mode) and ``augmentation``."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import viz
from units import common
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit2_cnn.networks import INPUT_SHAPE


SPATIAL_DROPOUT = 0.2  # the share of feature maps SpatialDropout2D drops


@exercise("regularization", "dropout, spatial dropout and batch-norm ablation: "
                            "train/test accuracy gap")
def regularization(run: Run, *, epochs: Count = 30, batch_size: Count = 32,
                   train_size: Count = 1000) -> dict:
    """The course CNN with and without dropout and batch normalisation, and
    with spatial dropout (whole feature maps dropped after each of the first
    two blocks) instead: train and test accuracy and the gap between them.

    Args:
        epochs: training epochs of each setting.
        batch_size: their batch.
        train_size: train on the first N training digits (few, so that it
            overfits).
    """
    x, y, x_test, y_test = common.digits(train_size)
    curves, results = {}, {}
    settings = [(normalization, dropout, 0.0) for normalization in (None, "batch")
                for dropout in (0.0, 0.5)]
    settings.append((None, 0.0, SPATIAL_DROPOUT))
    for normalization, dropout, spatial in settings:
        label = (f"{'batch norm' if normalization else 'no norm'}, "
                 + (f"spatial dropout {spatial}" if spatial else f"dropout {dropout}"))
        reseed(run.seed)
        model = common.compile_classifier(builders.simple_cnn(
            INPUT_SHAPE, normalization=normalization, dropout=dropout,
            spatial_dropout=spatial, seed=run.seed))
        history = model.fit(x, y, batch_size=batch_size,
                            epochs=epochs, validation_data=(x_test, y_test),
                            callbacks=run.backup(), verbose=run.verbose)
        _, train_accuracy = model.evaluate(x, y, verbose=0)
        _, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
        curves[label] = history.history["val_accuracy"]
        results[label] = {"train": train_accuracy, "test": test_accuracy,
                          "gap": train_accuracy - test_accuracy}
    return {
        "training_digits": len(x),
        "results": Row(results, "accuracy (train, test, gap)", "{:.1%}"),
        "test_accuracy_curves": viz.plot_curves(
            curves, os.path.join(run.out, "regularization.png"),
            ylabel="test accuracy", title=f"course CNN on {len(x)} digits"),
    }


NORMALIZATION_BATCHES = (2, 8, 64)


def batch_statistics_accuracy(model, x, y, batch_size):
    """Accuracy of ``model`` called in training mode on batches of
    ``batch_size`` test digits: each batch normalised with its own mean and
    variance, as during training (for batch norm; group and layer norm do not
    depend on the mode). It runs after the inference-mode evaluation: a call
    in training mode also moves batch norm's running averages."""
    right = 0
    for start in range(0, len(x), batch_size):
        logits = model(x[start:start + batch_size], training=True)
        right += int(np.sum(np.argmax(logits, -1) == y[start:start + batch_size]))
    return right / len(x)


@exercise("normalization", "batch norm with batches of 2 / 8 / 64 against group and "
                           "layer norm; batch statistics against running averages")
def normalization(run: Run, *, epochs: Count = 3, train_size: Count = 2000,
                  batches: list[Count] = list(NORMALIZATION_BATCHES),
                  test_digits: Count | None = None) -> dict:
    """The course CNN with batch, group and layer normalisation, each trained
    with batches of 2, 8 and 64 for the same number of epochs, and scored in
    inference mode (batch norm uses its running averages) and in training mode
    (each test batch normalised with its own statistics).

    Args:
        epochs: training epochs of each network.
        train_size: train on the first N training digits.
        batches: the batch sizes compared.
        test_digits: score the first N test digits (default: all).
    """
    x, y, x_test, y_test = common.digits(train_size)
    x_test, y_test = common.first_test_digits(test_digits, x_test, y_test)
    inference, training_mode = {}, {}
    for kind in ("batch", "group", "layer"):
        inference[kind], training_mode[kind] = {}, {}
        for batch in batches:
            reseed(run.seed)
            model = common.compile_classifier(builders.simple_cnn(
                INPUT_SHAPE, normalization=kind, seed=run.seed))
            model.fit(x, y, batch_size=batch, epochs=epochs,
                      callbacks=run.backup(), verbose=run.verbose)
            inference[kind][f"batch {batch}"] = model.evaluate(
                x_test, y_test, verbose=0)[1]
            training_mode[kind][f"batch {batch}"] = batch_statistics_accuracy(
                model, x_test, y_test, batch)
    return {
        "training_digits": len(x),
        "inference_accuracy": Row(inference, "test accuracy, inference mode "
                                             "(running averages)", "{:.1%}"),
        "training_mode_accuracy": Row(training_mode, "test accuracy, training mode "
                                                     "(each batch's statistics)",
                                      "{:.1%}"),
    }


@exercise("augmentation", "augmented samples; training with vs without "
                          "augmentation on 500 digits")
def augmentation(run: Run, *, epochs: Count = 80, batch_size: Count = 64,
                 train_size: Count = 500) -> dict:
    """A grid of augmented digits (geometric, colour, blur, random erasing,
    mixup, cutmix), the digits through sharpening and edge kernels, and the
    course CNN trained with and without augmentation.

    Args:
        epochs: training epochs of each CNN.
        batch_size: their batch.
        train_size: train on the first N training digits (few, so that
            augmentation helps).
    """
    x, y, x_test, y_test = common.digits(train_size)
    pipeline = data.augmentation(rotation=0.05, zoom=0.1, translation=0.1,
                                 contrast=0.3, brightness=0.2, blur=0.5,
                                 erasing=0.5, seed=run.seed)
    originals = x[:8]
    rows = [originals] + [np.asarray(pipeline(originals, training=True))
                          for _ in range(5)]
    batch = tf.data.Dataset.from_tensor_slices((x[:8], y[:8])).batch(8)
    mixed, _ = next(iter(data.mixup(batch, num_classes=10, alpha=0.4,
                                    seed=run.seed)))
    cut, _ = next(iter(data.cutmix(batch, num_classes=10, seed=run.seed)))
    rows += [np.asarray(mixed), np.asarray(cut)]
    grid = viz.save_image_grid(np.concatenate(rows), os.path.join(
        run.out, "augmented.png"), cols=8, title="row 1: originals; rows 2-6: "
                                             "augmented; row 7: mixup; row 8: cutmix")
    # The fixed kernels the notes list with augmentation: sharpening, and
    # edges (|Laplacian| and the Sobel gradient's length), clipped to [0, 1].
    sobel = np.hypot(data.filter_images(originals, "sobel_x"),
                     data.filter_images(originals, "sobel_y"))
    filtered = [originals, np.asarray(data.filter_images(originals, "sharpen")),
                np.abs(data.filter_images(originals, "laplacian")), sobel / 4.0]
    kernels = viz.save_image_grid(
        np.clip(np.concatenate(filtered), 0.0, 1.0),
        os.path.join(run.out, "kernels.png"), cols=8,
        title="originals; sharpened; |Laplacian| edges; Sobel gradient / 4")
    summary = {"samples": grid, "kernels": kernels, "training_digits": len(x)}
    for label, augment in (("without augmentation", False),
                           ("with augmentation", True)):
        reseed(run.seed)
        network = builders.simple_cnn(INPUT_SHAPE, seed=run.seed)
        layers = [keras.Input(INPUT_SHAPE, name="image")]
        if augment:
            # Mild geometric changes (a digit rotated by 11 degrees or shifted
            # by 2 pixels is still the same digit). Seed 0, 500 digits: 91.6% ->
            # 92.5% after 40 epochs with stronger changes and erasing; 92.0% ->
            # 95.4% after 80 with these: augmented data takes longer to fit.
            layers.append(data.augmentation(rotation=0.03, zoom=0.05,
                                            translation=0.08, seed=run.seed))
        model = common.compile_classifier(
            keras.Sequential(layers + [network], name="classifier"))
        model.fit(x, y, batch_size=batch_size, epochs=epochs,
                  callbacks=run.backup(), verbose=run.verbose)
        _, accuracy = model.evaluate(x_test, y_test, verbose=0)
        summary[label.replace(" ", "_") + "_accuracy"] = Row(
            accuracy, f"{label}: test accuracy", "{:.1%}")
    return summary
