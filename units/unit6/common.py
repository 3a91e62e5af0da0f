"""What the diffusion lab's exercises share: the digits, the lab's
class-conditional DDPM (built, trained, or loaded from where ``--exercise
train`` saved it) and the checks of ``--timesteps`` / ``--sample-steps``."""

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai.cli import take
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


def labels_for(n):
    """``n`` labels with every digit equally often (0, 1, ..., 9, 0, ...).

    Example:

    >>> labels_for(12).tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    """
    return np.arange(n, dtype="int32") % 10


# Channels of the lab's U-Nets at 28, 14 and 7 pixels (--widths).
WIDTHS = (16, 32, 64)


def check_steps(args):
    """Refuses ``--timesteps`` / ``--sample-steps`` that no sampler can run,
    and ``--widths`` that the U-Net cannot take, before anything trains.

    Example:

    >>> check_steps(argparse.Namespace(timesteps=50, sample_steps=60))
    Traceback (most recent call last):
    ValueError: Need --timesteps >= 2 and 1 <= --sample-steps <= --timesteps. ...
    """
    if args.timesteps < 2 or not 1 <= args.sample_steps <= args.timesteps:
        raise ValueError(
            "Need --timesteps >= 2 and 1 <= --sample-steps <= --timesteps. "
            f"Received: --timesteps={args.timesteps}, "
            f"--sample-steps={args.sample_steps}")
    widths = args.widths
    if not 1 <= len(widths) <= 3 or min(widths) < 1 or widths[-1] % 4:
        raise ValueError(
            "--widths takes 1-3 levels (28, 14 and 7 pixels) of positive "
            "channels, the last a multiple of 4 (its attention has 4 heads). "
            f"Received: --widths={' '.join(map(str, widths))}")


def build_model(seed, timesteps=1000, widths=WIDTHS):
    """The lab's class-conditional DDPM: a 3-level U-Net (28, 14 and 7 pixels,
    16/32/64 channels, attention at 7x7: the default ``widths``), linear
    schedule over ``timesteps`` (the lab's default T = 1,000), the Min-SNR-5
    loss weighting.

    Example:

    >>> model = build_model(seed=0, timesteps=50)
    >>> model.schedule.timesteps
    50
    """
    network = builders.diffusion_unet((28, 28, 1), widths=widths, num_classes=10)
    return DiffusionModel(network, NoiseSchedule("linear", timesteps=timesteps),
                          num_classes=10, label_dropout=0.1, ema=0.999,
                          min_snr_gamma=5.0, seed=seed)


def train_model(args):
    """Trains the lab's model on the digits; returns ``(model, history)``.

    Example:

    >>> model, history = train_model(args)
    """
    x, y, _, _ = digits(args.train_size)
    model = build_model(args.seed, args.timesteps, args.widths)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    print(f"Training the class-conditional DDPM ({model.network.count_params():,} "
          f"weights) on {len(x)} digits for {args.epochs} epochs.", flush=True)
    history = model.fit(data.image_dataset(x, y, batch_size=args.batch_size,
                                           seed=args.seed),
                        epochs=args.epochs, callbacks=args.backup(),
                        verbose=args.verbose)
    return model, history


def trained_model(args, out):
    """The model saved by ``--exercise train`` (next to ``out``), or a new one
    trained now.

    Returns:
        ``(model, path of the saved model or None)``.

    Example:

    >>> model, _ = trained_model(args, out)
    """
    check_steps(args)
    # The exercises that call this only sample: no optimizer needed.
    model, path = load_saved(out, MODEL_FILE, "train", compile=False)
    if model is not None:
        return model, path
    model, _ = train_model(args)
    return model, None
