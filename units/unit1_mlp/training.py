"""Unit I exercises on training an MLP: ``optimizers``, ``activations`` and
``digits``."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import gradients
from keras_genai import viz
from units import common
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise

DIGITS_TARGET = 0.93


@exercise("optimizers", "full-batch GD vs mini-batch SGD vs momentum vs Adam on "
                        "the digits: loss curves")
def optimizers(run: Run, *, epochs: Count = 20, batch_size: Count = 32,
               train_size: Count | None = None) -> dict:
    """Four optimizers on one MLP from the same initial weights.

    Args:
        epochs: training epochs of each.
        batch_size: the mini-batch of SGD, momentum and Adam.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = common.digits(train_size)
    setups = {
        "full-batch GD (lr 0.5)": (lambda: keras.optimizers.SGD(0.5), len(x)),
        f"mini-batch SGD (lr 0.05, batch {batch_size})":
            (lambda: keras.optimizers.SGD(0.05), batch_size),
        f"momentum 0.9 (lr 0.05, batch {batch_size})":
            (lambda: keras.optimizers.SGD(0.05, momentum=0.9), batch_size),
        f"Adam (lr 1e-3, batch {batch_size})":
            (lambda: keras.optimizers.Adam(1e-3), batch_size),
    }
    curves, accuracy, updates = {}, {}, {}
    for label, (make, batch) in setups.items():
        reseed(run.seed)
        model = common.compile_classifier(
            builders.mlp((28, 28, 1), (128,), num_classes=10, seed=run.seed),
            make())
        history = model.fit(x, y, batch_size=batch, epochs=epochs,
                            callbacks=run.backup(), verbose=0, shuffle=True)
        curves[label] = history.history["loss"]
        accuracy[label] = model.evaluate(x_test, y_test, verbose=0)[1]
        updates[label] = epochs * int(np.ceil(len(x) / batch))
    return {
        "final_losses": Row({k: v[-1] for k, v in curves.items()},
                            "final training loss", "{:.3f}"),
        "test_accuracy": Row(accuracy, fmt="{:.1%}"),
        "updates": updates,
        "loss_curves": viz.plot_curves(
            curves, os.path.join(run.out, "optimizers.png"), ylabel="training loss",
            title="same MLP, same initial weights", logy=True),
    }


@exercise("activations", "sigmoid / tanh / ReLU / leaky ReLU / ELU / SELU / "
                         "PReLU / maxout: curves, a deep MLP with each, and "
                         "dead ReLUs at a high learning rate")
def activations(run: Run, *, epochs: Count = 10, batch_size: Count = 32,
                train_size: Count | None = None,
                dying_learning_rates: list[float] = [0.05, 0.5, 1.0]) -> dict:
    """The activations, their derivatives, an 8-hidden-layer MLP trained
    with plain SGD under each, and the share of a ReLU MLP's units that are
    dead (zero for every training digit) after training at each of a few
    learning rates.

    Args:
        epochs: training epochs of each MLP.
        batch_size: their batch.
        train_size: train on the first N training digits (default: all).
        dying_learning_rates: SGD learning rates of the dead-ReLU count.
    """
    z = np.linspace(-5, 5, 201)
    names = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "prelu")
    curves_png = viz.plot_curves(
        {n: (z, gradients.activation(n, z)) for n in names},
        os.path.join(run.out, "activations.png"), xlabel="z", ylabel="f(z)",
        title="activation functions (PReLU at its initial slope)")
    derivatives_png = viz.plot_curves(
        {n: (z, gradients.activation_derivative(n, z)) for n in names},
        os.path.join(run.out, "derivatives.png"), xlabel="z", ylabel="f'(z)",
        title="their derivatives (sigmoid' <= 1/4)")

    x, y, x_test, y_test = common.digits(train_size)
    depth = 8
    curves, accuracy, first, last = {}, {}, {}, {}
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for name in names + ("maxout",):
        reseed(run.seed)
        model = builders.mlp((28, 28, 1), (64,) * depth, num_classes=10,
                             activation=name, seed=run.seed, name=f"deep_{name}")
        with tf.GradientTape() as tape:
            loss = loss_fn(y[:256], model(x[:256]))
        grads = tape.gradient(loss, [model.get_layer(f"hidden{i}").kernel
                                     for i in (1, depth)])
        first[name], last[name] = (float(tf.norm(g)) for g in grads)
        common.compile_classifier(model, keras.optimizers.SGD(0.05))
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs,
                            callbacks=run.backup(), verbose=0)
        curves[name] = history.history["loss"]
        accuracy[name] = model.evaluate(x_test, y_test, verbose=0)[1]
    losses_png = viz.plot_curves(
        curves, os.path.join(run.out, "deep_mlp_losses.png"), ylabel="training loss",
        title=f"{depth} hidden layers of 64, plain SGD", logy=True)

    dead, dead_accuracy = {}, {}
    hidden = ("hidden1_act", "hidden2_act", "hidden3_act")
    for rate in dying_learning_rates:
        reseed(run.seed)
        model = common.compile_classifier(
            builders.mlp((28, 28, 1), (128,) * len(hidden), num_classes=10,
                         seed=run.seed, name="relu_mlp"),
            keras.optimizers.SGD(rate))
        model.fit(x, y, batch_size=batch_size, epochs=epochs,
                  callbacks=run.backup(), verbose=0)
        shares = gradients.dead_units(model, x, hidden)
        dead[f"lr {rate:g}"] = float(np.mean(list(shares.values())))
        dead_accuracy[f"lr {rate:g}"] = model.evaluate(x_test, y_test, verbose=0)[1]
    return {
        "test_accuracy": Row(accuracy, fmt="{:.1%}"),
        "first_layer_grad_norm": Row(first, "|grad| of the first hidden layer at "
                                            "init", "{:.2e}"),
        "last_layer_grad_norm": Row(last, "|grad| of the last hidden layer at "
                                          "init", "{:.2e}"),
        "dead_relu_share": Row(dead, "dead ReLUs of a 3x128 MLP after SGD "
                                     "(never fire on a training digit)", "{:.1%}"),
        "dead_relu_test_accuracy": Row(dead_accuracy, "its test accuracy",
                                       "{:.1%}"),
        "figures": [curves_png, derivatives_png, losses_png],
    }


@exercise("digits", "an MLP on the embedded digits (target >= 93% test accuracy)",
          export=os.path.join("saved_models", "unit1_digits_mlp"))
def digits(run: Run, *, epochs: Count = 40, batch_size: Count = 64,
           train_size: Count | None = None) -> dict:
    """An MLP with light augmentation on the embedded digits.

    Args:
        epochs: training epochs.
        batch_size: training batch.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = common.digits(train_size)
    mlp = builders.mlp((28, 28, 1), (256, 128), num_classes=10, dropout=0.3,
                       seed=run.seed)
    # Small shifts, zooms and rotations: 4,000 digits are few for an MLP, which
    # has no built-in tolerance to where the stroke lies.
    model = keras.Sequential([
        keras.Input((28, 28, 1), name="image"),
        data.augmentation(rotation=0.03, zoom=0.08, translation=0.08,
                          seed=run.seed),
        mlp,
    ], name="digits_mlp")
    common.compile_classifier(model, keras.optimizers.Adam(1e-3))
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs,
                        validation_data=(x_test, y_test), callbacks=run.backup(),
                        verbose=run.verbose)
    accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
    return {
        "test_accuracy": Row(accuracy, "test accuracy", "{:.1%}",
                             at_least=DIGITS_TARGET),
        "parameters": mlp.count_params(),
        "curves": viz.plot_history(history, os.path.join(run.out, "accuracy.png"),
                                   keys=["accuracy", "val_accuracy"],
                                   title="MLP on the digits"),
        **common.export_if_asked(model, run.export,
                                 "image[None, 28, 28, 1] in [0, 1] -> 10 logits"),
    }
