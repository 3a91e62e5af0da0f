"""The private TensorFlow and Keras APIs this package relies on, in one place.

Each is used because no public API does the job; each was checked on
both ends of the supported range (``setup.cfg``): TensorFlow 2.19.1 with
Keras 3.10.0, and TensorFlow 2.21.0 with Keras 3.15.1. The behaviours that
differ between those Keras versions are here too (`KERAS_VERSION`).
``tests/test_utils_compat.py`` fails loudly if one of them disappears, so an
upgrade that breaks them is caught here rather than deep inside a training run.
"""

import keras
import tensorflow as tf
from tensorflow.python.framework import config as tf_config

# Keras' (major, minor) version, e.g. (3, 15).
KERAS_VERSION = tuple(int(part) for part in keras.version().split(".")[:2])


def activity_penalty_divided_by_batch():
    """Whether a layer divides its ``activity_regularizer``'s value by the
    batch size before adding it to its losses.

    Keras 3.14 and later do; Keras 3.10 to 3.13 add the value as it is
    (`keras_genai.regularizers` gives the same penalty on both).

    Example:

    >>> activity_penalty_divided_by_batch()  # on Keras 3.15
    True
    """
    return KERAS_VERSION >= (3, 14)


def reset_global_seed_generator():
    """Drops Keras' global ``SeedGenerator``, so that the random ops called
    without a seed (``keras.random.normal(shape)``) draw from a new one seeded
    by ``keras.utils.set_random_seed``'s seed.

    ``keras.utils.set_random_seed`` does this itself from Keras 3.13 on; before,
    the generator made by the first unseeded call lives on and a second
    ``set_random_seed(s)`` does not repeat its numbers.

    Private API: the ``"global_seed_generator"`` attribute of
    ``keras.src.backend.common.global_state`` (where both versions keep it).

    Example:

    >>> keras.utils.set_random_seed(0); reset_global_seed_generator()
    """
    from keras.src.backend.common import global_state

    global_state.set_global_attribute("global_seed_generator", None)


def merge_call(fn, *args):
    """Runs ``fn(strategy, *args)`` once for all replicas.

    Called from a replica (inside ``train_step`` under a distribution
    strategy), it switches to cross-replica context the way Keras' optimizers
    do for their own variable updates, so that ``strategy.extended.update``
    writes one value to every replica's copy of a variable (the diffusion
    model's weight average). Without a strategy it just calls ``fn``.

    Private API: ``tf.__internal__.distribute.interim.maybe_merge_call``, what
    Keras' TensorFlow optimizer calls for the same purpose: it skips the
    ``merge_call`` where the strategy updates without one (``strategy.extended.
    update`` is then called from the replica directly) and otherwise calls
    ``tf.distribute.get_replica_context().merge_call``.

    Example:

    >>> merge_call(lambda strategy, x: x + 1, 1)
    2
    """
    return tf.__internal__.distribute.interim.maybe_merge_call(
        fn, tf.distribute.get_strategy(), *args)


def in_multi_worker_mode(strategy):
    """Whether ``strategy`` spans several workers (a ``TF_CONFIG`` cluster).

    Private API: ``strategy.extended._in_multi_worker_mode()``. A
    ``MultiWorkerMirroredStrategy`` without a cluster runs on one worker,
    and no public attribute tells the two apart.

    Example:

    >>> in_multi_worker_mode(tf.distribute.get_strategy())
    False
    """
    check = getattr(strategy.extended, "_in_multi_worker_mode", None)
    return bool(check()) if check is not None else False


def flatten_layers(layer):
    """Every layer of ``layer``, itself included, depth first.

    Private API: ``keras.Layer._flatten_layers()``; ``Model.layers`` lists only
    the direct children, not the layers of nested models.

    Example:

    >>> len(flatten_layers(keras_genai.builders.dcgan_generator())) > 1
    True
    """
    return list(layer._flatten_layers())


def seed_generators(layer):
    """The ``keras.random.SeedGenerator`` objects a layer owns (dropout,
    noise), not those of its sublayers.

    Private API: ``keras.Layer._seed_generators``. ``save_weights`` leaves
    out their states, so a resumable backup saves them itself.

    Example:

    >>> seed_generators(keras.layers.Dropout(0.5, seed=1))
    [<...SeedGenerator...>]
    """
    return list(getattr(layer, "_seed_generators", []))


def set_initial_epoch(model, epoch):
    """Makes the next ``model.fit`` start at ``epoch`` (``None``: at the
    ``initial_epoch`` argument), as a resumed run must.

    Private API: ``keras.Model._initial_epoch``, the attribute Keras' own
    ``BackupAndRestore`` callback sets; ``fit`` reads it after the callbacks'
    ``on_train_begin``, when the ``initial_epoch`` argument is already fixed.

    Example:

    >>> set_initial_epoch(model, 3)
    """
    model._initial_epoch = epoch


def op_determinism_enabled():
    """Whether ``tf.config.experimental.enable_op_determinism()`` is on.

    Private API: ``tensorflow.python.framework.config.
    is_op_determinism_enabled``; TensorFlow has a public setter but no public
    getter.

    Example:

    >>> op_determinism_enabled()
    False
    """
    return bool(tf_config.is_op_determinism_enabled())


def disable_op_determinism():
    """Turns ``tf.config.experimental.enable_op_determinism()`` off again.

    Private API: ``tensorflow.python.framework.config.
    disable_op_determinism``; TensorFlow's public API can only turn it on, and
    `keras_genai.utils.set_seed(seed, deterministic=False)` must undo an
    earlier ``deterministic=True`` in the same process.

    Example:

    >>> disable_op_determinism()
    """
    tf_config.disable_op_determinism()


# The Keras method that `BuiltAtConstruction` overrides.
SYMBOLIC_BUILD = "_maybe_symbolic_build"


class BuiltAtConstruction:
    """Mixin for a `keras.Model` that is built when it is constructed, as
    every `keras_genai.models` model is: ``fit`` and ``evaluate`` skip Keras'
    build from the first batch.

    Private API: ``keras.Model._maybe_symbolic_build`` (TensorFlow backend),
    overridden. Under a distribution strategy, ``fit`` and ``evaluate`` call
    it first: it averages the first distributed batch across replicas
    (``strategy.reduce("MEAN", ...)``) to build unbuilt layers symbolically.
    That reduction fails on a batch holding strings (CLIP's captions: "Value
    for attr 'T' of string is not in the list of allowed values", an
    ``AddN``), and a built model does not need it. A layer Keras still counts
    as unbuilt, such as ``TextVectorization``'s inner ``StringLookup``, has
    its state from construction. A model that is not built gets Keras' build.

    Example:

    >>> class MyModel(BuiltAtConstruction, keras.Model): ...
    """

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        if self.built:
            return None
        return getattr(keras.Model, SYMBOLIC_BUILD)(self, iterator=iterator,
                                                    data_batch=data_batch)


def build_state(model, data_batch):
    """Keras' symbolic build of a compiled ``model``'s layers, compiled loss
    and metrics and optimizer from the shapes and dtypes of ``data_batch``
    (``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``); nothing is computed.

    Private API: ``keras.Model._symbolic_build``, what Keras' own
    ``_maybe_symbolic_build`` calls under a distribution strategy. Without a
    strategy the TensorFlow backend skips it and builds that state inside the
    first trace of the training step instead (`keras_genai.utils.build_for_fit`
    says why that costs a second trace).

    Example:

    >>> build_state(model, (x_train, y_train))  # doctest: +SKIP
    """
    return keras.Model._symbolic_build(model, data_batch=data_batch)
