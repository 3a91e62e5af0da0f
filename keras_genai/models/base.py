"""What every model in `keras_genai.models` shares: randomness that differs per
replica, loss scaling under a distribution strategy (and loss-scaled optimizers
under ``mixed_float16``), a compile config that survives ``.keras`` round trips
with every optimizer, a NaN guard in ``fit``, resumable ``fit`` with a
`TrainingBackup`, XLA refused with a reason where it cannot work, and atomic
``.keras`` saves and SavedModel exports.

Subclasses implement ``train_step`` / ``test_step``, ``compile`` (calling
`GenerativeModel._finish_compile`), ``get_config`` and ``_export_endpoints``.
"""

import os
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_genai import losses as losses_module
from keras_genai.callbacks import NaNGuard
from keras_genai.callbacks import TrainingBackup
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.io import atomic_directory
from keras_genai.utils.io import atomic_file
from keras_genai.utils.xla import jit_blockers


def replica_context():
    """Returns ``(num_replicas_in_sync, replica_id)`` of the current replica.

    In a cross-replica context, or with no strategy, this is ``(1, 0)``.

    Returns:
        A pair ``(num_replicas, replica_id)``; ``replica_id`` may be a tensor.

    Example:

    >>> replica_context()
    (1, 0)
    """
    ctx = tf.distribute.get_replica_context()
    if ctx is None:
        return 1, 0
    return ctx.num_replicas_in_sync, ctx.replica_id_in_sync_group


def check_network(name, value, float32_outputs=True):
    """Checks that a network argument is a built `keras.Model` / `keras.Layer`
    (and, unless ``float32_outputs=False``, that its outputs are float32, as
    under a mixed precision policy the builders make them)."""
    if not isinstance(value, keras.layers.Layer):
        raise TypeError(
            f"`{name}` must be a keras.Model (or keras.Layer). "
            f"Received: {name}={value!r} (of type {type(value).__name__})"
        )
    if not value.built:
        raise ValueError(
            f"`{name}` must be built: create it with a keras.Input or call "
            f"`{name}.build(input_shape)` first. Received: {name}={value.name!r} "
            "(not built)"
        )
    outputs = (getattr(value, "outputs", None) or []) if float32_outputs else []
    dtypes = sorted({keras.backend.standardize_dtype(t.dtype)
                     for t in tf.nest.flatten(outputs)} - {"float32"})
    floating = [d for d in dtypes if d.startswith(("float", "bfloat"))]
    if floating:
        raise ValueError(
            f"`{name}` must have float32 outputs, so that losses and exports keep "
            "float32 precision under a mixed precision policy: end it with "
            "keras.layers.Activation('linear', dtype='float32') (the builders of "
            "keras_genai.builders do). Received: "
            f"{name}={value.name!r} with {', '.join(floating)} outputs"
        )
    return value


def uses_float16(model):
    """Whether any layer of ``model`` computes in float16 (``mixed_float16``),
    so its optimizers need loss scaling.

    Example:

    >>> uses_float16(keras_genai.builders.dcgan_generator())
    False
    """
    return any(layer.dtype_policy.compute_dtype == "float16"
               for layer in model._flatten_layers())


def get_optimizer(name, value):
    """Resolves an optimizer argument (instance, name or config), or raises."""
    if value is None:
        raise ValueError(
            f"`{name}` is required: pass a keras optimizer, e.g. "
            f"{name}=keras.optimizers.Adam(2e-4, beta_1=0.5). Received: {name}=None"
        )
    try:
        return keras.optimizers.get(value)
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"`{name}` must be a keras optimizer or its name. Received: "
            f"{name}={value!r}"
        ) from e


class GenerativeModel(keras.Model):
    """Base class for the models of `keras_genai.models`.

    It provides:

    * `sample_normal`: Gaussian noise for this replica's share of the global batch,
      from the model's ``keras.random.SeedGenerator``. All replicas draw the noise
      of the *global* batch from the same stateless seed and keep their own slice,
      so replicas get different noise (Keras' seeded ops give every replica the
      same numbers, keras#20611) and a step on N devices uses exactly the noise of
      a one-device step on the same global batch.
    * `scale_loss`: divides a per-replica mean loss by the number of replicas, so
      the gradients summed across replicas are those of the global-batch mean
      (hand-written reductions are not scaled by Keras, keras PR #20609).
    * ``fit`` adds a `NaNGuard` over every logged loss unless one is given.
    * ``get_compile_config`` / ``compile_from_config`` for a custom ``compile``
      with several optimizers, so ``keras.models.load_model`` restores all
      optimizers with their state.
    * ``export(path)`` writes the endpoints of `_export_endpoints` to a SavedModel
      atomically.

    Args:
        seed: seed of the model's SeedGenerator (``None`` for a random one).
        **kwargs: passed to `keras.Model` (``name``...).
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"`seed` must be an int or None. Received: seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")

    # -- randomness and scaling -------------------------------------------------

    def sample_normal(self, batch_size, shape):
        """Draws standard normal noise for this replica.

        Args:
            batch_size: this replica's batch size (a Python int or scalar tensor).
            shape: the shape of one sample, e.g. ``(latent_dim,)``.

        Returns:
            A float32 tensor ``(batch_size, *shape)``.
        """
        return self._sample_replica_slice(tf.random.stateless_normal, batch_size,
                                          shape)

    def sample_uniform(self, batch_size, shape=()):
        """Draws ``U[0, 1)`` numbers for this replica, like `sample_normal`.

        Args:
            batch_size: this replica's batch size.
            shape: the shape of one sample (``()`` for one number per example).

        Returns:
            A float32 tensor ``(batch_size, *shape)``.
        """
        return self._sample_replica_slice(tf.random.stateless_uniform, batch_size,
                                          shape)

    def _sample_replica_slice(self, stateless_fn, batch_size, shape):
        """Draws the global batch with one stateless seed and keeps this
        replica's slice."""
        num_replicas, replica_id = replica_context()
        seed = self.seed_generator.next()
        full = stateless_fn(
            tf.concat([[batch_size * num_replicas],
                       tf.constant(shape, tf.int32, shape=[len(shape)])], 0),
            seed=seed,
        )
        if num_replicas == 1:
            return full
        start = replica_id * batch_size
        return full[start:start + batch_size]

    @staticmethod
    def scale_loss(loss):
        """Scales a per-replica mean loss so that summing across replicas gives the
        global-batch mean (identity on one device)."""
        num_replicas, _ = replica_context()
        if num_replicas == 1:
            return loss
        return loss / num_replicas

    # -- networks, labels and latents --------------------------------------------

    # The inputs of each network, in order (e.g. ``("z", "labels")``); subclasses
    # set it for `_input_shapes`.
    NETWORK_INPUTS = {}

    def _input_shapes(self, name):
        """The input shapes of network ``name``, after checking their number
        against ``NETWORK_INPUTS[name]``."""
        network = getattr(self, name)
        expected = self.NETWORK_INPUTS[name]
        if len(network.inputs) != len(expected):
            raise ValueError(
                f"`{name}` must take {len(expected)} input(s), "
                f"[{', '.join(expected)}]. Received: {name} with "
                f"{len(network.inputs)} input(s)"
            )
        return [tuple(t.shape) for t in network.inputs]

    def _images_and_labels(self, data):
        """``(images, labels)`` of an ``(x, labels)`` batch; the labels int32
        ``(batch,)``, checked in the graph to lie in ``[0, num_classes)`` before
        any lookup uses them."""
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError(
                f"{type(self).__name__} trains on (images, labels) batches. "
                "Received: a batch without labels"
            )
        labels = tf.reshape(tf.cast(data[1], tf.int32), [-1])
        message = f"labels must be in [0, num_classes={self.num_classes})"
        checks = [tf.debugging.assert_less(labels, self.num_classes, message=message),
                  tf.debugging.assert_non_negative(labels, message=message)]
        with tf.control_dependencies(checks):
            return data[0], tf.identity(labels)

    def _check_labels(self, labels):
        """Checks user labels (NumPy side); returns them as int32."""
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.size == 0 or labels.dtype.kind not in "iu":
            raise ValueError(
                "`labels` must be a non-empty 1-D array of ints. "
                f"Received: labels with shape {labels.shape} and dtype {labels.dtype}"
            )
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(
                f"`labels` must be in [0, num_classes={self.num_classes}). "
                f"Received: labels from {labels.min()} to {labels.max()}"
            )
        return labels.astype(np.int32)

    def sample_latents(self, n, seed=None):
        """Draws ``n`` standard normal latents of size ``latent_dim``.

        Args:
            n: number of latents.
            seed: int seed for reproducible latents; ``None`` uses (and advances)
                the model's seed generator.

        Returns:
            A float32 NumPy array ``(n, latent_dim)``.
        """
        n = check_positive_int("n", n)
        if seed is None:
            seed = self.seed_generator
        elif isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"`seed` must be an int or None. Received: seed={seed!r}")
        z = keras.random.normal((n, self.latent_dim), seed=seed)
        return np.asarray(keras.ops.convert_to_numpy(z), dtype=np.float32)

    # -- training ---------------------------------------------------------------

    def fit(self, x=None, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`, with a `NaNGuard` over every logged loss added,
        and a ``tf.data`` pipeline made resumable by a `TrainingBackup`
        callback (`TrainingBackup.prepare`), so a resumed run sees the batches
        of an uninterrupted one.

        A ``tf.data.Dataset`` shuffles itself (`keras_genai.data.image_dataset`
        does), so ``shuffle`` defaults to ``False`` for datasets instead of
        Keras' ``True``, which it would ignore with a warning.
        """
        callbacks = list(callbacks or [])
        if not any(isinstance(c, NaNGuard) for c in callbacks):
            callbacks.append(NaNGuard())
        backups = [c for c in callbacks if isinstance(c, TrainingBackup)]
        if len(backups) > 1:
            raise ValueError("`callbacks` must hold at most one TrainingBackup. "
                             f"Received: {len(backups)}")
        if backups:  # the same batches in every epoch after a resume
            x, steps = backups[0].prepare(x, kwargs.get("steps_per_epoch"))
            kwargs["steps_per_epoch"] = steps
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
        return super().fit(x, *args, callbacks=callbacks, **kwargs)

    @property
    def jit_compile(self):
        """Whether ``fit`` compiles the training step with XLA.

        Setting it to ``True`` (or ``compile(jit_compile=True)``) is honoured
        when XLA can compile the model; otherwise it stays ``False`` with a
        warning that names the reason (`keras_genai.utils.jit_blockers`: a
        layer without XLA support such as ``TextVectorization`` or a cuDNN
        LSTM, or op determinism). ``"auto"`` is Keras' default.
        """
        return keras.Model.jit_compile.fget(self)

    @jit_compile.setter
    def jit_compile(self, value):
        reasons = jit_blockers(self) if value is True else []
        if reasons:
            warnings.warn(
                f"{type(self).__name__} cannot train with jit_compile=True: "
                f"{'; '.join(reasons)}. Proceeding with jit_compile=False.",
                UserWarning, stacklevel=2)
            value = False
        keras.Model.jit_compile.fset(self, value)

    def _optimizers(self, compile_kwargs, **optimizers):
        """Checks the optimizers of a custom ``compile``: refuses Keras'
        single-objective arguments (the model owns its losses) and returns the
        optimizers, resolved and distinct.

        Args:
            compile_kwargs: the other keyword arguments ``compile`` received.
            **optimizers: ``name=value`` for each optimizer argument.

        Returns:
            The optimizer instances, in the order given.
        """
        for key in ("optimizer", "loss", "loss_weights", "metrics",
                    "weighted_metrics"):
            if compile_kwargs.get(key) is not None:
                raise ValueError(
                    f"{type(self).__name__}.compile does not take `{key}`; it "
                    f"takes {', '.join(optimizers)} and computes its own losses. "
                    f"Received: {key}={compile_kwargs[key]!r}"
                )
        resolved = [get_optimizer(name, value) for name, value in optimizers.items()]
        for i, a in enumerate(resolved):
            for b in resolved[i + 1:]:
                if a is b:
                    raise ValueError(
                        f"{', '.join(f'`{n}`' for n in optimizers)} must be "
                        "different optimizer instances (each keeps its own "
                        f"state). Received the same object twice: {a}")
        return resolved

    def _two_optimizers(self, d_optimizer, g_optimizer, compile_kwargs):
        """`_optimizers` for an adversarial ``compile``:
        ``(d_optimizer, g_optimizer)``."""
        return self._optimizers(compile_kwargs, d_optimizer=d_optimizer,
                                g_optimizer=g_optimizer)

    def _set_adversarial_loss(self, loss, allowed, label_smoothing=0.0):
        """Checks and sets the adversarial loss family of ``compile``.

        Sets ``loss_name``, ``label_smoothing`` and the pure functions
        ``g_loss_fn`` / ``d_loss_fn`` of `keras_genai.losses.GAN_LOSSES`.

        Args:
            loss: the family's name; must be one of ``allowed``.
            allowed: the families this model accepts.
            label_smoothing: one-sided smoothing of D's real target, in
                ``[0, 1)``; only for `keras_genai.losses.SMOOTHABLE_LOSSES`.
        """
        check_choice("loss", loss, tuple(allowed))
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(
                "`label_smoothing` must be in [0, 1). "
                f"Received: label_smoothing={label_smoothing}"
            )
        if label_smoothing and loss not in losses_module.SMOOTHABLE_LOSSES:
            raise ValueError(
                f"`label_smoothing` applies to the losses "
                f"{losses_module.SMOOTHABLE_LOSSES}, not to loss={loss!r}. "
                f"Received: label_smoothing={label_smoothing}"
            )
        self.g_loss_fn, self.d_loss_fn = losses_module.get_gan_loss(loss)
        self.loss_name = loss
        self.label_smoothing = float(label_smoothing)

    def _adversarial_d_loss(self, real_outputs, fake_outputs):
        """D's loss of the chosen family on its outputs for real and fake
        images, with the label smoothing where the family takes it."""
        if self.loss_name in losses_module.SMOOTHABLE_LOSSES:
            return self.d_loss_fn(real_outputs, fake_outputs,
                                  label_smoothing=self.label_smoothing)
        return self.d_loss_fn(real_outputs, fake_outputs)

    def _add_adversarial_trackers(self):
        """Creates the ``d_loss``, ``g_loss``, ``d_real_accuracy`` and
        ``d_fake_accuracy`` trackers of an adversarial model."""
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_accuracy = keras.metrics.Mean(name="d_real_accuracy")
        self.d_fake_accuracy = keras.metrics.Mean(name="d_fake_accuracy")

    def _update_adversarial_trackers(self, d_loss, g_loss, real_outputs,
                                     fake_outputs):
        """Updates the trackers of `_add_adversarial_trackers`: the two losses,
        and the share of real (fake) examples D calls real (fake) at the loss
        family's ``decision_threshold``."""
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        real_acc, fake_acc = losses_module.discriminator_accuracy(
            real_outputs, fake_outputs, threshold=self.decision_threshold)
        self.d_real_accuracy.update_state(real_acc)
        self.d_fake_accuracy.update_state(fake_acc)

    def _logs(self):
        """What ``train_step`` / ``test_step`` return: every tracker's result.

        Under multi-worker training, Keras 3 reduces each logged value with
        ``strategy.reduce("MEAN", value, axis=0)``, which fails on scalars
        ("Invalid reduction dimension 0 for input with 0 dimensions",
        tensorflow#72388); there the values are given an axis of length 1,
        which that reduction removes again.
        """
        logs = {m.name: m.result() for m in self.metrics}
        strategy = tf.distribute.get_strategy()
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) \
                and strategy.extended._in_multi_worker_mode():
            logs = {k: tf.reshape(v, [1]) for k, v in logs.items()}
        return logs

    def _descend(self, optimizer, variables, loss_fn):
        """One ``optimizer`` step on ``variables`` down the loss ``loss_fn()``.

        ``loss_fn`` returns the loss, or a tuple whose first item is the loss
        (the rest is passed back: outputs to log). The loss is scaled with
        `scale_loss` before the gradient, so replicas sum to the global-batch
        gradient.

        Returns:
            What ``loss_fn`` returned.
        """
        with tf.GradientTape() as tape:
            out = loss_fn()
            scaled = self._scaled(optimizer,
                                  out[0] if isinstance(out, tuple) else out)
        optimizer.apply(tape.gradient(scaled, variables), variables)
        return out

    def _scaled(self, optimizer, loss):
        """``loss`` scaled for the gradient of ``optimizer``'s step: divided by
        the number of replicas (`scale_loss`) and, for a
        `keras.optimizers.LossScaleOptimizer` (``mixed_float16``), multiplied by
        its loss scale, which its ``apply`` divides out of the gradients."""
        loss = self.scale_loss(loss)
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            loss = optimizer.scale_loss(loss)
        return loss

    def _finish_compile(self, optimizers, config, **kwargs):
        """Compiles the Keras side and builds each optimizer on its variables.

        Args:
            optimizers: dict ``{attribute_name: (optimizer, variables)}``; each
                optimizer is stored as that attribute and built on its own
                variable list (no ``trainable`` toggling, KERAS3_PITFALLS.md 1).
            config: the arguments of ``compile`` to serialize with the model.
                Under ``mixed_float16`` (some layer computes in float16) each
                optimizer is wrapped in a `keras.optimizers.LossScaleOptimizer`
                and `_descend` scales the loss for it.
            **kwargs: `keras.Model.compile` arguments (``steps_per_execution``,
                ``jit_compile``, ``run_eagerly``).
        """
        # Keras would wrap its own (unused) default optimizer for float16; the
        # model wraps the optimizers it uses below.
        super().compile(**{"auto_scale_loss": False, **kwargs})
        float16 = uses_float16(self)
        for attr, (optimizer, variables) in optimizers.items():
            if float16 and not isinstance(optimizer,
                                          keras.optimizers.LossScaleOptimizer):
                # float16 gradients underflow without loss scaling; the inner
                # optimizer is the one kept in the compile config.
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
            setattr(self, attr, optimizer)
            optimizer.build(variables)
        self._genai_compile_config = dict(config, **kwargs)

    def get_compile_config(self):
        """Returns the serialized ``compile`` arguments, optimizers included, so
        ``keras.models.load_model`` can compile the model the same way."""
        if not self.compiled or not hasattr(self, "_genai_compile_config"):
            return {}
        return keras.saving.serialize_keras_object(self._genai_compile_config)

    def compile_from_config(self, config):
        """Calls this model's own ``compile`` with the saved arguments; it builds
        every optimizer, so their saved state loads into them."""
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)

    def _network_configs(self):
        """The networks named in ``NETWORK_INPUTS``, serialized for
        ``get_config``."""
        return {key: keras.saving.serialize_keras_object(getattr(self, key))
                for key in self.NETWORK_INPUTS}

    @classmethod
    def from_config(cls, config):
        """Rebuilds the model from `get_config`, deserializing the networks
        named in ``NETWORK_INPUTS``."""
        config = dict(config)
        for key in cls.NETWORK_INPUTS:
            if key in config:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    # -- saving and export -------------------------------------------------------

    def save(self, filepath, overwrite=True, **kwargs):
        """`keras.Model.save`, written atomically.

        The ``.keras`` file is written beside ``filepath`` under a temporary
        name and renamed into place, so a crash while saving leaves the
        previous file (or none) at ``filepath``, never a truncated one.

        Args:
            filepath: the ``.keras`` file to write.
            overwrite: replace an existing file (else raise).
            **kwargs: passed to `keras.Model.save`.
        """
        filepath = os.fspath(filepath)
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath!r} exists and overwrite=False. "
                                  f"Received: filepath={filepath!r}")
        with atomic_file(filepath) as tmp:
            super().save(tmp, overwrite=True, **kwargs)

    def _export_resources(self):
        """Returns the layers whose variables the SavedModel keeps."""
        return [self]

    def _export_endpoints(self):
        """Returns ``[(name, fn, input_signature), ...]``; the first one is the
        default serving endpoint."""
        raise NotImplementedError

    def export(self, filepath, format="tf_saved_model", verbose=False):
        """Writes a TensorFlow SavedModel with this model's endpoints.

        The SavedModel is written to a temporary folder and moved into place, so an
        interrupted export never leaves a half-written model at ``filepath``. It
        loads with ``tf.saved_model.load`` in a process without keras_genai.

        Args:
            filepath: target folder (replaced if it exists).
            format: only ``"tf_saved_model"``.
            verbose: print Keras' summary of the endpoints.

        Returns:
            ``filepath``.
        """
        if format != "tf_saved_model":
            raise ValueError(
                f"`format` must be 'tf_saved_model'. Received: format={format!r}"
            )
        archive = keras.export.ExportArchive()
        for resource in self._export_resources():
            archive.track(resource)
        for name, fn, signature in self._export_endpoints():
            archive.add_endpoint(name, fn, input_signature=signature)
        with atomic_directory(filepath) as tmp:
            archive.write_out(tmp, verbose=verbose)
        return filepath
