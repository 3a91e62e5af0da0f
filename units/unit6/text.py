"""Exercises ``text`` (prompts steer generation) and ``attention`` (the
cross-attention maps of a prompt)."""

import os
import time

MODEL_FILE = "text_diffusion.keras"
PROMPT_PAIRS = {"thickness": ("thin", "thick"), "width": ("narrow", "wide"),
                "slant": ("leaning left", "leaning right")}


def build_text_model(seed, timesteps=1000):
    """The lab's U-Net with cross-attention at 7x7 to a one-block text encoder
    over the caption vocabulary, linear schedule over ``timesteps``."""
    from keras_genai import builders
    from keras_genai import data
    from keras_genai.data.captions import MAX_CAPTION_WORDS
    from keras_genai.models import DiffusionModel
    from keras_genai.schedules import NoiseSchedule

    encoder = builders.text_encoder(data.caption_vocabulary(),
                                    sequence_length=MAX_CAPTION_WORDS,
                                    embedding_dim=64, heads=2)
    network = builders.diffusion_unet((28, 28, 1), widths=(16, 32, 64),
                                      text_embedding_dim=64)
    return DiffusionModel(network, NoiseSchedule("linear", timesteps=timesteps),
                          text_encoder=encoder, label_dropout=0.1, min_snr_gamma=5.0,
                          seed=seed)


def trained_text_model(args, out, digits):
    """The model saved by ``--exercise text`` (next to ``out``), or a new one
    trained on captions of the digits; returns ``(model, train seconds or
    None)``."""
    import keras

    from keras_genai import data
    from units.unit6.common import check_steps
    from units.unit6.common import load_saved

    check_steps(args)
    model, path = load_saved(out, MODEL_FILE, "text")
    if model is not None:
        return model, None
    keras.utils.set_random_seed(args.seed)
    x, y, _, _ = digits(args)
    captions = data.digit_captions(x, y, keep=0.7, seed=args.seed)
    print("Captions, e.g.: " + "; ".join(captions[:4]), flush=True)
    model = build_text_model(args.seed, args.timesteps)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    start = time.time()
    model.fit(data.image_dataset(x, captions, batch_size=args.batch_size,
                                 seed=args.seed),
              epochs=args.epochs, callbacks=args.backup(), verbose=args.verbose)
    seconds = time.time() - start
    model.save(path)
    return model, seconds


def register(lab, digits):
    """Adds ``text`` and ``attention`` to ``lab``; ``digits(args)`` gives
    ``(x, y, x_test, y_test)``."""

    @lab.exercise("text", "Text-conditioned diffusion on captions computed from the "
                          "digits: prompts steer digit, thickness, width, slant.")
    def text(args, out):
        import numpy as np

        from keras_genai import data
        from keras_genai import viz
        from keras_genai.data.captions import DIGIT_WORDS
        from units.unit4.judge import DigitJudge

        model, seconds = trained_text_model(args, out, digits)
        judge = DigitJudge()
        per = max(args.samples // 10, 1)
        labels = np.repeat(np.arange(10), per)
        sample = lambda prompts: model.sample(  # noqa: E731
            prompts=list(prompts), steps=args.sample_steps,
            guidance_scale=args.guidance, seed=args.seed, verbose=False)
        images = sample(f"a {DIGIT_WORDS[k]}" for k in labels)
        report = judge.report(images, labels)
        summary = {
            "training time": "reused" if seconds is None else f"{seconds:.0f} s",
            f"'a <digit>' prompts: label accuracy ({len(labels)} samples)":
                f"{report['label_accuracy']:.1%} (worst digit "
                f"{report['min_class_accuracy']:.0%})",
            "label_accuracy": report["label_accuracy"],
        }
        x, y, _, _ = digits(args)
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
            real_low = float(real[name][words[name] == low].mean())
            real_high = float(real[name][words[name] == high].mean())
            summary[f"{name}: samples '{low}' vs '{high}'"] = (
                f"{measured[low]:.3f} vs {measured[high]:.3f} (real digits with those "
                f"words: {real_low:.3f} vs {real_high:.3f})")
            summary[f"{name}_gap"] = measured[high] - measured[low]
        grid = viz.save_image_grid(np.concatenate(rows), os.path.join(out, "prompts.png"),
                                   value_range=(-1, 1), cols=10,
                                   title="rows: 'a <digit>', then thin, thick, narrow, "
                                         "wide, leaning left, leaning right")
        summary["prompts grid"] = grid
        return summary

    @lab.exercise("attention", "Cross-attention maps of prompts: where in the image "
                               "each word is attended to, at 7x7.")
    def attention(args, out):
        import keras
        import numpy as np
        import tensorflow as tf

        from keras_genai import viz

        model, _ = trained_text_model(args, out, digits)
        prompts = ["a thick seven", "a thin two leaning right", "a wide zero",
                   "a narrow one leaning left"]
        images = model.sample(prompts=prompts, steps=args.sample_steps,
                              guidance_scale=args.guidance, seed=args.seed,
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
            noise = tf.random.stateless_normal(images.shape, (args.seed, t))
            x_t = model.schedule.q_sample(images, tf.fill([len(prompts)], t), noise)
            scores = probe({"image": x_t, "timestep": tf.fill([len(prompts)], t),
                            "context": context})
            scores = scores if isinstance(scores, (list, tuple)) else [scores]
            maps = maps + np.mean([s.numpy().mean(axis=1) for s in scores], axis=0)
        maps /= len(times)  # (prompts, 49 positions, tokens)
        side = int(round(np.sqrt(maps.shape[1])))
        rows, summary, digit_share = [], {}, []
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
            summary[f"'{prompt}': attention share per word"] = ", ".join(
                f"{w} {s:.0%}" for w, s in zip(words, word_mass))
            summary[f"'{prompt}': share on padding"] = (
                f"{maps[i, :, len(words):].sum() / maps[i].sum():.0%}")
            digit_share.append(float(word_mass[[k for k, w in enumerate(words)
                                                if w not in ("a",)]].sum()))
            assert tokens[i, :len(words)].min() > 1  # every word is in the vocabulary
        grid = viz.save_image_grid(np.concatenate(rows)[..., None],
                                   os.path.join(out, "attention.png"), value_range=(-1, 1),
                                   cols=7, title="sample, then the 7x7 cross-attention "
                                                 "map of each word (bright = attended)")
        summary.update({"attention maps": grid,
                        "mean attention share on the content words":
                            f"{np.mean(digit_share):.0%}",
                        "content_share": float(np.mean(digit_share))})
        return summary
