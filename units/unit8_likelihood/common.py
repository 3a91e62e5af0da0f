"""What the likelihood lab's exercises share: the binarized digits, the lab's
PixelCNN (trained, or loaded from where ``--exercise pixelcnn`` saved it) and
timing a sampler."""

import math
import time

import keras

from keras_genai import models
from keras_genai.utils.io import atomic_file
from units.common import first_test_digits
from units.common import load_saved
from units.common import reseed
from units.unit5_autoencoder.common import unit_digits
from units.unit5_autoencoder.variational import VALIDATION_DIGITS
from units.unit5_autoencoder.variational import fit_with_early_stopping

PIXELCNN_FILE = "pixelcnn.keras"
# Epochs without a better held-out NLL before the PixelCNN stops (it keeps the
# best weights); fewer than the VAE's 10, since each epoch costs ~15 s.
PIXELCNN_PATIENCE = 3


def binary_digits(train_size=None, test_digits=None):
    """The training and test digits binarized at 1/2 (pixels 0 or 1), the data
    of every model in the lab's table of nats.

    Args:
        train_size: the first N training digits (``None``: all).
        test_digits: the first N test digits (``None``: all).

    Returns:
        ``(x_train, x_test)``, float32 ``(N, 28, 28, 1)``.

    Example:

    >>> x, x_test = binary_digits(600, test_digits=100)
    """
    x, _, x_test, _ = unit_digits(train_size, binarize=True)
    return x, first_test_digits(test_digits, x_test)


def bits_per_dim(nats, dimensions=28 * 28):
    """Nats per image as bits per pixel: ``nats / (dimensions ln 2)``.

    Example:

    >>> round(bits_per_dim(784 * math.log(2)), 6)
    1.0
    """
    return nats / (dimensions * math.log(2))


def build_pixelcnn(seed):
    """The lab's PixelCNN: a 7x7 type-A masked convolution, 5 residual blocks
    of 3x3 type-B ones, 32 channels (74,625 weights).

    Example:

    >>> model = build_pixelcnn(seed=0)
    """
    return models.PixelCNN((28, 28, 1), filters=32, num_blocks=5, seed=seed)


def train_pixelcnn(x, seed, epochs, batch_size, callbacks=(), verbose=0):
    """Trains the lab's PixelCNN on the digits the VAE of ``--exercise nats``
    trains on (all but the first 500), with early stopping on those 500.

    Args:
        x: the binarized training digits.
        seed: seed of the initial weights.
        epochs: the most epochs (early stopping).
        batch_size: digits per minibatch.
        callbacks: more callbacks of the ``fit`` (``run.backup()``).
        verbose: Keras' verbosity.

    Returns:
        ``(model, history)``.

    Example:

    >>> model, history = train_pixelcnn(x, run.seed, 10, 64, run.backup())
    """
    reseed(seed)
    model = build_pixelcnn(seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    print(f"Training a PixelCNN ({model.count_params():,} weights) on "
          f"{len(x) - VALIDATION_DIGITS} binarized digits (up to {epochs} "
          f"epochs, early stopping on {VALIDATION_DIGITS} held out).", flush=True)
    history = fit_with_early_stopping(model, x, None, epochs, batch_size,
                                      callbacks, verbose, monitor="val_loss",
                                      mode="min", patience=PIXELCNN_PATIENCE)
    return model, history


def save_model(model, path):
    """Saves ``model`` as a ``.keras`` file through a temporary file, so a crash
    never leaves half a model where another exercise would load it.

    Example:

    >>> save_model(model, "outputs/unit8_likelihood/pixelcnn.keras")
    """
    with atomic_file(path) as tmp:
        model.save(tmp)


def trained_pixelcnn(x, out, seed, epochs, batch_size, callbacks=(), verbose=0):
    """The PixelCNN saved by ``--exercise pixelcnn`` (next to ``out``), or one
    trained now by `train_pixelcnn` (with the other arguments).

    Example:

    >>> model = trained_pixelcnn(x, run.out, run.seed, 10, 64)
    """
    model, _ = load_saved(out, PIXELCNN_FILE, "pixelcnn")
    if model is not None:
        return model
    return train_pixelcnn(x, seed, epochs, batch_size, callbacks, verbose)[0]


def timed(fn, warm_up=False):
    """``(fn(), seconds)``; with ``warm_up``, ``fn`` runs once untimed first, so
    the time leaves out tracing the ``tf.function`` it calls.

    Example:

    >>> images, seconds = timed(lambda: model.sample(100, seed=0), warm_up=True)
    """
    if warm_up:
        fn()
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start
