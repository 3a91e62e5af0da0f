"""Unit IV exercises on image-conditioned GANs: pix2pix (inpainting), CycleGAN
(thin <-> bold digits, unpaired), SRGAN (7x7 -> 28x28) and LAPGAN (7 -> 14 -> 28)."""

import os

import numpy as np

from units.common import digits
from units.common import export_if_asked

ADAM = dict(learning_rate=2e-4, beta_1=0.5)  # pix2pix, CycleGAN, LAPGAN


def _pairs_dataset(source, target, args):
    import tensorflow as tf

    return (tf.data.Dataset.from_tensor_slices((source, target))
            .shuffle(len(source), seed=args.seed)
            .batch(args.batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))


def _optimizers(**adam):
    import keras

    adam = adam or ADAM
    return dict(d_optimizer=keras.optimizers.Adam(**adam),
                g_optimizer=keras.optimizers.Adam(**adam))


def _accuracy(images, labels, classifier):
    from keras_genai import metrics

    probs = metrics.classify(images, classifier=classifier, value_range=(-1, 1))
    return float(np.mean(probs.argmax(axis=1) == labels))


def psnr(a, b, data_range=2.0):
    """Peak signal-to-noise ratio in dB of images in a range of width
    ``data_range`` (2 for [-1, 1]), averaged over images."""
    mse = np.mean((np.asarray(a) - np.asarray(b)) ** 2, axis=(1, 2, 3))
    return float(np.mean(10.0 * np.log10(data_range ** 2 / np.maximum(mse, 1e-12))))


def _rows_grid(rows, path, title):
    """Saves rows of 16 images each (one row per entry of ``rows``)."""
    from keras_genai import viz

    return viz.save_image_grid(np.concatenate([r[:16] for r in rows]), path,
                               value_range=(-1, 1), cols=16, title=title)


def register(lab):
    """Adds the image-to-image exercises to ``lab``."""

    @lab.exercise("pix2pix", "pix2pix inpainting: a U-Net fills a 12x12 hole in "
                             "each digit (L_cGAN + 100 L1, PatchGAN); classifier "
                             "accuracy on holed vs restored digits.",
                  export=os.path.join("saved_models", "unit4_pix2pix"), epochs=15)
    def pix2pix(args, out):
        import keras

        from keras_genai import builders
        from keras_genai import data
        from keras_genai import metrics
        from keras_genai import models

        keras.utils.set_random_seed(args.seed)
        x, _, x_test, y_test = digits(args, scale="tanh")
        holed, _ = data.occlude(x, hole=12, fill=-1.0, seed=args.seed)
        holed_test, mask_test = data.occlude(x_test, hole=12, fill=-1.0,
                                             seed=args.seed + 1)
        model = models.Pix2Pix(
            builders.unet_generator((28, 28, 1)),
            builders.patchgan_discriminator((28, 28, 1), condition_shape=(28, 28, 1)),
            l1_weight=100.0, seed=args.seed)
        model.compile(**_optimizers())
        history = model.fit(_pairs_dataset(holed, x, args), epochs=args.epochs,
                            callbacks=args.backup(), verbose=args.verbose)
        restored = model.translate(holed_test)
        classifier = metrics.digit_classifier()
        inside = mask_test > 0

        def hole_l1(images):
            return float(np.mean(np.abs(images - x_test)[inside]))

        accuracy = {name: _accuracy(images, y_test, classifier) for name, images in
                    (("original", x_test), ("holed", holed_test),
                     ("restored", restored))}
        summary = {
            "final l1_loss / adversarial_loss":
                f"{history.history['l1_loss'][-1]:.4f} / "
                f"{history.history['adversarial_loss'][-1]:.4f}",
            "classifier accuracy: original / holed / restored test digits":
                " / ".join(f"{a:.1%}" for a in accuracy.values()),
            "mean |error| inside the hole: holed / restored":
                f"{hole_l1(holed_test):.3f} / {hole_l1(restored):.3f}",
            "accuracy_holed": accuracy["holed"],
            "accuracy_restored": accuracy["restored"],
            "hole_l1_restored": hole_l1(restored),
            "hole_l1_holed": hole_l1(holed_test),
            "grid": _rows_grid([holed_test, restored, x_test],
                               os.path.join(out, "inpainting.png"),
                               "rows: holed input, pix2pix output, original"),
        }
        return export_if_asked(
            model, args, summary, "serve: holed [None, 28, 28, 1] -> "
            "restored")

    @lab.exercise("cyclegan", "CycleGAN between thin and bold (dilated) digits "
                              "from disjoint halves of the training set: "
                              "translation error against the true dilation.",
                  export=os.path.join("saved_models", "unit4_cyclegan"), epochs=40)
    def cyclegan(args, out):
        import keras
        import tensorflow as tf

        from keras_genai import builders
        from keras_genai import data
        from keras_genai import metrics
        from keras_genai import models

        keras.utils.set_random_seed(args.seed)
        x, _, x_test, y_test = digits(args, scale="tanh")
        half = len(x) // 2
        thin, bold = x[:half], data.thicken(x[half:])  # no digit in both
        bold_test = data.thicken(x_test)

        def generator(name):
            return builders.unet_generator((28, 28, 1), filters=(32, 64),
                                           bottleneck_filters=128, dropout=0.0,
                                           name=name)

        def critic(name):
            return builders.patchgan_discriminator((28, 28, 1), filters=(32, 64),
                                                   name=name)

        model = models.CycleGAN(generator("thin_to_bold"), generator("bold_to_thin"),
                                critic("thin_critic"), critic("bold_critic"),
                                seed=args.seed)
        model.compile(**_optimizers())

        def shuffled(images, seed):
            return tf.data.Dataset.from_tensor_slices(images).shuffle(
                len(images), seed=seed)

        dataset = tf.data.Dataset.zip((shuffled(thin, args.seed),
                                       shuffled(bold, args.seed + 1))).batch(
            args.batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
        history = model.fit(dataset, epochs=args.epochs, callbacks=args.backup(),
                            verbose=args.verbose)
        to_bold = model.translate(x_test, "a_to_b")
        to_thin = model.translate(bold_test, "b_to_a")
        classifier = metrics.digit_classifier()

        def l1(a, b):
            return float(np.mean(np.abs(a - b)))

        summary = {
            "final cycle_loss / identity_loss":
                f"{history.history['cycle_loss'][-1]:.4f} / "
                f"{history.history['identity_loss'][-1]:.4f}",
            "thin -> bold: mean |G(x) - dilate(x)| (doing nothing scores)":
                f"{l1(to_bold, bold_test):.3f} ({l1(x_test, bold_test):.3f})",
            "bold -> thin: mean |F(dilate(x)) - x| (doing nothing scores)":
                f"{l1(to_thin, x_test):.3f} ({l1(bold_test, x_test):.3f})",
            "classifier accuracy on translated digits (thin->bold, bold->thin)":
                f"{_accuracy(to_bold, y_test, classifier):.1%}, "
                f"{_accuracy(to_thin, y_test, classifier):.1%}",
            "l1_to_bold": l1(to_bold, bold_test),
            "l1_identity": l1(x_test, bold_test),
            "grid": _rows_grid([x_test, to_bold, bold_test, to_thin],
                               os.path.join(out, "translations.png"),
                               "rows: thin test digit, G(thin), true dilation, "
                               "F(true dilation)"),
        }
        return export_if_asked(
            model, args, summary, "serve: thin [None, 28, 28, 1] -> "
            "bold; serve_b_to_a: bold -> thin")

    @lab.exercise("srgan", "SRGAN 7x7 -> 28x28: adversarial + content loss "
                           "(digit-classifier features) vs bicubic upsampling, by "
                           "PSNR and classifier accuracy.",
                  export=os.path.join("saved_models", "unit4_srgan"), epochs=10)
    def srgan(args, out):
        import keras
        import tensorflow as tf

        from keras_genai import builders
        from keras_genai import data
        from keras_genai import metrics
        from keras_genai import models

        keras.utils.set_random_seed(args.seed)
        x, _, x_test, y_test = digits(args, scale="tanh")
        low, low_test = data.downsample(x, 4), data.downsample(x_test, 4)
        classifier = metrics.digit_classifier()
        # phi: the classifier's second convolution, on generator-range images.
        image = keras.Input((28, 28, 1), name="image")
        unit = keras.layers.Rescaling(0.5, offset=0.5, name="to_unit")(image)
        conv = keras.Model(classifier.inputs, classifier.get_layer("conv2").output,
                           name="classifier_conv2")
        content = keras.Model(image, conv(unit), name="content_features")
        model = models.SRGAN(
            builders.sr_generator((7, 7, 1), scale=4, filters=32, residual_blocks=4),
            builders.dcgan_discriminator((28, 28, 1)), content_model=content,
            seed=args.seed)
        model.compile(**_optimizers(learning_rate=1e-4, beta_1=0.9))
        history = model.fit(_pairs_dataset(low, x, args), epochs=args.epochs,
                            callbacks=args.backup(), verbose=args.verbose)
        upscaled = model.translate(low_test)
        bicubic = np.clip(tf.image.resize(low_test, (28, 28), method="bicubic")
                          .numpy(), -1.0, 1.0)
        nearest = tf.image.resize(low_test, (28, 28), method="nearest").numpy()
        results = {name: (psnr(images, x_test), _accuracy(images, y_test, classifier))
                   for name, images in (("nearest", nearest), ("bicubic", bicubic),
                                        ("SRGAN", upscaled), ("original", x_test))}
        summary = {
            "final content_loss / adversarial_loss":
                f"{history.history['content_loss'][-1]:.4f} / "
                f"{history.history['adversarial_loss'][-1]:.4f}",
            "PSNR (dB) / classifier accuracy on 28x28 test digits": {
                name: f"{p:.2f} / {a:.1%}" if name != "original" else f"- / {a:.1%}"
                for name, (p, a) in results.items()},
            "psnr_srgan": results["SRGAN"][0],
            "psnr_bicubic": results["bicubic"][0],
            "accuracy_srgan": results["SRGAN"][1],
            "accuracy_bicubic": results["bicubic"][1],
            "grid": _rows_grid([nearest, bicubic, upscaled, x_test],
                               os.path.join(out, "super_resolution.png"),
                               "rows: 7x7 input (nearest), bicubic, SRGAN, original"),
        }
        return export_if_asked(
            model, args, summary, "serve: [None, 7, 7, 1] in [-1, 1] -> "
            "[None, 28, 28, 1]")

    @lab.exercise("lapgan", "LAPGAN 7 -> 14 -> 28: a GAN for 7x7 digits and two "
                            "conditional GANs that add the detail of each finer "
                            "level; classifier FID against the floor.",
                  export=os.path.join("saved_models", "unit4_lapgan"), epochs=30)
    def lapgan(args, out):
        import keras

        from keras_genai import builders
        from keras_genai import data
        from keras_genai import models
        from units.unit4.judge import DigitJudge

        keras.utils.set_random_seed(args.seed)
        x, _, _, _ = digits(args, scale="tanh")
        latent = args.latent_dim
        model = models.LAPGAN(
            [builders.mlp_generator(latent, (7, 7, 1), hidden_units=(256, 256),
                                    batch_norm=True, name="level0_generator"),
             builders.lapgan_generator((14, 14, 1), latent, name="level1_generator"),
             builders.lapgan_generator((28, 28, 1), latent, name="level2_generator")],
            [builders.mlp_discriminator((7, 7, 1), (256, 128), dropout=0.3,
                                        name="level0_discriminator"),
             builders.lapgan_discriminator((14, 14, 1), name="level1_discriminator"),
             builders.lapgan_discriminator((28, 28, 1),
                                           name="level2_discriminator")],
            latent_dim=latent, seed=args.seed)
        model.compile(**_optimizers())
        history = model.fit(data.image_dataset(x, batch_size=args.batch_size,
                                               scale=None, seed=args.seed),
                            epochs=args.epochs, callbacks=args.backup(),
                            verbose=args.verbose)
        levels = model.generate(1000, seed=args.seed + 1, return_levels=True)
        judge = DigitJudge()
        report = judge.report(levels[-1])
        upsampled = [np.repeat(np.repeat(level, 28 // level.shape[1], axis=1),
                               28 // level.shape[2], axis=2) for level in levels]
        summary = {
            **judge.floors(),
            "final d_loss / g_loss (sums over 3 levels)":
                f"{history.history['d_loss'][-1]:.4f} / "
                f"{history.history['g_loss'][-1]:.4f}",
            "classifier FID / KID": f"{report['fid']:.3f} / {report['kid']:.4f}",
            "confident samples": f"{report['confident_fraction']:.1%}",
            "fid": report["fid"],
            "confident_fraction": report["confident_fraction"],
            "pyramid": _rows_grid([np.clip(u, -1, 1) for u in upsampled],
                                  os.path.join(out, "pyramid.png"),
                                  "rows: level 0 (7x7), level 1 (14x14), level 2 "
                                  "(28x28), same samples"),
        }
        return export_if_asked(
            model, args, summary, f"serve: z [None, 3, {latent}] -> "
            "[None, 28, 28, 1]")
