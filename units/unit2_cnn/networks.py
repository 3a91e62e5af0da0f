"""Unit II exercises on whole networks: the course CNN with Keras callbacks
(``cnn``), VGG / GoogLeNet / ResNet against it (``architectures``) and the
degradation problem that motivates ResNet (``degradation``)."""

import os

import keras

from keras_genai import builders
from keras_genai import viz
from keras_genai.callbacks import EpochTimer
from keras_genai.utils.io import atomic_file
from units import common
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise

CNN_TARGET = 0.97
INPUT_SHAPE = (28, 28, 1)


@exercise("cnn", "the course CNN on the digits (or --dataset) with EarlyStopping, "
                 "ModelCheckpoint and TensorBoard (target >= 97% on the digits)",
          export=os.path.join("saved_models", "unit2_simple_cnn"),
          any_dataset="labelled")
def cnn(run: Run, *, epochs: Count = 30, batch_size: Count = 64,
        train_size: Count | None = None) -> dict:
    """The course CNN with EarlyStopping (on the last 10% of the training
    digits; on another ``--dataset``, its first 10% streamed), ModelCheckpoint
    and TensorBoard; exported as a SavedModel.

    Args:
        epochs: most training epochs (early stopping may end sooner).
        batch_size: the training batch.
        train_size: train on the first N training images (default: all).
    """
    images = run.images()
    shape = images.image_shape
    classes = images.num_classes
    # The listing plus dropout 0.5 before the logits (seed 0: 97.0% without,
    # 98.0% with, both with patience 8).
    model = common.compile_classifier(builders.simple_cnn(
        shape, num_classes=classes, dropout=0.5, seed=run.seed))
    checkpoint = os.path.join(run.out, "best.keras")
    logs = os.path.join(run.out, "tensorboard")
    callbacks = [
        # Stop when the validation loss has not improved for 8 epochs and go
        # back to the best weights seen.
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=8,
                                      restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(checkpoint, monitor="val_loss",
                                        save_best_only=True),
        keras.callbacks.TensorBoard(log_dir=logs),
    ]
    # The validation images come from the training split: early stopping must
    # not look at the test set it is reported on.
    fit = dict(epochs=epochs, callbacks=[*callbacks, *run.backup()],
               verbose=run.verbose)
    if images.arrays_of:  # the embedded digits: the last 10%, as Keras splits
        x, y, x_test, y_test = common.digits(train_size)
        history = model.fit(x, y, batch_size=batch_size, validation_split=0.1, **fit)
        test = (x_test, y_test)
    else:
        size = images.count(limit=train_size)
        held = max(1, size // 10)
        stream = dict(scale="unit", labels=True, seed=run.seed)
        validation = images.batches(min(batch_size, held), shuffle=False,
                                    limit=held, **stream)
        history = model.fit(images.batches(batch_size, skip=held, limit=size - held,
                                           **stream),
                            validation_data=validation, shuffle=False, **fit)
        x_test, y_test = images.arrays(10_000, split="test")
        test = (x_test / 255.0, y_test)
    _, accuracy = model.evaluate(*test, verbose=0)
    best = keras.saving.load_model(checkpoint)
    _, best_accuracy = best.evaluate(*test, verbose=0)
    ran = len(history.history["loss"])
    height, width, channels = shape
    return {
        "dataset": Row(images.name, "dataset", note="x".join(map(str, shape))),
        "test_accuracy": Row(accuracy, "test accuracy", "{:.1%}",
                             at_least=CNN_TARGET if images.is_digits else None),
        "epochs_run": Row(ran, note=f"of {epochs}"
                          + (", stopped early" if ran < epochs else "")),
        "parameters": model.count_params(),
        "best_checkpoint": checkpoint,
        "checkpoint_accuracy": Row(best_accuracy, "best checkpoint: test accuracy",
                                   "{:.1%}"),
        "tensorboard": Row(f"tensorboard --logdir {logs}", "TensorBoard"),
        "curves": viz.plot_history(history, os.path.join(run.out, "accuracy.png"),
                                   keys=["accuracy", "val_accuracy"],
                                   title=f"course CNN on {images.name}"),
        **common.export_if_asked(model, run.export, f"serve: image[None, {height}, "
                                                    f"{width}, {channels}] in [0, 1] "
                                                    f"-> {classes} logits"),
    }


def _architectures(seed):
    return {
        "course CNN (simple_cnn)": builders.simple_cnn(INPUT_SHAPE, seed=seed),
        "VGG (3 blocks of 3x3 convs)": builders.vgg(
            [32, 32, "M", 64, 64, "M", 128, 128, "M"], input_shape=INPUT_SHAPE,
            num_classes=10, dense_units=128, normalization="batch", seed=seed,
            name="vgg_small"),
        "GoogLeNet (3 inception blocks)": builders.googlenet(
            INPUT_SHAPE, num_classes=10, seed=seed),
        "ResNet (3 stages of 2 basic blocks)": builders.resnet(
            [2, 2, 2], input_shape=INPUT_SHAPE, num_classes=10, width=16,
            stem="small", seed=seed, name="resnet_small"),
    }


@exercise("architectures", "VGG / GoogLeNet / ResNet sized for 28x28: "
                           "parameters, time per epoch, accuracy")
def architectures(run: Run, *, epochs: Count = 5, batch_size: Count = 64,
                  train_size: Count | None = None) -> dict:
    """VGG, GoogLeNet, ResNet and the course CNN trained alike: parameters,
    seconds per epoch and test accuracy in one table.

    Args:
        epochs: training epochs of each network.
        batch_size: their batch.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = common.digits(train_size)
    results = {}
    for label, model in _architectures(run.seed).items():
        reseed(run.seed)
        common.compile_classifier(model)
        timer = EpochTimer()
        model.fit(x, y, batch_size=batch_size, epochs=epochs,
                  callbacks=[timer, *run.backup()], verbose=run.verbose)
        _, accuracy = model.evaluate(x_test, y_test, verbose=0)
        results[label] = {"parameters": model.count_params(),
                          "seconds_per_epoch": timer.typical_epoch_seconds(),
                          "test_accuracy": accuracy}
    table = ["| network | parameters | s / epoch | test accuracy |",
             "|---|---:|---:|---:|"]
    table += [f"| {label} | {r['parameters']:,} | {r['seconds_per_epoch']:.1f} | "
              f"{r['test_accuracy']:.1%} |" for label, r in results.items()]
    path = os.path.join(run.out, "architectures.md")
    with atomic_file(path) as tmp:
        with open(tmp, "w") as f:
            f.write(f"Digits, {len(x)} training images, {epochs} epochs, "
                    f"batch {batch_size}, Adam 1e-3.\n\n")
            f.write("\n".join(table) + "\n")
    return {"results": results, "table": path}


@exercise("degradation", "He et al.'s Figure 1: plain nets of 20 and 56 layers "
                         "against residual nets of the same depth")
def degradation(run: Run, *, blocks: list[Count] = [3, 9], width: Count = 8,
                epochs: Count = 6, batch_size: Count = 128,
                train_size: Count = 2000) -> dict:
    """Plain and residual CIFAR-style networks (He et al. 2016, Sec. 4.2:
    three stages of ``n`` blocks of two 3x3 convolutions, ``6n + 2`` weighted
    layers; zero-padding shortcuts, option A) trained alike: training error
    against epochs, and the final training and test errors. A deeper plain
    network trains worse, not only tests worse: the degradation problem.

    Args:
        blocks: blocks per stage ``n`` of each depth compared (3 and 9 are
            the paper's 20 and 56 layers).
        width: channels of the first stage (16 in the paper; 2x and 4x in
            the next two).
        epochs: training epochs of each network.
        batch_size: their batch.
        train_size: train on the first N training digits.
    """
    x, y, x_test, y_test = common.digits(train_size)
    curves, results = {}, {}
    for n in blocks:
        for shortcut, kind in ((None, "plain"), ("A", "residual")):
            label = f"{kind}-{6 * n + 2}"
            reseed(run.seed)
            model = common.compile_classifier(builders.resnet(
                [n] * 3, input_shape=INPUT_SHAPE, num_classes=10, width=width,
                stem="small", shortcut=shortcut, seed=run.seed,
                name=label.replace("-", "")))
            history = model.fit(x, y, batch_size=batch_size, epochs=epochs,
                                callbacks=run.backup(), verbose=run.verbose)
            # The curve: each epoch's running training error; the final
            # errors: the trained network, in inference mode.
            curves[label] = [1.0 - a for a in history.history["accuracy"]]
            results[label] = {
                "train_error": 1.0 - model.evaluate(x, y, verbose=0)[1],
                "test_error": 1.0 - model.evaluate(x_test, y_test, verbose=0)[1]}
    return {
        "training_digits": len(x),
        "errors": Row(results, "error after the last epoch (train, test)",
                      "{:.1%}"),
        "training_error_curves": viz.plot_curves(
            curves, os.path.join(run.out, "degradation.png"),
            ylabel="training error",
            title=f"plain vs residual, width {width}, {len(x)} digits"),
    }
