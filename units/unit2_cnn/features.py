"""Unit II exercises on what a CNN's layers see: ``pooling`` and
``feature-maps``."""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import viz
from units import common
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit2_cnn.networks import INPUT_SHAPE


@exercise("pooling", "max vs average pooling: what each keeps, and the CNN "
                     "trained with each")
def pooling(run: Run, *, epochs: Count = 5, batch_size: Count = 64,
            train_size: Count | None = None) -> dict:
    """What 2x2 and 4x4 max and average pooling keep of 8 digits, and the
    course CNN trained with max and with average pooling.

    Args:
        epochs: training epochs of each CNN.
        batch_size: their batch.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = common.digits(train_size)
    digits = x_test[[int(np.argmax(y_test == d)) for d in range(8)]]
    panels = {"input 28x28": digits[..., 0].transpose(1, 2, 0)}
    for size in (2, 4):
        for kind, layer in (("max", keras.layers.MaxPooling2D),
                            ("average", keras.layers.AveragePooling2D)):
            pooled = np.asarray(layer(size, name=f"{kind}_pool{size}")(digits))
            panels[f"{kind} {size}x{size}"] = pooled[..., 0].transpose(1, 2, 0)
    gap = np.asarray(keras.layers.GlobalAveragePooling2D(name="gap")(digits))
    figure = viz.plot_feature_maps(panels, os.path.join(run.out, "pooling.png"),
                                   title="max pooling keeps strokes, average "
                                         "pooling blurs them")
    summary = {"figure": figure,
               "ink_share": Row([float(v) for v in gap[:, 0]],
                                "global average pooling of the 8 digits (ink "
                                "share)", "{:.2f}")}
    for kind in ("max", "average"):
        reseed(run.seed)
        model = common.compile_classifier(builders.simple_cnn(
            INPUT_SHAPE, pooling=kind, seed=run.seed))
        model.fit(x, y, batch_size=batch_size, epochs=epochs,
                  callbacks=run.backup(), verbose=run.verbose)
        _, accuracy = model.evaluate(x_test, y_test, verbose=0)
        summary[f"{kind}_accuracy"] = Row(
            accuracy, f"course CNN with {kind} pooling: test accuracy", "{:.1%}")
    return summary


@exercise("feature-maps", "first-layer filters and each convolution's feature "
                          "maps for one digit")
def feature_maps(run: Run, *, epochs: Count = 3, batch_size: Count = 64,
                 train_size: Count | None = None) -> dict:
    """The course CNN's first-layer filters and the feature maps of each of
    its convolutions for the first test digit.

    Args:
        epochs: training epochs of the CNN.
        batch_size: its batch.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = common.digits(train_size)
    model = common.compile_classifier(builders.simple_cnn(INPUT_SHAPE,
                                                          seed=run.seed))
    model.fit(x, y, batch_size=batch_size, epochs=epochs,
              callbacks=run.backup(), verbose=run.verbose)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    names = ["conv1", "conv2", "conv3"]
    probe = keras.Model(model.inputs[0], [model.get_layer(n).output for n in names],
                        name="feature_probe")
    digit = x_test[:1]
    maps = probe(digit)
    panels = {"input": digit[0, ..., 0]}
    panels.update({f"{n} {tuple(m.shape[1:3])}": np.asarray(m[0])
                   for n, m in zip(names, maps)})
    kernels = model.get_layer("conv1").kernel.numpy()[:, :, 0, :]
    return {
        "test_accuracy": Row(accuracy, "test accuracy", "{:.1%}",
                             note=f"after {epochs} epochs"),
        "feature_maps": viz.plot_feature_maps(
            panels, os.path.join(run.out, "feature_maps.png"),
            title=f"feature maps of a {y_test[0]} (first 16 channels)"),
        "conv1_filters": viz.plot_feature_maps(
            {"conv1 3x3 filters": kernels}, os.path.join(run.out, "filters.png"),
            max_channels=32),
    }
