"""Exercises ``clip`` (CLIP trained on captions of the digits, no labels:
zero-shot accuracy, retrieval, the prompt-by-class similarity matrix) and
``clip-batch`` (zero-shot accuracy against the contrastive batch size)."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import models
from keras_genai import viz
from keras_genai.data.captions import DIGIT_WORDS
from keras_genai.data.captions import MAX_CAPTION_WORDS
from units.common import compile_classifier
from units.common import digits
from units.common import export_if_asked
from units.common import first_test_digits
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise

PROMPTS = [f"a {word}" for word in DIGIT_WORDS]


def build_clip(seed):
    """The lab's CLIP: a LeNet-style image tower (64 outputs) and a one-block
    caption transformer (width 64), joined in a 64-dimensional embedding.

    Example:

    >>> clip = build_clip(seed=0)
    >>> clip.compile(optimizer=keras.optimizers.Adam(1e-3))
    """
    return models.CLIP(
        builders.lenet((28, 28, 1), num_classes=64, dropout=0.3, seed=seed),
        builders.caption_encoder(data.caption_vocabulary(),
                                 sequence_length=MAX_CAPTION_WORDS, embedding_dim=64,
                                 depth=1, heads=2),
        embedding_dim=64, seed=seed)


def caption_dataset(x, captions, batch_size, seed, repeat=False):
    """Shuffled ``(image, caption)`` batches of one size, the images randomly
    shifted, rotated and zoomed (`keras_genai.data.augmentation`): with 4,000
    images the image tower overfits without it (zero-shot 91% instead of 97%
    in a trial run).

    Example:

    >>> ds = caption_dataset(x, data.digit_captions(x, y), 128, seed=0)
    """
    if batch_size > len(x):
        raise ValueError(f"`batch_size` must be at most the {len(x)} training "
                         f"images. Received: batch_size={batch_size}")
    augment = data.augmentation(rotation=0.05, zoom=0.1, translation=0.1, seed=seed)
    ds = tf.data.Dataset.from_tensor_slices((x, captions)).shuffle(
        len(x), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    # One batch at a time: the augmentation's random state then advances in
    # the same order in every run, so a seed gives the same numbers.
    return ds.batch(batch_size, drop_remainder=True).map(
        lambda images, text: (augment(images, training=True), text)
    ).prefetch(tf.data.AUTOTUNE)


def recall_at(similarity, query_text, key_text, ks=(1, 5)):
    """Retrieval recall: the share of queries with an item described by the
    same caption among their ``k`` most similar keys. Many digits share a
    caption ("a seven"), so any key with the query's own words counts.

    Args:
        similarity: ``(queries, keys)``.
        query_text: the caption of each query.
        key_text: the caption of each key.
        ks: the ``k`` values.

    Returns:
        ``{"R@k": share}``.

    Example:

    >>> recall_at(np.eye(2), ["a one", "a two"], ["a one", "a two"])
    {'R@1': 1.0, 'R@5': 1.0}
    """
    order = np.argsort(-similarity, axis=1)
    match = np.asarray(key_text)[order] == np.asarray(query_text)[:, None]
    return {f"R@{k}": float(match[:, :k].any(axis=1).mean()) for k in ks}


def zero_shot_accuracy(model, x_test, y_test):
    """Accuracy of `models.CLIP.zero_shot` with the prompts "a zero" ... "a
    nine"."""
    return float((model.zero_shot(x_test, PROMPTS) == y_test).mean())


@exercise("clip", "CLIP trained on captions of the digits, no labels: zero-shot "
                  "accuracy with 'a zero' ... 'a nine', retrieval, the "
                  "prompt-by-class similarities; a supervised LeNet for reference.",
          export=os.path.join("saved_models", "unit7_clip"))
def clip(run: Run, *, epochs: Count = 30, batch_size: Count = 128,
         train_size: Count | None = None, test_digits: Count | None = None) -> dict:
    """CLIP trained on captions computed from each digit, no labels: zero-shot
    accuracy with the prompts 'a zero' ... 'a nine', caption retrieval, the
    prompt-by-class similarity matrix and a supervised LeNet for reference.

    Args:
        epochs: training epochs of CLIP and of the LeNet.
        batch_size: captioned digits per contrastive batch.
        train_size: train on the first N digits (default: all 4,000).
        test_digits: evaluate on the first N of the 1,000 test digits, for a
            quick try (default: all).
    """
    x, y, x_test, y_test = digits(train_size)
    x_test, y_test = first_test_digits(test_digits, x_test, y_test)
    captions = data.digit_captions(x, y, seed=run.seed)
    test_captions = data.digit_captions(x_test, y_test, seed=run.seed + 1)
    model = build_clip(run.seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    print(f"Training CLIP on {len(x)} captioned digits for {epochs} epochs "
          f"(batch {batch_size}).", flush=True)
    history = model.fit(caption_dataset(x, captions, batch_size, run.seed),
                        epochs=epochs, callbacks=run.backup(),
                        verbose=run.verbose)
    accuracy = zero_shot_accuracy(model, x_test, y_test)
    images, texts = model.encode_images(x_test), model.encode_texts(test_captions)
    similarity = images @ texts.T
    prompts = model.encode_texts(PROMPTS)
    by_class = np.stack([(images[y_test == c] @ prompts.T).mean(axis=0)
                         for c in range(10)], axis=1)  # (prompt, class)
    matrix = viz.plot_matrices({"mean cosine similarity": by_class},
                               os.path.join(run.out, "prompt_by_class.png"),
                               row_labels=PROMPTS, col_labels=[str(c) for c in range(10)],
                               title="prompt (rows) against test digits of each class",
                               value_format="{:.2f}")
    reseed(run.seed)
    lenet = compile_classifier(builders.lenet((28, 28, 1), seed=run.seed))
    print(f"Training the supervised LeNet for {epochs} epochs.", flush=True)
    lenet.fit(x, y, epochs=epochs, batch_size=batch_size,
              verbose=run.verbose)
    curves = viz.plot_history(history, os.path.join(run.out, "loss.png"),
                              keys=["loss", "accuracy"], title="CLIP training")
    return {
        "zero_shot_accuracy": Row(accuracy, "zero-shot test accuracy", "{:.1%}",
                                  at_least=0.9),
        "supervised_accuracy": Row(float(lenet.evaluate(x_test, y_test, verbose=0)[1]),
                                   "supervised LeNet test accuracy", "{:.1%}"),
        "image_to_text": Row(recall_at(similarity, test_captions, test_captions),
                             "image -> caption retrieval", "{:.1%}"),
        "text_to_image": Row(recall_at(similarity.T, test_captions, test_captions),
                             "caption -> image retrieval", "{:.1%}"),
        "logit_scale": Row(float(model.logit_scale.scale), "learned logit scale",
                           "{:.1f}"),
        "prompt_by_class": matrix, "loss_curves": curves,
        **export_if_asked(model, run.export, "encode_images(images), "
                                       "encode_texts(strings)"),
    }


@exercise("clip-batch", "Zero-shot accuracy against the contrastive batch size "
                        "(16 ... 256) at an equal number of steps.")
def clip_batch(run: Run, *, train_size: Count | None = None,
               test_digits: Count | None = None,
               batch_sizes: list[Count] = [16, 32, 64, 128, 256],
               steps: Count = 300) -> dict:
    """Zero-shot accuracy of CLIP against the contrastive batch size at an
    equal number of steps (every other caption of a batch is a negative), and
    the smallest batch for as many digits as the largest sees.

    Args:
        train_size: train on the first N digits (default: all 4,000).
        test_digits: evaluate on the first N of the 1,000 test digits, for a
            quick try (default: all).
        batch_sizes: contrastive batch sizes.
        steps: training steps per batch size.
    """
    x, y, x_test, y_test = digits(train_size)
    x_test, y_test = first_test_digits(test_digits, x_test, y_test)
    captions = data.digit_captions(x, y, seed=run.seed)
    # How often another image of the batch has exactly the same caption: a
    # "negative" that is in fact a positive.
    same = float(np.mean([(captions == c).sum() - 1 for c in captions[:500]])
                 / max(len(captions) - 1, 1))
    rows = {}
    # Equal steps also means more images for larger batches: the last run sees
    # the largest batch's images in batches of the smallest size, to tell the
    # negatives from the data.
    smallest, largest = min(batch_sizes), max(batch_sizes)
    runs = [(str(b), b, steps) for b in batch_sizes]
    if smallest < largest:
        steps = round(steps * largest / smallest)
        runs.append((f"{smallest} for {steps} steps", smallest, steps))
    for key, batch_size, steps in runs:
        reseed(run.seed)
        model = build_clip(run.seed)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        print(f"CLIP with batches of {batch_size} for {steps} steps.", flush=True)
        history = model.fit(caption_dataset(x, captions, batch_size, run.seed,
                                            repeat=True),
                            epochs=1, steps_per_epoch=steps, verbose=run.verbose)
        rows[key] = {
            "zero_shot_accuracy": zero_shot_accuracy(model, x_test, y_test),
            "negatives_per_image": batch_size - 1,
            "same_caption_negatives": same * (batch_size - 1),
            "epochs_of_data": steps * batch_size / len(x),
            "mean_training_loss": float(history.history["loss"][-1])}
    equal_steps = {k: r for k, r in rows.items() if k.isdigit()}
    figure = viz.plot_curves(
        {"zero-shot accuracy": ([int(b) for b in equal_steps],
                                [r["zero_shot_accuracy"] for r in equal_steps.values()])},
        os.path.join(run.out, "batch_size.png"), xlabel="batch size",
        ylabel="zero-shot test accuracy", title=f"CLIP after {steps} steps")
    return {"rows": Row(rows, "by batch size"), "figure": figure}
