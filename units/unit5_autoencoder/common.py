"""What the Unit V exercises share: the digits as autoencoders see them, the
``fit(x, x)`` of an autoencoder, reconstruction error per image and image rows
for comparison grids."""

import keras
import numpy as np
import tensorflow as tf

from keras_genai.utils import build_for_fit
from units.common import digits


def unit_digits(train_size=None, flatten=False, binarize=False):
    """Training and test digits in ``[0, 1]`` (or binarized at 1/2: pixels 0 or
    1, the data of the VAE's Bernoulli likelihood).

    Args:
        train_size: the first N training digits (``None``: all).
        flatten: vectors of 784 instead of ``(28, 28, 1)`` images.
        binarize: pixels 0 or 1 (thresholded at 1/2).

    Returns:
        ``(x_train, y_train, x_test, y_test)``.

    Example:

    >>> x, y, x_test, y_test = unit_digits(512, binarize=True)
    >>> sorted(set(x.ravel().tolist()))
    [0.0, 1.0]
    """
    x, y, x_test, y_test = digits(train_size, flatten=flatten, scale="unit")
    if binarize:
        x, x_test = (x > 0.5).astype("float32"), (x_test > 0.5).astype("float32")
    return x, y, x_test, y_test


def per_image_mse(x, x_hat):
    """Mean squared error of each image, ``(N,)``.

    Example:

    >>> per_image_mse(np.zeros((2, 28, 28, 1)), np.full((2, 28, 28, 1), 0.5))
    array([0.25, 0.25])
    """
    diff = np.asarray(x, np.float64) - np.asarray(x_hat, np.float64)
    return (diff ** 2).reshape(len(diff), -1).mean(axis=1)


def train_autoencoder(model, x, epochs, batch_size, callbacks=(), verbose=0,
                      x_val=None):
    """Compiles ``model`` (Adam 1e-3, mean squared error, as in the course's
    listing) and fits it on ``(x, x)``.

    Args:
        model: the autoencoder.
        x: the training images (inputs and targets), or a ``tf.data.Dataset``
            of ``(x, x)`` batches (``batch_size`` is then its own).
        epochs, batch_size: of the ``fit``.
        callbacks: its callbacks (``run.backup()``).
        verbose: Keras' verbosity.
        x_val: validation images, or ``None``.

    Returns:
        The Keras ``History``.

    Example:

    >>> history = train_autoencoder(builders.dense_autoencoder((784,)), x, 30, 256,
    ...                             run.backup(), run.verbose)
    """
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    validation = None if x_val is None else (x_val, x_val)
    if isinstance(x, tf.data.Dataset):
        build_for_fit(model, x)
        return model.fit(x, epochs=epochs, shuffle=False,  # x shuffles itself
                         callbacks=list(callbacks), verbose=verbose,
                         validation_data=validation)
    build_for_fit(model, x, x)
    return model.fit(x, x, epochs=epochs, batch_size=batch_size,
                     shuffle=True, callbacks=list(callbacks), verbose=verbose,
                     validation_data=validation)


def side_by_side(rows, n=10, shape=(28, 28, 1)):
    """Stacks the first ``n`` images of each row array (images or flat
    vectors of ``shape``) into one grid array (rows one after another), for
    `viz.save_image_grid` with ``cols=n``.

    Example:

    >>> side_by_side([x_test, model.predict(x_test)]).shape
    (20, 28, 28, 1)
    """
    n = min(n, *(len(r) for r in rows))  # a small test split has fewer
    return np.concatenate([np.asarray(r[:n]).reshape(n, *shape) for r in rows])
