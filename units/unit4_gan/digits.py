"""Unit IV exercises that train GANs on the embedded digits."""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import callbacks
from keras_genai import data
from keras_genai import models
from keras_genai import viz
from keras_genai.data.pipeline import scale_images
from keras_genai.losses import get_gan_loss
from keras_genai.utils import interpolate
from units.common import SampleJudge
from units.common import compile_classifier
from units.common import dtype_policy
from units.common import export_if_asked
from units.common import precision_policy
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.lab import take

# Optimiser settings per loss family. Radford et al. (2016): Adam 2e-4, beta_1
# 0.5. Gulrajani et al. (2017), Algorithm 1: Adam 1e-4, beta_1 0, beta_2 0.9,
# 5 critic steps per generator step, lambda 10 (GAN.compile's defaults).
ADAM = {"wasserstein_gp": dict(learning_rate=1e-4, beta_1=0.0, beta_2=0.9)}
DEFAULT_ADAM = dict(learning_rate=2e-4, beta_1=0.5)
# The default DCGAN's levers (units/unit4_gan/dcgan.py's docstring has the
# table):
# the R1 penalty's gamma (Mescheder et al. 2018), the decay of G's weight
# average and twice Radford et al.'s learning rate, which R1 keeps stable.
R1_WEIGHT = 5.0
EMA = 0.999
LEARNING_RATE = 4e-4
# The conditional GAN's targets (issue #2): the share of samples the classifier
# recognises as the requested digit, overall and for the worst digit.
LABEL_ACCURACY_TARGET = 0.90
WORST_DIGIT_TARGET = 0.80
# The layers of the DCGAN's discriminator that `feature-matching` matches:
# after its first (14x14x64) and second (7x7x128) convolutions, and its last
# hidden layer (4x4x256, flattened).
FEATURE_LAYERS = ("down1_lrelu", "down2_lrelu", "features")
# What the loss-family comparisons show of each family's samples.
QUALITY_KEYS = ("fid", "kid", "precision", "recall", "confident_fraction",
                "min_class_share", "inception_score")


def digits_for_gan(train_size=None):
    """The raw training digits and labels (uint8), the first ``train_size``
    (``None``: all).

    Example:

    >>> x, y = digits_for_gan(512)
    >>> x.dtype, x.shape[1:]
    (dtype('uint8'), (28, 28))
    """
    (x, y), _ = data.load_digits()
    x, y = take(train_size, x, y)
    return x, y


def compile_digit_gan(model, loss, r1_weight=0.0, learning_rate=None,
                      feature_matching=None, r1_every=1):
    """Compiles a digit GAN with the optimiser settings of its loss family
    (``learning_rate`` replaces its learning rate) and one-sided label
    smoothing 0.1 (D's real target 0.9) where the loss takes it; with
    ``feature_matching`` (a layer of D) G matches D's features there instead;
    ``r1_every`` > 1 computes the R1 penalty lazily (`GAN.compile`).

    Example:

    >>> gan = compile_digit_gan(models.GAN(generator, discriminator), "hinge")
    """
    adam = dict(ADAM.get(loss, DEFAULT_ADAM))
    if learning_rate is not None:
        adam["learning_rate"] = learning_rate
    model.compile(d_optimizer=keras.optimizers.Adam(**adam),
                  g_optimizer=keras.optimizers.Adam(**adam), loss=loss,
                  label_smoothing=0.1 if get_gan_loss(loss).smoothable else 0.0,
                  r1_weight=r1_weight, r1_every=r1_every,
                  feature_matching=feature_matching)
    return model


def dcgan_on_digits(latent_dim, batch_size, seed, train_size=None,
                    loss="non_saturating", r1_weight=0.0, ema=None,
                    learning_rate=None, images=None, feature_matching=None):
    """The lab's DCGAN (G 128-64, D 64-128-256) with a ``latent_dim`` latent,
    compiled for ``loss`` (with the R1 weight ``r1_weight``, a weight average
    of G of decay ``ema``, ``learning_rate`` instead of the loss family's and
    G's feature matching on D's layer ``feature_matching``),
    and its dataset of the first ``train_size`` training images of ``images``
    (a `keras_genai.data.ImageSet`, default the embedded digits; the networks
    take its image shape) in ``[-1, 1]``, ``batch_size`` images per minibatch,
    ``d_steps`` minibatches per step.

    Example:

    >>> gan, dataset = dcgan_on_digits(64, 64, seed=0, loss="least_squares")
    >>> history = gan.fit(dataset, epochs=15)
    """
    images = images if images is not None else data.load_images("digits")
    shape = images.image_shape
    gan = models.GAN(builders.dcgan_generator(latent_dim, shape),
                     builders.dcgan_discriminator(shape),
                     latent_dim=latent_dim, ema=ema, seed=seed)
    compile_digit_gan(gan, loss, r1_weight, learning_rate, feature_matching)
    dataset = images.batches(batch_size * gan.d_steps, scale="tanh", seed=seed,
                             limit=train_size)
    return gan, dataset


def default_dcgan(precision, latent_dim, batch_size, seed, train_size=None,
                  images=None):
    """The default exercise's DCGAN: `dcgan_on_digits` with the R1 penalty
    (gamma `R1_WEIGHT`), the weight average of G (decay `EMA`) and Adam at
    `LEARNING_RATE`, built under the dtype policy of ``precision``
    (``--precision``, `units.common.precision_policy`), for ``images`` (default
    the embedded digits).

    Returns:
        ``(gan, dataset, policy)``.

    Example:

    >>> gan, dataset, policy = default_dcgan("auto", 64, 64, seed=0)
    """
    policy = precision_policy(precision)
    with dtype_policy(policy):
        gan, dataset = dcgan_on_digits(latent_dim, batch_size, seed, train_size,
                                       r1_weight=R1_WEIGHT, ema=EMA,
                                       learning_rate=LEARNING_RATE, images=images)
    return gan, dataset, policy


def conditional_dcgan(latent_dim, seed):
    """The ``cgan`` exercise's conditional DCGAN: the label enters G (an
    embedding next to z) and D (a label plane next to the image); compiled for
    the non-saturating loss.

    Example:

    >>> gan = conditional_dcgan(64, seed=0)
    """
    model = models.ConditionalGAN(
        builders.conditional_dcgan_generator(latent_dim, 10),
        builders.conditional_dcgan_discriminator((28, 28, 1), 10),
        latent_dim=latent_dim, num_classes=10, seed=seed)
    return compile_digit_gan(model, "non_saturating")


def _quality(reports):
    """``{name: report}`` cut to `QUALITY_KEYS`, as one summary row."""
    return Row({name: {k: r[k] for k in QUALITY_KEYS} for name, r in reports.items()},
               "sample quality")


@exercise("vanilla", "The 'vanilla' GAN: MLP generator and discriminator on the "
                     "digits, measured like the DCGAN.")
def vanilla(run: Run, *, epochs: Count = 200, batch_size: Count = 64,
            latent_dim: Count = 64, train_size: Count | None = None) -> dict:
    """The 2014 paper's set-up: an MLP generator (256-512, batch norm) and
    discriminator (512-256, dropout).

    Args:
        epochs: training epochs.
        batch_size: images per minibatch.
        latent_dim: size of the generator's latent vector.
        train_size: train on the first N training digits (default: all).
    """
    x, _ = digits_for_gan(train_size)
    gan = models.GAN(builders.mlp_generator(latent_dim, (28, 28, 1),
                                            hidden_units=(256, 512),
                                            batch_norm=True),
                     builders.mlp_discriminator((28, 28, 1), (512, 256),
                                                dropout=0.3),
                     latent_dim=latent_dim, seed=run.seed)
    compile_digit_gan(gan, "non_saturating")
    grid = callbacks.SampleGrid(run.out, every=max(1, epochs // 5), seed=run.seed)
    history = gan.fit(data.image_dataset(x, batch_size=batch_size,
                                         scale="tanh", seed=run.seed),
                      epochs=epochs, callbacks=[grid, *run.backup()],
                      verbose=run.verbose)
    judge = SampleJudge()
    report = judge.report(gan.sample(1000, seed=run.seed + 1))
    return {
        **judge.floors(),
        "generator_parameters": gan.generator.count_params(),
        "discriminator_parameters": gan.discriminator.count_params(),
        "final_d_loss": history.history["d_loss"][-1],
        "final_g_loss": history.history["g_loss"][-1],
        **judge.rows(report),
        "loss_curves": viz.plot_history(history, os.path.join(run.out, "losses.png"),
                                        keys=["d_loss", "g_loss"],
                                        title="vanilla GAN losses"),
        "last_sample_grid": grid.paths[-1] if grid.paths else None,
    }


@exercise("cgan", "Conditional DCGAN: ask for a digit, get that digit; label "
                  "accuracy per class; exports serve(z, labels).",
          export=os.path.join("saved_models", "unit4_cgan"))
def cgan(run: Run, *, epochs: Count = 60, batch_size: Count = 64,
         latent_dim: Count = 64, train_size: Count | None = None) -> dict:
    """A conditional DCGAN: the label enters G (an embedding next to z) and D
    (a label plane next to the image).

    Args:
        epochs: training epochs.
        batch_size: images per minibatch.
        latent_dim: size of the generator's latent vector.
        train_size: train on the first N training digits (default: all).
    """
    x, y = digits_for_gan(train_size)
    model = conditional_dcgan(latent_dim, run.seed)
    grid = callbacks.SampleGrid(run.out, num_samples=100,
                                every=max(1, epochs // 5), seed=run.seed)
    history = model.fit(data.image_dataset(x, y, batch_size=batch_size,
                                           scale="tanh", seed=run.seed),
                        epochs=epochs, callbacks=[grid, *run.backup()],
                        verbose=run.verbose)
    labels = np.repeat(np.arange(10), 100)
    judge = SampleJudge()
    report = judge.report(model.sample(labels=labels, seed=run.seed + 1), labels)
    return {
        **judge.floors(),
        "final_d_loss": history.history["d_loss"][-1],
        "final_g_loss": history.history["g_loss"][-1],
        **judge.rows(report, at_least={"label_accuracy": LABEL_ACCURACY_TARGET,
                                       "min_class_accuracy": WORST_DIGIT_TARGET}),
        "grid": Row(grid.paths[-1] if grid.paths else None,
                    "grid (one digit per column)"),
        "loss_curves": viz.plot_history(history, os.path.join(run.out, "losses.png"),
                                        keys=["d_loss", "g_loss"],
                                        title="conditional GAN losses"),
        **export_if_asked(model, run.export, f"serve: z[None, {latent_dim}], "
                                             "labels[None] int32 -> images in [-1, 1]"),
    }


@exercise("wgan-gp", "DCGAN (non-saturating) for --epochs, then WGAN-GP for the "
                     "same training time: FID and KID.")
def wgan_gp(run: Run, *, epochs: Count = 30, batch_size: Count = 64,
            latent_dim: Count = 64, train_size: Count | None = None) -> dict:
    """The DCGAN with the non-saturating loss, then with WGAN-GP (5 critic
    steps per generator step) for as long as the first took.

    Args:
        epochs: training epochs of the DCGAN (WGAN-GP gets its training time).
        batch_size: images per minibatch.
        latent_dim: size of the generator's latent vector.
        train_size: train on the first N training digits (default: all).
    """
    samples, trained = {}, {}
    budget = None
    for loss in ("non_saturating", "wasserstein_gp"):
        reseed(run.seed)
        gan, dataset = dcgan_on_digits(latent_dim, batch_size, run.seed, train_size,
                                       loss)
        # The DCGAN trains for --epochs; WGAN-GP for as long as that took.
        limit = callbacks.TimeLimit(budget or float("inf"))
        history = gan.fit(dataset, epochs=epochs if budget is None
                          else 100 * epochs, callbacks=[limit, *run.backup()],
                          verbose=run.verbose)
        budget = budget or limit.elapsed
        trained[loss] = {
            "epochs": len(history.history["d_loss"]),
            "generator steps": int(gan.g_optimizer.iterations),
            "discriminator steps": int(gan.d_optimizer.iterations),
            "seconds": limit.elapsed,
        }
        samples[loss] = gan.sample(1000, seed=run.seed + 1)
    judge = SampleJudge()
    measured = {loss: judge.report(s) for loss, s in samples.items()}
    figure = viz.save_image_grid(
        np.concatenate([samples["non_saturating"][:64],
                        samples["wasserstein_gp"][:64]]),
        os.path.join(run.out, "samples.png"), value_range=(-1, 1), cols=16,
        title="top: DCGAN (non-saturating); bottom: WGAN-GP")
    return {**judge.floors(), "training": trained, "quality": _quality(measured),
            "samples": figure}


def _compare_objectives(run, runs, epochs, batch_size, latent_dim, train_size,
                        figure, title):
    """Trains one DCGAN per ``runs`` entry ``{name: (loss, feature_matching)}``
    from the same initial weights for ``epochs`` each, and measures 1,000
    samples of each: the summary rows of `losses` and `feature_matching`."""
    samples, training = {}, {}
    for name, (loss, feature_layer) in runs.items():
        reseed(run.seed)
        gan, dataset = dcgan_on_digits(latent_dim, batch_size, run.seed, train_size,
                                       loss, feature_matching=feature_layer)
        timer = callbacks.EpochTimer()
        history = gan.fit(dataset, epochs=epochs,
                          callbacks=[timer, *run.backup()], verbose=run.verbose)
        samples[name] = gan.sample(1000, seed=run.seed + 1)
        training[name] = {
            "generator steps": int(gan.g_optimizer.iterations),
            "s/epoch": timer.typical_epoch_seconds(),
            "final d_loss": history.history["d_loss"][-1],
            "final g_loss": history.history["g_loss"][-1],
        }
    judge = SampleJudge()
    measured = {name: judge.report(s) for name, s in samples.items()}
    grid = viz.save_image_grid(
        np.concatenate([s[:16] for s in samples.values()]),
        os.path.join(run.out, figure), value_range=(-1, 1), cols=16,
        title=title + ", ".join(runs))
    return {**judge.floors(), "training": training, "quality": _quality(measured),
            "samples": grid}


@exercise("losses", "The same DCGAN under each loss family (minimax, "
                    "non-saturating, least-squares, hinge, WGAN-GP, feature "
                    "matching): grids and FID side by side.")
def losses(run: Run, *, epochs: Count = 15, batch_size: Count = 64,
           latent_dim: Count = 64, train_size: Count | None = None) -> dict:
    """One DCGAN, from the same initial weights, under each loss family, and
    with G's feature matching on D's last hidden layer.

    Args:
        epochs: training epochs of each.
        batch_size: images per minibatch.
        latent_dim: size of the generator's latent vector.
        train_size: train on the first N training digits (default: all).
    """
    runs = {loss: (loss, None) for loss in ("minimax", "non_saturating",
                                            "least_squares", "hinge",
                                            "wasserstein_gp")}
    runs["feature_matching"] = ("non_saturating", "features")
    return _compare_objectives(run, runs, epochs, batch_size, latent_dim,
                               train_size, "samples_by_loss.png", "rows: ")


@exercise("feature-matching", "G matches the mean of one of D's layers (Salimans "
                              "et al. 2016) instead of fooling D: each layer "
                              "against the non-saturating loss.")
def feature_matching(run: Run, *, epochs: Count = 7, batch_size: Count = 64,
                     latent_dim: Count = 64,
                     train_size: Count | None = None) -> dict:
    """The DCGAN with the non-saturating loss, then with G's feature matching
    on each of `FEATURE_LAYERS` (D keeps the non-saturating loss), from the
    same initial weights.

    Args:
        epochs: training epochs of each.
        batch_size: images per minibatch.
        latent_dim: size of the generator's latent vector.
        train_size: train on the first N training digits (default: all).
    """
    runs = {"non_saturating": ("non_saturating", None)}
    runs.update({f"matching {layer}": ("non_saturating", layer)
                 for layer in FEATURE_LAYERS})
    return _compare_objectives(run, runs, epochs, batch_size, latent_dim,
                               train_size, "samples_by_layer.png", "rows: ")


@exercise("interpolation", "Latent walks: decode straight (and spherical) paths "
                           "between latent points of a trained DCGAN.")
def interpolation(run: Run, *, epochs: Count = 30, batch_size: Count = 64,
                  latent_dim: Count = 64, train_size: Count | None = None) -> dict:
    """Trains the DCGAN, then decodes linear and spherical walks between
    latent points.

    Args:
        epochs: training epochs of the DCGAN.
        batch_size: images per minibatch.
        latent_dim: size of the generator's latent vector.
        train_size: train on the first N training digits (default: all).
    """
    gan, dataset = dcgan_on_digits(latent_dim, batch_size, run.seed, train_size)
    gan.fit(dataset, epochs=epochs, callbacks=run.backup(), verbose=run.verbose)
    rng = np.random.default_rng(run.seed)
    ends = rng.standard_normal((2, 8, latent_dim)).astype("float32")
    steps = 10
    walks = {}
    for kind in ("linear", "spherical"):
        paths = interpolate(ends[0], ends[1], steps, kind=kind)  # (8, steps, d)
        images = gan.generator.predict(paths.reshape(-1, latent_dim), verbose=0)
        walks[kind] = viz.save_image_grid(
            images, os.path.join(run.out, f"walks_{kind}.png"), value_range=(-1, 1),
            cols=steps, title=f"{kind} interpolation: one walk per row")
    norms = {kind: [float(n) for n in np.linalg.norm(
                 interpolate(ends[0, 0], ends[1, 0], 5, kind=kind), axis=-1)]
             for kind in ("linear", "spherical")}
    return {
        "walks": walks,
        "walk_norms": Row(norms, "latent norm along one walk (linear dips toward "
                                 "0, where N(0, I) puts almost no mass; spherical "
                                 "keeps it)", "{:.2f}"),
        "typical_latent_norm": Row(float(np.sqrt(latent_dim)),
                                   "typical norm of a latent", "{:.2f}"),
    }


@exercise("augmentation", "A classifier trained on a small labelled subset "
                          "(--train-size, default 500) alone, with as many cGAN "
                          "samples of the same subset, and with 5,000.")
def augmentation(run: Run, *, epochs: Count = 150, batch_size: Count = 64,
                 latent_dim: Count = 64, train_size: Count = 500,
                 classifier_updates: Count = 4) -> dict:
    """A conditional DCGAN trained on a random labelled subset, whose samples
    are extra training data for a LeNet classifier of that subset.

    Args:
        epochs: training epochs of the conditional DCGAN.
        batch_size: its minibatch (at most the subset's size).
        latent_dim: size of its latent vector.
        train_size: size of the random labelled subset.
        classifier_updates: classifier updates per labelled digit (the same
            number whatever the extra data).
    """
    (x_all, y_all), (x_test, y_test) = data.load_digits()
    # A random labelled subset of n digits.
    n = train_size
    order = np.random.default_rng(run.seed).permutation(len(x_all))[:n]
    x, y = x_all[order], y_all[order]
    cgan = conditional_dcgan(latent_dim, run.seed)
    cgan.fit(data.image_dataset(x, y, batch_size=min(batch_size, n),
                                scale="tanh", seed=run.seed),
             epochs=epochs, callbacks=run.backup(), verbose=run.verbose)
    labels = np.repeat(np.arange(10), 500)
    generated = (cgan.sample(labels=labels, seed=run.seed + 1) + 1.0) / 2.0
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
        reseed(run.seed)
        classifier = compile_classifier(builders.lenet(seed=run.seed))
        # The same number of updates for both (4 per labelled digit: 2,000
        # for 500), so the extra data is not just extra training time.
        steps = classifier_updates * n
        classifier.fit(xs, ys, batch_size=64, callbacks=run.backup(), verbose=0,
                       epochs=max(1, steps * 64 // len(xs)))
        accuracy[name] = float(classifier.evaluate(test, y_test, verbose=0)[1])
    grid = viz.save_image_grid(
        generated.reshape(10, 500, 28, 28)[:, :8].transpose(1, 0, 2, 3)
        .reshape(-1, 28, 28), os.path.join(run.out, "generated.png"), cols=10,
        title=f"cGAN trained on {n} labelled digits: one digit per column")
    return {"accuracy": Row(accuracy, "test accuracy", "{:.1%}"),
            "generated_samples": grid}
