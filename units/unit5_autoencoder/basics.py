"""Unit V exercises on deterministic autoencoders: compression, under- and
overcomplete codes, sparse, denoising and convolutional autoencoders, the linear
autoencoder vs PCA, and anomaly detection."""

import os
import time

import keras
import numpy as np

from keras_genai import builders
from keras_genai import metrics
from keras_genai import viz
from keras_genai.layers import Corruption
from keras_genai.regularizers import KLSparsity
from keras_genai.regularizers import L1Sparsity
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit5_autoencoder.common import per_image_mse
from units.unit5_autoencoder.common import side_by_side
from units.unit5_autoencoder.common import train_autoencoder
from units.unit5_autoencoder.common import unit_digits

COMPRESSION_SIZES = (2, 4, 8, 16, 32, 64, 128)
# Digits the anomaly detector is trained on; the others are the anomalies.
NORMAL_DIGITS = (0, 1, 2, 3, 4)


@exercise("compression", "Latent size vs reconstruction error: the compression / "
                         "quality trade-off.")
def compression(run: Run, *, epochs: Count = 30, batch_size: Count = 256,
                train_size: Count | None = None) -> dict:
    """A dense autoencoder with a linear code of each size in
    `COMPRESSION_SIZES`: test MSE against the compression ratio.

    Args:
        epochs: training epochs of each autoencoder.
        batch_size: digits per minibatch.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size, flatten=True)
    mse = {}
    for d in COMPRESSION_SIZES:
        reseed(run.seed)
        model = builders.dense_autoencoder((784,), latent_dim=d,
                                           latent_activation=None)
        train_autoencoder(model, x, epochs, batch_size, run.backup(),
                          run.verbose)
        mse[d] = float(per_image_mse(x_test, model.predict(x_test, verbose=0))
                       .mean())
        print(f"  latent {d:4d} (compression {784 / d:6.1f}x): test MSE "
              f"{mse[d]:.5f}", flush=True)
    curve = viz.plot_curves({"test MSE": (list(mse), list(mse.values()))},
                            os.path.join(run.out, "compression.png"),
                            xlabel="latent size", ylabel="MSE per pixel",
                            title="reconstruction error vs code size")
    return {
        "mse": Row(mse, "test MSE by latent size", "{:.5f}"),
        "compression_ratio": Row({d: 784 / d for d in mse},
                                 "compression ratio by latent size", "{:.1f}"),
        "curve": curve,
    }


@exercise("undercomplete-vs-overcomplete",
          "A 32-unit vs a 1,024-unit code: digit error, and how much of a small "
          "perturbation of the input each passes through.")
def under_over(run: Run, *, epochs: Count = 30, batch_size: Count = 256,
               train_size: Count | None = None) -> dict:
    """A 32-unit and a 1,024-unit code: how much of a small perturbation of the
    input each copies to its output.

    Args:
        epochs: training epochs of each autoencoder.
        batch_size: digits per minibatch.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size, flatten=True)
    rng = np.random.default_rng(run.seed)
    eps = rng.normal(0, 0.1, x_test.shape).astype("float32")
    results, panels = {}, [x_test[:10], x_test[:10] + 3 * eps[:10]]
    for name, d in (("undercomplete", 32), ("overcomplete", 1024)):
        reseed(run.seed)
        model = builders.dense_autoencoder((784,), hidden_units=(), latent_dim=d)
        train_autoencoder(model, x, epochs, batch_size, run.backup(),
                          run.verbose)
        clean = model.predict(x_test, verbose=0)
        moved = model.predict(x_test + eps, verbose=0)
        # ||f(x + eps) - f(x)||^2 / ||eps||^2: 1 for the identity, about
        # d / 784 for a projection onto a d-dimensional subspace.
        passed = float(((moved - clean) ** 2).sum() / (eps ** 2).sum())
        results[name] = {
            "code size": d,
            "test digit MSE": float(per_image_mse(x_test, clean).mean()),
            "share of an input perturbation passed through": passed,
        }
        panels.append(model.predict(x_test[:10] + 3 * eps[:10], verbose=0))
        print(f"  {name}: {results[name]}", flush=True)
    grid = viz.save_image_grid(
        np.clip(side_by_side(panels), 0, 1), os.path.join(run.out, "copies.png"),
        cols=10, title="digits; digits + noise (sd 0.3); the 32-unit and the "
                       "1,024-unit copies of the noisy digits")
    return {**results, "grid": grid}


@exercise("sparse", "Overcomplete sigmoid code with no penalty, an L1 penalty and "
                    "a KL sparsity penalty: average activations.")
def sparse(run: Run, *, epochs: Count = 30, batch_size: Count = 256,
           train_size: Count | None = None) -> dict:
    """A 256-unit sigmoid code without a penalty, with an L1 and with a KL
    sparsity penalty: how many units each digit uses.

    Args:
        epochs: training epochs of each autoencoder.
        batch_size: digits per minibatch.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size, flatten=True)
    settings = {
        "no penalty": None,
        "L1 (1e-3)": L1Sparsity(1e-3),
        "KL (rho=0.05, beta=3)": KLSparsity(target=0.05, weight=3.0),
    }
    results, curves = {}, {}
    for name, regularizer in settings.items():
        reseed(run.seed)
        model = builders.dense_autoencoder(
            (784,), hidden_units=(), latent_dim=256,
            latent_activation="sigmoid", activity_regularizer=regularizer)
        train_autoencoder(model, x, epochs, batch_size, run.backup(),
                          run.verbose)
        codes = model.encoder.predict(x_test, verbose=0)
        x_hat = model.predict(x_test, verbose=0)
        results[name] = {
            "mean activation": float(codes.mean()),
            "units above 0.1 per digit": float((codes > 0.1).sum(1).mean()),
            "test MSE": float(per_image_mse(x_test, x_hat).mean()),
        }
        curves[name] = np.sort(codes.mean(axis=0))[::-1]
        print(f"  {name}: {results[name]}", flush=True)
    figure = viz.plot_curves(curves, os.path.join(run.out, "unit_activations.png"),
                             xlabel="hidden unit (sorted)",
                             ylabel="mean activation on test digits",
                             title="256-unit sigmoid code")
    return {**results, "figure": figure}


@exercise("denoising", "Denoising autoencoder (Gaussian noise, sd 0.5): noisy / "
                       "denoised / clean grids and PSNR gain.")
def denoising(run: Run, *, epochs: Count = 40, batch_size: Count = 256,
              latent_dim: Count = 32, train_size: Count | None = None) -> dict:
    """A convolutional autoencoder trained on noisy digits against one trained
    on clean ones, both given noisy test digits: PSNR.

    Args:
        epochs: training epochs of each autoencoder.
        batch_size: digits per minibatch.
        latent_dim: size of the code.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size)
    corruption = Corruption("gaussian", amount=0.5, seed=run.seed,
                            name="corruption")
    noisy = np.asarray(corruption(x_test, training=True))
    models = {}
    for name, layer in (("denoising", corruption), ("plain", None)):
        reseed(run.seed)
        models[name] = builders.conv_autoencoder((28, 28, 1),
                                                 latent_dim=latent_dim,
                                                 corruption=layer)
        train_autoencoder(models[name], x, epochs, batch_size, run.backup(),
                          run.verbose)
    denoised = models["denoising"].predict(noisy, verbose=0)
    plain = models["plain"].predict(noisy, verbose=0)
    psnr_noisy = metrics.psnr(x_test, noisy)
    psnr_denoised = metrics.psnr(x_test, denoised)
    grid = viz.save_image_grid(
        side_by_side([noisy, denoised, plain, x_test]),
        os.path.join(run.out, "denoising.png"), cols=10,
        title="noisy; denoising AE; plain AE; clean")
    return {
        "psnr_noisy": Row(psnr_noisy, "PSNR noisy input (dB)", "{:.2f}"),
        "psnr_denoised": Row(psnr_denoised, "PSNR denoising autoencoder (dB)",
                             "{:.2f}"),
        "psnr_plain": Row(metrics.psnr(x_test, plain),
                          "PSNR plain autoencoder on noisy input (dB)", "{:.2f}"),
        "psnr_gain": Row(psnr_denoised - psnr_noisy, "PSNR gain (dB)", "{:.2f}"),
        "grid": grid,
    }


@exercise("conv", "Dense vs convolutional autoencoder at the same latent size: "
                  "error, parameters, time.")
def conv(run: Run, *, epochs: Count = 30, batch_size: Count = 256,
         latent_dim: Count = 32, train_size: Count | None = None) -> dict:
    """A dense and a convolutional autoencoder with codes of the same size:
    test MSE, weights and training time.

    Args:
        epochs: training epochs of each autoencoder.
        batch_size: digits per minibatch.
        latent_dim: size of the code of both.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size)
    results, panels = {}, [x_test]
    for name, build in (
            ("dense", lambda: builders.dense_autoencoder(
                (28, 28, 1), latent_dim=latent_dim, latent_activation=None)),
            ("convolutional", lambda: builders.conv_autoencoder(
                (28, 28, 1), latent_dim=latent_dim))):
        reseed(run.seed)
        model = build()
        start = time.perf_counter()
        train_autoencoder(model, x, epochs, batch_size, run.backup(),
                          run.verbose)
        seconds = time.perf_counter() - start
        x_hat = model.predict(x_test, verbose=0)
        panels.append(x_hat)
        results[name] = {"test MSE": float(per_image_mse(x_test, x_hat).mean()),
                         "parameters": model.count_params(),
                         "training seconds": seconds}
        print(f"  {name}: {results[name]}", flush=True)
    grid = viz.save_image_grid(side_by_side(panels),
                               os.path.join(run.out, "reconstructions.png"), cols=10,
                               title="test digits; dense; convolutional")
    return {**results, "latent_size": latent_dim, "grid": grid}


@exercise("pca", "A linear one-hidden-layer autoencoder vs PCA by SVD: principal "
                 "angles between the subspaces, and the basis is not orthonormal.")
def pca(run: Run, *, epochs: Count = 50, batch_size: Count = 64,
        latent_dim: Count = 16, train_size: Count | None = None) -> dict:
    """A linear one-hidden-layer autoencoder on centred digits against PCA
    (by SVD): principal angles between the subspaces, and W^T W.

    Args:
        epochs: training epochs.
        batch_size: digits per minibatch.
        latent_dim: size of the code (and number of principal components).
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size, flatten=True)
    d = latent_dim
    mean = x.mean(axis=0)
    xc, xtc = x - mean, x_test - mean
    _, singular, vt = np.linalg.svd(xc, full_matrices=False)
    components = vt[:d].T  # 784 x d, orthonormal
    encoder = builders.dense_encoder((784,), d, hidden_units=())
    decoder = builders.dense_decoder((784,), d, hidden_units=(),
                                     output_activation=None)
    image = keras.Input((784,), name="image")
    linear = builders.Autoencoder(image, decoder(encoder(image)),
                                  name="linear_autoencoder")
    train_autoencoder(linear, xc, epochs, batch_size, run.backup(), run.verbose)
    w_dec = decoder.get_layer("output").kernel.numpy().T  # 784 x d
    w_enc = encoder.get_layer("code").kernel.numpy()  # 784 x d
    angles = metrics.principal_angles(w_dec, components)
    enc_angles = metrics.principal_angles(w_enc, components)
    gram = w_dec.T @ w_dec
    figure = viz.plot_curves({"decoder": angles, "encoder": enc_angles},
                             os.path.join(run.out, "principal_angles.png"),
                             xlabel="angle index", ylabel="degrees",
                             title=f"linear AE vs top-{d} PCA subspace")
    return {
        "code_size": d,
        "max_angle": Row(float(angles.max()), "largest principal angle, decoder "
                                              "columns vs PCA (deg)", "{:.3f}",
                         at_most=5.0),
        "median_angle": Row(float(np.median(angles)),
                            "median principal angle (deg)", "{:.3f}"),
        "max_encoder_angle": Row(float(enc_angles.max()), "largest principal "
                                 "angle, encoder rows vs PCA (deg)", "{:.3f}"),
        "why_the_encoder_angle_is_larger":
            "pixels that are 0 in every training digit (the border) give their "
            "encoder weights no gradient, so those keep their random initial "
            "values; the decoder's columns are what the optimum fixes (Baldi & "
            "Hornik 1989)",
        "gram_error": Row(float(np.abs(gram - np.eye(d)).max()),
                          "max |W^T W - I| of the decoder (0 for an orthonormal "
                          "basis)", "{:.3f}"),
        "column_norms": Row([float(v) for v in np.linalg.norm(w_dec, axis=0)[:6]],
                            "column norms of W (PCA: all 1)", "{:.2f}"),
        "ae_mse": Row(float(per_image_mse(xtc, linear.predict(xtc, verbose=0))
                            .mean()), "test MSE linear AE", "{:.5f}"),
        "pca_mse": Row(float(per_image_mse(xtc, xtc @ components @ components.T)
                             .mean()), "test MSE PCA", "{:.5f}"),
        "variance_explained": Row(float((singular[:d] ** 2).sum()
                                        / (singular ** 2).sum()),
                                  "variance explained by the top components",
                                  "{:.3f}"),
        "figure": figure,
    }


@exercise("anomaly", "Train on digits 0-4, score test digits by reconstruction "
                     "error: ROC AUC per held-out digit.")
def anomaly(run: Run, *, epochs: Count = 40, batch_size: Count = 256,
            latent_dim: Count = 32, train_size: Count | None = None) -> dict:
    """A convolutional autoencoder trained on digits `NORMAL_DIGITS` scores the
    test digits by reconstruction error: ROC AUC of each other digit.

    Args:
        epochs: training epochs.
        batch_size: digits per minibatch.
        latent_dim: size of the code.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = unit_digits(train_size)
    normal = np.isin(y, NORMAL_DIGITS)
    model = builders.conv_autoencoder((28, 28, 1), latent_dim=latent_dim)
    train_autoencoder(model, x[normal], epochs, batch_size, run.backup(),
                      run.verbose)
    scores = per_image_mse(x_test, model.predict(x_test, verbose=0))
    test_normal = np.isin(y_test, NORMAL_DIGITS)
    auc = {int(c): metrics.roc_auc(scores[test_normal], scores[y_test == c])
           for c in range(10) if c not in NORMAL_DIGITS}
    mean_error = {int(c): float(scores[y_test == c].mean()) for c in range(10)}
    worst = np.argsort(-scores)[:10]
    grid = viz.save_image_grid(
        side_by_side([x_test[worst], model.predict(x_test[worst], verbose=0)]),
        os.path.join(run.out, "most_anomalous.png"), cols=10,
        title="highest reconstruction errors (top) and reconstructions")
    bars = viz.plot_curves({"mean error": (list(range(10)),
                                           list(mean_error.values()))},
                           os.path.join(run.out, "error_by_digit.png"),
                           xlabel="digit", ylabel="reconstruction MSE",
                           title=f"trained on {NORMAL_DIGITS}")
    return {
        "trained_on_digits": list(NORMAL_DIGITS),
        "auc": Row(auc, "ROC AUC per held-out digit", "{:.3f}"),
        "auc_all": Row(metrics.roc_auc(scores[test_normal], scores[~test_normal]),
                       "ROC AUC, all held-out digits", "{:.3f}"),
        "mean_error": Row(mean_error, "mean reconstruction error per digit",
                          "{:.4f}"),
        "most_anomalous": Row([int(c) for c in y_test[worst]],
                              "most anomalous test digits are"),
        "grid": grid, "figure": bars,
    }


# The encoders of `deep` (the decoder mirrors each), all with a 32-unit code.
DEPTHS = {"784-32": (), "784-128-32": (128,), "784-128-64-32": (128, 64),
          "784-512-256-128-64-32": (512, 256, 128, 64),
          "784-1024-32 (wide)": (1024,)}


@exercise("reconstruction-loss", "MSE against binary cross-entropy as the "
                                 "reconstruction loss of the same autoencoder: "
                                 "errors, sharpness, the digit kept.")
def reconstruction_loss(run: Run, *, epochs: Count = 30, batch_size: Count = 256,
                        latent_dim: Count = 32,
                        train_size: Count | None = None) -> dict:
    """The course's dense autoencoder trained with each loss from the same
    initial weights: the test error in both measures, how sharp the
    reconstructions are, and whether the classifier still reads them.

    Args:
        epochs: training epochs of each.
        batch_size: digits per minibatch.
        latent_dim: code size.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = unit_digits(train_size)
    classifier = metrics.digit_classifier()
    rows, panels = {}, [x_test]
    for name, loss in (("MSE", "mse"), ("binary cross-entropy",
                                        "binary_crossentropy")):
        reseed(run.seed)
        model = builders.dense_autoencoder((28, 28, 1), latent_dim=latent_dim)
        model.compile(keras.optimizers.Adam(1e-3), loss)
        model.fit(x, x, epochs=epochs, batch_size=batch_size, shuffle=True,
                  callbacks=run.backup(), verbose=run.verbose)
        x_hat = model.predict(x_test, verbose=0)
        panels.append(x_hat)
        clipped = np.clip(x_hat, 1e-7, 1 - 1e-7)
        rows[name] = {
            "test MSE": float(per_image_mse(x_test, x_hat).mean()),
            "test BCE (per pixel)": float(-np.mean(
                x_test * np.log(clipped) + (1 - x_test) * np.log(1 - clipped))),
            # Grey pixels: neither background (< 0.1) nor ink (> 0.9).
            "grey pixel share": float(np.mean((x_hat > 0.1) & (x_hat < 0.9))),
            "classifier accuracy": float(np.mean(metrics.classify(
                x_hat, classifier=classifier, value_range=(0, 1)).argmax(1)
                == y_test)),
        }
    rows["test digits"] = {"grey pixel share": float(np.mean((x_test > 0.1)
                                                             & (x_test < 0.9)))}
    grid = viz.save_image_grid(side_by_side(panels), os.path.join(
        run.out, "reconstructions.png"), cols=10,
        title="test digits; MSE; binary cross-entropy")
    return {"table": Row(rows, "the same autoencoder, two losses", "{:.4f}"),
            "grid": grid}


@exercise("deep", "Depth and width of a dense autoencoder at the same 32-unit "
                  "code: test error, parameters, training time.")
def deep(run: Run, *, epochs: Count = 30, batch_size: Count = 256,
         train_size: Count | None = None) -> dict:
    """Each encoder of `DEPTHS` (ReLU, the decoder mirrored, a linear 32-unit
    code) trained the same way.

    Args:
        epochs: training epochs of each.
        batch_size: digits per minibatch.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size, flatten=True)
    rows = {}
    for name, hidden in DEPTHS.items():
        reseed(run.seed)
        model = builders.dense_autoencoder((784,), hidden_units=hidden,
                                           latent_dim=32, latent_activation=None)
        start = time.perf_counter()
        history = train_autoencoder(model, x, epochs, batch_size, run.backup(),
                                    run.verbose, x_val=x_test)
        rows[name] = {"test MSE": float(per_image_mse(
                          x_test, model.predict(x_test, verbose=0)).mean()),
                      "train MSE": float(history.history["loss"][-1]),
                      "parameters": model.count_params(),
                      "seconds": time.perf_counter() - start}
        print(f"  {name}: {rows[name]}", flush=True)
    return {"table": Row(rows, f"32-unit code, {epochs} epochs", "{:.4g}")}
