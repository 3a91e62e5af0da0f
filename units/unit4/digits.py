"""Unit IV exercises that train GANs on the embedded digits."""

import os

import numpy as np

from keras_genai.cli import take
from units.common import export_if_asked

# Optimiser settings per loss family. Radford et al. (2016): Adam 2e-4, beta_1
# 0.5. Gulrajani et al. (2017), Algorithm 1: Adam 1e-4, beta_1 0, beta_2 0.9,
# 5 critic steps per generator step, lambda 10 (GAN.compile's defaults).
ADAM = {"wasserstein_gp": dict(learning_rate=1e-4, beta_1=0.0, beta_2=0.9)}
DEFAULT_ADAM = dict(learning_rate=2e-4, beta_1=0.5)


def digits_for_gan(args):
    """The raw training digits and labels (uint8), cut by ``--train-size``."""
    from keras_genai import data

    (x, y), _ = data.load_digits()
    x, y = take(args.train_size, x, y)
    return x, y


def compile_digit_gan(model, loss):
    """Compiles a digit GAN with the optimiser settings of its loss family and
    one-sided label smoothing 0.1 where the loss takes it."""
    import keras

    from keras_genai.losses import SMOOTHABLE_LOSSES

    adam = ADAM.get(loss, DEFAULT_ADAM)
    model.compile(d_optimizer=keras.optimizers.Adam(**adam),
                  g_optimizer=keras.optimizers.Adam(**adam), loss=loss,
                  label_smoothing=0.1 if loss in SMOOTHABLE_LOSSES else 0.0)
    return model


def dcgan_on_digits(args, loss="non_saturating"):
    """The lab's DCGAN (G 128-64, D 64-128-256) compiled for ``loss``, and its
    dataset (``batch_size`` images per minibatch, ``d_steps`` minibatches per
    step)."""
    from keras_genai import builders
    from keras_genai import data
    from keras_genai import models

    x, _ = digits_for_gan(args)
    gan = models.GAN(builders.dcgan_generator(args.latent_dim, (28, 28, 1)),
                     builders.dcgan_discriminator((28, 28, 1)),
                     latent_dim=args.latent_dim, seed=args.seed)
    compile_digit_gan(gan, loss)
    dataset = data.image_dataset(x, batch_size=args.batch_size * gan.d_steps,
                                 scale="tanh", seed=args.seed)
    return gan, dataset


def _rows(reports, keys=("fid", "kid", "confident_fraction", "min_class_share",
                         "inception_score")):
    """Rounds the numbers of a ``{name: report}`` dict for the summary."""
    return {name: {k: round(r[k], 4) for k in keys} for name, r in reports.items()}


def register(lab):
    """Adds the digit-GAN exercises to ``lab``."""

    @lab.exercise("vanilla", "The 'vanilla' GAN: MLP generator and discriminator "
                             "on the digits, measured like the DCGAN.",
                  epochs=200)
    def vanilla(args, out):
        import keras

        from keras_genai import builders
        from keras_genai import callbacks
        from keras_genai import data
        from keras_genai import models
        from keras_genai import viz
        from units.unit4.judge import DigitJudge

        keras.utils.set_random_seed(args.seed)
        x, _ = digits_for_gan(args)
        gan = models.GAN(builders.mlp_generator(args.latent_dim, (28, 28, 1),
                                                hidden_units=(256, 512),
                                                batch_norm=True),
                         builders.mlp_discriminator((28, 28, 1), (512, 256),
                                                    dropout=0.3),
                         latent_dim=args.latent_dim, seed=args.seed)
        compile_digit_gan(gan, "non_saturating")
        grid = callbacks.SampleGrid(out, every=max(1, args.epochs // 5),
                                    seed=args.seed)
        history = gan.fit(data.image_dataset(x, batch_size=args.batch_size,
                                             scale="tanh", seed=args.seed),
                          epochs=args.epochs, callbacks=[grid, *args.backup()],
                          verbose=args.verbose)
        judge = DigitJudge()
        report = judge.report(gan.generate(1000, seed=args.seed + 1))
        return {
            **judge.floors(),
            "generator parameters": gan.generator.count_params(),
            "discriminator parameters": gan.discriminator.count_params(),
            "final d_loss": history.history["d_loss"][-1],
            "final g_loss": history.history["g_loss"][-1],
            **{k: round(v, 4) for k, v in report.items() if k != "class_counts"},
            "class counts 0-9": " ".join(map(str, report["class_counts"])),
            "loss curves": viz.plot_history(history, os.path.join(out, "losses.png"),
                                            keys=["d_loss", "g_loss"],
                                            title="vanilla GAN losses"),
            "last sample grid": grid.paths[-1] if grid.paths else "none",
        }

    @lab.exercise("cgan", "Conditional DCGAN: ask for a digit, get that digit; "
                          "label accuracy per class; exports serve(z, labels).",
                  export=os.path.join("saved_models", "unit4_cgan"), epochs=60)
    def cgan(args, out):
        import keras

        from keras_genai import builders
        from keras_genai import callbacks
        from keras_genai import data
        from keras_genai import models
        from keras_genai import viz
        from units.unit4.judge import DigitJudge

        keras.utils.set_random_seed(args.seed)
        x, y = digits_for_gan(args)
        model = models.ConditionalGAN(
            builders.conditional_dcgan_generator(args.latent_dim, 10),
            builders.conditional_dcgan_discriminator((28, 28, 1), 10),
            latent_dim=args.latent_dim, num_classes=10, seed=args.seed)
        compile_digit_gan(model, "non_saturating")
        grid = callbacks.SampleGrid(out, num_samples=100,
                                    every=max(1, args.epochs // 5), seed=args.seed)
        history = model.fit(data.image_dataset(x, y, batch_size=args.batch_size,
                                               scale="tanh", seed=args.seed),
                            epochs=args.epochs, callbacks=[grid, *args.backup()],
                            verbose=args.verbose)
        labels = np.repeat(np.arange(10), 100)
        judge = DigitJudge()
        report = judge.report(model.generate(labels, seed=args.seed + 1), labels)
        summary = {
            **judge.floors(),
            "final d_loss": history.history["d_loss"][-1],
            "final g_loss": history.history["g_loss"][-1],
            "label accuracy (classifier agrees with the requested digit)":
                f"{report['label_accuracy']:.1%} (target >= 90%)",
            "worst digit": f"{report['min_class_accuracy']:.1%} (target >= 80%)",
            "per digit 0-9": " ".join(f"{a:.0%}" for a in report["per_class"]),
            "label_accuracy": report["label_accuracy"],
            "min_class_accuracy": report["min_class_accuracy"],
            "fid": report["fid"],
            "kid": report["kid"],
            "confident_fraction": report["confident_fraction"],
            "grid (one digit per column)": grid.paths[-1] if grid.paths else "none",
            "loss curves": viz.plot_history(history, os.path.join(out, "losses.png"),
                                            keys=["d_loss", "g_loss"],
                                            title="conditional GAN losses"),
        }
        return export_if_asked(model, args, summary,
                               f"serve: z[None, {args.latent_dim}], labels[None] "
                               "int32 -> images in [-1, 1]")

    @lab.exercise("wgan-gp", "DCGAN (non-saturating) for --epochs, then WGAN-GP "
                             "for the same training time: FID and KID.",
                  epochs=30)
    def wgan_gp(args, out):
        import keras

        from keras_genai import callbacks
        from keras_genai import viz
        from units.unit4.judge import DigitJudge

        samples, trained = {}, {}
        budget = None
        for loss in ("non_saturating", "wasserstein_gp"):
            keras.utils.set_random_seed(args.seed)
            gan, dataset = dcgan_on_digits(args, loss)
            # The DCGAN trains for --epochs; WGAN-GP for as long as that took.
            limit = callbacks.TimeLimit(budget or float("inf"))
            history = gan.fit(dataset, epochs=args.epochs if budget is None
                              else 100 * args.epochs, callbacks=[limit, *args.backup()],
                              verbose=args.verbose)
            budget = budget or limit.elapsed
            trained[loss] = {
                "epochs": len(history.history["d_loss"]),
                "generator steps": int(gan.g_optimizer.iterations),
                "discriminator steps": int(gan.d_optimizer.iterations),
                "seconds": round(limit.elapsed, 1),
            }
            samples[loss] = gan.generate(1000, seed=args.seed + 1)
        judge = DigitJudge()
        measured = {loss: judge.report(s) for loss, s in samples.items()}
        figure = viz.save_image_grid(
            np.concatenate([samples["non_saturating"][:64],
                            samples["wasserstein_gp"][:64]]),
            os.path.join(out, "samples.png"), value_range=(-1, 1), cols=16,
            title="top: DCGAN (non-saturating); bottom: WGAN-GP")
        return {
            **judge.floors(),
            "training": trained,
            "quality": _rows(measured),
            "samples": figure,
        }

    @lab.exercise("losses", "The same DCGAN under each loss family (minimax, "
                            "non-saturating, least-squares, hinge, WGAN-GP): "
                            "grids and FID side by side.",
                  epochs=15)
    def losses(args, out):
        import keras

        from keras_genai import callbacks
        from keras_genai import viz
        from units.unit4.judge import DigitJudge

        families = ("minimax", "non_saturating", "least_squares", "hinge",
                    "wasserstein_gp")
        samples, training = {}, {}
        for loss in families:
            keras.utils.set_random_seed(args.seed)
            gan, dataset = dcgan_on_digits(args, loss)
            timer = callbacks.EpochTimer()
            history = gan.fit(dataset, epochs=args.epochs,
                              callbacks=[timer, *args.backup()],
                              verbose=args.verbose)
            samples[loss] = gan.generate(1000, seed=args.seed + 1)
            training[loss] = {
                "generator steps": int(gan.g_optimizer.iterations),
                "s/epoch": round(timer.typical_epoch_seconds(), 2),
                "final d_loss": round(history.history["d_loss"][-1], 4),
                "final g_loss": round(history.history["g_loss"][-1], 4),
            }
        judge = DigitJudge()
        measured = {loss: judge.report(s) for loss, s in samples.items()}
        figure = viz.save_image_grid(
            np.concatenate([samples[loss][:16] for loss in families]),
            os.path.join(out, "samples_by_loss.png"), value_range=(-1, 1), cols=16,
            title="rows: " + ", ".join(families))
        return {**judge.floors(), "training": training,
                "quality": _rows(measured), "samples": figure}

    @lab.exercise("interpolation", "Latent walks: decode straight (and spherical) "
                                   "paths between latent points of a trained "
                                   "DCGAN.", epochs=30)
    def interpolation(args, out):
        import keras

        from keras_genai import viz
        from keras_genai.utils import interpolate

        keras.utils.set_random_seed(args.seed)
        gan, dataset = dcgan_on_digits(args)
        gan.fit(dataset, epochs=args.epochs, callbacks=args.backup(),
                verbose=args.verbose)
        rng = np.random.default_rng(args.seed)
        ends = rng.standard_normal((2, 8, args.latent_dim)).astype("float32")
        steps = 10
        rows = {}
        for kind in ("linear", "spherical"):
            paths = interpolate(ends[0], ends[1], steps, kind=kind)  # (8, steps, d)
            images = gan.generator.predict(paths.reshape(-1, args.latent_dim),
                                           verbose=0)
            rows[kind] = viz.save_image_grid(
                images, os.path.join(out, f"walks_{kind}.png"), value_range=(-1, 1),
                cols=steps, title=f"{kind} interpolation: one walk per row")
        norms = {kind: [round(float(n), 2) for n in np.linalg.norm(
                     interpolate(ends[0, 0], ends[1, 0], 5, kind=kind), axis=-1)]
                 for kind in ("linear", "spherical")}
        return {
            "walks": rows,
            "latent norm along one walk (linear dips toward 0, where N(0, I) "
            "puts almost no mass; spherical keeps it)": norms,
            "typical norm of a latent": round(float(np.sqrt(args.latent_dim)), 2),
        }

    @lab.exercise("augmentation", "A classifier trained on a small labelled subset "
                                  "(--train-size, default 500) alone, with as many "
                                  "cGAN samples of the same subset, and with "
                                  "5,000.",
                  epochs=150)
    def augmentation(args, out):
        import keras

        from keras_genai import builders
        from keras_genai import data
        from keras_genai import models
        from keras_genai import viz
        from keras_genai.data.pipeline import scale_images
        from units.common import compile_classifier

        keras.utils.set_random_seed(args.seed)
        (x_all, y_all), (x_test, y_test) = data.load_digits()
        # A random labelled subset of n digits.
        n = args.train_size or 500
        order = np.random.default_rng(args.seed).permutation(len(x_all))[:n]
        x, y = x_all[order], y_all[order]
        cgan = models.ConditionalGAN(
            builders.conditional_dcgan_generator(args.latent_dim, 10),
            builders.conditional_dcgan_discriminator((28, 28, 1), 10),
            latent_dim=args.latent_dim, num_classes=10, seed=args.seed)
        compile_digit_gan(cgan, "non_saturating")
        cgan.fit(data.image_dataset(x, y, batch_size=min(args.batch_size, n),
                                    scale="tanh", seed=args.seed),
                 epochs=args.epochs, callbacks=args.backup(), verbose=args.verbose)
        labels = np.repeat(np.arange(10), 500)
        generated = (cgan.generate(labels, seed=args.seed + 1) + 1.0) / 2.0
        real = scale_images(x[..., None], scale="unit").numpy()
        test = scale_images(x_test[..., None], scale="unit").numpy()
        accuracy = {}
        # As many generated digits as real ones, and ten times as many.
        same = np.arange(len(labels)).reshape(10, -1)[:, :max(1, n // 10)].ravel()
        for name, (xs, ys) in {
                f"{n} real digits": (real, y),
                f"{n} real + {len(same):,} cGAN digits": (
                    np.concatenate([real, generated[same]]),
                    np.concatenate([y, labels[same]])),
                f"{n} real + 5,000 cGAN digits": (np.concatenate([real, generated]),
                                                  np.concatenate([y, labels]))}.items():
            keras.utils.set_random_seed(args.seed)
            classifier = compile_classifier(builders.lenet(seed=args.seed))
            # The same number of updates for both (4 per labelled digit: 2,000
            # for 500), so the extra data is not just extra training time.
            steps = 4 * n
            classifier.fit(xs, ys, batch_size=64, callbacks=args.backup(), verbose=0,
                           epochs=max(1, steps * 64 // len(xs)))
            accuracy[name] = float(classifier.evaluate(test, y_test, verbose=0)[1])
        grid = viz.save_image_grid(
            generated.reshape(10, 500, 28, 28)[:, :8].transpose(1, 0, 2, 3)
            .reshape(-1, 28, 28), os.path.join(out, "generated.png"), cols=10,
            title=f"cGAN trained on {n} labelled digits: one digit per column")
        return {
            "test accuracy": {k: f"{v:.1%}" for k, v in accuracy.items()},
            "accuracy": accuracy,
            "generated samples": grid,
        }
