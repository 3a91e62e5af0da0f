"""Callbacks: a NaN guard over every logged loss, per-epoch sample grids, an
epoch timer, a training-time limit and a crash-safe training backup."""

import inspect
import json
import math
import os
import shutil
import time
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_genai import viz
from keras_genai.utils import compat
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed
from keras_genai.utils.io import atomic_directory


class NaNGuard(keras.callbacks.Callback):
    """Stops training when any logged loss becomes NaN or infinite.

    `keras.callbacks.TerminateOnNaN` only looks at the key ``loss``; a GAN logs
    ``d_loss`` and ``g_loss``, so a diverged GAN would train on. This guard
    checks every logged value whose key contains ``"loss"`` (or the keys given)
    after each batch, stops training, and warns with the key, the value, the
    epoch and the batch. The models in `keras_genai.models` add one to ``fit``
    automatically.

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

    The latents are drawn once, from ``seed`` (the model's ``sample_latents``),
    and decoded after each chosen epoch, so successive grids show how the same
    latent points evolve; a model without latents (a diffusion model) samples
    from the same ``seed`` each time. Files are named ``samples_epoch_XXX.png`` (1-based epoch). For
    a conditional model (``num_classes`` set), sample ``i`` gets label
    ``i % num_classes``, so each column of the grid is one class.

    Args:
        directory: folder for the PNG files (created if missing).
        num_samples: number of samples; drawn on a square-ish grid.
        every: write a grid every this many epochs (and after the last one).
        seed: seed of the samples (``None``: a random one, not the model's).
        latents: explicit latents instead of ``num_samples`` / ``seed`` (for a
            model with ``decode``).

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
        # A seed of its own even when none is given: drawing from the model's
        # seed generator would shift its training noise.
        seed = check_seed(seed)
        self.seed = (int(np.random.default_rng().integers(2 ** 31)) if seed is None
                     else seed)
        self.latents = None if latents is None else np.asarray(latents, np.float32)
        if self.latents is not None:
            self.num_samples = len(self.latents)
        self.paths = []

    def on_train_begin(self, logs=None):
        if self.latents is None and hasattr(self.model, "sample_latents"):
            self.latents = self.model.sample_latents(self.num_samples,
                                                     seed=self.seed)
        self._epochs = (self.params or {}).get("epochs")

    def on_epoch_end(self, epoch, logs=None):
        last = self._epochs is not None and epoch + 1 == self._epochs
        if (epoch + 1) % self.every and not last:
            return
        num_classes = getattr(self.model, "num_classes", None)
        labels = None
        if num_classes:
            labels = (np.arange(self.num_samples) % num_classes).astype(np.int32)
        if self.latents is not None:
            images = self.model.decode(self.latents, labels)
        else:
            quiet = ({"verbose": False} if "verbose" in inspect.signature(
                self.model.sample).parameters else {})  # a diffusion model's bar
            images = self.model.sample(None if labels is not None else self.num_samples,
                                       labels=labels, seed=self.seed, **quiet)
        path = os.path.join(self.directory, f"samples_epoch_{epoch + 1:03d}.png")
        viz.save_image_grid(np.asarray(images), path, value_range=(-1.0, 1.0),
                            cols=num_classes, title=f"epoch {epoch + 1}")
        self.paths.append(path)


class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock seconds of every epoch, and the mean seconds of
    its training updates alone (validation and callbacks left out).

    Attributes:
        times: seconds of each epoch so far, in order.
        update_times: mean seconds per training update of each epoch.

    Example:

    >>> timer = EpochTimer()
    >>> model.fit(x, y, epochs=3, callbacks=[timer])
    >>> timer.typical_epoch_seconds(), timer.typical_update_seconds()
    """

    def __init__(self):
        super().__init__()
        self.times, self.update_times = [], []
        self._start = self._batch_start = None
        self._training, self._updates = 0.0, 0

    def on_train_begin(self, logs=None):
        self.times, self.update_times = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._training, self._updates = 0.0, 0

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._training += time.perf_counter() - self._batch_start
        self._updates += 1

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)
        self.update_times.append(self._training / max(self._updates, 1))

    def typical_update_seconds(self):
        """The median over epochs of the mean seconds per training update,
        leaving out the first epoch (which traces the step) when there are
        others."""
        times = self.update_times[1:] or self.update_times
        if not times:
            raise ValueError("No epoch has finished yet. Received: update_times=[]")
        return float(np.median(times))

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


class TrainingBackup(keras.callbacks.Callback):
    """Backs up the whole training state after every epoch and, when ``fit``
    starts again after a crash, restores it and goes on from the next epoch.

    Like `keras.callbacks.BackupAndRestore`, with what a generative model needs:

    * The state is everything ``model.save_weights`` writes: every network's
      weights and **every optimizer the model owns** (a GAN's ``d_optimizer``
      and ``g_optimizer``, with their iterations and slots), and the state of
      every ``SeedGenerator`` in the model (its noise, its dropout layers),
      which ``save_weights`` leaves out, so the noise after a restart is the
      noise the uninterrupted run drew.
    * The weights and the epoch number are written together into a temporary
      folder that replaces the backup in one rename: a process killed while
      writing leaves the previous backup whole (Keras writes the two files one
      after the other, in place).
    * `prepare` makes a ``tf.data`` pipeline resumable: it repeats it and
      feeds ``fit`` one iterator for all epochs (``steps_per_epoch`` = one pass),
      so epoch ``e`` gets the ``e``-th shuffle of the pipeline whatever Keras
      does between epochs, and on resume skips the batches of the finished
      epochs. The models of `keras_genai.models` call it from ``fit``; NumPy
      inputs are shuffled by Keras and resume with another order.

    With `keras_genai.utils.set_seed(seed, deterministic=True)` on the CPU, a run
    killed mid-epoch and started again with the same command ends with the same
    weights as a run that was never interrupted (tested with a real SIGKILL in
    ``tests/test_resume.py``).

    Args:
        directory: folder of the backup (only this callback writes there).
        delete_on_finish: delete the backup when ``fit`` ends normally, so the
            next run starts afresh (Keras' behaviour). ``False`` keeps it: the
            same ``fit`` then finds training finished, restores the final state
            and returns at once (how a lab skips the fits it had finished).

    The ``History`` a resumed ``fit`` returns holds every epoch's logs, those
    before the interruption included (they are kept in the backup).

    Attributes:
        restored_epoch: the epoch training resumed from (``None`` when the last
            ``fit`` started afresh).

    Example:

    >>> backup = TrainingBackup("checkpoints/dcgan")
    >>> gan.fit(ds, epochs=20, callbacks=[backup])  # run again after a crash
    """

    def __init__(self, directory, delete_on_finish=True):
        super().__init__()
        if not isinstance(directory, (str, os.PathLike)) or not os.fspath(directory):
            raise ValueError("`directory` must be a folder path. Received: "
                             f"directory={directory!r}")
        self.directory = os.fspath(directory)
        self.delete_on_finish = bool(delete_on_finish)
        self.restored_epoch = None
        self._history = {}

    @property
    def _weights_path(self):
        return os.path.join(self.directory, "state.weights.h5")

    @property
    def _seeds_path(self):
        return os.path.join(self.directory, "seeds.npz")

    @property
    def _metadata_path(self):
        return os.path.join(self.directory, "metadata.json")

    def saved_epoch(self):
        """The number of epochs the backup holds, or ``None`` without one."""
        if not os.path.exists(self._metadata_path):
            return None
        with open(self._metadata_path) as f:
            return int(json.load(f)["epoch"])

    def prepare(self, x, steps_per_epoch=None):
        """Makes the epochs of a ``tf.data`` pipeline the same after a resume.

        Keras starts a new iterator for every epoch of a finite dataset, and
        how many iterators it creates (each draws the next shuffle order) is
        its own business. Repeating the pipeline and training on one iterator
        with ``steps_per_epoch`` fixes epoch ``e`` to the ``e``-th pass; on
        resume, the batches of the finished epochs are skipped.

        Args:
            x: the ``x`` given to ``fit``; anything but a ``tf.data.Dataset``
                is returned unchanged.
            steps_per_epoch: the ``steps_per_epoch`` given to ``fit``
                (``None``: one pass over a finite dataset).

        Returns:
            ``(x, steps_per_epoch)`` to give ``fit`` instead.
        """
        if not isinstance(x, tf.data.Dataset):
            return x, steps_per_epoch
        cardinality = int(x.cardinality())
        if cardinality == tf.data.INFINITE_CARDINALITY:
            if steps_per_epoch is None:
                return x, steps_per_epoch  # Keras asks for steps_per_epoch
        elif cardinality > 0:
            x, steps_per_epoch = x.repeat(), steps_per_epoch or cardinality
        else:
            warnings.warn(
                "TrainingBackup cannot tell the length of this dataset (its "
                "cardinality is unknown), so a resumed run will not see the "
                "batches the interrupted one would have. Received: cardinality="
                f"{cardinality}", RuntimeWarning, stacklevel=3)
            return x, steps_per_epoch
        done = self.saved_epoch()
        if done:
            x = x.skip(done * steps_per_epoch)
        return x, steps_per_epoch

    def on_train_begin(self, logs=None):
        self.restored_epoch = None
        self._history = {}
        epoch = self.saved_epoch()
        if epoch is None:
            return
        if not self.model.built:
            raise ValueError("TrainingBackup restores into a built model: build "
                             f"it before fit. Received: {self.model.name!r} (not "
                             "built)")
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            # A plain Keras model builds its optimizer at the first step (the
            # models of keras_genai build theirs in compile).
            optimizer.build(self.model.trainable_variables)
        with np.load(self._seeds_path) as saved:
            seeds = {key: saved[key] for key in saved.files}
        generators = _seed_generators(self.model)
        if sorted(seeds) != sorted(generators):
            raise ValueError(
                f"The backup in {self.directory!r} is of another model: its "
                f"seed generators are {sorted(seeds)}. Received: a model with "
                f"seed generators {sorted(generators)}")
        self.model.load_weights(self._weights_path)
        for key, generator in generators.items():
            generator.state.assign(seeds[key])
        compat.set_initial_epoch(self.model, epoch)
        self.restored_epoch = epoch
        with open(self._metadata_path) as f:
            self._history = json.load(f).get("history", {})

    def on_epoch_end(self, epoch, logs=None):
        with atomic_directory(self.directory) as tmp:
            os.makedirs(tmp)
            self.model.save_weights(os.path.join(tmp, "state.weights.h5"))
            # save_weights leaves out the SeedGenerator states (noise, dropout).
            np.savez(os.path.join(tmp, "seeds.npz"),
                     **{k: g.state.numpy()
                        for k, g in _seed_generators(self.model).items()})
            for key, value in (logs or {}).items():
                self._history.setdefault(key, []).append(float(value))
            with open(os.path.join(tmp, "metadata.json"), "w") as f:
                json.dump({"epoch": epoch + 1, "history": self._history}, f)

    def on_train_end(self, logs=None):
        # Keras keeps the initial epoch after fit; a later fit must start at 0.
        compat.set_initial_epoch(self.model, None)
        history = getattr(self.model, "history", None)
        if self.restored_epoch is not None and history is not None:
            # The History of a resumed fit holds every epoch, as if uninterrupted.
            history.history = {k: list(v) for k, v in self._history.items()}
            history.epoch = list(range(len(next(iter(self._history.values()), []))))
        if self.delete_on_finish:
            shutil.rmtree(self.directory, ignore_errors=True)


def _seed_generators(model):
    """``{key: SeedGenerator}`` of every layer of ``model``, keyed by position
    and layer class (seed generators' own paths are not unique, and a model's
    default name changes from one instance to the next)."""
    return {f"{i}.{type(layer).__name__}.{j}": generator
            for i, layer in enumerate(compat.flatten_layers(model))
            for j, generator in enumerate(compat.seed_generators(layer))}
