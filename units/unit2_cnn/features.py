"""Unit II exercises on what a CNN's layers see: ``pooling`` (and how much a
network's answer moves when the digit moves) and ``feature-maps``."""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import layers
from keras_genai import viz
from units import common
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit2_cnn.networks import INPUT_SHAPE


# The networks of `pooling`: (pooling kind, head) of `builders.simple_cnn`.
POOLING_NETWORKS = {
    "max pooling": ("max", "flatten"),
    "average pooling": ("average", "flatten"),
    "min pooling": ("min", "flatten"),
    "no pooling": (None, "flatten"),
    "max pooling, global max head": ("max", "global_max"),
    "max pooling, global average head": ("max", "global_average"),
}
SHIFTS = (1, 2, 3, 4)


def shift_right(images, pixels):
    """``images`` ``(N, H, W, C)`` moved ``pixels`` to the right, the columns
    that enter filled with zeros (the background)."""
    shifted = np.zeros_like(images)
    shifted[:, :, pixels:] = images[:, :, :images.shape[2] - pixels]
    return shifted


@exercise("pooling", "max / average / min pooling and none, global max vs "
                     "average: what each keeps, accuracy, and how much each "
                     "network's answer moves when the digit moves")
def pooling(run: Run, *, epochs: Count = 5, batch_size: Count = 64,
            train_size: Count | None = None,
            test_digits: Count | None = None) -> dict:
    """What 2x2 and 4x4 max, average and min pooling keep of 8 digits; the
    course CNN trained with each kind of pooling, with none, and with a
    global max or global average head; and, for each, the test accuracy and
    the change of its logits when the test digits move 1-4 pixels to the
    right (translation invariance).

    Args:
        epochs: training epochs of each CNN.
        batch_size: their batch.
        train_size: train on the first N training digits (default: all).
        test_digits: score the first N test digits (default: all).
    """
    x, y, x_test, y_test = common.digits(train_size)
    digits = x_test[[int(np.argmax(y_test == d)) for d in range(8)]]
    x_test, y_test = common.first_test_digits(test_digits, x_test, y_test)
    panels = {"input 28x28": digits[..., 0].transpose(1, 2, 0)}
    for size in (2, 4):
        for kind, layer in (("max", keras.layers.MaxPooling2D),
                            ("average", keras.layers.AveragePooling2D),
                            ("min", layers.MinPooling2D)):
            pooled = np.asarray(layer(size, name=f"{kind}_pool{size}")(digits))
            panels[f"{kind} {size}x{size}"] = pooled[..., 0].transpose(1, 2, 0)
    gap = np.asarray(keras.layers.GlobalAveragePooling2D(name="gap")(digits))
    figure = viz.plot_feature_maps(panels, os.path.join(run.out, "pooling.png"),
                                   title="max pooling keeps strokes, average "
                                         "blurs them, min keeps their cores")
    accuracy, by_shift, moved = {}, {}, {}
    for label, (kind, head) in POOLING_NETWORKS.items():
        reseed(run.seed)
        model = common.compile_classifier(builders.simple_cnn(
            INPUT_SHAPE, pooling=kind, head=head, seed=run.seed))
        model.fit(x, y, batch_size=batch_size, epochs=epochs,
                  callbacks=run.backup(), verbose=run.verbose)
        logits = model.predict(x_test, batch_size=256, verbose=0)
        accuracy[label] = float(np.mean(np.argmax(logits, -1) == y_test))
        by_shift[label], moved[label] = [], []
        for pixels in SHIFTS:
            shifted = model.predict(shift_right(x_test, pixels), batch_size=256,
                                    verbose=0)
            by_shift[label].append(float(np.mean(np.argmax(shifted, -1) == y_test)))
            moved[label].append(float(np.mean(
                np.linalg.norm(shifted - logits, axis=-1)
                / np.linalg.norm(logits, axis=-1))))
    curves = viz.plot_curves(
        {label: ([0, *SHIFTS], [accuracy[label], *by_shift[label]])
         for label in POOLING_NETWORKS},
        os.path.join(run.out, "accuracy_by_shift.png"),
        xlabel="test digits moved right by (pixels)", ylabel="test accuracy",
        title="translation invariance")
    return {
        "figures": [figure, curves],
        "ink_share": Row([float(v) for v in gap[:, 0]],
                         "global average pooling of the 8 digits (ink share)",
                         "{:.2f}"),
        "test_accuracy": Row(accuracy, fmt="{:.1%}"),
        "accuracy_by_shift": Row(by_shift, "test accuracy with the digits moved "
                                           f"{', '.join(map(str, SHIFTS))} pixels",
                                 "{:.1%}"),
        "logit_change": Row(moved, "|logits(moved) - logits| / |logits|, moved "
                                   f"{', '.join(map(str, SHIFTS))} pixels",
                            "{:.2f}"),
    }


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
