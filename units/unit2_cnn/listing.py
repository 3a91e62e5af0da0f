"""Unit II exercises on the course's listings: its first CNN as written and
the arithmetic of convolutions (``listing``), and its ``ImageDataGenerator``
against Keras 3's preprocessing layers (``datagen``)."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import viz
from keras_genai.utils import build_for_fit
from units import common
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit2_cnn.networks import INPUT_SHAPE

LISTING_SHAPE = (64, 64, 3)
# (input n, kernel k, stride s, padding): the listing's convolution and
# pooling, then the cases the notes' formula is usually asked about.
SIZE_CASES = ((64, 3, 1, "valid"), (62, 2, 2, "valid"), (28, 5, 1, "same"),
              (28, 3, 2, "same"), (28, 3, 2, "valid"), (32, 5, 1, 2),
              (7, 3, 3, "valid"))


# The notes' ImageDataGenerator listing, and each argument as a Keras 3
# preprocessing layer (`data.augmentation` builds them; it fills with the
# background value where ImageDataGenerator repeats the nearest pixel).
DATAGEN_LISTING = dict(rotation_range=30, width_shift_range=0.2,
                       height_shift_range=0.2, horizontal_flip=True, zoom_range=0.2)
LAYER_EQUIVALENTS = {
    "rotation_range=30": "RandomRotation(30 / 360): degrees become a fraction "
                         "of a turn",
    "width_shift_range=0.2": "RandomTranslation(height_factor, width_factor=0.2)",
    "height_shift_range=0.2": "RandomTranslation(height_factor=0.2, width_factor)",
    "horizontal_flip=True": "RandomFlip('horizontal')",
    "zoom_range=0.2": "RandomZoom(0.2): scale in [0.8, 1.2] either way",
    "fill_mode='nearest'": "fill_mode='nearest' on each layer (here 'constant' "
                           "at the background value)",
}


def datagen_layers(flip, seed):
    """The listing's augmentation as Keras 3 preprocessing layers, with or
    without its horizontal flip."""
    return data.augmentation(flip="horizontal" if flip else None,
                             rotation=30 / 360, zoom=0.2, translation=0.2,
                             seed=seed)


def as_listing_images(images):
    """Grey ``(N, 28, 28, 1)`` digits as the listing's ``(N, 64, 64, 3)``
    input: resized bilinearly, the grey channel repeated three times."""
    return tf.image.resize(np.repeat(images, 3, axis=-1), LISTING_SHAPE[:2]).numpy()


def keras_output_size(size, kernel_size, strides, padding):
    """The output length Keras gives a ``Conv2D`` on a ``size`` x ``size``
    input (an int padding is a ``ZeroPadding2D`` before a valid
    convolution)."""
    layers = [keras.Input((size, size, 1))]
    if isinstance(padding, int):
        layers.append(keras.layers.ZeroPadding2D(padding))
        padding = "valid"
    layers.append(keras.layers.Conv2D(1, kernel_size, strides=strides,
                                      padding=padding))
    return keras.Sequential(layers).output_shape[1]


@exercise("listing", "the course's first CNN as written (one-hot labels, "
                     "categorical_crossentropy) on digits at 64x64x3; output sizes "
                     "and weight sharing against Keras")
def listing(run: Run, *, epochs: Count = 5, batch_size: Count = 32,
            train_size: Count | None = None) -> dict:
    """The listing ``Conv2D(32, (3, 3), input_shape=(64, 64, 3))`` ... ``Dense(10,
    activation='softmax')`` compiled as written (``optimizer='adam'``,
    ``loss='categorical_crossentropy'``), trained on the digits resized to
    64x64 with three equal channels; then the output-size formula and the
    weights a convolution shares, against Keras.

    Args:
        epochs: training epochs.
        batch_size: training batch.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = common.digits(train_size)
    x, x_test = as_listing_images(x), as_listing_images(x_test)
    y, y_test = (keras.utils.to_categorical(labels, 10) for labels in (y, y_test))
    reseed(run.seed)
    model = builders.first_cnn(LISTING_SHAPE, num_classes=10, seed=run.seed)
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=["accuracy"])
    build_for_fit(model, x, y)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs,
                        validation_data=(x_test, y_test), callbacks=run.backup(),
                        verbose=run.verbose)

    sizes = {}
    for n, k, s, p in SIZE_CASES:
        formula = builders.conv_output_size(n, k, s, p)
        sizes[f"n={n} k={k} s={s} padding={p}"] = {
            "formula": formula, "keras": keras_output_size(n, k, s, p)}
    # The listing's first layer against a dense layer that maps the same
    # 64x64x3 input to the same 62x62x32 map.
    conv = model.get_layer("conv").count_params()
    out = builders.conv_output_size(LISTING_SHAPE[0], 3)
    dense = (int(np.prod(LISTING_SHAPE)) + 1) * out * out * 32
    return {
        "parameters": Row(model.count_params(), fmt="{:,}"),
        "dense_share": Row(model.get_layer("hidden_dense").count_params()
                           / model.count_params(), "share in the first dense layer",
                           "{:.1%}"),
        "test_accuracy": Row(history.history["val_accuracy"][-1], fmt="{:.1%}"),
        "train_accuracy": Row(history.history["accuracy"][-1], fmt="{:.1%}"),
        "output_sizes": Row(sizes, "output size: floor((n + 2p - k) / s) + 1 "
                                   "against Keras"),
        "weight_sharing": Row({"convolution": conv, "dense, same maps": dense},
                              "weights from 64x64x3 to 62x62x32", "{:,}"),
    }


@exercise("datagen", "the course's ImageDataGenerator listing against its Keras 3 "
                     "preprocessing layers; horizontal flips on digits")
def datagen(run: Run, *, epochs: Count = 40, batch_size: Count = 64,
            train_size: Count = 500) -> dict:
    """The notes' ``ImageDataGenerator(rotation_range=30, width_shift_range=0.2,
    height_shift_range=0.2, horizontal_flip=True, zoom_range=0.2)`` as written
    (``datagen.flow`` into ``fit``), the same augmentation as preprocessing
    layers inside the model, and the layers without the horizontal flip, each
    training the course CNN on a few hundred digits, against no augmentation.

    Args:
        epochs: training epochs of each CNN.
        batch_size: their batch.
        train_size: train on the first N training digits (few, so that
            augmentation matters).
    """
    x, y, x_test, y_test = common.digits(train_size)
    generator = tf.keras.preprocessing.image.ImageDataGenerator(**DATAGEN_LISTING)
    originals = x[:8]
    grid = viz.save_image_grid(np.concatenate(
        [originals, next(generator.flow(originals, batch_size=8, shuffle=False,
                                        seed=run.seed)),
         np.asarray(datagen_layers(True, run.seed)(originals, training=True))]),
        os.path.join(run.out, "datagen.png"), cols=8,
        title="originals; ImageDataGenerator (listing); the same as layers")
    accuracy = {}
    for label in ("no augmentation", "ImageDataGenerator (listing)",
                  "layers, as the listing", "layers, without the flip"):
        reseed(run.seed)
        network = builders.simple_cnn(INPUT_SHAPE, seed=run.seed)
        layers = [keras.Input(INPUT_SHAPE, name="image")]
        if label.startswith("layers"):
            layers.append(datagen_layers("without" not in label, run.seed))
        model = common.compile_classifier(
            keras.Sequential(layers + [network], name="classifier"))
        if label.startswith("ImageDataGenerator"):
            model.fit(generator.flow(x, y, batch_size=batch_size, seed=run.seed),
                      epochs=epochs, callbacks=run.backup(), verbose=run.verbose)
        else:
            model.fit(x, y, batch_size=batch_size, epochs=epochs,
                      callbacks=run.backup(), verbose=run.verbose)
        accuracy[label] = model.evaluate(x_test, y_test, verbose=0)[1]
    return {
        "equivalents": Row(LAYER_EQUIVALENTS, "ImageDataGenerator -> Keras 3 layer"),
        "test_accuracy": Row(accuracy, f"test accuracy ({len(x)} training digits)",
                             "{:.1%}"),
        "samples": grid,
    }
