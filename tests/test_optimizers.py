"""keras_genai.optimizers.Adam: Adam's equations by hand, Keras' Adam step for
step, the update in one fused op per variable, and the same result on 2
replicas, under XLA, after a save/load round trip and in the cases left to
Keras' update."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai import optimizers

_RNG = np.random.default_rng(0)
_W = [_RNG.normal(size=(3, 4)).astype("float32"), _RNG.normal(size=4).astype("float32")]
_GRADS = [[_RNG.normal(size=w.shape).astype("float32") for w in _W] for _ in range(5)]


def _steps(optimizer, grads=_GRADS, wrap=lambda fn: fn):
    """The variables ``_W`` after ``optimizer`` applies each list of ``grads``."""
    variables = [keras.Variable(w) for w in _W]
    optimizer.build(variables)
    step = wrap(lambda g: optimizer.apply(g, variables))
    for g in grads:
        step([tf.constant(a) for a in g])
    return [v.numpy() for v in variables]


def test_two_steps_follow_adams_equations_by_hand():
    lr, b1, b2, eps = 0.1, 0.8, 0.9, 1e-3
    w = _W[0].astype("float64")
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, grads in enumerate(_GRADS[:2], start=1):
        g = grads[0]
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        w = w - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
    ours = _steps(optimizers.Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps),
                  [g for g in _GRADS[:2]])
    np.testing.assert_allclose(ours[0], w, rtol=1e-5, atol=1e-6)


def test_matches_keras_adam_and_builds_one_update_op_per_variable():
    kwargs = dict(learning_rate=0.01, beta_1=0.5, beta_2=0.99, epsilon=1e-6)
    ours = _steps(optimizers.Adam(**kwargs))
    theirs = _steps(keras.optimizers.Adam(**kwargs))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.array_equal(ours[0], _W[0])

    def update_ops(optimizer, copies=1):
        variables = [keras.Variable(w) for w in _W * copies]
        optimizer.build(variables)
        step = tf.function(lambda g: optimizer.apply(g, variables))
        graph = step.get_concrete_function(
            [tf.TensorSpec(v.shape) for v in variables]).graph
        return [op.type for op in graph.get_operations()]

    fused, unfused = (update_ops(optimizers.Adam(**kwargs)),
                      update_ops(keras.optimizers.Adam(**kwargs)))
    assert fused.count("ResourceApplyAdam") == len(_W)
    assert "AssignAddVariableOp" not in fused
    # Keras' Adam writes m and v with an op each (and w with another).
    assert unfused.count("AssignAddVariableOp") == 2 * len(_W)
    # beta_1^t and beta_2^t are computed once for all the variables.
    assert fused.count("Pow") == 2 and unfused.count("Pow") == 2 * len(_W)
    # Besides its 4 inputs (gradient, w, m and v), each further variable adds
    # the fused op and Keras' Identity here, and 37 ops with Keras' Adam.
    def added(optimizer_class, ops):
        more = update_ops(optimizer_class(**kwargs), copies=3)
        return sum(t != "Placeholder" for t in more) - sum(t != "Placeholder" for t in ops)

    assert added(optimizers.Adam, fused) <= 2 * 4
    assert added(keras.optimizers.Adam, unfused) > 30 * 4


def test_steps_in_one_graph_and_under_a_cond_read_their_own_step():
    """Two steps in one `tf.function` (the scalars of the first must not be
    reused by the second), and gradient accumulation, whose update runs in a
    ``tf.cond`` branch, where the scalars are made: Keras' Adam's results."""
    def two_per_call(optimizer):
        variables = [keras.Variable(w) for w in _W]
        optimizer.build(variables)

        @tf.function
        def two_steps(first, second):
            optimizer.apply(first, variables)
            optimizer.apply(second, variables)

        for first, second in (_GRADS[0:2], _GRADS[2:4]):
            two_steps([tf.constant(a) for a in first], [tf.constant(a) for a in second])
        return [v.numpy() for v in variables]

    for ours, theirs in ((two_per_call(optimizers.Adam(0.01)),
                          two_per_call(keras.optimizers.Adam(0.01))),
                         (_steps(optimizers.Adam(0.01, gradient_accumulation_steps=2),
                                 wrap=tf.function),
                          _steps(keras.optimizers.Adam(0.01, gradient_accumulation_steps=2),
                                 wrap=tf.function))):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(two_per_call(optimizers.Adam(0.01))[0],
                               _steps(optimizers.Adam(0.01), _GRADS[:4])[0], rtol=1e-6)


def test_two_replicas_and_xla_give_the_one_device_result(mirrored_strategy):
    # A schedule: under a strategy its value is one tensor per device.
    def adam():
        return optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.01, 2, 0.5))

    single = _steps(adam())
    compiled = _steps(adam(), wrap=lambda fn: tf.function(fn, jit_compile=True))
    with mirrored_strategy.scope():
        variables = [keras.Variable(w) for w in _W]
        optimizer = adam()
        optimizer.build(variables)

    @tf.function
    def step(grads):
        # Each replica holds half of the gradient: the all-reduced sum is g.
        mirrored_strategy.run(lambda: optimizer.apply([g / 2 for g in grads], variables))

    for grads in _GRADS:
        step([tf.constant(a) for a in grads])
    for name, result in (("XLA", compiled),
                         ("2 replicas", [v.numpy() for v in variables])):
        for a, b in zip(result, single):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg=name)
    for v in variables:  # every replica's copy got the update
        local = mirrored_strategy.experimental_local_results(v.value)
        np.testing.assert_array_equal(local[0].numpy(), local[1].numpy())
    # beta_1^t and beta_2^t once for both variables and both devices (the
    # schedule computes its own power on each replica).
    graph = step.get_concrete_function([tf.TensorSpec(w.shape) for w in _W]).graph
    powers = [op.name for op in graph.get_operations() if op.type == "Pow"]
    assert len([n for n in powers if "ExponentialDecay" not in n]) == 2, powers


def test_amsgrad_and_sparse_gradients_take_keras_update_exactly():
    ours = _steps(optimizers.Adam(0.01, amsgrad=True))
    theirs = _steps(keras.optimizers.Adam(0.01, amsgrad=True))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)

    def embedding_step(optimizer):
        layer = keras.layers.Embedding(5, 2, embeddings_initializer="ones")
        layer.build(None)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(tf.constant([1, 3])) ** 2)
        grads = tape.gradient(loss, layer.trainable_variables)
        assert isinstance(grads[0], tf.IndexedSlices)
        optimizer.apply(grads, layer.trainable_variables)
        return layer.embeddings.numpy()

    np.testing.assert_array_equal(embedding_step(optimizers.Adam(0.1)),
                                  embedding_step(keras.optimizers.Adam(0.1)))


def test_a_compiled_model_saves_and_loads_its_optimizer_state(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizers.Adam(0.05, beta_1=0.7), "mse")
    x, y = _RNG.normal(size=(8, 3)), _RNG.normal(size=(8, 2))
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is optimizers.Adam
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    model.fit(x, y, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(loaded.weights, model.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_a_loss_scale_optimizer_wraps_it():
    inner = optimizers.Adam(0.01)
    ours = _steps(keras.optimizers.LossScaleOptimizer(inner, initial_scale=1.0))
    for a, b in zip(ours, _steps(optimizers.Adam(0.01))):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert int(inner.iterations) == len(_GRADS)


@pytest.mark.parametrize("name, value", [("beta_1", None), ("beta_1", 1.0),
                                         ("beta_2", -0.1), ("epsilon", -1e-7)])
def test_bad_arguments_are_refused_before_any_step(name, value):
    with pytest.raises(ValueError, match=f"Received: {name}={value}"):
        optimizers.Adam(**{name: value})
