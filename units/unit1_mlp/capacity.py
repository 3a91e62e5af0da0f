"""Unit I exercise on capacity: ``capacity`` (how wide and how deep)."""

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

# The depth comparison gives every network the weights of one hidden layer of
# this width.
REFERENCE_WIDTH = 128


@exercise("capacity", "hidden width 2 ... 1,024 and depth 1 ... 8 at equal "
                      "parameters on a few hundred digits: under- and overfitting")
def capacity(run: Run, *, epochs: Count = 150, batch_size: Count = 32,
             train_size: Count = 300, widths: list[Count] = [2, 8, 32, 128, 512, 1024],
             depths: list[Count] = [1, 2, 4, 8]) -> dict:
    """MLPs of one hidden layer and growing width, then of growing depth at the
    parameter count of one hidden layer of 128, each trained with Adam on the
    same few hundred digits and scored on every test digit after each epoch.

    Args:
        epochs: training epochs of each network (long enough to overfit).
        batch_size: training batch.
        train_size: train on the first N training digits (few, so that a
            large network can memorise them).
        widths: hidden widths of the one-layer networks.
        depths: numbers of hidden layers of the equal-size networks.
    """
    x, y, x_test, y_test = common.digits(train_size)

    def train(hidden, name):
        reseed(run.seed)
        model = common.compile_classifier(
            builders.mlp((28, 28, 1), hidden, num_classes=10, seed=run.seed,
                         name=name), keras.optimizers.Adam(1e-3))
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs,
                            validation_data=(x_test, y_test),
                            callbacks=run.backup(), verbose=0).history
        return {"train": history["accuracy"][-1],
                "test": history["val_accuracy"][-1],
                "best_test": max(history["val_accuracy"]),
                "test_loss": history["val_loss"]}

    by_width = {w: train((w,), f"width_{w}") for w in widths}
    budget = builders.mlp((28, 28, 1), (REFERENCE_WIDTH,),
                          num_classes=10).count_params()
    depth_widths = {d: builders.width_for_parameters(784, d, 10, budget)
                    for d in depths}
    by_depth = {d: train((depth_widths[d],) * d, f"depth_{d}") for d in depths}

    def column(results, key):
        return {str(k): r[key] for k, r in results.items()}

    width_png = viz.plot_curves(
        {"train": (list(widths), [by_width[w]["train"] for w in widths]),
         "test": (list(widths), [by_width[w]["test"] for w in widths])},
        os.path.join(run.out, "capacity_width.png"), xlabel="hidden units",
        ylabel="accuracy", logx=True,
        title=f"one hidden layer, {len(x)} training digits, {epochs} epochs")
    loss_png = viz.plot_curves(
        {f"{w} units": by_width[w]["test_loss"] for w in widths},
        os.path.join(run.out, "capacity_test_loss.png"), ylabel="test loss",
        logy=True, title="test loss per epoch (rising: overfitting)")
    depth_png = viz.plot_curves(
        {"train": (list(depths), [by_depth[d]["train"] for d in depths]),
         "test": (list(depths), [by_depth[d]["test"] for d in depths])},
        os.path.join(run.out, "capacity_depth.png"), xlabel="hidden layers",
        ylabel="accuracy", title=f"about {budget:,} weights each")
    rise = {str(w): float(r["test_loss"][-1] - np.min(r["test_loss"]))
            for w, r in by_width.items()}
    return {
        "width_train_accuracy": Row(column(by_width, "train"),
                                    "train accuracy by width", "{:.1%}"),
        "width_test_accuracy": Row(column(by_width, "test"),
                                   "test accuracy by width", "{:.1%}"),
        "width_best_test_accuracy": Row(column(by_width, "best_test"),
                                        "best epoch's test accuracy by width",
                                        "{:.1%}"),
        "width_test_loss_rise": Row(rise, "test loss: last epoch minus its "
                                          "lowest, by width", "{:.3f}"),
        "depth_widths": Row({str(d): w for d, w in depth_widths.items()},
                            f"width of each depth at about {budget:,} weights"),
        "depth_train_accuracy": Row(column(by_depth, "train"),
                                    "train accuracy by depth", "{:.1%}"),
        "depth_test_accuracy": Row(column(by_depth, "test"),
                                   "test accuracy by depth", "{:.1%}"),
        "figures": [width_png, loss_png, depth_png],
    }
