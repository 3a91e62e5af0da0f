"""Unit V exercises on variational autoencoders: the VAE's latent space, its
samples and ELBO, and the conditional VAE."""

import os
from statistics import NormalDist

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import metrics
from keras_genai import models
from keras_genai import utils
from keras_genai import viz
from units.common import export_if_asked
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit5_autoencoder.common import unit_digits

# Kingma & Welling (2014), appendix C: one hidden layer of 500 units on MNIST.
# With early stopping on 500 held-out training digits it gave a test ELBO of
# -102.0 nats here, against -104.7 for the keras-io example's 512-256 and -107.2
# for 256-128 (seed 0).
VAE_HIDDEN = (500,)
ELBO_PASSES = 10  # evaluate's one-sample ELBO averaged over this many passes
VALIDATION_DIGITS = 500  # held out of the training digits for early stopping
PATIENCE = 10
# Latent sizes the cvae exercise compares (with --latent-dim added).
CVAE_LATENT_SIZES = (2, 4, 8, 16)


def build_vae(latent_dim, num_classes=None, seed=0):
    """A dense VAE (or conditional VAE) for 28x28 binarized digits.

    Example:

    >>> model = build_vae(20, seed=0)
    >>> model.compile(optimizer=keras.optimizers.Adam(1e-3))
    """
    encoder = builders.dense_encoder((28, 28, 1), latent_dim, VAE_HIDDEN,
                                     variational=True, num_classes=num_classes)
    decoder = builders.dense_decoder((28, 28, 1), latent_dim, VAE_HIDDEN[::-1],
                                     num_classes=num_classes)
    if num_classes:
        return models.ConditionalVAE(encoder, decoder, num_classes=num_classes,
                                     seed=seed)
    return models.VAE(encoder, decoder, seed=seed)


def fit_with_early_stopping(model, x, y, epochs, batch_size, callbacks=(),
                            verbose=0, monitor="val_elbo", mode="max",
                            patience=PATIENCE):
    """Fits on all but the first `VALIDATION_DIGITS` training digits and stops
    when their ELBO (or ``monitor``) has not improved for ``patience`` epochs,
    keeping the best weights (4,000 digits are few: the 20-D VAE's training
    ELBO keeps rising long after the held-out one has peaked).

    Args:
        model: the compiled model (its ``fit`` takes ``x`` or ``(x, y)``).
        x: the training images; the first `VALIDATION_DIGITS` are held out.
        y: their labels (a conditional model), or ``None``.
        epochs: the most epochs.
        batch_size: images per minibatch.
        callbacks: more callbacks of the ``fit`` (``run.backup()``).
        verbose: Keras' verbosity.
        monitor, mode, patience: of the ``EarlyStopping``.

    Example:

    >>> history = fit_with_early_stopping(model, x, None, 150, 100,
    ...                                   run.backup(), run.verbose)
    >>> history = fit_with_early_stopping(pixelcnn, x, None, 10, 64,
    ...                                   monitor="val_loss", mode="min")
    """
    n = VALIDATION_DIGITS
    stop = keras.callbacks.EarlyStopping(monitor=monitor, mode=mode,
                                         patience=patience,
                                         restore_best_weights=True)
    if y is None:
        return model.fit(x[n:], validation_data=(x[:n],), epochs=epochs,
                         batch_size=batch_size, callbacks=[stop, *callbacks],
                         verbose=verbose)
    return model.fit(x[n:], y[n:], validation_data=(x[:n], y[:n]),
                     epochs=epochs, batch_size=batch_size,
                     callbacks=[stop, *callbacks], verbose=verbose)


def mean_elbo(model, x, y=None, batch_size=500, passes=ELBO_PASSES):
    """The one-sample ELBO (nats per image) averaged over ``passes``
    evaluations, so the estimate's noise is small against the differences we
    report.

    Example:

    >>> mean_elbo(model, x_test)["elbo"]  # doctest: +SKIP
    -102.1
    """
    # One evaluation of the data repeated ``passes`` times: every pass has the
    # same batches, so the mean over all batches is the mean of the passes'
    # means, and a distributed model makes its per-replica iterator once
    # (under MirroredStrategy that took 1.6 s per evaluation on 2 CPUs).
    data = tf.data.Dataset.from_tensor_slices((x,) if y is None else (x, y))
    values = model.evaluate(data.batch(batch_size).repeat(passes), verbose=0,
                            return_dict=True)
    return {k: float(v) for k, v in values.items()}


@exercise("vae", "VAE on binarized digits: 2-D latent map by label, decoded "
                 "manifold, samples, interpolation; test ELBO of a 20-D VAE in "
                 "nats.",
          export=os.path.join("saved_models", "unit5_vae"))
def vae(run: Run, *, epochs: Count = 150, batch_size: Count = 100,
        latent_dim: Count = 20, train_size: Count | None = None) -> dict:
    """A 2-D VAE (its latent map and decoded manifold) and a ``latent_dim``-D
    one (samples, interpolation, ELBO) on binarized digits, with early
    stopping on `VALIDATION_DIGITS` held-out training digits.

    Args:
        epochs: the most epochs of each VAE (early stopping).
        batch_size: digits per minibatch.
        latent_dim: latent size of the second VAE (the first has 2).
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = unit_digits(train_size, binarize=True)
    latent = latent_dim
    results = {}
    trained = {}
    for d in (2, latent):
        reseed(run.seed)
        model = build_vae(d, seed=run.seed)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        print(f"Training a {d}-D VAE on {len(x) - VALIDATION_DIGITS} binarized "
              f"digits (up to {epochs} epochs, early stopping on "
              f"{VALIDATION_DIGITS} held out).", flush=True)
        history = fit_with_early_stopping(model, x, None, epochs, batch_size,
                                          run.backup(), run.verbose)
        train = mean_elbo(model, x[VALIDATION_DIGITS:])
        test = mean_elbo(model, x_test)
        results[d] = {"train ELBO": train["elbo"], "test ELBO": test["elbo"],
                      "test reconstruction": test["reconstruction"],
                      "test KL": test["kl"],
                      "epochs": len(history.history["elbo"])}
        trained[d] = (model, history)
        print(f"  latent {d}: {results[d]}", flush=True)
    small, _ = trained[2]
    big, history = trained[latent]
    scatter = viz.plot_latent_scatter(small.encode(x_test), y_test,
                                      os.path.join(run.out, "latent_2d.png"),
                                      title="posterior means of test digits")
    # The manifold: a 15x15 grid of latents at equally spaced quantiles of the
    # prior, decoded (Kingma & Welling 2014, fig. 4).
    q = np.array([NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, 15)])
    grid_z = np.stack(np.meshgrid(q, q[::-1]), axis=-1).reshape(-1, 2)
    manifold = viz.save_image_grid(small.decode(grid_z),
                                   os.path.join(run.out, "manifold.png"), cols=15,
                                   title="decoded 2-D latent grid")
    samples = viz.save_image_grid(big.sample(100, seed=run.seed),
                                  os.path.join(run.out, "samples.png"), cols=10,
                                  title=f"samples of the {latent}-D VAE")
    pairs = [(0, 1), (2, 3), (4, 5)]
    codes = big.encode(x_test[:6])
    walks = [big.decode(utils.interpolate(codes[a], codes[b], 10))
             for a, b in pairs]
    interpolation = viz.save_image_grid(np.concatenate(walks),
                                        os.path.join(run.out, "interpolation.png"),
                                        cols=10, title="straight lines between codes")
    curves = viz.plot_history(history, os.path.join(run.out, "elbo.png"),
                              keys=["elbo", "val_elbo"],
                              title=f"{latent}-D VAE: ELBO of training and "
                                    "held-out digits (nats)")
    main = results[latent]
    return {
        "test_elbo": Row(main["test ELBO"], f"test ELBO, {latent}-D VAE (nats per "
                                            "image)", "{:.2f}"),
        "train_elbo": Row(main["train ELBO"], f"train ELBO, {latent}-D VAE",
                          "{:.2f}"),
        "test_reconstruction": Row(main["test reconstruction"],
                                   f"test reconstruction, {latent}-D", "{:.2f}"),
        "test_kl": Row(main["test KL"], f"test KL, {latent}-D", "{:.2f}"),
        "epochs": Row({f"{d}-D": r["epochs"] for d, r in results.items()},
                      "epochs (early stopping)"),
        "test_elbo_2d": Row(results[2]["test ELBO"], "test ELBO, 2-D VAE", "{:.2f}"),
        "published_fully_connected_vaes_on_full_mnist": "about -90 to -95 nats",
        "latent_scatter": scatter, "manifold": manifold, "samples": samples,
        "interpolation": interpolation, "elbo_curves": Row(curves, "ELBO curves"),
        **export_if_asked(big, run.export, f"encode, decode, sample(n, seed) of "
                                           f"the {latent}-D VAE"),
    }


@exercise("cvae", "Conditional VAE: label accuracy of samples and ELBO against the "
                  "latent size, a grid of requested digits, one style drawn as "
                  "every digit.")
def cvae(run: Run, *, epochs: Count = 150, batch_size: Count = 100,
         latent_dim: Count = 8, train_size: Count | None = None) -> dict:
    """Conditional VAEs of latent sizes `CVAE_LATENT_SIZES` and ``latent_dim``:
    how often their samples are the requested digit, and one style drawn as
    every digit.

    Args:
        epochs: the most epochs of each conditional VAE (early stopping).
        batch_size: digits per minibatch.
        latent_dim: the latent size added to the comparison, whose model draws
            the style-transfer grid.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = unit_digits(train_size, binarize=True)
    sizes = sorted(set(CVAE_LATENT_SIZES) | {latent_dim})
    labels = np.tile(np.arange(10), 100)
    rows, grid_rows, models_by_size = {}, [], {}
    for d in sizes:
        reseed(run.seed)
        model = build_vae(d, num_classes=10, seed=run.seed)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        print(f"Training a conditional VAE with latent {d} (early stopping).",
              flush=True)
        fit_with_early_stopping(model, x, y, epochs, batch_size, run.backup(),
                                run.verbose)
        samples = model.sample(labels=labels, seed=run.seed)
        accuracy = metrics.label_accuracy(
            metrics.classify(samples, value_range=(0.0, 1.0)), labels)
        rows[d] = {"label accuracy": accuracy["accuracy"],
                   "worst digit": accuracy["min_class_accuracy"],
                   "test ELBO": mean_elbo(model, x_test, y_test)["elbo"]}
        grid_rows.append(samples[:20])
        models_by_size[d] = model
        print(f"  latent {d}: {rows[d]}", flush=True)
    grid = viz.save_image_grid(
        np.concatenate(grid_rows), os.path.join(run.out, "samples.png"), cols=10,
        title="columns: requested digit; two rows per latent size "
              + ", ".join(map(str, sizes)))
    curve = viz.plot_curves(
        {"label accuracy": (sizes, [rows[d]["label accuracy"] for d in sizes])},
        os.path.join(run.out, "label_accuracy.png"), xlabel="latent size",
        ylabel="share recognised as the requested digit",
        title="conditional VAE: more latent room, less use of the label")
    # One style, every digit: the codes of 5 test digits, decoded with each
    # label (the latent carries the style, the label the class).
    model = models_by_size[latent_dim]
    codes = model.encode(x_test[:5], y_test[:5])
    transfer = model.decode(np.repeat(codes, 10, axis=0), np.tile(np.arange(10), 5))
    transfer_grid = viz.save_image_grid(
        transfer, os.path.join(run.out, "style_transfer.png"), cols=10,
        title=f"latent {latent_dim}: each row one test digit's code decoded "
              "as 0-9")
    return {
        "label_accuracy_by_size": Row(
            {d: r["label accuracy"] for d, r in rows.items()},
            "label accuracy of 1,000 samples by latent size", "{:.1%}"),
        "worst_digit_by_size": Row({d: r["worst digit"] for d, r in rows.items()},
                                   "worst digit's label accuracy by latent size",
                                   "{:.1%}"),
        "test_elbo_by_size": Row({d: r["test ELBO"] for d, r in rows.items()},
                                 "test ELBO by latent size", "{:.2f}"),
        "samples": grid, "label_accuracy_figure": curve,
        "style_transfer": Row(transfer_grid,
                              f"style transfer (latent {latent_dim})"),
    }


# The KL weights of `posterior-collapse`, and the free-bits remedy's lambda.
COLLAPSE_BETAS = (0.1, 1.0, 4.0, 10.0)
FREE_BITS = 0.5


def active_units(mean, threshold=0.01):
    """Latent dimensions whose posterior mean moves with the input: ``A_u =
    Cov_x(E_q[z_u | x]) > threshold`` (Burda et al. 2016, sec. 5.2). A
    collapsed dimension has ``q(z_u | x) = p(z_u)`` for every ``x``, so its
    mean does not move.

    Example:

    >>> active_units(vae.encode(x_test))
    11
    """
    return int(np.sum(np.var(np.asarray(mean), axis=0) > threshold))


@exercise("posterior-collapse", "Betas 0.1 / 1 / 4 / 10 on a wide decoder: KL per "
                                "latent dimension, active units, the ELBO split; "
                                "free bits as the remedy.")
def posterior_collapse(run: Run, *, epochs: Count = 20, batch_size: Count = 100,
                       latent_dim: Count = 16, decoder_units: Count = 1024,
                       train_size: Count | None = None) -> dict:
    """A VAE with a strong (wide, two-layer) decoder at each of
    `COLLAPSE_BETAS`, then at the largest with free bits (`FREE_BITS` nats per
    dimension): how many latent dimensions each keeps in use.

    Args:
        epochs: training epochs of each VAE.
        batch_size: digits per minibatch.
        latent_dim: latent size.
        decoder_units: width of the decoder's two hidden layers (the encoder
            has one of 500).
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size, binarize=True)
    settings = {f"beta {b:g}": dict(beta=b) for b in COLLAPSE_BETAS}
    settings[f"beta {COLLAPSE_BETAS[-1]:g}, free bits {FREE_BITS:g}"] = dict(
        beta=COLLAPSE_BETAS[-1], free_bits=FREE_BITS)
    rows, per_dimension = {}, {}
    for name, options in settings.items():
        reseed(run.seed)
        model = models.VAE(
            builders.dense_encoder((28, 28, 1), latent_dim, VAE_HIDDEN,
                                   variational=True),
            builders.dense_decoder((28, 28, 1), latent_dim,
                                   (decoder_units, decoder_units)),
            seed=run.seed, **options)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        print(f"Training the VAE, {name}, for {epochs} epochs.", flush=True)
        model.fit(x, epochs=epochs, batch_size=batch_size, callbacks=run.backup(),
                  verbose=run.verbose)
        mean, log_var = model.encode(x_test, return_log_var=True)
        kl = 0.5 * np.mean(mean ** 2 + np.exp(log_var) - log_var - 1.0, axis=0)
        test = mean_elbo(model, x_test)
        per_dimension[name] = np.sort(kl)[::-1]
        rows[name] = {"active units": active_units(mean),
                      "test KL": test["kl"],
                      "test reconstruction": test["reconstruction"],
                      "test ELBO": test["elbo"]}
        print(f"  {name}: {rows[name]}", flush=True)
    figure = viz.plot_curves(
        {name: (np.arange(1, latent_dim + 1), values)
         for name, values in per_dimension.items()},
        os.path.join(run.out, "kl_per_dimension.png"), xlabel="latent dimension "
        "(sorted)", ylabel="KL (nats)", title="KL of each latent dimension, "
                                              "test digits")
    return {
        "table": Row(rows, f"{latent_dim}-D VAE, decoder 2 x {decoder_units}, "
                           f"{epochs} epochs (nats per digit)", "{:.2f}",
                     note="active: posterior mean varies with x (variance > 0.01)"),
        "kl_per_dimension": Row({k: [float(v) for v in values]
                                 for k, values in per_dimension.items()},
                                "KL per dimension, largest first", "{:.2f}"),
        "figure": figure,
    }
