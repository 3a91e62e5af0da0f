"""What the diffusion lab's exercises share: the digits, the lab's
class-conditional DDPM (built, trained, or loaded from where ``--exercise
train`` saved it) and the checks of ``timesteps`` / ``sample_steps`` / ``widths``."""

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from units.lab import take
from keras_genai.models import DiffusionModel
from keras_genai.diffusion import NoiseSchedule
from units.common import load_saved

MODEL_FILE = "diffusion.keras"


def digits(train_size=None):
    """The raw digits and labels (uint8), the training set cut to its first
    ``train_size`` (``None``: all).

    Example:

    >>> x, y, x_test, y_test = digits(500)
    """
    (x, y), (x_test, y_test) = data.load_digits()
    x, y = take(train_size, x, y)
    return x, y, x_test, y_test


def labels_for(n, num_classes=10):
    """``n`` labels with every class equally often (0, 1, ..., 9, 0, ...).

    Example:

    >>> labels_for(12).tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    """
    return np.arange(n, dtype="int32") % num_classes


# Channels of the lab's U-Nets at 28, 14 and 7 pixels (--widths).
WIDTHS = (16, 32, 64)


def check_steps(timesteps, widths, sample_steps=None):
    """Refuses ``--timesteps`` / ``--sample-steps`` that no sampler can run,
    and ``--widths`` that the U-Net cannot take, before anything trains.

    Args:
        timesteps: diffusion steps T.
        widths: channels of the U-Net's levels.
        sample_steps: DDIM steps of the samples (``None``: an exercise that
            takes none; only T is checked).

    Example:

    >>> check_steps(50, [16, 32, 64], sample_steps=60)
    Traceback (most recent call last):
    ValueError: Need --timesteps >= 2 and 1 <= --sample-steps <= --timesteps. ...
    """
    if sample_steps is None:
        if timesteps < 2:
            raise ValueError(f"Need --timesteps >= 2. Received: --timesteps={timesteps}")
    elif timesteps < 2 or not 1 <= sample_steps <= timesteps:
        raise ValueError(
            "Need --timesteps >= 2 and 1 <= --sample-steps <= --timesteps. "
            f"Received: --timesteps={timesteps}, "
            f"--sample-steps={sample_steps}")
    if not 1 <= len(widths) <= 3 or min(widths) < 1 or widths[-1] % 4:
        raise ValueError(
            "--widths takes 1-3 levels (28, 14 and 7 pixels) of positive "
            "channels, the last a multiple of 4 (its attention has 4 heads). "
            f"Received: --widths={' '.join(map(str, widths))}")


def build_model(seed, timesteps=1000, widths=WIDTHS, image_shape=(28, 28, 1),
                num_classes=10):
    """The lab's class-conditional DDPM: a 3-level U-Net (28, 14 and 7 pixels,
    16/32/64 channels, attention at 7x7: the default ``widths``), linear
    schedule over ``timesteps`` (the lab's default T = 1,000), the Min-SNR-5
    loss weighting; for images of ``image_shape`` and ``num_classes``
    classes (``None``: an unconditional model).

    Example:

    >>> model = build_model(seed=0, timesteps=50)
    >>> model.schedule.timesteps
    50
    """
    network = builders.diffusion_unet(tuple(image_shape), widths=widths,
                                      num_classes=num_classes)
    return DiffusionModel(network, NoiseSchedule("linear", timesteps=timesteps),
                          num_classes=num_classes,
                          label_dropout=0.1 if num_classes else 0.0, ema=0.999,
                          min_snr_gamma=5.0, seed=seed)


def train_model(run, *, epochs, batch_size, train_size, timesteps, widths,
                images=None):
    """Trains the lab's model on ``images`` (a `keras_genai.data.ImageSet`,
    default the embedded digits; class-conditional when it has labels) with
    ``run``'s seed, verbosity and backups; returns ``(model, history)``.

    Example:

    >>> model, history = train_model(run, epochs=28, batch_size=32,
    ...                              train_size=None, timesteps=1000,
    ...                              widths=WIDTHS)
    """
    images = images if images is not None else data.load_images("digits")
    model = build_model(run.seed, timesteps, widths, images.image_shape,
                        images.num_classes)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    count = images.count(limit=train_size)
    kind = "class-conditional" if images.labelled else "unconditional"
    print(f"Training the {kind} DDPM ({model.network.count_params():,} "
          f"weights) on {count} {images.name} images for {epochs} epochs.",
          flush=True)
    history = model.fit(images.batches(batch_size, labels=images.labelled,
                                       seed=run.seed, limit=train_size),
                        epochs=epochs, callbacks=run.backup(),
                        verbose=run.verbose)
    return model, history


def trained_model(run, *, sample_steps=None, **training):
    """The model saved by ``--exercise train`` (next to ``run.out``), or a new
    one trained now with ``training`` (`train_model`'s options), after
    `check_steps`.

    Returns:
        ``(model, path of the saved model or None)``.

    Example:

    >>> model, _ = trained_model(run, sample_steps=50, epochs=28, batch_size=32,
    ...                          train_size=None, timesteps=1000, widths=WIDTHS)
    """
    check_steps(training["timesteps"], training["widths"], sample_steps)
    # The exercises that call this only sample: no optimizer needed.
    model, path = load_saved(run.out, MODEL_FILE, "train", compile=False)
    if model is not None:
        return model, path
    model, _ = train_model(run, **training)
    return model, None
