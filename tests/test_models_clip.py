"""CLIP: the model contract (one step on 2 replicas equals one step on one
device, through the gathered negatives), the loss by hand, the gather's
gradient, zero-shot classification and the clipped temperature."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai import builders
from keras_genai.losses import contrastive_loss
from keras_genai.models import CLIP
from keras_genai.models.clip import gather_replicas

SHAPE = (8, 8, 1)
WORDS = ["a", "dark", "light", "square", "ring"]


def make_model(seed=3, **kwargs):
    image_encoder = builders.vit(SHAPE, patch_size=4, num_classes=None, dim=8,
                                 depth=1, heads=2)
    text_encoder = builders.caption_encoder(WORDS, sequence_length=3,
                                            embedding_dim=8, depth=1, heads=2)
    return CLIP(image_encoder, text_encoder, embedding_dim=6, seed=seed, **kwargs)


def compile_model(model, **kwargs):
    model.compile(optimizer=keras.optimizers.Adam(1e-2), **kwargs)


def data(n=32):
    rng = np.random.default_rng(0)
    kind = rng.integers(0, 2, n)
    shade = rng.integers(0, 2, n)
    x = rng.uniform(0, 0.2, (n,) + SHAPE).astype("float32")
    x[kind == 0, 2:6, 2:6] += 0.5  # a square
    x[kind == 1, 1:7, 1:7] += 0.5
    x[kind == 1, 3:5, 3:5] -= 0.5  # a ring
    x[shade == 1] += 0.3
    captions = np.array([f"a {'light' if s else 'dark'} {'ring' if k else 'square'}"
                         for k, s in zip(kind, shade)])
    return x, captions


def _inputs():
    x, captions = data(4)
    return [x, captions]


SPEC = conformance.ModelSpec(
    make_model=make_model,
    compile=compile_model,
    data=data,
    networks=("image_encoder", "text_encoder", "image_projection", "text_projection",
              "logit_scale"),
    optimizers=("optimizer",),
    inputs=_inputs,
    endpoints={
        "encode_images": ((data(3)[0],), lambda m, x: m.encode_images(x)),
        "encode_texts": ((np.array(["a dark ring", "a square", ""]),),
                         lambda m, t: m.encode_texts(list(t))),
    },
    bad_arguments=[
        ("image_encoder", lambda: CLIP("vit", make_model().text_encoder)),
        ("text_encoder", lambda: CLIP(make_model().image_encoder,
                                      make_model().image_encoder)),
        ("embedding_dim", lambda: make_model(embedding_dim=0)),
        ("initial_temperature", lambda: make_model(initial_temperature=0.001)),
        ("loss", lambda: make_model().compile(optimizer="adam", loss="mse")),
        ("class_prompts", lambda: make_model().zero_shot(data(2)[0], "a ring")),
        (r"class_prompts=\[0, 1", lambda: make_model().zero_shot(data(2)[0],
                                                                  list(range(10)))),
        ("images", lambda: make_model().encode_images(np.zeros((2, 4, 4, 1)))),
        ("texts", lambda: make_model().encode_texts([1, 2])),
    ],
)


@pytest.mark.parametrize("check", conformance.CHECKS, ids=conformance.check_id)
def test_conformance(check, tmp_path, mirrored_strategy):
    check(SPEC, tmp_path, mirrored_strategy)


def test_contrastive_loss_matches_the_cross_entropies_by_hand():
    rng = np.random.default_rng(0)
    i = rng.normal(size=(3, 4))
    t = rng.normal(size=(3, 4))
    i /= np.linalg.norm(i, axis=1, keepdims=True)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    logits = 2.5 * i @ t.T

    def ce(rows):  # -log softmax(row)[i] averaged
        rows = rows - rows.max(axis=1, keepdims=True)
        log_p = rows - np.log(np.exp(rows).sum(axis=1, keepdims=True))
        return -np.mean(np.diag(log_p))

    got = contrastive_loss(i.astype("float32"), t.astype("float32"), 2.5)
    np.testing.assert_allclose([float(g) for g in got], [ce(logits), ce(logits.T)],
                               rtol=1e-5)
    # Rows 1-2 against all three keys: the pairs sit at offset 1.
    rows = contrastive_loss(i[1:].astype("float32"), t[1:].astype("float32"), 2.5,
                            image_keys=i.astype("float32"),
                            text_keys=t.astype("float32"), offset=1)
    np.testing.assert_allclose(
        float(rows[0]), -np.mean([np.log(np.exp(logits[k, k]) / np.exp(
            logits[k]).sum()) for k in (1, 2)]), rtol=1e-5)


def test_gathered_embeddings_carry_every_replicas_gradient(mirrored_strategy):
    x = tf.constant(np.arange(8, dtype="float32").reshape(4, 2))
    weights = tf.constant(np.arange(8, dtype="float32").reshape(4, 2) + 1.0)

    def loss_of(local):  # the global loss, computed by each replica from the gather
        return tf.reduce_sum(gather_replicas(local) ** 2 * weights) / 2.0

    with tf.GradientTape() as tape:
        tape.watch(x)
        one = loss_of(x)
    expected = tape.gradient(one, x).numpy()
    ds = mirrored_strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices(x).batch(4))

    @tf.function
    def step(batch):
        def replica(local):
            with tf.GradientTape() as tape:
                tape.watch(local)
                loss = loss_of(local)
            return tape.gradient(loss, local)
        return mirrored_strategy.run(replica, (batch,))

    got = np.concatenate([t.numpy() for t in mirrored_strategy
                          .experimental_local_results(step(next(iter(ds))))])
    # Each of the 2 replicas computes the whole loss, so each slice's gradient
    # is the sum of both replicas' contributions: twice the one-device gradient.
    np.testing.assert_allclose(got, 2 * expected, rtol=1e-6)


def test_zero_shot_picks_the_most_similar_prompt_and_averages_ensembles():
    model = make_model()
    x, _ = data(6)
    prompts = ["a square", ["a ring", "a dark ring"]]
    images = model.encode_images(x)
    texts = model.encode_texts(["a square", "a ring", "a dark ring"])
    np.testing.assert_allclose(np.linalg.norm(images, axis=1), 1.0, rtol=1e-5)
    ring = texts[1:].mean(axis=0)
    classes = np.stack([texts[0], ring / np.linalg.norm(ring)])
    predictions, scores = model.zero_shot(x, prompts, return_scores=True)
    np.testing.assert_allclose(scores, images @ classes.T, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(predictions, scores.argmax(axis=1))


def test_fit_takes_numpy_or_list_captions_and_refuses_unequal_lengths():
    model = make_model()
    compile_model(model)
    x, captions = data(8)
    for given in (captions, list(captions)):  # NumPy strings, a list of str
        history = model.fit(x, given, batch_size=8, verbose=0).history
        assert np.isfinite(history["loss"][0])
    assert int(model.optimizer.iterations) == 2
    with pytest.raises(ValueError, match=r"`x` \(images\) and `y` \(captions\) .* "
                                         r"Received: len\(x\)=8 and len\(y\)=4"):
        model.fit(x, captions[:4], batch_size=8, verbose=0)


def test_logit_scale_is_clipped_at_100_after_a_step():
    model = make_model()
    compile_model(model)
    model.logit_scale.log_scale.assign(np.log(500.0))
    model.fit(tf.data.Dataset.from_tensor_slices(data(8)).batch(8), verbose=0)
    np.testing.assert_allclose(float(model.logit_scale.scale), 100.0, rtol=1e-5)


def test_training_pairs_images_with_their_captions():
    keras.utils.set_random_seed(0)  # the encoders' initial weights
    model = make_model()
    compile_model(model)
    ds = tf.data.Dataset.from_tensor_slices(data(32)).batch(8)
    history = model.fit(ds, epochs=25, verbose=0).history
    assert history["loss"][-1] < 0.7 * history["loss"][0], history["loss"]
    # Each image's own caption, out of the data's four, ranks first (the
    # unseen prompts "a square" / "a ring" are too much for so small a model
    # to rank reliably from every initialisation).
    x, captions = data(32)
    prompts = ["a dark square", "a light square", "a dark ring", "a light ring"]
    predictions = model.zero_shot(x, prompts)
    assert (predictions == [prompts.index(c) for c in captions]).mean() >= 0.9


def test_an_uneven_global_batch_on_2_replicas_equals_one_device(mirrored_strategy):
    """7 pairs split 4 + 3: each replica's pairs sit at their own offset among
    the gathered keys, and its share of the loss is weighted by its rows."""
    x, captions = data(7)
    single = make_model()
    initial = [v.numpy() for v in single.weights]
    compile_model(single)
    ds = tf.data.Dataset.from_tensor_slices((x, captions)).batch(7)
    one = single.fit(ds, epochs=1, verbose=0).history
    with mirrored_strategy.scope():
        mirrored = make_model()
        for v, w in zip(mirrored.weights, initial):
            v.assign(w)
        compile_model(mirrored)
    two = mirrored.fit(ds, epochs=1, verbose=0).history
    for key in ("loss", "image_to_text", "text_to_image", "accuracy"):
        np.testing.assert_allclose(two[key], one[key], rtol=1e-4, atol=1e-5,
                                   err_msg=key)
    for a, b in zip(single.image_projection.weights, mirrored.image_projection.weights):
        np.testing.assert_allclose(b.numpy(), a.numpy(), atol=1e-4)
