"""The contract every model in `keras_genai.models` shares.

A model declares, once, as class attributes:

* ``NETWORKS``: ``{attribute: input names}`` of its sub-networks (a list of
  networks for LAPGAN's pyramid);
* ``OPTIMIZERS``: ``{compile argument: networks it trains}``;
* ``TRACKERS``: the names of the epoch means it logs;
* ``DATA``: what one training batch holds (``("images",)``,
  ``("images", "labels")``...), checked by ``fit`` before training starts.

From them the base class gives: per-replica noise (`sample_normal`), loss
scaling under a distribution strategy and ``mixed_float16`` (`_descend`), a
``compile`` with several optimizers that survives ``.keras`` round trips, a NaN
guard and resumable ``fit``, XLA refused with a reason where it cannot work,
generic ``get_config`` / ``from_config`` (every constructor argument is stored
under its own name; sub-networks are serialized), and atomic ``.keras`` saves and
SavedModel exports. Subclasses write ``train_step`` / ``test_step``, ``compile``
(calling `GenerativeModel._compile`) and ``_export_endpoints``.
"""


import inspect
import os
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_genai.callbacks import NaNGuard
from keras_genai.callbacks import TrainingBackup
from keras_genai.models import inputs
from keras_genai.utils import compat
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed
from keras_genai.utils.io import atomic_file
from keras_genai.utils.io import export_endpoints
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


def uses_float16(model):
    """Whether any layer of ``model`` computes in float16 (``mixed_float16``),
    so its optimizers need loss scaling.

    Example:

    >>> uses_float16(keras_genai.builders.dcgan_generator())
    False
    """
    return any(layer.dtype_policy.compute_dtype == "float16"
               for layer in compat.flatten_layers(model))


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


def predict_fixed(network, inputs, batch_size=256):
    """``network(inputs)`` in inference mode, in batches of exactly
    ``batch_size`` (the last one padded), so that one trace of Keras' predict
    function serves every call whatever the number of examples.

    Args:
        network: a `keras.Model`.
        inputs: a list of arrays of one length ``n`` (the network's inputs).
        batch_size: examples per batch.

    Returns:
        The network's output for the ``n`` examples, as NumPy.

    Example:

    >>> images = predict_fixed(generator, [z], batch_size=256)
    """
    batch_size = check_positive_int("batch_size", batch_size)
    n = len(inputs[0])
    inputs = pad_to_batches(inputs, batch_size)
    out = network.predict(inputs if len(inputs) > 1 else inputs[0],
                          batch_size=batch_size, verbose=0)
    return keras.tree.map_structure(lambda o: o[:n], out)


def pad_to_batches(arrays, batch_size):
    """The arrays as NumPy, their last example repeated up to a multiple of
    ``batch_size`` examples, so every batch has one shape.

    Example:

    >>> [len(a) for a in pad_to_batches([np.zeros((5, 2))], 4)]
    [8]
    """
    arrays = [np.asarray(a) for a in arrays]
    pad = -len(arrays[0]) % batch_size
    return [np.concatenate([a, np.repeat(a[-1:], pad, axis=0)]) if pad else a
            for a in arrays]


def map_fixed_batches(fn, arrays, batch_size):
    """``fn(*batch)`` over batches of exactly ``batch_size`` examples of
    ``arrays`` (the last one padded by `pad_to_batches`), so one trace of a
    ``tf.function`` serves every call, whatever the number of examples.

    Args:
        fn: takes one batch of each array; returns a tensor or a tuple of
            tensors, one row per example.
        arrays: a list of arrays of one length ``n > 0``.
        batch_size: examples per batch.

    Returns:
        ``fn``'s output for the ``n`` examples, as NumPy (a tuple if ``fn``
        returns one).

    Example:

    >>> map_fixed_batches(tf.function(lambda x: 2 * x), [np.ones((5, 2))], 4).shape
    (5, 2)
    """
    batch_size = check_positive_int("batch_size", batch_size)
    n = len(arrays[0])
    padded = pad_to_batches(arrays, batch_size)
    outs = [fn(*[tf.constant(a[i:i + batch_size]) for a in padded])
            for i in range(0, len(padded[0]), batch_size)]
    if isinstance(outs[0], (tuple, list)):
        return tuple(np.concatenate([np.asarray(o[k]) for o in outs])[:n]
                     for k in range(len(outs[0])))
    return np.concatenate([np.asarray(o) for o in outs])[:n]


def _serialize(value):
    """A constructor argument for ``get_config``: networks (and lists of them)
    and other Keras-serializable objects serialized, plain values as they are."""
    if isinstance(value, (list, tuple)) and any(hasattr(v, "get_config")
                                                for v in value):
        return [_serialize(v) for v in value]
    if hasattr(value, "get_config"):
        return keras.saving.serialize_keras_object(value)
    return value


def _deserialize(value):
    """The inverse of `_serialize`."""
    if isinstance(value, list) and value and all(isinstance(v, dict)
                                                 for v in value):
        return [_deserialize(v) for v in value]
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        return keras.saving.deserialize_keras_object(value)
    return value


def _fixed_shapes(element_spec):
    """Whether every tensor of a batch has one fully known shape."""
    specs = tf.nest.flatten(element_spec, expand_composites=True)
    return all(isinstance(spec, tf.TensorSpec) and spec.shape.is_fully_defined()
               for spec in specs)


class _FetchedBatches:
    """A ``tf.data`` iterator seen as a plain Python one, so that Keras' train
    function fetches each batch eagerly; its end is reported as the
    ``OutOfRangeError`` that ends Keras' epoch (a ``StopIteration`` would be
    swallowed by Keras' ``zip`` over the steps)."""

    def __init__(self, iterator):
        self.iterator = iterator

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self.iterator)
        except StopIteration:
            raise tf.errors.OutOfRangeError(None, None, "End of sequence") from None


class GenerativeModel(keras.Model):
    """Base class for the models of `keras_genai.models`.

    It provides:

    * `sample_normal` / `sample_uniform`: noise for this replica's share of the
      global batch, from the model's ``keras.random.SeedGenerator``. All
      replicas draw the noise of the *global* batch from the same stateless seed
      and keep their own slice, so replicas get different noise (Keras' seeded
      ops give every replica the same numbers, keras#20611) and a step on N
      devices uses exactly the noise of a one-device step on the same global
      batch.
    * `_descend`: one optimizer step down a loss divided by the number of
      replicas, so the gradients summed across replicas are those of the
      global-batch mean (hand-written reductions are not scaled by Keras, keras
      PR #20609), and multiplied by the loss scale under ``mixed_float16``.
    * `_compile`: the optimizers of ``OPTIMIZERS``, each built on the variables
      of its own networks (nothing toggles ``trainable``), and
      ``get_compile_config`` / ``compile_from_config``, so
      ``keras.models.load_model`` restores every optimizer with its state.
    * ``fit`` checks its data against ``DATA`` and the networks' inputs, and
      adds a `NaNGuard` over every logged loss unless one is given.
    * ``get_config`` / ``from_config`` from the constructor's signature.
    * ``export(path)`` writes the endpoints of `_export_endpoints` to a
      SavedModel atomically.

    Args:
        seed: seed of the model's SeedGenerator (``None`` for a random one).
        **kwargs: passed to `keras.Model` (``name``...).
    """

    # {attribute: input names} of the sub-networks; `_input_shapes` checks
    # their number of inputs against it.
    NETWORKS = {}
    # {compile argument: attributes of the networks that optimizer trains}.
    OPTIMIZERS = {}
    # The names of the logged epoch means (keras.metrics.Mean each).
    TRACKERS = ()
    # What one training batch holds, in order (see `keras_genai.models.inputs`).
    DATA = ("images",)

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in self.TRACKERS}

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

    def stateless_seed(self, seed=None):
        """The stateless seed of a sampling call: ``[seed, 0]`` (int32) for an
        int ``seed``, so ``model.sample(n, seed=s)`` equals an exported
        ``sample(n, [s, 0])``; for ``None``, the next seed of the model's seed
        generator (reproducible from the model's own ``seed``).

        Example:

        >>> model.stateless_seed(7)
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([7, 0], dtype=int32)>
        """
        seed = check_seed(seed)
        if seed is None:
            return tf.cast(self.seed_generator.next(), tf.int32)
        return tf.constant([seed % (2 ** 31 - 1), 0], tf.int32)

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

    def _function(self, name, fn, **kwargs):
        """``tf.function(fn, **kwargs)``, made once per model and ``name``, so
        that repeated calls of a method trace once per input signature."""
        functions = self.__dict__.setdefault("_genai_functions", {})
        if name not in functions:
            functions[name] = tf.function(fn, **kwargs)
        return functions[name]

    @staticmethod
    def scale_loss(loss):
        """Scales a per-replica mean loss so that summing across replicas gives the
        global-batch mean (identity on one device)."""
        num_replicas, _ = replica_context()
        if num_replicas == 1:
            return loss
        return loss / num_replicas

    def _input_shapes(self, name):
        """The input shapes of network ``name``, after checking their number
        against ``NETWORKS[name]``."""
        network = getattr(self, name)
        expected = self.NETWORKS[name]
        if len(network.inputs) != len(expected):
            raise ValueError(
                f"`{name}` must take {len(expected)} input(s), "
                f"[{', '.join(expected)}]. Received: {name} with "
                f"{len(network.inputs)} input(s)"
            )
        return [tuple(t.shape) for t in network.inputs]

    # -- logging ------------------------------------------------------------------

    @property
    def logged(self):
        """The names of the trackers ``fit`` logs (all of ``TRACKERS`` unless a
        model's configuration leaves some out)."""
        return self.TRACKERS

    @property
    def metrics(self):
        """The epoch-mean trackers of `logged`, reset by Keras every epoch."""
        return [self.trackers[name] for name in self.logged]

    def _log(self, **values):
        """Updates the named trackers and returns what ``train_step`` /
        ``test_step`` return: every logged tracker's result.

        Under multi-worker training, Keras 3 reduces each logged value with
        ``strategy.reduce("MEAN", value, axis=0)``, which fails on scalars
        ("Invalid reduction dimension 0 for input with 0 dimensions",
        tensorflow#72388); there the values are given an axis of length 1,
        which that reduction removes again.
        """
        for name, value in values.items():
            self.trackers[name].update_state(value)
        logs = {m.name: m.result() for m in self.metrics}
        strategy = tf.distribute.get_strategy()
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) \
                and compat.in_multi_worker_mode(strategy):
            logs = {k: tf.reshape(v, [1]) for k, v in logs.items()}
        return logs

    # -- training ---------------------------------------------------------------

    def fit(self, x=None, y=None, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`, with the data checked against the model first
        (`keras_genai.models.inputs.check_data`: a clear ``ValueError`` for a
        wrong image shape or label range; a grayscale batch without its
        channel axis gets one, with a warning), a `NaNGuard` over every logged
        loss added, and a ``tf.data`` pipeline made resumable by a
        `TrainingBackup` callback (`TrainingBackup.prepare`), so a resumed run
        sees the batches of an uninterrupted one.

        A ``tf.data.Dataset`` shuffles itself (`keras_genai.data.image_dataset`
        does), so ``shuffle`` defaults to ``False`` for datasets instead of
        Keras' ``True``, which it would ignore with a warning.
        """
        x, y = inputs.check_data(self, x, y)
        validation = kwargs.get("validation_data")
        if isinstance(validation, tf.data.Dataset):
            kwargs["validation_data"], _ = inputs.check_data(self, validation)
        elif isinstance(validation, (tuple, list)) and validation:
            kwargs["validation_data"] = inputs.check_data(self, *validation[:2]) \
                + tuple(validation[2:])
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
        with inputs.label_errors(self):
            return super().fit(x, y, *args, callbacks=callbacks, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.evaluate`, with the data checked as in `fit`."""
        x, y = inputs.check_data(self, x, y)
        with inputs.label_errors(self):
            return super().evaluate(x, y, *args, **kwargs)

    def make_train_function(self, force=False):
        """Keras' train function, fed with batches fetched outside the graph
        when ``steps_per_execution`` is 1.

        Keras' own function pulls the batch inside its ``tf.function``
        (``iterator.get_next()`` in the graph). On a CPU that made the DCGAN's
        ``fit`` step slower than the same ``train_step`` fed a fetched batch
        under ``mixed_bfloat16`` (1.07x against 1.02x on a 2-core Sapphire
        Rapids Xeon, ``benchmarks/gan_overhead.py``). With one step per call
        and batches of one fixed shape (``drop_remainder=True``, as
        `keras_genai.data.image_dataset` makes them), this function fetches
        the batch in Python and calls Keras' compiled step on it, the path
        Keras takes for iterators that are not ``tf.data`` ones. Otherwise
        Keras' function is kept: a short last batch would trace the step a
        second time (seconds per ``fit``), and with several steps per
        execution Keras' in-graph loop saves a Python round trip per step.
        """
        if self.train_function is not None and not force:
            return self.train_function
        function = super().make_train_function(force=force) or self.train_function
        if self.run_eagerly or self.steps_per_execution != 1:
            return function

        def train_function(iterator):
            if isinstance(iterator, (tf.data.Iterator,
                                     tf.distribute.DistributedIterator)) \
                    and _fixed_shapes(iterator.element_spec):
                iterator = _FetchedBatches(iterator)
            return function(iterator)

        self.train_function = train_function
        return train_function

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        """Keras' build from the first batch, skipped for a model built at
        construction, as every model here is (`keras_genai.utils.compat
        .symbolic_build`: under a strategy it averages the first batch across
        replicas, which fails on strings; a layer Keras still counts as
        unbuilt, such as ``TextVectorization``'s inner ``StringLookup``, has
        its state from construction)."""
        if self.built:
            return None
        return compat.symbolic_build(self, iterator=iterator, data_batch=data_batch)

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

    def _variables(self, optimizer):
        """The trainable variables of the networks ``OPTIMIZERS[optimizer]``
        names (a network may be a list of networks, or ``None``)."""
        variables = []
        for name in self.OPTIMIZERS[optimizer]:
            networks = getattr(self, name)
            if networks is None:
                continue
            if not isinstance(networks, (list, tuple)):
                networks = [networks]
            for network in networks:
                variables += network.trainable_variables
        return variables

    def _compile(self, optimizers, compile_kwargs, **config):
        """The shared part of a model's ``compile``: checks the optimizers,
        compiles the Keras side and builds each optimizer on its variables.

        A subclass checks its own arguments first and assigns them after this
        returns, so that a bad argument leaves the model unchanged.

        Args:
            optimizers: ``{name: value}`` for each key of ``OPTIMIZERS``. Each
                is stored as that attribute and built on `_variables` of it;
                under ``mixed_float16`` (some layer computes in float16) it is
                wrapped in a `keras.optimizers.LossScaleOptimizer`.
            compile_kwargs: the other keyword arguments ``compile`` received:
                `keras.Model.compile` options (``steps_per_execution``,
                ``jit_compile``, ``run_eagerly``); Keras' single-objective
                arguments (``loss``, ``metrics``...) are refused, since the
                model owns its losses.
            **config: the model's other ``compile`` arguments, serialized with
                the model.
        """
        for key in ("optimizer", "loss", "loss_weights", "metrics",
                    "weighted_metrics"):
            if key not in optimizers and key not in config \
                    and compile_kwargs.get(key) is not None:
                raise ValueError(
                    f"{type(self).__name__}.compile does not take `{key}`; it "
                    f"takes {', '.join(self.OPTIMIZERS)} and computes its own "
                    f"losses. Received: {key}={compile_kwargs[key]!r}"
                )
        resolved = {name: get_optimizer(name, optimizers[name])
                    for name in self.OPTIMIZERS}
        values = list(resolved.values())
        for i, a in enumerate(values):
            if any(a is b for b in values[i + 1:]):
                raise ValueError(
                    f"{', '.join(f'`{n}`' for n in resolved)} must be "
                    "different optimizer instances (each keeps its own "
                    f"state). Received the same object twice: {a}")
        # No Keras optimizer of its own: ``model.optimizer`` is the model's
        # optimizer named "optimizer" if it has one, else None (callbacks that
        # tune ``model.optimizer``, such as ReduceLROnPlateau, need one).
        # Keras would also wrap its default one for float16; the model wraps
        # the optimizers it uses below.
        super().compile(**{"optimizer": None, "auto_scale_loss": False,
                           **compile_kwargs})
        float16 = uses_float16(self)
        for name, optimizer in resolved.items():
            if float16 and not isinstance(optimizer,
                                          keras.optimizers.LossScaleOptimizer):
                # float16 gradients underflow without loss scaling; the inner
                # optimizer is the one kept in the compile config.
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
            setattr(self, name, optimizer)
            optimizer.build(self._variables(name))
        self._genai_compile_config = dict(resolved, **config, **compile_kwargs)

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

    def _descend(self, optimizer, loss_fn):
        """One step of optimizer ``optimizer`` (a key of ``OPTIMIZERS``) on its
        variables, down the loss ``loss_fn()``.

        ``loss_fn`` returns the loss, or a tuple whose first item is the loss
        (the rest is passed back: outputs to log).

        Returns:
            What ``loss_fn`` returned.
        """
        variables = self._variables(optimizer)
        optimizer = getattr(self, optimizer)
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

    # -- weight averages -----------------------------------------------------------

    @staticmethod
    def _average_copy(network):
        """A frozen copy of ``network`` with its weights: the start of an
        exponential moving average of them (`_update_average`)."""
        average = keras.models.clone_model(network)
        average.set_weights(network.get_weights())
        average.trainable = False
        return average

    @staticmethod
    def _update_average(average, network, decay, step):
        """``average <- d average + (1 - d) w`` over every weight (batch-norm
        statistics too), with ``d = min(decay, (1 + n) / (10 + n))`` after ``n =
        step`` updates, so early averages are not dominated by the random
        initial weights (the warm-up of TensorFlow's ExponentialMovingAverage
        with ``num_updates``), through `_move_towards`.
        """
        n = tf.cast(step, tf.float32)
        GenerativeModel._move_towards(
            [(a.value, w.value) for a, w in zip(average.weights, network.weights)],
            tf.minimum(decay, (1.0 + n) / (10.0 + n)))

    @staticmethod
    def _move_towards(pairs, decay):
        """``variable <- d variable + (1 - d) target`` for each ``(variable,
        target)`` pair, written once per variable in cross-replica context, as
        Keras optimizers update their variables, so every replica's copy gets
        the same value (the targets must be the same on every replica)."""

        def update(strategy, pairs):
            mix = 1.0 - decay  # once, not once per variable and device
            for variable, target in pairs:
                strategy.extended.update(
                    variable, lambda v, t: v.assign(decay * v + mix * tf.cast(
                        t, v.dtype)), args=(target,), group=False)

        compat.merge_call(update, pairs)

    # -- serialization ------------------------------------------------------------

    def get_config(self):
        """The constructor's arguments, each read from the attribute of the same
        name, sub-networks serialized."""
        config = {"name": self.name}
        for name, parameter in inspect.signature(type(self).__init__).parameters.items():
            if name != "self" and parameter.kind not in (parameter.VAR_POSITIONAL,
                                                         parameter.VAR_KEYWORD):
                config[name] = _serialize(getattr(self, name))
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuilds the model from `get_config`, deserializing the networks."""
        return cls(**{key: _deserialize(value) for key, value in config.items()})

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
        return export_endpoints(filepath, self._export_resources(),
                                self._export_endpoints(), verbose=verbose)
