"""Callbacks: a NaN guard over every logged loss, per-epoch sample grids and an
epoch timer."""

import math
import os
import time
import warnings

import keras
import numpy as np

from keras_genai.utils.checks import check_positive_int


class NaNGuard(keras.callbacks.Callback):
    """Stops training when any logged loss becomes NaN or infinite.

    `keras.callbacks.TerminateOnNaN` only looks at the key ``loss``; a GAN logs
    ``d_loss`` and ``g_loss`` (KERAS3_PITFALLS.md, item 10). This guard checks every
    logged value whose key contains ``"loss"`` (or the keys given) after each batch,
    stops training, and warns with the key, the value, the epoch and the batch. The
    models in `keras_genai.models` add one to ``fit`` automatically.

    Args:
        keys: keys to check; default every key containing ``"loss"``.

    Attributes:
        message: the stop message, or ``None`` while training is healthy.

    Example:

    >>> model.fit(dataset, epochs=5, callbacks=[NaNGuard()])
    """

    def __init__(self, keys=None):
        super().__init__()
        self.keys = None if keys is None else tuple(keys)
        self.message = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_begin(self, logs=None):
        self.message = None

    def on_train_batch_end(self, batch, logs=None):
        for key, value in (logs or {}).items():
            if self.keys is not None and key not in self.keys:
                continue
            if self.keys is None and "loss" not in key:
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(value):
                self.message = (
                    f"Training stopped: the logged value `{key}` became {value} "
                    f"at epoch {self._epoch + 1}, batch {batch + 1}. Lower the "
                    "learning rate, check the data range, or try another loss."
                )
                warnings.warn(self.message, RuntimeWarning, stacklevel=2)
                self.model.stop_training = True
                return


class SampleGrid(keras.callbacks.Callback):
    """Writes a PNG grid of generated samples every ``every`` epochs.

    The latents are drawn once from ``seed``, so successive grids show how the same
    latent points evolve. Files are named ``samples_epoch_XXX.png`` (1-based epoch).
    For a model with ``num_classes`` (a `ConditionalGAN`), sample ``i`` gets label
    ``i % num_classes``, so each column of the grid is one class.

    Args:
        directory: folder for the PNG files (created if missing).
        num_samples: number of samples; drawn on a square-ish grid.
        every: write a grid every this many epochs (and after the last one).
        seed: seed of the fixed latents.
        latents: explicit latents instead of ``num_samples`` / ``seed``.

    Attributes:
        paths: the files written so far.

    Example:

    >>> gan.fit(ds, epochs=10, callbacks=[SampleGrid("outputs/gan", every=2)])
    """

    def __init__(self, directory, num_samples=64, every=1, seed=0, latents=None):
        super().__init__()
        self.directory = os.fspath(directory)
        self.num_samples = check_positive_int("num_samples", num_samples)
        self.every = check_positive_int("every", every)
        self.seed = seed
        self.latents = None if latents is None else np.asarray(latents, np.float32)
        self.paths = []

    def on_train_begin(self, logs=None):
        if self.latents is None:
            latent_dim = self.model.latent_dim
            rng = np.random.default_rng(self.seed)
            self.latents = rng.standard_normal(
                (self.num_samples, latent_dim)).astype(np.float32)
        self._epochs = (self.params or {}).get("epochs")

    def on_epoch_end(self, epoch, logs=None):
        last = self._epochs is not None and epoch + 1 == self._epochs
        if (epoch + 1) % self.every and not last:
            return
        from keras_genai import viz

        num_classes = getattr(self.model, "num_classes", None)
        if num_classes:
            labels = (np.arange(len(self.latents)) % num_classes).astype(np.int32)
            images = self.model([self.latents, labels], training=False)
        else:
            images = self.model(self.latents, training=False)
        path = os.path.join(self.directory, f"samples_epoch_{epoch + 1:03d}.png")
        viz.save_image_grid(np.asarray(images), path, value_range=(-1.0, 1.0),
                            cols=num_classes, title=f"epoch {epoch + 1}")
        self.paths.append(path)


class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock seconds of every epoch.

    Attributes:
        times: seconds of each epoch so far, in order.

    Example:

    >>> timer = EpochTimer()
    >>> model.fit(x, y, epochs=3, callbacks=[timer])
    >>> timer.typical_epoch_seconds()
    """

    def __init__(self):
        super().__init__()
        self.times = []
        self._start = None

    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)

    def typical_epoch_seconds(self):
        """The median epoch time, leaving out the first epoch (which includes
        tracing and compiling the step) when there are others."""
        times = self.times[1:] or self.times
        if not times:
            raise ValueError("No epoch has finished yet. Received: times=[]")
        return float(np.median(times))


class TimeLimit(keras.callbacks.Callback):
    """Stops training at the end of the first epoch that ends after ``seconds``
    of training: how to compare two models "at equal training time".

    The clock starts at the beginning of ``fit``; the epoch running when time is
    up is finished, so every logged value is a whole-epoch mean.

    Args:
        seconds: the training-time budget (> 0; ``float("inf")`` for none).

    Attributes:
        elapsed: seconds trained when ``fit`` returned.
        stopped_epoch: the (1-based) epoch after which training stopped, or
            ``None`` if ``fit`` ran all its epochs within the budget.

    Example:

    >>> gan.fit(ds, epochs=10_000, callbacks=[TimeLimit(180)])  # 3 minutes
    """

    def __init__(self, seconds):
        super().__init__()
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
                or not seconds > 0:  # float("inf") is allowed: no limit
            raise ValueError(f"`seconds` must be a number > 0. Received: "
                             f"seconds={seconds!r}")
        self.seconds = float(seconds)
        self.elapsed = 0.0
        self.stopped_epoch = None
        self._start = None

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        self.elapsed = time.perf_counter() - self._start
        if self.elapsed >= self.seconds:
            self.stopped_epoch = epoch + 1
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.elapsed = time.perf_counter() - self._start
