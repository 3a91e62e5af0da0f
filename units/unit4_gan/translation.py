"""Unit IV exercises on image-conditioned GANs: pix2pix (inpainting,
colourisation, edges -> digit), CycleGAN (thin <-> bold digits, unpaired),
SRGAN (7x7 -> 28x28) and LAPGAN (7 -> 14 -> 28)."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import metrics
from keras_genai import models
from keras_genai import viz
from units.common import SampleJudge
from units.common import bicubic
from units.common import classifier_accuracy
from units.common import digits
from units.common import export_if_asked
from units.common import pairs_dataset
from units.common import psnr
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise

ADAM = dict(learning_rate=2e-4, beta_1=0.5)  # pix2pix, CycleGAN, LAPGAN


def _optimizers(**adam):
    adam = adam or ADAM
    return dict(d_optimizer=keras.optimizers.Adam(**adam),
                g_optimizer=keras.optimizers.Adam(**adam))


def _rows_grid(rows, path, title):
    """Saves rows of 16 images each (one row per entry of ``rows``)."""
    return viz.save_image_grid(np.concatenate([r[:16] for r in rows]), path,
                               value_range=(-1, 1), cols=16, title=title)


def _final(history, *keys):
    """The last epoch's value of each loss in ``keys``, as summary rows."""
    return {f"final_{k}": Row(history.history[k][-1], f"final {k}", "{:.4f}")
            for k in keys}


@exercise("pix2pix", "pix2pix inpainting: a U-Net fills a 12x12 hole in each digit "
                     "(L_cGAN + 100 L1, PatchGAN); classifier accuracy on holed vs "
                     "restored digits.",
          export=os.path.join("saved_models", "unit4_pix2pix"))
def pix2pix(run: Run, *, epochs: Count = 15, batch_size: Count = 64,
            train_size: Count | None = None) -> dict:
    """A U-Net generator and a PatchGAN discriminator that fill a 12x12 hole.

    Args:
        epochs: training epochs.
        batch_size: pairs per minibatch.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, y_test = digits(train_size, scale="tanh")
    holed, _ = data.occlude(x, hole=12, fill=-1.0, seed=run.seed)
    holed_test, mask_test = data.occlude(x_test, hole=12, fill=-1.0,
                                         seed=run.seed + 1)
    model = models.Pix2Pix(
        builders.unet_generator((28, 28, 1)),
        builders.patchgan_discriminator((28, 28, 1), condition_shape=(28, 28, 1)),
        l1_weight=100.0, seed=run.seed)
    model.compile(**_optimizers())
    history = model.fit(pairs_dataset(holed, x, batch_size, run.seed), epochs=epochs,
                        callbacks=run.backup(), verbose=run.verbose)
    restored = model.translate(holed_test)
    classifier = metrics.digit_classifier()
    inside = mask_test > 0
    summary = _final(history, "l1_loss", "adversarial_loss")
    for name, images in (("original", x_test), ("holed", holed_test),
                         ("restored", restored)):
        summary[f"accuracy_{name}"] = Row(
            classifier_accuracy(images, y_test, classifier),
            f"classifier accuracy: {name} test digits", "{:.1%}")
    for name, images in (("holed", holed_test), ("restored", restored)):
        summary[f"hole_l1_{name}"] = Row(
            float(np.mean(np.abs(images - x_test)[inside])),
            f"mean |error| inside the hole: {name}", "{:.3f}")
    return {
        **summary,
        "grid": _rows_grid([holed_test, restored, x_test],
                           os.path.join(run.out, "inpainting.png"),
                           "rows: holed input, pix2pix output, original"),
        **export_if_asked(model, run.export, "serve: holed [None, 28, 28, 1] -> "
                                             "restored"),
    }


def _paired(run, source, target, epochs, batch_size):
    """pix2pix (U-Net, PatchGAN, L_cGAN + 100 L1) trained on ``(source,
    target)`` pairs; returns the model."""
    model = models.Pix2Pix(
        builders.unet_generator(source.shape[1:], output_channels=target.shape[-1]),
        builders.patchgan_discriminator(target.shape[1:],
                                        condition_shape=source.shape[1:]),
        l1_weight=100.0, seed=run.seed)
    model.compile(**_optimizers())
    model.fit(pairs_dataset(source, target, batch_size, run.seed), epochs=epochs,
              callbacks=run.backup(), verbose=run.verbose)
    return model


@exercise("colorization", "pix2pix colourisation: grey digits -> digits in their "
                          "class's colour; the colour read back and the digit "
                          "kept.")
def colorization(run: Run, *, epochs: Count = 10, batch_size: Count = 64,
                 train_size: Count | None = None) -> dict:
    """pix2pix from grey digits to digits whose ink has their class's colour
    (`keras_genai.data.tint`), so the right colour needs the digit recognised,
    as a sky needs to be recognised to be blue.

    Args:
        epochs: training epochs.
        batch_size: pairs per minibatch.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = digits(train_size, scale="tanh")
    target, target_test = data.tint(x, y), data.tint(x_test, y_test)
    model = _paired(run, x, target, epochs, batch_size)
    coloured = model.translate(x_test)
    classifier = metrics.digit_classifier()
    # The grey image back from a coloured one: its brightest channel.
    grey = coloured.max(axis=-1, keepdims=True)
    grey_input = classifier_accuracy(x_test, y_test, classifier)
    mean_colour = np.broadcast_to(2.0 * data.DIGIT_COLOURS.mean(0) - 1.0,
                                  (1, 1, 1, 3))
    uniform = (x_test + 1.0) / 2.0 * (mean_colour + 1.0) - 1.0
    return {
        "colour_accuracy": Row(float(np.mean(data.ink_colour_labels(coloured)
                                             == y_test)),
                               "ink read back as the digit's colour", "{:.1%}",
                               note="10% by chance"),
        "digit_accuracy": Row(classifier_accuracy(grey, y_test, classifier),
                              "classifier accuracy on the output's grey image",
                              "{:.1%}", note=f"{grey_input:.1%} on the inputs"),
        "l1": Row({"pix2pix": float(np.mean(np.abs(coloured - target_test))),
                   "one colour for every digit": float(np.mean(np.abs(
                       uniform - target_test)))},
                  "mean |error| against the true colours", "{:.4f}"),
        "grid": _rows_grid([np.repeat(x_test, 3, axis=-1), coloured, target_test],
                           os.path.join(run.out, "colorization.png"),
                           "rows: grey input, pix2pix output, true colours"),
    }


@exercise("edges", "pix2pix edges -> digit: outlines filled into strokes; "
                   "classifier accuracy on edge maps vs restored digits.")
def edges(run: Run, *, epochs: Count = 10, batch_size: Count = 64,
          train_size: Count | None = None) -> dict:
    """pix2pix from edge maps (`keras_genai.data.edge_map`, the outline of
    each stroke) to the digits.

    Args:
        epochs: training epochs.
        batch_size: pairs per minibatch.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, y_test = digits(train_size, scale="tanh")
    sketch, sketch_test = data.edge_map(x), data.edge_map(x_test)
    model = _paired(run, sketch, x, epochs, batch_size)
    restored = model.translate(sketch_test)
    classifier = metrics.digit_classifier()
    judge = SampleJudge()
    summary = {}
    for name, images in (("edge maps", sketch_test), ("restored", restored),
                         ("original", x_test)):
        summary[name] = {
            "classifier accuracy": classifier_accuracy(images, y_test, classifier),
            "confident": judge.report(images)["confident_fraction"],
            "PSNR (dB)": None if name == "original" else psnr(images, x_test),
        }
    return {
        "judged": Row(summary, "test digits", "{:.3f}"),
        "grid": _rows_grid([sketch_test, restored, x_test],
                           os.path.join(run.out, "edges.png"),
                           "rows: edge map, pix2pix output, original"),
    }


@exercise("cyclegan", "CycleGAN between thin and bold (dilated) digits from "
                      "disjoint halves of the training set: translation error "
                      "against the true dilation.",
          export=os.path.join("saved_models", "unit4_cyclegan"))
def cyclegan(run: Run, *, epochs: Count = 40, batch_size: Count = 64,
             train_size: Count | None = None) -> dict:
    """Two generators and two critics between thin digits and bold (dilated)
    ones, trained on disjoint halves of the training set.

    Args:
        epochs: training epochs.
        batch_size: (thin, bold) pairs per minibatch.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, y_test = digits(train_size, scale="tanh")
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
                            seed=run.seed)
    model.compile(**_optimizers())

    def shuffled(images, seed):
        return tf.data.Dataset.from_tensor_slices(images).shuffle(
            len(images), seed=seed)

    dataset = tf.data.Dataset.zip((shuffled(thin, run.seed),
                                   shuffled(bold, run.seed + 1))).batch(
        batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    history = model.fit(dataset, epochs=epochs, callbacks=run.backup(),
                        verbose=run.verbose)
    to_bold = model.translate(x_test, "a_to_b")
    to_thin = model.translate(bold_test, "b_to_a")
    classifier = metrics.digit_classifier()

    def l1(a, b):
        return float(np.mean(np.abs(a - b)))

    return {
        **_final(history, "cycle_loss", "identity_loss"),
        "l1_to_bold": Row(l1(to_bold, bold_test), "thin -> bold: mean |G(x) - "
                                                  "dilate(x)|", "{:.3f}"),
        "l1_to_thin": Row(l1(to_thin, x_test), "bold -> thin: mean |F(dilate(x)) "
                                               "- x|", "{:.3f}"),
        "l1_identity": Row(l1(x_test, bold_test), "doing nothing: mean |x - "
                                                  "dilate(x)|", "{:.3f}"),
        "accuracy_to_bold": Row(classifier_accuracy(to_bold, y_test, classifier),
                                "classifier accuracy on thin -> bold digits",
                                "{:.1%}"),
        "accuracy_to_thin": Row(classifier_accuracy(to_thin, y_test, classifier),
                                "classifier accuracy on bold -> thin digits",
                                "{:.1%}"),
        "grid": _rows_grid([x_test, to_bold, bold_test, to_thin],
                           os.path.join(run.out, "translations.png"),
                           "rows: thin test digit, G(thin), true dilation, "
                           "F(true dilation)"),
        **export_if_asked(model, run.export, "serve: thin [None, 28, 28, 1] -> bold; "
                                             "serve_b_to_a: bold -> thin"),
    }


@exercise("srgan", "SRGAN 7x7 -> 28x28: adversarial + content loss "
                   "(digit-classifier features) vs bicubic upsampling, by PSNR and "
                   "classifier accuracy.",
          export=os.path.join("saved_models", "unit4_srgan"))
def srgan(run: Run, *, epochs: Count = 10, batch_size: Count = 64,
          train_size: Count | None = None) -> dict:
    """A residual generator that upsamples 7x7 digits to 28x28, with a content
    loss on the digit classifier's features.

    Args:
        epochs: training epochs.
        batch_size: pairs per minibatch.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, y_test = digits(train_size, scale="tanh")
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
        seed=run.seed)
    model.compile(**_optimizers(learning_rate=1e-4, beta_1=0.9))
    history = model.fit(pairs_dataset(low, x, batch_size, run.seed), epochs=epochs,
                        callbacks=run.backup(), verbose=run.verbose)
    upscaled = model.translate(low_test)
    upsampled = bicubic(low_test)
    nearest = tf.image.resize(low_test, (28, 28), method="nearest").numpy()
    summary = _final(history, "content_loss", "adversarial_loss")
    for name, images in (("nearest", nearest), ("bicubic", upsampled),
                         ("SRGAN", upscaled), ("original", x_test)):
        if name != "original":
            summary[f"psnr_{name.lower()}"] = Row(
                psnr(images, x_test), f"{name}: PSNR (dB) on 28x28 test digits",
                "{:.2f}")
        summary[f"accuracy_{name.lower()}"] = Row(
            classifier_accuracy(images, y_test, classifier),
            f"{name}: classifier accuracy", "{:.1%}")
    return {
        **summary,
        "grid": _rows_grid([nearest, upsampled, upscaled, x_test],
                           os.path.join(run.out, "super_resolution.png"),
                           "rows: 7x7 input (nearest), bicubic, SRGAN, original"),
        **export_if_asked(model, run.export, "serve: [None, 7, 7, 1] in [-1, 1] -> "
                                             "[None, 28, 28, 1]"),
    }


@exercise("lapgan", "LAPGAN 7 -> 14 -> 28: a GAN for 7x7 digits and two "
                    "conditional GANs that add the detail of each finer level; "
                    "classifier FID against the floor.",
          export=os.path.join("saved_models", "unit4_lapgan"))
def lapgan(run: Run, *, epochs: Count = 30, batch_size: Count = 64,
           latent_dim: Count = 64, train_size: Count | None = None) -> dict:
    """A Laplacian pyramid of GANs: 7x7 digits, then the detail of 14x14 and
    of 28x28.

    Args:
        epochs: training epochs.
        batch_size: images per minibatch.
        latent_dim: size of each level's latent vector.
        train_size: train on the first N training digits (default: all).
    """
    x, _, _, _ = digits(train_size, scale="tanh")
    latent = latent_dim
    model = models.LAPGAN(
        [builders.mlp_generator(latent, (7, 7, 1), hidden_units=(256, 256),
                                batch_norm=True, name="level0_generator"),
         builders.lapgan_generator((14, 14, 1), latent, name="level1_generator"),
         builders.lapgan_generator((28, 28, 1), latent, name="level2_generator")],
        [builders.mlp_discriminator((7, 7, 1), (256, 128), dropout=0.3,
                                    name="level0_discriminator"),
         builders.lapgan_discriminator((14, 14, 1), name="level1_discriminator"),
         builders.lapgan_discriminator((28, 28, 1), name="level2_discriminator")],
        latent_dim=latent, seed=run.seed)
    model.compile(**_optimizers())
    history = model.fit(data.image_dataset(x, batch_size=batch_size,
                                           scale=None, seed=run.seed),
                        epochs=epochs, callbacks=run.backup(),
                        verbose=run.verbose)
    levels = model.sample(1000, seed=run.seed + 1, return_levels=True)
    judge = SampleJudge()
    report = judge.report(levels[-1])
    upsampled = [np.repeat(np.repeat(level, 28 // level.shape[1], axis=1),
                           28 // level.shape[2], axis=2) for level in levels]
    return {
        **judge.floors(),
        "final_d_loss": Row(history.history["d_loss"][-1],
                            "final d_loss (sum over 3 levels)", "{:.4f}"),
        "final_g_loss": Row(history.history["g_loss"][-1],
                            "final g_loss (sum over 3 levels)", "{:.4f}"),
        **judge.rows(report),
        "pyramid": _rows_grid([np.clip(u, -1, 1) for u in upsampled],
                              os.path.join(run.out, "pyramid.png"),
                              "rows: level 0 (7x7), level 1 (14x14), level 2 "
                              "(28x28), same samples"),
        **export_if_asked(model, run.export, f"serve: z [None, 3, {latent}] -> "
                                             "[None, 28, 28, 1]"),
    }
