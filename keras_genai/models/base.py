"""The contract every model in `keras_genai.models` shares.

A model declares, once, as class attributes: ``NETWORKS`` (``{attribute:
input names}`` of its sub-networks), ``OPTIMIZERS`` (``{compile argument:
networks it trains}``), ``TRACKERS`` (the epoch means it logs) and ``DATA``
(what one training batch holds, checked by ``fit``). Subclasses write
``__init__`` (storing every constructor argument under its own name),
``compile`` (calling `GenerativeModel._compile`), ``train_step`` /
``test_step`` and ``_export_endpoints``. Around the contract: data checks in
`keras_genai.models.inputs`, the weight average in
`keras_genai.models.averaging`, replica helpers in `keras_genai.distribute`,
fixed-shape batching in `keras_genai.utils.batching`.
"""

import inspect
import os

import keras
import tensorflow as tf

from keras_genai import distribute
from keras_genai.callbacks import NaNGuard
from keras_genai.models import inputs
from keras_genai.utils import compat
from keras_genai.utils.batching import cached_function
from keras_genai.utils.checks import check_optimizer
from keras_genai.utils.checks import check_seed
from keras_genai.utils.config import deserialize_argument
from keras_genai.utils.config import serialize_argument
from keras_genai.utils.io import atomic_file
from keras_genai.utils.io import export_endpoints
from keras_genai.utils.xla import checked_jit_compile


def uses_float16(model):
    """Whether any layer of ``model`` computes in float16 (``mixed_float16``),
    so its optimizers need loss scaling.

    Example:

    >>> uses_float16(keras_genai.builders.dcgan_generator())
    False
    """
    return any(layer.dtype_policy.compute_dtype == "float16"
               for layer in compat.flatten_layers(model))


class GenerativeModel(compat.BuiltAtConstruction, keras.Model):
    """Base class for the models of `keras_genai.models`.

    Randomness comes from the model's ``keras.random.SeedGenerator``: each
    replica draws the noise of the global batch and keeps its slice
    (`keras_genai.distribute.replica_slice`), so a step on N devices equals
    a step on one. Losses are divided by the number of replicas and, under
    ``mixed_float16``, multiplied by the loss scale (`_descend`). Every
    optimizer is built in ``compile`` on its own networks' variables (nothing
    toggles ``trainable``), so the training step creates no variable and is
    traced once. Setting ``jit_compile=True`` where XLA cannot compile the
    model is refused with a warning naming the reason.

    Args:
        seed: seed of the model's SeedGenerator (``None`` for a random one).
        **kwargs: passed to `keras.Model` (``name``...).

    Example:

    >>> model = keras_genai.models.GAN(generator, discriminator, latent_dim=64)
    >>> model.compile(d_optimizer="adam", g_optimizer="adam")
    >>> model.fit(image_dataset(x_train, 64), epochs=1)
    """

    NETWORKS = {}  # {attribute: input names}; `_input_shapes` checks them
    OPTIMIZERS = {}  # {compile argument: attributes of the networks it trains}
    TRACKERS = ()  # the names of the logged epoch means
    DATA = ("images",)  # what one training batch holds (`models.inputs`)

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.TRACKERS}

    def sample_normal(self, batch_size, shape):
        """Standard normal noise ``(batch_size, *shape)`` (float32) for this
        replica's ``batch_size`` examples."""
        return distribute.replica_slice(tf.random.stateless_normal, batch_size,
                                        shape, self.seed_generator.next())

    def sample_uniform(self, batch_size, shape=()):
        """``U[0, 1)`` numbers ``(batch_size, *shape)`` for this replica."""
        return distribute.replica_slice(tf.random.stateless_uniform, batch_size,
                                        shape, self.seed_generator.next())

    def stateless_seed(self, seed=None):
        """The stateless seed of a sampling call: ``[seed, 0]`` (int32) for an
        int ``seed``, so ``model.sample(n, seed=s)`` equals an exported
        ``sample(n, [s, 0])``; for ``None``, the next seed of the model's seed
        generator (reproducible from the model's own ``seed``)."""
        seed = check_seed(seed)
        if seed is None:
            return tf.cast(self.seed_generator.next(), tf.int32)
        return tf.constant([seed % (2 ** 31 - 1), 0], tf.int32)

    def _function(self, name, fn, **kwargs):
        """`keras_genai.utils.batching.cached_function` of this model."""
        return cached_function(self, name, fn, **kwargs)

    def _input_shapes(self, name):
        """The input shapes of network ``name``, after checking their number
        against ``NETWORKS[name]``."""
        network, expected = getattr(self, name), self.NETWORKS[name]
        if len(network.inputs) != len(expected):
            raise ValueError(
                f"`{name}` must take {len(expected)} input(s), "
                f"[{', '.join(expected)}]. Received: {name} with "
                f"{len(network.inputs)} input(s)")
        return [tuple(t.shape) for t in network.inputs]

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
        """Updates the named trackers; returns every logged tracker's result,
        what ``train_step`` / ``test_step`` return. Under multi-worker
        training the values get an axis of length 1, which Keras' reduction
        of the logs removes again (it fails on scalars, tensorflow#72388)."""
        for name, value in values.items():
            self.trackers[name].update_state(value)
        logs = {m.name: m.result() for m in self.metrics}
        strategy = tf.distribute.get_strategy()
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) \
                and compat.in_multi_worker_mode(strategy):
            logs = {k: tf.reshape(v, [1]) for k, v in logs.items()}
        return logs

    def fit(self, x=None, y=None, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`, with the data checked first
        (`keras_genai.models.inputs.prepare_fit`: a ``ValueError`` for a wrong
        shape or label, a resumable pipeline under a ``TrainingBackup``) and
        a `NaNGuard` over every logged loss unless one is given."""
        callbacks = list(callbacks or [])
        if not any(isinstance(c, NaNGuard) for c in callbacks):
            callbacks.append(NaNGuard())
        x, y, kwargs = inputs.prepare_fit(self, x, y, callbacks, kwargs)
        with inputs.label_errors(self):
            return super().fit(x, y, *args, callbacks=callbacks, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.evaluate`, with the data checked as in `fit`."""
        x, y = inputs.check_data(self, x, y)
        with inputs.label_errors(self):
            return super().evaluate(x, y, *args, **kwargs)

    jit_compile = checked_jit_compile()

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
        """The shared part of a model's ``compile``: checks ``optimizers``
        (``{name: value}`` for each key of ``OPTIMIZERS``), compiles the Keras
        side with ``compile_kwargs`` (``steps_per_execution``, ``jit_compile``,
        ``run_eagerly``; ``loss``, ``metrics``... are refused: the model owns
        its losses), stores each optimizer as its attribute (wrapped in a
        `keras.optimizers.LossScaleOptimizer` under ``mixed_float16``), builds
        it on its variables, and keeps ``**config`` (the model's other
        ``compile`` arguments) for the saved compile config. A subclass checks
        its own arguments first and assigns them after this returns, so a bad
        argument leaves the model unchanged."""
        for key in ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics"):
            if key not in optimizers and key not in config \
                    and compile_kwargs.get(key) is not None:
                raise ValueError(
                    f"{type(self).__name__}.compile does not take `{key}`; it "
                    f"takes {', '.join(self.OPTIMIZERS)} and computes its own "
                    f"losses. Received: {key}={compile_kwargs[key]!r}")
        resolved = {name: check_optimizer(name, optimizers[name])
                    for name in self.OPTIMIZERS}
        values = list(resolved.values())
        for i, a in enumerate(values):
            if any(a is b for b in values[i + 1:]):
                raise ValueError(
                    f"{', '.join(f'`{n}`' for n in resolved)} must be "
                    "different optimizer instances (each keeps its own "
                    f"state). Received the same object twice: {a}")
        # ``model.optimizer`` is the model's optimizer named "optimizer", if
        # any (ReduceLROnPlateau tunes it); the model does its own loss scaling.
        super().compile(**{"optimizer": None, "auto_scale_loss": False,
                           **compile_kwargs})
        float16 = uses_float16(self)
        for name, optimizer in resolved.items():
            if float16 and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
            setattr(self, name, optimizer)
            optimizer.build(self._variables(name))
        self._genai_compile_config = dict(resolved, **config, **compile_kwargs)

    def get_compile_config(self):
        """The serialized ``compile`` arguments, optimizers included, so
        ``keras.models.load_model`` compiles the model the same way."""
        if not self.compiled or not hasattr(self, "_genai_compile_config"):
            return {}
        return keras.saving.serialize_keras_object(self._genai_compile_config)

    def compile_from_config(self, config):
        """Calls this model's own ``compile`` with the saved arguments; it
        builds every optimizer, so their saved state loads into them."""
        self.compile(**keras.saving.deserialize_keras_object(config))

    def _descend(self, optimizer, loss_fn):
        """One step of optimizer ``optimizer`` (a key of ``OPTIMIZERS``) on its
        variables, down ``loss_fn()``: the loss, or a tuple whose first item
        is the loss (the rest is passed back). Returns what ``loss_fn``
        returned."""
        variables = self._variables(optimizer)
        optimizer = getattr(self, optimizer)
        with tf.GradientTape() as tape:
            out = loss_fn()
            scaled = self._scaled(optimizer, out[0] if isinstance(out, tuple) else out)
        optimizer.apply(tape.gradient(scaled, variables), variables)
        return out

    def _scaled(self, optimizer, loss):
        """``loss`` for the gradient of ``optimizer``'s step: divided by the
        number of replicas (`keras_genai.distribute.scale_to_replicas`) and,
        for a `keras.optimizers.LossScaleOptimizer`, multiplied by its loss
        scale, which its ``apply`` divides out of the gradients."""
        loss = distribute.scale_to_replicas(loss)
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            loss = optimizer.scale_loss(loss)
        return loss

    def get_config(self):
        """The constructor's arguments, each read from the attribute of the same
        name, sub-networks serialized."""
        config = {"name": self.name}
        for name, parameter in inspect.signature(type(self).__init__).parameters.items():
            if name != "self" and parameter.kind not in (parameter.VAR_POSITIONAL,
                                                         parameter.VAR_KEYWORD):
                config[name] = serialize_argument(getattr(self, name))
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuilds the model from `get_config`, deserializing the networks."""
        return cls(**{key: deserialize_argument(value) for key, value in config.items()})

    def save(self, filepath, overwrite=True, **kwargs):
        """`keras.Model.save`, written beside ``filepath`` under a temporary
        name and renamed into place, so a crash leaves the previous file (or
        none), never a truncated one."""
        filepath = os.fspath(filepath)
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath!r} exists and overwrite=False. "
                                  f"Received: filepath={filepath!r}")
        with atomic_file(filepath) as tmp:
            super().save(tmp, overwrite=True, **kwargs)

    def _export_resources(self):
        """The layers whose variables the SavedModel keeps."""
        return [self]

    def _export_endpoints(self):
        """``[(name, fn, input_signature), ...]``; the first one is the
        default serving endpoint."""
        raise NotImplementedError

    def export(self, filepath, format="tf_saved_model", verbose=False):
        """Writes a TensorFlow SavedModel of `_export_endpoints` to a
        temporary folder and moves it to ``filepath`` (replacing it); it loads
        with ``tf.saved_model.load`` in a process without keras_genai.
        Returns ``filepath``."""
        if format != "tf_saved_model":
            raise ValueError(
                f"`format` must be 'tf_saved_model'. Received: format={format!r}")
        return export_endpoints(filepath, self._export_resources(),
                                self._export_endpoints(), verbose=verbose)
