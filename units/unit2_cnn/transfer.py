"""Unit II exercise on reusing a trained network: ``transfer-learning``
(features learned on digits 0-4, reused for digits 5-9 with few labels)."""

import math
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

SOURCE, TARGET = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)


def split_classes(x, y, classes):
    """The images of ``classes`` and their labels renumbered ``0, 1, ...``
    in the order of ``classes``.

    Args:
        x: images.
        y: their int labels.
        classes: the labels kept.

    Returns:
        ``(x_kept, y_renumbered)``.

    Example:

    >>> split_classes(np.zeros((3, 2)), np.array([5, 0, 7]), (5, 7))[1].tolist()
    [0, 1]
    """
    keep = np.isin(y, classes)
    relabel = np.full(int(np.max(y)) + 1, -1, "int64")
    relabel[list(classes)] = np.arange(len(classes))
    return x[keep], relabel[y[keep]]


def _fit(model, x, y, updates, batch_size, run, learning_rate=1e-3):
    """Compiles ``model`` with Adam and trains it for about ``updates``
    steps, whatever the number of labels: whole epochs of ``x``."""
    common.compile_classifier(model, keras.optimizers.Adam(learning_rate))
    epochs = math.ceil(updates / math.ceil(len(x) / batch_size))
    model.fit(x, y, batch_size=batch_size, epochs=epochs,
              callbacks=run.backup(), verbose=run.verbose)
    return model


@exercise("transfer-learning", "a CNN trained on digits 0-4 reused for 5-9 with "
                               "50 / 100 / 500 labels: scratch, frozen, fine-tuned")
def transfer_learning(run: Run, *, labels: list[Count] = [50, 100, 500],
                      source_epochs: Count = 5, head_updates: Count = 300,
                      fine_tune_updates: Count = 200, batch_size: Count = 32,
                      fine_tune_learning_rate: float = 1e-4,
                      source_digits: Count | None = None) -> dict:
    """The course CNN trained on the training digits 0-4, then used for
    digits 5-9 with few labels, three ways: the same network trained from
    scratch on them; the trained convolutional features frozen under a new
    head (the source network's dense layers removed); and, from there, every
    layer fine-tuned with a lower learning rate. Each stage trains for a
    number of updates, the same for every number of labels. Scored on every
    test digit 5-9.

    Args:
        labels: the numbers of labelled 5-9 digits compared (the first N of
            the training set).
        source_epochs: training epochs on digits 0-4.
        head_updates: updates of the new head on frozen features.
        fine_tune_updates: updates of fine-tuning everything after that (the
            network from scratch trains for both numbers of updates).
        batch_size: the batch of every stage.
        fine_tune_learning_rate: Adam's learning rate when fine-tuning (the
            other stages use 1e-3).
        source_digits: train the source network on the first N training
            digits 0-4 (default: all).
    """
    x, y, x_test, y_test = common.digits()
    x_source, y_source = (a[:source_digits] for a in split_classes(x, y, SOURCE))
    x_target, y_target = split_classes(x, y, TARGET)
    x_target_test, y_target_test = split_classes(x_test, y_test, TARGET)
    if max(labels) > len(x_target):
        raise ValueError(f"--labels can use at most the {len(x_target)} "
                         f"training digits 5-9. Received: --labels "
                         f"{' '.join(map(str, labels))}")
    reseed(run.seed)
    source = _fit(builders.simple_cnn(INPUT_SHAPE, num_classes=len(SOURCE),
                                      seed=run.seed),
                  x_source, y_source,
                  source_epochs * math.ceil(len(x_source) / batch_size),
                  batch_size, run)

    def accuracy(model):
        return model.evaluate(x_target_test, y_target_test, verbose=0)[1]

    results = {}
    for n in labels:
        x_n, y_n = x_target[:n], y_target[:n]
        reseed(run.seed)
        scratch = _fit(builders.simple_cnn(INPUT_SHAPE, num_classes=len(TARGET),
                                           seed=run.seed),
                       x_n, y_n, head_updates + fine_tune_updates, batch_size, run)
        # A copy of the source network for each N: the new model shares the
        # weights it is built on, and fine-tuning changes them.
        base = keras.models.clone_model(source)
        base.set_weights(source.get_weights())
        reseed(run.seed)
        model = builders.transfer_classifier(base, len(TARGET),
                                             features="flatten_features",
                                             seed=run.seed)
        model.get_layer("features").trainable = False
        _fit(model, x_n, y_n, head_updates, batch_size, run)
        frozen = accuracy(model)
        # Unfreezing changes what the optimizer updates: compile again. The
        # batch norms stay frozen, in inference mode.
        builders.unfreeze(model.get_layer("features"))
        _fit(model, x_n, y_n, fine_tune_updates, batch_size, run,
             learning_rate=fine_tune_learning_rate)
        results[f"{n} labels"] = {"scratch": accuracy(scratch), "frozen": frozen,
                                  "fine_tuned": accuracy(model)}
    curves = {kind: ([int(k.split()[0]) for k in results],
                     [r[kind] for r in results.values()])
              for kind in ("scratch", "frozen", "fine_tuned")}
    return {
        "source_digits": Row(len(x_source), "training digits 0-4"),
        "source_accuracy": Row(
            source.evaluate(*split_classes(x_test, y_test, SOURCE), verbose=0)[1],
            "source network: test accuracy on 0-4", "{:.1%}"),
        "test_digits": Row(len(x_target_test), "test digits 5-9"),
        "accuracy": Row(results, "test accuracy on 5-9", "{:.1%}"),
        "curves": viz.plot_curves(curves, os.path.join(run.out, "transfer.png"),
                                  xlabel="labelled digits 5-9", ylabel="test accuracy",
                                  title="digits 5-9 from features learned on 0-4",
                                  logx=True),
    }
