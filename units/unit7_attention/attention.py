"""Exercises ``attention`` (the weighted average of values, self- against
cross-attention, on a lookup task) and ``long-range`` (the adding problem over
100 to 1,000 steps, LSTM against a transformer)."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import layers
from keras_genai import viz
from keras_genai.callbacks import EpochTimer
from keras_genai.utils import build_for_fit
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise


def lookup_task(n, pairs=8, symbols=16, seed=0):
    """Associative recall, the database analogy of attention: ``pairs``
    (key, value) records, then a query key; the answer is the value stored
    under that key.

    Each record is a one-hot key (``pairs`` distinct keys out of ``symbols``)
    and a value in ``[0, 1]``; the query token is the one-hot query key and a
    0. Predicting the mean value gives a mean squared error of 1/12 = 0.083.

    Returns:
        ``(records (n, pairs, symbols + 1), query (n, 1, symbols + 1),
        target (n, 1), position (n,))``: ``position`` is the record the
        answer is in.

    Example:

    >>> records, query, target, position = lookup_task(4)
    >>> records.shape, query.shape
    ((4, 8, 17), (4, 1, 17))
    """
    rng = np.random.default_rng(seed)
    keys = np.stack([rng.permutation(symbols)[:pairs] for _ in range(n)])
    values = rng.uniform(0.0, 1.0, (n, pairs)).astype(np.float32)
    position = rng.integers(0, pairs, n)
    eye = np.eye(symbols, dtype=np.float32)
    records = np.concatenate([eye[keys], values[..., None]], axis=-1)
    query = np.concatenate([eye[keys[np.arange(n), position]],
                            np.zeros((n, 1), np.float32)], axis=-1)[:, None]
    return records, query, values[np.arange(n), position][:, None], position


def _cross_attention_model(pairs, width, key_dim=16):
    """One head of cross-attention: the query token asks, the records answer;
    returns ``[answer, weights (batch, 1, 1, pairs)]``."""
    records = keras.Input((pairs, width), name="records")
    query = keras.Input((1, width), name="query")
    attended, weights = layers.MultiHeadAttention(1, key_dim, name="cross_attention")(
        query, records, return_weights=True)
    answer = keras.layers.Dense(1, name="answer")(keras.layers.Flatten()(attended))
    return keras.Model([records, query], [answer, weights], name="cross_attention")


def _self_attention_model(pairs, width, dim=32):
    """A one-block transformer over the records and the query token together
    (self-attention: every token attends to every token); the answer is read
    at the query token. Returns ``[answer, weights (batch, 1, pairs + 1,
    pairs + 1)]``."""
    records = keras.Input((pairs, width), name="records")
    query = keras.Input((1, width), name="query")
    tokens = keras.layers.Concatenate(axis=1)([records, query])
    x = keras.layers.Dense(dim, name="embed")(tokens)
    x = layers.PositionEmbedding(pairs + 1, name="positions")(x)
    x, weights = layers.TransformerBlock(1, 2 * dim, name="block")(
        x, return_weights=True)
    last = keras.layers.Lambda(lambda t: t[:, -1], name="query_token")(x)
    answer = keras.layers.Dense(1, name="answer")(last)
    return keras.Model([records, query], [answer, weights], name="self_attention")


def _fit_lookup(model, train, test, epochs, batch_size, verbose):
    """Trains ``model``'s answer by MSE; returns ``(test MSE, weights on the
    test set)``."""
    trainer = keras.Model(model.inputs, model.outputs[0])
    trainer.compile(keras.optimizers.Adam(3e-3), "mse")
    build_for_fit(trainer, list(train[:2]), train[2])
    trainer.fit(list(train[:2]), train[2], epochs=epochs,
                batch_size=batch_size, verbose=verbose)
    answer, weights = model.predict(list(test[:2]), batch_size=256, verbose=0)
    return float(np.mean((answer - test[2]) ** 2)), np.asarray(weights)


def implementation_gaps(seed=0):
    """The largest differences between `keras_genai.layers.
    scaled_dot_product_attention` and `keras.ops.dot_product_attention` (with
    and without a mask), and between `keras_genai.layers.MultiHeadAttention`
    and `keras.layers.MultiHeadAttention` with the same weights.

    Example:

    >>> implementation_gaps()["keras.layers.MultiHeadAttention"] < 1e-5
    True
    """
    rng = np.random.default_rng(seed)
    q, k, v = (rng.normal(size=(4, n, 4, 8)).astype(np.float32)
               for n in (10, 12, 12))
    mask = rng.random((4, 4, 10, 12)) > 0.3
    gaps = {
        "keras.ops.dot_product_attention": float(np.abs(
            layers.scaled_dot_product_attention(q, k, v)
            - keras.ops.dot_product_attention(q, k, v)).max()),
        "... with a mask": float(np.abs(
            layers.scaled_dot_product_attention(q, k, v, mask=mask)
            - keras.ops.dot_product_attention(q, k, v, mask=mask)).max()),
    }
    x = rng.normal(size=(4, 10, 16)).astype(np.float32)
    context = rng.normal(size=(4, 12, 24)).astype(np.float32)
    theirs = keras.layers.MultiHeadAttention(num_heads=4, key_dim=8)
    ours = layers.MultiHeadAttention(num_heads=4, key_dim=8)
    theirs(x, context)
    ours(x, context)
    ours_by_path = {v.path.split("/", 1)[1]: v for v in ours.weights}
    for a in theirs.weights:  # ours has no key bias (it cancels in the softmax)
        name = a.path.split("/", 1)[1]
        if name in ours_by_path:
            ours_by_path[name].assign(a)
    gaps["keras.layers.MultiHeadAttention"] = float(np.abs(
        np.asarray(ours(x, context)) - np.asarray(theirs(x, context))).max())
    return gaps


@exercise("attention", "Attention written out against Keras' own, and a lookup "
                       "task solved by cross- and by self-attention, with their "
                       "attention maps.")
def attention(run: Run, *, epochs: Count = 30, batch_size: Count = 64,
              train_size: Count | None = None) -> dict:
    """The written-out ``softmax(Q K^T / sqrt(d)) V`` against Keras' own
    implementations, and a lookup task (eight key-value records and a query
    key) solved by one head of cross-attention and by a one-block transformer
    over records and query together, with the query token's attention maps.

    Args:
        epochs: training epochs of each lookup model.
        batch_size: examples per training step.
        train_size: training examples of the lookup task (default: 4,000).
    """
    gaps = implementation_gaps(run.seed)
    n = train_size or 4000
    train = lookup_task(n, seed=run.seed)
    test = lookup_task(1000, seed=run.seed + 1)
    pairs, width = train[0].shape[1:]
    results, maps = {}, {}
    for name, build in (("cross-attention", _cross_attention_model),
                        ("self-attention", _self_attention_model)):
        reseed(run.seed)
        model = build(pairs, width)
        print(f"Training {name} on the lookup task ({n} examples, "
              f"{epochs} epochs).", flush=True)
        mse, weights = _fit_lookup(model, train, test, epochs, batch_size,
                                    run.verbose)
        query_row = weights[:, 0, -1, :pairs]  # what the query token looks at
        results[name] = {
            "test_mse": mse,
            "weight_on_the_answer": float(query_row[np.arange(len(query_row)),
                                                    test[3]].mean()),
            "weights_per_head": f"{weights.shape[2]}x{weights.shape[3]}",
            "parameters": model.count_params()}
        maps[name] = query_row[:12]
    figure = viz.plot_matrices(
        maps, os.path.join(run.out, "attention_maps.png"),
        row_labels=[f"answer in {p}" for p in test[3][:12]],
        col_labels=[str(i) for i in range(pairs)],
        title="the query token's attention over the 8 records (12 test cases)")
    return {
        "max_difference": Row(gaps, "largest difference from Keras", "{:.1e}"),
        "baseline_mse": Row(float(np.var(test[2])), "MSE of predicting the mean",
                            "{:.4f}"),
        "lookup": Row(results, "lookup task"),
        "attention_maps": figure,
    }


def gradient_reach(model, x):
    """How much the output still depends on the first steps: the mean
    ``|d output / d value_t|`` over the first tenth of the steps divided by
    that over the last tenth (1: every step is as close to the output as the
    last; near 0: the early steps are lost on the way, the vanishing gradient
    of an RNN's long chain).

    Example:

    >>> gradient_reach(builders.sequence_model((100, 2), "lstm"), x[:64])
    """
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.reduce_sum(model(x, training=False))
    g = np.abs(tape.gradient(out, x).numpy()[..., 0])  # the value channel
    k = max(1, x.shape[1] // 10)
    return float(g[:, :k].mean() / max(g[:, -k:].mean(), 1e-30))


@exercise("long-range", "The adding problem at 100, 400 and 1,000 steps: an LSTM "
                        "against a one-block transformer: test MSE, time per "
                        "epoch and how much of the gradient reaches the first "
                        "steps.")
def long_range(run: Run, *, epochs: Count = 10, batch_size: Count = 64,
               train_size: Count | None = None,
               lengths: list[Count] = [100, 400, 1000]) -> dict:
    """The adding problem, an LSTM against a one-block transformer at each
    sequence length: test MSE, seconds per epoch and how much of the gradient
    reaches the first steps.

    Args:
        epochs: training epochs of each network.
        batch_size: sequences per training step.
        train_size: training sequences per length (default: 2,000).
        lengths: sequence lengths of the adding problem.
    """
    n = train_size or 2000
    rows, curves = {}, {}
    for length in lengths:
        x, y = data.adding_problem(n, length, seed=run.seed)
        x_test, y_test = data.adding_problem(500, length, seed=run.seed + 1)
        for name, build in (
                ("LSTM", lambda: builders.sequence_model((length, 2), "lstm",
                                                         units=32)),
                ("transformer", lambda: builders.sequence_transformer(
                    (length, 2), dim=32, depth=1, heads=1))):
            reseed(run.seed)
            model = build()
            model.compile(keras.optimizers.Adam(1e-3), "mse")
            build_for_fit(model, x, y)
            timer = EpochTimer()
            print(f"{name} on {length} steps: {n} sequences, {epochs} epochs.",
                  flush=True)
            history = model.fit(x, y, epochs=epochs, batch_size=batch_size,
                                callbacks=[timer], verbose=run.verbose)
            key = f"{name} {length}"
            rows[key] = {
                "test_mse": float(model.evaluate(x_test, y_test, verbose=0)),
                "gradient_first_over_last": gradient_reach(model, x_test[:64]),
                # The first epoch traces the step; the others are the cost.
                "seconds_per_epoch": timer.typical_epoch_seconds(),
                "parameters": model.count_params()}
            curves[key] = history.history["loss"]
    figure = viz.plot_curves(curves, os.path.join(run.out, "adding_problem.png"),
                             ylabel="training MSE",
                             title="adding problem (predicting 1: MSE 0.167)")
    return {"rows": Row(rows, "adding problem"),
            "baseline_mse": Row(2 / 12, "MSE of always predicting 1", "{:.3f}"),
            "loss_curves": figure}
