"""Unit I exercises on perceptrons and back-propagation: ``xor`` and
``backprop``."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import gradients
from keras_genai import viz
from keras_genai.utils import build_for_fit
from units import common
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise


@exercise("xor", "perceptron vs 2-2-1 MLP on XOR/XNOR, decision boundaries")
def xor(run: Run, *, epochs: Count = 20, batch_size: Count = 4) -> dict:
    """A single perceptron cannot fit XOR or XNOR; a 2-2-1 MLP fits both.

    Args:
        epochs: passes over 100 copies of the 4 points.
        batch_size: the MLP's batch (the perceptron learns one point at a time).
    """
    repeats = 100  # one "epoch" = 100 passes over the 4 points
    summary, predictors = {}, {}
    for task, (x, y) in (("XOR", data.xor()), ("XNOR", data.xnor())):
        xr, yr = np.tile(x, (repeats, 1)), np.tile(y, (repeats, 1))
        # Rosenblatt's perceptron, trained by the perceptron rule one point at a
        # time; after every update its accuracy on the 4 points is recorded.
        reseed(run.seed)
        perceptron = builders.perceptron(2, output="step", seed=run.seed)
        perceptron.compile(keras.optimizers.SGD(0.1), "mse")
        build_for_fit(perceptron, xr, yr)
        unit = perceptron.get_layer("weighted_sum")
        seen = []

        def record(batch, logs, unit=unit, x=x, y=y, seen=seen):
            w, b = unit.kernel.numpy(), unit.bias.numpy()
            seen.append(float(np.mean(((x @ w + b) >= 0) == y)))

        perceptron.fit(xr, yr, batch_size=1, epochs=epochs, verbose=0,
                       callbacks=[keras.callbacks.LambdaCallback(
                           on_train_batch_end=record), *run.backup()])
        best = max(seen)
        # A 2-2-1 MLP (tanh hidden units, sigmoid output, cross-entropy, Adam on
        # the full batch of 4). A 2-2-1 net has local minima and flat regions
        # (about half of random starts end in one here), so restart from a new
        # seed until one fits, as one would by hand.
        for restart in range(10):
            seed = run.seed + restart
            reseed(seed)
            net = builders.mlp((2,), hidden_units=(2,), output_units=1,
                               activation="tanh", output_activation="sigmoid",
                               seed=seed, name="mlp_2_2_1")
            net.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
            build_for_fit(net, xr, yr)
            net.fit(xr, yr, batch_size=batch_size, epochs=epochs,
                    shuffle=False, callbacks=run.backup(), verbose=0)
            accuracy = float(np.mean((np.asarray(net(x)) >= 0.5) == y))
            if accuracy == 1.0:
                break
        key = task.lower()
        summary[f"{key}_perceptron_accuracy"] = Row(
            best, f"{task}: perceptron best accuracy", "{:.0%}",
            note=f"over {len(seen)} perceptron-rule updates; a line separates at "
                 "most 3 of the 4 points")
        summary[f"{key}_mlp_accuracy"] = Row(accuracy, f"{task}: 2-2-1 MLP accuracy",
                                             "{:.0%}")
        summary[f"{key}_mlp_restarts"] = Row(
            restart, f"{task}: 2-2-1 MLP restarts from a stuck start")
        predictors[f"{task}: perceptron"] = (
            lambda p, m=perceptron: np.asarray(m(p))[:, 0])
        predictors[f"{task}: 2-2-1 MLP"] = lambda p, m=net: np.asarray(m(p))[:, 0]
    figures = []
    for task, (x, y) in (("XOR", data.xor()), ("XNOR", data.xnor())):
        figures.append(viz.plot_decision_boundaries(
            {k: v for k, v in predictors.items() if k.startswith(f"{task}:")}, x, y,
            os.path.join(run.out, f"{task.lower()}_boundaries.png"),
            title=f"{task}: decision regions"))
    summary["figures"] = figures
    return summary


@exercise("backprop", "hand-written NumPy backprop vs GradientTape; one SGD step "
                      "by hand vs keras.optimizers.SGD")
def backprop(run: Run, *, epochs: Count = 10, batch_size: Count = 32,
             train_size: Count | None = None) -> dict:
    """Back-propagation by hand in NumPy against ``tf.GradientTape``, and the
    NumPy network trained by itself.

    Args:
        epochs: epochs of the NumPy network's training.
        batch_size: its mini-batch (and the batch of the gradient check).
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = common.digits(train_size, flatten=True)
    rng = np.random.default_rng(run.seed)
    sizes = (784, 32, 16, 10)
    params = [(rng.normal(0, np.sqrt(2.0 / (a + b)), size=(a, b)), np.zeros(b))
              for a, b in zip(sizes[:-1], sizes[1:])]
    batch_x, batch_y = x[:batch_size].astype(np.float64), y[:batch_size]

    logits, cache = gradients.mlp_forward(params, batch_x, "sigmoid")
    grads = gradients.mlp_backward(params, cache, batch_y, "sigmoid")
    model = builders.mlp((784,), hidden_units=sizes[1:-1], num_classes=10,
                         activation="sigmoid", name="twin")
    model.set_weights([a for pair in params for a in pair])
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        loss = loss_fn(batch_y, model(batch_x.astype("float32")))
    tape_grads = tape.gradient(loss, model.trainable_variables)
    grad_error = max(float(np.max(np.abs(mine - theirs.numpy())))
                     for mine, theirs in zip([g for p in grads for g in p],
                                             tape_grads))

    learning_rate = 0.5
    stepped = gradients.sgd_step(params, grads, learning_rate)
    common.compile_classifier(model, keras.optimizers.SGD(learning_rate))
    model.train_on_batch(batch_x.astype("float32"), batch_y)
    step_error = max(float(np.max(np.abs(a - b))) for a, b in zip(
        [a for p in stepped for a in p], model.get_weights()))

    # The NumPy network trained by hand: mini-batch SGD, nothing but NumPy.
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        epoch = []
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            out_logits, cache = gradients.mlp_forward(params, x[idx], "sigmoid")
            epoch.append(gradients.softmax_cross_entropy(out_logits, y[idx]))
            params = gradients.sgd_step(
                params, gradients.mlp_backward(params, cache, y[idx], "sigmoid"),
                learning_rate)
        losses.append(float(np.mean(epoch)))
    test_logits, _ = gradients.mlp_forward(params, x_test, "sigmoid")
    accuracy = float(np.mean(test_logits.argmax(axis=1) == y_test))
    figure = viz.plot_curves({"NumPy MLP 784-32-16-10, SGD 0.5": losses},
                             os.path.join(run.out, "numpy_training_loss.png"),
                             title="training by hand-written back-propagation")
    return {
        "grad_error": Row(grad_error, "max |grad NumPy - grad GradientTape|",
                          "{:.2e}", at_most=1e-5),
        "step_error": Row(step_error, "max |SGD step by hand - keras SGD|",
                          "{:.2e}"),
        "numpy_test_accuracy": Row(accuracy, "NumPy MLP test accuracy", "{:.1%}",
                                   note=f"after {epochs} epochs"),
        "numpy_losses": Row(losses, "NumPy MLP training loss per epoch",
                            "{:.4f}"),
        "loss_curve": figure,
    }
