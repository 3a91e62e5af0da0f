"""Unit V exercises on autoencoder-GAN hybrids: the adversarial autoencoder,
VAE-GAN, BiGAN, and autoencoders vs GANs side by side."""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai import models
from keras_genai import viz
from keras_genai.utils import build_for_fit
from units.common import export_if_asked
from units.common import linear_probe
from units.common import reseed
from units.common import SampleJudge
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit5_autoencoder.common import per_image_mse
from units.unit5_autoencoder.common import side_by_side
from units.unit5_autoencoder.common import unit_digits


def _adam(learning_rate=2e-4, beta_1=0.5):
    return keras.optimizers.Adam(learning_rate, beta_1=beta_1)


def _judge_row(judge, images, value_range):
    """The Unit IV measures of 1,000 digits."""
    r = judge.report(images, value_range=value_range)
    return {"classifier FID": r["fid"],
            "precision": r["precision"], "recall": r["recall"],
            "confident (p >= 0.9)": r["confident_fraction"],
            "rarest digit share": r["min_class_share"]}


@exercise("aae", "Adversarial autoencoder: a discriminator on the codes replaces "
                 "the KL term; code statistics and samples.",
          export=os.path.join("saved_models", "unit5_aae"))
def aae(run: Run, *, epochs: Count = 60, batch_size: Count = 100,
        latent_dim: Count = 8, train_size: Count | None = None) -> dict:
    """An adversarial autoencoder: its code statistics against the prior's,
    and its decoded prior samples measured by the digit classifier.

    Args:
        epochs: training epochs.
        batch_size: digits per minibatch.
        latent_dim: size of the code (2 adds a scatter of the test codes).
        train_size: train on the first N training digits (default: all).
    """
    x, y, x_test, y_test = unit_digits(train_size)
    latent = latent_dim
    model = models.AdversarialAutoencoder(
        builders.dense_encoder((28, 28, 1), latent, (512, 256)),
        builders.dense_decoder((28, 28, 1), latent, (256, 512)),
        builders.mlp_discriminator((latent,), (256, 256)),
        reconstruction="bce", seed=run.seed)
    # One learning rate for both phases: with the reconstruction at 1e-3 and the
    # game at 2e-4 the codes spread 2-3x wider than the prior (samples FID 325);
    # all at 2e-4 the code deviations are 0.8-1.0.
    model.compile(ae_optimizer=keras.optimizers.Adam(2e-4),
                  d_optimizer=_adam(), g_optimizer=_adam())
    print(f"Training an adversarial autoencoder (latent {latent}) for "
          f"{epochs} epochs.", flush=True)
    history = model.fit(x, epochs=epochs, batch_size=batch_size,
                        callbacks=run.backup(), verbose=run.verbose)
    codes = model.encode(x_test)
    samples = model.sample(1000, seed=run.seed)
    grid = viz.save_image_grid(samples[:100], os.path.join(run.out, "samples.png"),
                               cols=10, title="AAE: decoded prior samples")
    curves = viz.plot_history(history, os.path.join(run.out, "losses.png"),
                              keys=["d_loss", "g_loss"],
                              title="latent discriminator vs encoder")
    summary = {
        "test_mse": Row(float(per_image_mse(x_test, model.predict(
            x_test, verbose=0)).mean()), "test reconstruction MSE", "{:.5f}"),
        "code_means": Row([float(v) for v in codes.mean(0)],
                          "code means (prior: 0)", "{:.2f}"),
        "code_stds": Row([float(v) for v in codes.std(0)],
                         "code standard deviations (prior: 1)", "{:.2f}"),
        "samples": _judge_row(SampleJudge(), samples, (0.0, 1.0)),
        "grid": grid, "loss_curves": curves,
    }
    if latent == 2:
        summary["latent_scatter"] = viz.plot_latent_scatter(
            codes, y_test, os.path.join(run.out, "latent_2d.png"))
    return {**summary, **export_if_asked(model, run.export, "encode, decode, sample")}


@exercise("vaegan", "VAE-GAN (with and without a pixel term) vs a VAE with the "
                    "same networks: reconstructions and samples, classifier FID.")
def vaegan(run: Run, *, epochs: Count = 20, batch_size: Count = 64,
           latent_dim: Count = 32, train_size: Count | None = None) -> dict:
    """A VAE, a VAE-GAN and a VAE-GAN with a pixel term, from the same initial
    networks: reconstructions and samples, classifier FID.

    Args:
        epochs: training epochs of each model.
        batch_size: digits per minibatch.
        latent_dim: latent size of the three models.
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size)
    x, x_test = 2 * x - 1, 2 * x_test - 1  # tanh decoder
    latent = latent_dim

    def networks():
        # The DCGAN generator (batch norm) as the decoder: with a plain
        # convolutional decoder the VAE-GAN's discriminator won within a few
        # epochs (it told real from fake 99% of the time) and the samples
        # stayed grey blobs (FID 394).
        return (builders.conv_encoder((28, 28, 1), latent, (32, 64),
                                      variational=True),
                builders.dcgan_generator(latent))

    vae = models.VAE(*networks(), reconstruction="mse", seed=run.seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    hybrids = {}
    for name, pixel_weight in (("VAE-GAN", 0.0), ("VAE-GAN + pixel term", 1.0)):
        reseed(run.seed)  # the same initial networks as the VAE
        hybrids[name] = models.VAEGAN(
            *networks(), builders.vaegan_discriminator(),
            pixel_weight=pixel_weight, seed=run.seed)
        hybrids[name].compile(encoder_optimizer=_adam(), decoder_optimizer=_adam(),
                              d_optimizer=_adam(), label_smoothing=0.1)
    judge = SampleJudge()
    results, panels = {}, [x_test]
    for name, model in (("VAE", vae), *hybrids.items()):
        print(f"Training the {name} for {epochs} epochs.", flush=True)
        model.fit(x, epochs=epochs, batch_size=batch_size,
                  callbacks=run.backup(), verbose=run.verbose)
        recon = model.predict(x_test, verbose=0)
        samples = model.sample(1000, seed=run.seed)
        panels += [recon, samples]
        results[name] = {
            "test reconstruction MSE (pixels in [-1, 1])":
                float(per_image_mse(x_test, recon).mean()),
            "samples": _judge_row(judge, samples, (-1.0, 1.0)),
            "reconstructions": _judge_row(judge, recon, (-1.0, 1.0)),
        }
        print(f"  {name}: {results[name]}", flush=True)
    grid = viz.save_image_grid(
        side_by_side(panels), os.path.join(run.out, "vae_vs_vaegan.png"), cols=10,
        value_range=(-1, 1),
        title="test; then reconstructions and samples of the VAE, the VAE-GAN "
              "and the VAE-GAN with a pixel term")
    return {**results, **judge.floors(), "grid": grid}


@exercise("bigan", "BiGAN: a linear classifier on the inferred latents E(x) vs on "
                   "raw pixels (and on an untrained encoder).",
          export=os.path.join("saved_models", "unit5_bigan"))
def bigan(run: Run, *, epochs: Count = 40, batch_size: Count = 100,
          latent_dim: Count = 50, train_size: Count | None = None,
          probe_epochs: Count = 200) -> dict:
    """A BiGAN: linear classifiers on its inferred latents E(x), on raw pixels
    and on an untrained encoder's codes.

    Args:
        epochs: training epochs.
        batch_size: digits per minibatch.
        latent_dim: size of the latents z and E(x).
        train_size: train on the first N training digits (default: all).
        probe_epochs: epochs of the linear classifiers.
    """
    x, y, x_test, y_test = unit_digits(train_size)
    x, x_test = 2 * x - 1, 2 * x_test - 1
    latent = latent_dim
    # Convolutional G, E and D (the image branch of D): with the fully connected
    # networks of the paper's permutation-invariant set-up (512-512, 50 epochs)
    # the linear read-out of E(x) was 77.7%, no better than an untrained
    # encoder's 78.3%.
    model = models.BiGAN(
        builders.dcgan_generator(latent),
        builders.conv_encoder((28, 28, 1), latent, (32, 64)),
        builders.bigan_discriminator((28, 28, 1), latent, (512,), filters=(32, 64)),
        seed=run.seed)
    model.compile(d_optimizer=_adam(), g_optimizer=_adam())
    untrained_train, untrained_test = model.encode(x), model.encode(x_test)
    print(f"Training a BiGAN (latent {latent}) for {epochs} epochs.",
          flush=True)
    history = model.fit(x, epochs=epochs, batch_size=batch_size,
                        callbacks=run.backup(), verbose=run.verbose)
    accuracy = {
        "raw pixels (784)": linear_probe(
            x.reshape(len(x), -1), y, x_test.reshape(len(x_test), -1), y_test,
            run.seed, probe_epochs),
        f"BiGAN E(x) ({latent})": linear_probe(
            model.encode(x), y, model.encode(x_test), y_test, run.seed,
            probe_epochs),
        f"untrained encoder ({latent})": linear_probe(
            untrained_train, y, untrained_test, y_test, run.seed,
            probe_epochs),
    }
    grid = viz.save_image_grid(
        side_by_side([x_test, model.reconstruct(x_test[:10]),
                      model.sample(10, seed=run.seed)]),
        os.path.join(run.out, "bigan.png"), cols=10, value_range=(-1, 1),
        title="test digits; G(E(x)); G(z)")
    curves = viz.plot_history(history, os.path.join(run.out, "losses.png"),
                              keys=["d_loss", "g_loss"], title="BiGAN losses")
    return {"accuracy": Row(accuracy, "linear classifier test accuracy", "{:.1%}"),
            "grid": grid, "loss_curves": curves,
            **export_if_asked(model, run.export, "serve(z), encode(x), sample")}


@exercise("ae-vs-gan", "Autoencoder, VAE and DCGAN side by side: reconstructions "
                       "vs generations, with the Unit IV classifier metrics.")
def ae_vs_gan(run: Run, *, epochs: Count = 20, batch_size: Count = 64,
              latent_dim: Count = 20, train_size: Count | None = None) -> dict:
    """A convolutional autoencoder, a VAE and a DCGAN: reconstructions vs
    generations, measured by the digit classifier.

    Args:
        epochs: training epochs of each model.
        batch_size: digits per minibatch.
        latent_dim: code size of the autoencoder and the VAE (the DCGAN's is
            64).
        train_size: train on the first N training digits (default: all).
    """
    x, _, x_test, _ = unit_digits(train_size)
    latent = latent_dim
    rng = np.random.default_rng(run.seed)
    judge = SampleJudge()
    rows, panels = {}, [x_test]

    # Building the judge may train its classifier: seed again, so every network
    # starts from --seed.
    reseed(run.seed)
    ae = builders.conv_autoencoder((28, 28, 1), latent_dim=latent)
    ae.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
    build_for_fit(ae, x, x)
    ae.fit(x, x, epochs=epochs, batch_size=batch_size,
           callbacks=run.backup(), verbose=run.verbose)
    codes = ae.encoder.predict(x, verbose=0)
    # A plain autoencoder has no prior: sample a Gaussian fitted to its codes.
    fitted = rng.multivariate_normal(codes.mean(0), np.cov(codes.T), 1000)
    ae_samples = ae.decoder.predict(fitted.astype("float32"), verbose=0)
    ae_recon = ae.predict(x_test, verbose=0)

    reseed(run.seed)
    vae = models.VAE(
        builders.conv_encoder((28, 28, 1), latent, variational=True),
        builders.conv_decoder((28, 28, 1), latent), seed=run.seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x, epochs=epochs, batch_size=batch_size,
            callbacks=run.backup(), verbose=run.verbose)
    vae_samples = vae.sample(1000, seed=run.seed)
    vae_recon = vae.predict(x_test, verbose=0)

    reseed(run.seed)
    gan = models.GAN(builders.dcgan_generator(64), builders.dcgan_discriminator(),
                     latent_dim=64, seed=run.seed)
    gan.compile(d_optimizer=_adam(), g_optimizer=_adam(), label_smoothing=0.1)
    gan.fit(data.image_dataset(x * 255, batch_size=batch_size, scale="tanh",
                               seed=run.seed),
            epochs=epochs, callbacks=run.backup(), verbose=run.verbose)
    gan_samples = (gan.sample(1000, seed=run.seed) + 1) / 2

    for name, recon in (("autoencoder", ae_recon), ("VAE", vae_recon)):
        rows[f"{name} reconstructions"] = {
            "test MSE": float(per_image_mse(x_test, recon).mean()),
            **_judge_row(judge, recon, (0.0, 1.0))}
    for name, samples in (("autoencoder (Gaussian fitted to codes)", ae_samples),
                          ("VAE", vae_samples), ("DCGAN", gan_samples)):
        rows[f"{name} samples"] = _judge_row(judge, samples, (0.0, 1.0))
    panels += [ae_recon, vae_recon, ae_samples, vae_samples, gan_samples]
    grid = viz.save_image_grid(
        side_by_side(panels), os.path.join(run.out, "ae_vs_gan.png"), cols=10,
        title="test; AE recon; VAE recon; AE samples; VAE samples; DCGAN samples")
    return {**rows, **judge.floors(), "grid": grid, "epochs_each": epochs}
