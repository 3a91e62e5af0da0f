"""keras_genai.utils.compat: every private TensorFlow / Keras API the package
uses still exists and still does what the package relies on. A failure here
after an upgrade names the API that moved."""

import keras
import tensorflow as tf

from keras_genai import builders
from keras_genai.utils import compat


def test_the_private_attributes_exist():
    assert callable(tf.__internal__.distribute.interim.maybe_merge_call)
    assert callable(tf.distribute.get_strategy().extended._in_multi_worker_mode)
    assert callable(keras.layers.Dense(1)._flatten_layers)
    assert hasattr(keras.layers.Dropout(0.5), "_seed_generators")
    assert hasattr(keras.Model(), "_initial_epoch")
    assert callable(getattr(keras.Model, compat.SYMBOLIC_BUILD))
    assert callable(keras.Model._symbolic_build)
    from tensorflow.python.framework import config as tf_config
    assert callable(tf_config.is_op_determinism_enabled)
    assert callable(tf_config.disable_op_determinism)


def test_the_global_seed_generator_is_where_reset_looks():
    from keras.src.backend.common import global_state

    keras.random.normal((1,))
    assert isinstance(global_state.get_global_attribute("global_seed_generator"),
                      keras.random.SeedGenerator)
    compat.reset_global_seed_generator()
    assert global_state.get_global_attribute("global_seed_generator") is None


def test_merge_call_without_a_strategy_calls_fn_once():
    calls = []

    def fn(strategy, x):
        calls.append(strategy)
        return x + 1

    assert compat.merge_call(fn, 1) == 2
    assert calls == [tf.distribute.get_strategy()]


def test_merge_call_updates_a_mirrored_variable_once_per_step(mirrored_strategy):
    with mirrored_strategy.scope():
        v = tf.Variable(1.0)

    @tf.function
    def step():
        def update(strategy, value):
            strategy.extended.update(v, lambda var, x: var.assign_add(x),
                                     args=(value,), group=False)
        compat.merge_call(update, tf.constant(2.0))

    mirrored_strategy.run(step)
    assert [float(x) for x in mirrored_strategy.experimental_local_results(v)] \
        == [3.0] * mirrored_strategy.num_replicas_in_sync


def test_in_multi_worker_mode_is_false_on_one_machine(mirrored_strategy):
    assert compat.in_multi_worker_mode(tf.distribute.get_strategy()) is False
    assert compat.in_multi_worker_mode(mirrored_strategy) is False


def test_flatten_layers_reaches_nested_models():
    inner = builders.dcgan_generator(4, (8, 8, 1), filters=(4,))
    outer = keras.Sequential([keras.Input((4,)), inner])
    names = [layer.name for layer in compat.flatten_layers(outer)]
    assert inner.name in names and inner.layers[-1].name in names


def test_seed_generators_of_a_dropout_layer():
    (generator,) = compat.seed_generators(keras.layers.Dropout(0.5, seed=1))
    assert isinstance(generator, keras.random.SeedGenerator)
    assert compat.seed_generators(keras.layers.Dense(1)) == []


def test_set_initial_epoch_starts_the_next_fit_there():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    compat.set_initial_epoch(model, 2)
    history = model.fit(tf.zeros((2, 1)), tf.zeros((2, 1)), epochs=3, verbose=0)
    assert history.epoch == [2]
    compat.set_initial_epoch(model, None)
    assert model.fit(tf.zeros((2, 1)), tf.zeros((2, 1)), epochs=2,
                     verbose=0).epoch == [0, 1]


def test_op_determinism_enabled_follows_the_public_setter(op_determinism_off):
    assert compat.op_determinism_enabled() is False
    tf.config.experimental.enable_op_determinism()
    assert compat.op_determinism_enabled() is True
    compat.disable_op_determinism()
    assert compat.op_determinism_enabled() is False


def test_a_model_built_at_construction_skips_keras_symbolic_build(mirrored_strategy):
    calls = []

    class Probe(compat.BuiltAtConstruction, keras.Model):
        def __init__(self, built):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            if built:
                self.dense.build((None, 2))
                self.built = True

        def call(self, x):
            return self.dense(x)

    original = getattr(keras.Model, compat.SYMBOLIC_BUILD)

    def spy(model, iterator=None, data_batch=None):
        calls.append(model.built)
        return original(model, iterator=iterator, data_batch=data_batch)

    setattr(keras.Model, compat.SYMBOLIC_BUILD, spy)
    try:
        with mirrored_strategy.scope():
            for built in (True, False):
                model = Probe(built)
                model.compile("sgd", "mse")
                model.fit(tf.ones((4, 2)), tf.ones((4, 1)), batch_size=2, verbose=0)
                assert model.built
    finally:
        setattr(keras.Model, compat.SYMBOLIC_BUILD, original)
    assert calls == [False]  # only the unbuilt model went to Keras' build
