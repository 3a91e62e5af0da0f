"""Exercises ``text`` (prompts steer generation) and ``attention`` (the
cross-attention maps of a prompt)."""

import os
import time

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import viz
from keras_genai.data.captions import DIGIT_WORDS
from keras_genai.data.captions import MAX_CAPTION_WORDS
from keras_genai.models import DiffusionModel
from keras_genai.diffusion import NoiseSchedule
from units.common import load_saved
from units.common import SampleJudge
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit6_diffusion.common import WIDTHS
from units.unit6_diffusion.common import check_steps
from units.unit6_diffusion.common import digits

MODEL_FILE = "text_diffusion.keras"
PROMPT_PAIRS = {"thickness": ("thin", "thick"), "width": ("narrow", "wide"),
                "slant": ("leaning left", "leaning right")}


def build_text_model(seed, timesteps=1000, widths=WIDTHS):
    """The lab's U-Net with cross-attention at 7x7 (its lowest resolution) to
    a one-block text encoder over the caption vocabulary, linear schedule
    over ``timesteps``.

    Example:

    >>> model = build_text_model(seed=0, timesteps=50)
    >>> model.compile(optimizer=keras.optimizers.Adam(2e-3))
    """
    encoder = builders.text_encoder(data.caption_vocabulary(),
                                    sequence_length=MAX_CAPTION_WORDS,
                                    embedding_dim=64, heads=2)
    network = builders.diffusion_unet((28, 28, 1), widths=widths,
                                      text_embedding_dim=64)
    return DiffusionModel(network, NoiseSchedule("linear", timesteps=timesteps),
                          text_encoder=encoder, label_dropout=0.1, min_snr_gamma=5.0,
                          seed=seed)


def trained_text_model(run, *, epochs, batch_size, train_size, timesteps, widths,
                       sample_steps):
    """The model saved by ``--exercise text`` (next to ``run.out``), or a new
    one trained on captions of the digits (and saved there), after
    `check_steps`.

    Returns:
        ``(model, training seconds, or None for a saved model)``.

    Example:

    >>> model, seconds = trained_text_model(
    ...     run, epochs=28, batch_size=32, train_size=None, timesteps=1000,
    ...     widths=WIDTHS, sample_steps=50)
    """
    check_steps(timesteps, widths, sample_steps)
    model, path = load_saved(run.out, MODEL_FILE, "text", compile=False)
    if model is not None:
        return model, None
    x, y, _, _ = digits(train_size)
    captions = data.digit_captions(x, y, keep=0.7, seed=run.seed)
    print("Captions, e.g.: " + "; ".join(captions[:4]), flush=True)
    model = build_text_model(run.seed, timesteps, widths)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    start = time.time()
    model.fit(data.image_dataset(x, captions, batch_size=batch_size,
                                 seed=run.seed),
              epochs=epochs, callbacks=run.backup(), verbose=run.verbose)
    seconds = time.time() - start
    model.save(path)
    return model, seconds


@exercise("text", "Text-conditioned diffusion on captions computed from the "
                  "digits: prompts steer digit, thickness, width, slant.")
def text(run: Run, *, epochs: Count = 28, batch_size: Count = 32,
         train_size: Count | None = None, samples: Count = 500,
         guidance: float = 3.0, timesteps: Count = 1000, sample_steps: Count = 50,
         widths: list[Count] = list(WIDTHS)) -> dict:
    """The U-Net cross-attending to a small text encoder, trained on captions
    computed from each digit (or the model this exercise saved before):
    prompts steer the digit and each attribute, measured on the samples.

    Args:
        samples: images generated for the 'a <digit>' prompts (a tenth per
            digit) and for each attribute word.
        sample_steps: DDIM steps of the samples, at most T.
        guidance: classifier-free guidance scale of the samples.
        epochs: training epochs, when no model of ``--exercise text`` is saved.
        batch_size: images per training step, likewise.
        train_size: train on the first N digits (default: all 4,000), likewise;
            the real digits' attributes are measured on the same digits.
        timesteps: diffusion steps T of the model trained here.
        widths: channels of the U-Net's levels at 28, 14 and 7 pixels, likewise.
    """
    model, seconds = trained_text_model(
        run, epochs=epochs, batch_size=batch_size, train_size=train_size,
        timesteps=timesteps, widths=widths, sample_steps=sample_steps)
    judge = SampleJudge()
    per = max(samples // 10, 1)
    labels = np.repeat(np.arange(10), per)

    def sample(prompts):
        return model.sample(prompts=list(prompts), steps=sample_steps,
                            guidance_scale=guidance, seed=run.seed,
                            verbose=False)

    images = sample(f"a {DIGIT_WORDS[k]}" for k in labels)
    report = judge.report(images, labels)
    summary = {
        "training_seconds": Row(seconds, "training time", "{:.0f} s",
                                note="reused the saved model" if seconds is None
                                else None),
        "label_accuracy": Row(report["label_accuracy"], "'a <digit>' prompts: "
                              f"label accuracy ({len(labels)} samples)", "{:.1%}"),
        "min_class_accuracy": Row(report["min_class_accuracy"],
                                  "'a <digit>' prompts: worst digit", "{:.0%}"),
    }
    x, y, _, _ = digits(train_size)
    real = data.measure_digits(x)
    words = data.digit_attributes(x, y)
    rows = [images[::per][:10]]
    for name, (low, high) in PROMPT_PAIRS.items():
        measured = {}
        for word in (low, high):
            prompts = [(f"a {DIGIT_WORDS[k]} {word}" if name == "slant"
                        else f"a {word} {DIGIT_WORDS[k]}") for k in labels]
            made = sample(prompts)
            rows.append(made[::per][:10])
            measured[word] = float(data.measure_digits(made)[name].mean())
        summary[f"{name}_samples"] = Row(measured, f"{name} of the samples",
                                         "{:.3f}")
        summary[f"{name}_real"] = Row(
            {word: float(real[name][words[name] == word].mean())
             for word in (low, high)},
            f"{name} of real digits with those words", "{:.3f}")
        summary[f"{name}_gap"] = Row(measured[high] - measured[low],
                                     f"{name}: '{high}' - '{low}' in the samples",
                                     "{:.3f}")
    grid = viz.save_image_grid(np.concatenate(rows), os.path.join(run.out, "prompts.png"),
                               value_range=(-1, 1), cols=10,
                               title="rows: 'a <digit>', then thin, thick, narrow, "
                                     "wide, leaning left, leaning right")
    return {**summary, "prompts_grid": grid}


@exercise("attention", "Cross-attention maps of prompts: where in the image each "
                       "word is attended to, at 7x7.")
def attention(run: Run, *, epochs: Count = 28, batch_size: Count = 32,
              train_size: Count | None = None, guidance: float = 3.0,
              timesteps: Count = 1000, sample_steps: Count = 50,
              widths: list[Count] = list(WIDTHS)) -> dict:
    """The cross-attention maps of a few prompts on the model of ``--exercise
    text`` (trained here if none is saved): for each word, where in the 7x7
    feature map the image attends to it.

    Args:
        sample_steps: DDIM steps of the samples, at most T.
        guidance: classifier-free guidance scale of the samples.
        epochs: training epochs, when no model of ``--exercise text`` is saved.
        batch_size: images per training step, likewise.
        train_size: train on the first N digits (default: all 4,000), likewise.
        timesteps: diffusion steps T of the model trained here.
        widths: channels of the U-Net's levels at 28, 14 and 7 pixels, likewise.
    """
    model, _ = trained_text_model(
        run, epochs=epochs, batch_size=batch_size, train_size=train_size,
        timesteps=timesteps, widths=widths, sample_steps=sample_steps)
    prompts = ["a thick seven", "a thin two leaning right", "a wide zero",
               "a narrow one leaning left"]
    images = model.sample(prompts=prompts, steps=sample_steps,
                          guidance_scale=guidance, seed=run.seed,
                          verbose=False)
    network = model.ema_network
    layers = [layer for layer in network.layers if layer.name.endswith("_cross_mha")]
    probe = keras.Model(network.inputs, [layer.output[1] for layer in layers])
    context = model.text_encoder(tf.constant(prompts))
    tokens = model.text_encoder.get_layer("tokenize")(tf.constant(prompts)).numpy()
    maps = 0.0
    # t = 100, 300, 500 of T = 1,000 (the same fractions of a shorter T)
    times = [int(model.schedule.timesteps * f) for f in (0.1, 0.3, 0.5)]
    for t in times:  # average over noise levels, heads and layers
        noise = tf.random.stateless_normal(images.shape, (run.seed, t))
        x_t = model.schedule.q_sample(images, tf.fill([len(prompts)], t), noise)
        scores = probe({"image": x_t, "timestep": tf.fill([len(prompts)], t),
                        "context": context})
        scores = scores if isinstance(scores, (list, tuple)) else [scores]
        maps = maps + np.mean([s.numpy().mean(axis=1) for s in scores], axis=0)
    maps /= len(times)  # (prompts, 49 positions, tokens)
    side = int(round(np.sqrt(maps.shape[1])))
    rows, word_share, padding_share, content_share = [], {}, {}, []
    for i, prompt in enumerate(prompts):
        words = prompt.split()
        row = [images[i, ..., 0]]
        for j in range(len(words)):
            m = maps[i, :, j].reshape(side, side)
            m = np.kron(m / max(m.max(), 1e-12), np.ones((28 // side, 28 // side)))
            row.append(m * 2 - 1)
        row += [np.full((28, 28), -1.0)] * (6 - len(words))
        rows.append(np.stack(row))
        word_mass = maps[i, :, :len(words)].sum(axis=0) / maps[i].sum()
        word_share[prompt] = {w: float(s) for w, s in zip(words, word_mass)}
        padding_share[prompt] = float(maps[i, :, len(words):].sum() / maps[i].sum())
        content_share.append(float(word_mass[[k for k, w in enumerate(words)
                                              if w not in ("a",)]].sum()))
        assert tokens[i, :len(words)].min() > 1  # every word is in the vocabulary
    grid = viz.save_image_grid(np.concatenate(rows)[..., None],
                               os.path.join(run.out, "attention.png"), value_range=(-1, 1),
                               cols=7, title=f"sample, then the {side}x{side} "
                                             "cross-attention map of each word "
                                             "(bright = attended)")
    return {
        "word_share": Row(word_share, "attention share per word", "{:.0%}"),
        "padding_share": Row(padding_share, "attention share on padding", "{:.0%}"),
        "content_share": Row(float(np.mean(content_share)),
                             "mean attention share on the content words", "{:.0%}"),
        "attention_maps": grid,
    }
