"""Unit V exercises on what autoencoders learn: ``features`` (their codes read
by a linear classifier), ``filters`` (the first layer's weights),
``latent-space`` (a plain autoencoder's 2-D codes against a VAE's: continuity
and completeness) and ``face-swap`` (one encoder, two decoders)."""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai import metrics
from keras_genai import viz
from keras_genai.layers import Corruption
from keras_genai.regularizers import L1Sparsity
from keras_genai.utils.batching import map_fixed_batches
from units.common import classifier_accuracy
from units.common import linear_probe
from units.common import load_export
from units.common import reseed
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit5_autoencoder.common import per_image_mse
from units.unit5_autoencoder.common import train_autoencoder
from units.unit5_autoencoder.common import unit_digits
from units.unit5_autoencoder.variational import build_vae

# The exported encoders `features` reads next to its own autoencoders: the
# folder under --models-dir, the command that writes it and the value range
# its encoder takes.
ENCODERS = {
    "BiGAN E(x)": ("unit5_bigan", "python -m units.unit5_autoencoder --exercise "
                                  "bigan", (-1.0, 1.0)),
    "MAE encoder": ("unit7_mae", "python -m units.unit7_attention --exercise mae",
                    (0.0, 1.0)),
}


def _autoencoders(latent_dim, seed):
    """The autoencoders whose codes `features` reads, built from ``seed``."""
    made = {}
    reseed(seed)
    made["plain (dense)"] = builders.dense_autoencoder(
        (28, 28, 1), latent_dim=latent_dim, latent_activation=None)
    reseed(seed)
    made["denoising (dense)"] = builders.dense_autoencoder(
        (28, 28, 1), latent_dim=latent_dim, latent_activation=None,
        corruption=Corruption("gaussian", amount=0.5, seed=seed))
    reseed(seed)
    made["sparse (256 sigmoid, L1)"] = builders.dense_autoencoder(
        (28, 28, 1), hidden_units=(), latent_dim=256, latent_activation="sigmoid",
        activity_regularizer=L1Sparsity(1e-3))
    reseed(seed)
    made["convolutional"] = builders.conv_autoencoder((28, 28, 1),
                                                      latent_dim=latent_dim)
    return made


def _exported_codes(name, folder, x, x_test):
    """Codes of an exported encoder, or ``None`` when it is not exported."""
    subfolder, _, (low, high) = ENCODERS[name]
    loaded, _ = load_export(folder, subfolder)
    if loaded is None:
        return None

    def codes(images):
        scaled = (low + images * (high - low)).astype(np.float32)
        return map_fixed_batches(loaded.encode, [scaled], 500)
    return codes(x).reshape(len(x), -1), codes(x_test).reshape(len(x_test), -1)


@exercise("features", "Autoencoder codes as features: a linear classifier on the "
                      "codes of plain, denoising, sparse and convolutional "
                      "autoencoders and a VAE, next to raw pixels, BiGAN and MAE.")
def features(run: Run, *, epochs: Count = 20, batch_size: Count = 128,
             latent_dim: Count = 32, probe_epochs: Count = 100,
             models_dir: str = "saved_models",
             train_size: Count | None = None) -> dict:
    """Trains each autoencoder, then the same linear probe
    (`units.common.linear_probe`) on each one's codes of the training digits.

    Args:
        epochs: training epochs of each autoencoder and of the VAE.
        batch_size: digits per minibatch.
        latent_dim: code size of the plain, denoising and convolutional
            autoencoders (the sparse one has 256 sigmoid units, the VAE 20).
        probe_epochs: epochs of each linear classifier.
        models_dir: where the BiGAN and MAE exports are looked for.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = unit_digits(train_size)
    codes = {"raw pixels (784)": (x.reshape(len(x), -1),
                                  x_test.reshape(len(x_test), -1))}
    for name, model in _autoencoders(latent_dim, run.seed).items():
        print(f"Training the {name} autoencoder for {epochs} epochs.", flush=True)
        train_autoencoder(model, x, epochs, batch_size, run.backup(), run.verbose)
        codes[name] = tuple(model.encoder.predict(v, verbose=0).reshape(len(v), -1)
                            for v in (x, x_test))
    reseed(run.seed)
    vae = build_vae(20, seed=run.seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    binary, binary_test = (x > 0.5).astype("float32"), (x_test > 0.5).astype("float32")
    vae.fit(binary, epochs=epochs, batch_size=100, callbacks=run.backup(),
            verbose=run.verbose)
    codes["VAE mean (20)"] = (vae.encode(binary), vae.encode(binary_test))
    missing = {}
    for name, (_, command, _) in ENCODERS.items():
        exported = _exported_codes(name, models_dir, x, x_test)
        if exported is None:
            missing[name] = f"no export under {models_dir}: {command}"
        else:
            codes[name] = exported
    accuracy = {}
    for name, (train_codes, test_codes) in codes.items():
        accuracy[f"{name}, {train_codes.shape[1]} features"] = linear_probe(
            train_codes, y, test_codes, y_test, run.seed, probe_epochs)
        print(f"  {name}: {list(accuracy.values())[-1]:.1%}", flush=True)
    return {
        "accuracy": Row(accuracy, "linear classifier test accuracy (the same "
                                  f"probe, {probe_epochs} epochs)", "{:.1%}"),
        **({"not_measured": Row(missing, "not measured")} if missing else {}),
    }


def _concentration(weights, share=0.1):
    """The share of each filter's squared weight in its largest ``share`` of
    pixels: high for a localised stroke detector, ``share`` for a flat one."""
    energy = np.sort(weights.reshape(-1, weights.shape[-1]) ** 2, axis=0)[::-1]
    top = max(1, int(share * energy.shape[0]))
    return float(np.mean(energy[:top].sum(0) / energy.sum(0)))


@exercise("filters", "The first layer's weights of a dense and a convolutional "
                     "autoencoder drawn as images: strokes and edges.")
def filters(run: Run, *, epochs: Count = 20, batch_size: Count = 128,
            train_size: Count | None = None) -> dict:
    """Trains the course's dense autoencoder (784-128-64-32) and the
    convolutional one, and draws their first layers' weights.

    Args:
        epochs: training epochs of each.
        batch_size: digits per minibatch.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size)
    trained, initial = {}, {}
    for name, build in (("dense", lambda: builders.dense_autoencoder((28, 28, 1))),
                        ("convolutional", lambda: builders.conv_autoencoder(
                            (28, 28, 1), filters=(32, 64), kernel_size=5))):
        reseed(run.seed)
        model = build()
        first = next(layer for layer in model.encoder.layers if layer.weights)
        initial[name] = first.kernel.numpy().copy()
        train_autoencoder(model, x, epochs, batch_size, run.backup(), run.verbose)
        trained[name] = (first.kernel.numpy(), float(per_image_mse(
            x_test, model.predict(x_test, verbose=0)).mean()))
    dense, _ = trained["dense"]
    conv, _ = trained["convolutional"]
    # Each dense unit's 784 weights as a 28x28 image, each scaled to its range.
    tiles = dense.T.reshape(-1, 28, 28, 1)[:64]
    tiles = tiles / np.abs(tiles).max(axis=(1, 2, 3), keepdims=True)
    kernels = np.transpose(conv[..., 0, :], (2, 0, 1))[..., None]
    kernels = kernels / np.abs(kernels).max(axis=(1, 2, 3), keepdims=True)
    # Each weight as a 4x4 block, so a 5x5 kernel is drawn at 20x20.
    kernels = np.kron(kernels, np.ones((1, 4, 4, 1), kernels.dtype))
    return {
        "concentration": Row(
            {name: {"trained": _concentration(trained[name][0]),
                    "at initialisation": _concentration(initial[name])}
             for name in trained},
            "share of each filter's squared weight in its top 10% of pixels",
            "{:.3f}"),
        "test_mse": Row({name: mse for name, (_, mse) in trained.items()},
                        "test MSE", "{:.5f}"),
        "dense_filters": viz.save_image_grid(
            tiles, os.path.join(run.out, "dense_filters.png"), value_range=(-1, 1),
            cols=16, title="the first 64 of 128 dense units' weights (28x28)"),
        "conv_filters": viz.save_image_grid(
            kernels, os.path.join(run.out, "conv_filters.png"), value_range=(-1, 1),
            cols=16, title="the 32 first-layer 5x5 convolution kernels"),
    }


def _grid_quality(decode, low, high, points, judge_classifier):
    """Decodes a ``points x points`` grid over ``[low, high]^2``: the share
    decoded into confident digits (completeness), and the mean change between
    neighbouring decodes relative to the mean distance between two test
    digits (continuity: small and even is smooth)."""
    axis_x = np.linspace(low[0], high[0], points)
    axis_y = np.linspace(low[1], high[1], points)
    grid = np.stack(np.meshgrid(axis_x, axis_y[::-1]), axis=-1).reshape(-1, 2)
    images = decode(grid.astype(np.float32))
    probs = metrics.classify(images, classifier=judge_classifier,
                             value_range=(0, 1))
    tiles = images.reshape(points, points, -1)
    steps = np.concatenate([np.linalg.norm(np.diff(tiles, axis=0), axis=-1).ravel(),
                            np.linalg.norm(np.diff(tiles, axis=1), axis=-1).ravel()])
    return images, {"confident": metrics.confident_fraction(probs, 0.9),
                    "classes present": int(len(np.unique(probs.argmax(axis=1)))),
                    "mean step": float(steps.mean()),
                    "largest step": float(steps.max())}


@exercise("latent-space", "A plain autoencoder's and a VAE's 2-D latent spaces side "
                          "by side: decoded grids, completeness (confident "
                          "decodes) and continuity (steps between neighbours).")
def latent_space(run: Run, *, epochs: Count = 30, batch_size: Count = 100,
                 points: Count = 20, train_size: Count | None = None) -> dict:
    """A dense autoencoder and a dense VAE, both with a 2-D code, on the
    binarized digits; each one's grid spans where its test codes lie (the
    1st to 99th percentile of each coordinate).

    Args:
        epochs: training epochs of each.
        batch_size: digits per minibatch.
        points: grid points per side.
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = unit_digits(train_size, binarize=True)
    reseed(run.seed)
    ae = builders.dense_autoencoder((28, 28, 1), hidden_units=(500,), latent_dim=2,
                                    latent_activation=None)
    ae.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
    ae.fit(x, x, epochs=epochs, batch_size=batch_size, callbacks=run.backup(),
           verbose=run.verbose)
    vae = build_vae(2, seed=run.seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x, epochs=epochs, batch_size=batch_size, callbacks=run.backup(),
            verbose=run.verbose)
    classifier = metrics.digit_classifier()
    rows, grids, scatters = {}, [], {}
    for name, encode, decode in (
            ("autoencoder", lambda v: ae.encoder.predict(v, verbose=0),
             lambda z: ae.decoder.predict(z, verbose=0)),
            ("VAE", vae.encode, vae.decode)):
        codes = encode(x_test)
        low, high = np.percentile(codes, 1, axis=0), np.percentile(codes, 99, axis=0)
        images, quality = _grid_quality(decode, low, high, points, classifier)
        recon = decode(codes)
        rows[name] = {**quality, "code range": [float(v) for v in high - low],
                      "reconstruction accuracy": classifier_accuracy(
                          2.0 * recon - 1.0, y_test, classifier)}
        grids.append(viz.save_image_grid(
            images, os.path.join(run.out, f"grid_{name.lower()}.png"), cols=points,
            title=f"{name}: decoded grid over its test codes"))
        scatters[name] = viz.plot_latent_scatter(
            codes, y_test, os.path.join(run.out, f"codes_{name.lower()}.png"),
            title=f"{name}: test codes")
    half = len(x_test) // 2
    apart = np.linalg.norm(x_test[:half].reshape(half, -1)
                           - x_test[half:2 * half].reshape(half, -1), axis=-1)
    return {
        "table": Row(rows, f"{points}x{points} grid over each model's codes",
                     "{:.3f}"),
        "digit_distance": Row(float(apart.mean()), "distance between two test "
                              "digits", "{:.3f}", note="the scale of a step"),
        "grids": Row(dict(zip(("autoencoder", "VAE"), grids)), "decoded grids"),
        "codes": Row(scatters, "test codes"),
    }


def _swap_model(latent_dim):
    """One encoder, two decoders: ``[thin, bold] -> [thin', bold']``, each
    domain reconstructed by its own decoder through the shared code."""
    encoder = builders.conv_encoder((28, 28, 1), latent_dim, (32, 64))
    decoder_thin = builders.conv_decoder((28, 28, 1), latent_dim, (64, 32),
                                         name="decoder_thin")
    decoder_bold = builders.conv_decoder((28, 28, 1), latent_dim, (64, 32),
                                         name="decoder_bold")
    thin = keras.Input((28, 28, 1), name="thin")
    bold = keras.Input((28, 28, 1), name="bold")
    model = keras.Model([thin, bold], [decoder_thin(encoder(thin)),
                                       decoder_bold(encoder(bold))],
                        name="shared_encoder_two_decoders")
    return model, encoder, decoder_thin, decoder_bold


@exercise("face-swap", "One encoder, two decoders (thin and bold digits, unpaired): "
                       "a thin digit decoded by the bold decoder keeps its "
                       "identity and takes the bold style.")
def face_swap(run: Run, *, epochs: Count = 20, batch_size: Count = 64,
              latent_dim: Count = 32, train_size: Count | None = None) -> dict:
    """The deepfake set-up on digits: a shared encoder and one decoder per
    style, trained on disjoint halves of the training digits (the first half
    thin, the second half thickened by `keras_genai.data.thicken`), then each
    thin test digit decoded by the bold decoder.

    Args:
        epochs: training epochs.
        batch_size: pairs of (thin, bold) digits per minibatch.
        latent_dim: size of the shared code.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, y_test = unit_digits(train_size)
    half = len(x) // 2
    thin, bold = x[:half], data.thicken(x[half:2 * half])
    reseed(run.seed)
    model, encoder, decoder_thin, decoder_bold = _swap_model(latent_dim)
    model.compile(keras.optimizers.Adam(1e-3), ["mse", "mse"])
    model.fit([thin, bold], [thin, bold], epochs=epochs, batch_size=batch_size,
              shuffle=True, callbacks=run.backup(), verbose=run.verbose)
    codes = encoder.predict(x_test, verbose=0)
    swapped = decoder_bold.predict(codes, verbose=0)
    kept = decoder_thin.predict(codes, verbose=0)
    truth = data.thicken(x_test)
    classifier = metrics.digit_classifier()
    thickness = {name: float(data.measure_digits(images, value_range=(0, 1))
                             ["thickness"].mean())
                 for name, images in (("thin test digits", x_test),
                                      ("through the thin decoder", kept),
                                      ("through the bold decoder (swapped)", swapped),
                                      ("true bold test digits", truth))}
    accuracy = {name: classifier_accuracy(2.0 * images - 1.0, y_test, classifier)
                for name, images in (("thin test digits", x_test),
                                     ("through the thin decoder", kept),
                                     ("through the bold decoder (swapped)", swapped))}
    grid = viz.save_image_grid(
        np.concatenate([x_test[:12], kept[:12], swapped[:12], truth[:12]]),
        os.path.join(run.out, "swap.png"), cols=12,
        title="rows: thin test digit, thin decoder, bold decoder (swap), true bold")
    return {
        "thickness": Row(thickness, "mean ink (stroke width)", "{:.3f}"),
        "digit_kept": Row(accuracy, "classifier accuracy", "{:.1%}"),
        "swap_mse": Row({"swap vs true bold": float(per_image_mse(swapped,
                                                                  truth).mean()),
                         "thin input vs true bold": float(per_image_mse(
                             x_test, truth).mean())},
                        "MSE against the true bold digit (never seen in pairs)",
                        "{:.4f}"),
        "grid": grid,
    }
