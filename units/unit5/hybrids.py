"""Unit V exercises on autoencoder-GAN hybrids: the adversarial autoencoder,
VAE-GAN, BiGAN, and autoencoders vs GANs side by side."""

import os

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai import models
from keras_genai import viz
from keras_genai.cli import Row
from keras_genai.cli import exercise
from keras_genai.utils import build_for_fit
from units.common import export_if_asked
from units.common import linear_probe
from units.common import reseed
from units.common import DigitJudge
from units.unit5.common import per_image_mse
from units.unit5.common import side_by_side
from units.unit5.common import unit_digits


def _adam(learning_rate=2e-4, beta_1=0.5):
    return keras.optimizers.Adam(learning_rate, beta_1=beta_1)


def _judge_row(judge, images, value_range):
    """The Unit IV measures of 1,000 digits."""
    r = judge.report(images, value_range=value_range)
    return {"classifier FID": r["fid"],
            "confident (p >= 0.9)": r["confident_fraction"],
            "rarest digit share": r["min_class_share"]}


@exercise("aae", "Adversarial autoencoder: a discriminator on the codes replaces "
                 "the KL term; code statistics and samples.",
          epochs=60, batch_size=100, latent_dim=8,
          export=os.path.join("saved_models", "unit5_aae"))
def aae(args, out):
    x, y, x_test, y_test = unit_digits(args)
    latent = args.latent_dim
    model = models.AdversarialAutoencoder(
        builders.dense_encoder((28, 28, 1), latent, (512, 256)),
        builders.dense_decoder((28, 28, 1), latent, (256, 512)),
        builders.mlp_discriminator((latent,), (256, 256)),
        reconstruction="bce", seed=args.seed)
    # One learning rate for both phases: with the reconstruction at 1e-3 and the
    # game at 2e-4 the codes spread 2-3x wider than the prior (samples FID 325);
    # all at 2e-4 the code deviations are 0.8-1.0.
    model.compile(ae_optimizer=keras.optimizers.Adam(2e-4),
                  d_optimizer=_adam(), g_optimizer=_adam())
    print(f"Training an adversarial autoencoder (latent {latent}) for "
          f"{args.epochs} epochs.", flush=True)
    history = model.fit(x, epochs=args.epochs, batch_size=args.batch_size,
                        callbacks=args.backup(), verbose=args.verbose)
    codes = model.encode(x_test)
    samples = model.sample(1000, seed=args.seed)
    grid = viz.save_image_grid(samples[:100], os.path.join(out, "samples.png"),
                               cols=10, title="AAE: decoded prior samples")
    curves = viz.plot_history(history, os.path.join(out, "losses.png"),
                              keys=["d_loss", "g_loss"],
                              title="latent discriminator vs encoder")
    summary = {
        "test_mse": Row(float(per_image_mse(x_test, model.predict(
            x_test, verbose=0)).mean()), "test reconstruction MSE", "{:.5f}"),
        "code_means": Row([float(v) for v in codes.mean(0)],
                          "code means (prior: 0)", "{:.2f}"),
        "code_stds": Row([float(v) for v in codes.std(0)],
                         "code standard deviations (prior: 1)", "{:.2f}"),
        "samples": _judge_row(DigitJudge(), samples, (0.0, 1.0)),
        "grid": grid, "loss_curves": curves,
    }
    if latent == 2:
        summary["latent_scatter"] = viz.plot_latent_scatter(
            codes, y_test, os.path.join(out, "latent_2d.png"))
    return {**summary, **export_if_asked(model, args.export, "encode, decode, sample")}


@exercise("vaegan", "VAE-GAN (with and without a pixel term) vs a VAE with the "
                    "same networks: reconstructions and samples, classifier FID.",
          epochs=20, batch_size=64)
def vaegan(args, out):
    x, _, x_test, _ = unit_digits(args)
    x, x_test = 2 * x - 1, 2 * x_test - 1  # tanh decoder
    latent = args.latent_dim

    def networks():
        # The DCGAN generator (batch norm) as the decoder: with a plain
        # convolutional decoder the VAE-GAN's discriminator won within a few
        # epochs (it told real from fake 99% of the time) and the samples
        # stayed grey blobs (FID 394).
        return (builders.conv_encoder((28, 28, 1), latent, (32, 64),
                                      variational=True),
                builders.dcgan_generator(latent))

    vae = models.VAE(*networks(), reconstruction="mse", seed=args.seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    hybrids = {}
    for name, pixel_weight in (("VAE-GAN", 0.0), ("VAE-GAN + pixel term", 1.0)):
        reseed(args.seed)  # the same initial networks as the VAE
        hybrids[name] = models.VAEGAN(
            *networks(), builders.vaegan_discriminator(),
            pixel_weight=pixel_weight, seed=args.seed)
        hybrids[name].compile(encoder_optimizer=_adam(), decoder_optimizer=_adam(),
                              d_optimizer=_adam(), label_smoothing=0.1)
    judge = DigitJudge()
    results, panels = {}, [x_test]
    for name, model in (("VAE", vae), *hybrids.items()):
        print(f"Training the {name} for {args.epochs} epochs.", flush=True)
        model.fit(x, epochs=args.epochs, batch_size=args.batch_size,
                  callbacks=args.backup(), verbose=args.verbose)
        recon = model.predict(x_test, verbose=0)
        samples = model.sample(1000, seed=args.seed)
        panels += [recon, samples]
        results[name] = {
            "test reconstruction MSE (pixels in [-1, 1])":
                float(per_image_mse(x_test, recon).mean()),
            "samples": _judge_row(judge, samples, (-1.0, 1.0)),
            "reconstructions": _judge_row(judge, recon, (-1.0, 1.0)),
        }
        print(f"  {name}: {results[name]}", flush=True)
    grid = viz.save_image_grid(
        side_by_side(panels), os.path.join(out, "vae_vs_vaegan.png"), cols=10,
        value_range=(-1, 1),
        title="test; then reconstructions and samples of the VAE, the VAE-GAN "
              "and the VAE-GAN with a pixel term")
    return {**results, **judge.floors(), "grid": grid}


@exercise("bigan", "BiGAN: a linear classifier on the inferred latents E(x) vs on "
                   "raw pixels (and on an untrained encoder).",
          epochs=40, batch_size=100, latent_dim=50,
          export=os.path.join("saved_models", "unit5_bigan"))
def bigan(args, out):
    x, y, x_test, y_test = unit_digits(args)
    x, x_test = 2 * x - 1, 2 * x_test - 1
    latent = args.latent_dim
    # Convolutional G, E and D (the image branch of D): with the fully connected
    # networks of the paper's permutation-invariant set-up (512-512, 50 epochs)
    # the linear read-out of E(x) was 77.7%, no better than an untrained
    # encoder's 78.3%.
    model = models.BiGAN(
        builders.dcgan_generator(latent),
        builders.conv_encoder((28, 28, 1), latent, (32, 64)),
        builders.bigan_discriminator((28, 28, 1), latent, (512,), filters=(32, 64)),
        seed=args.seed)
    model.compile(d_optimizer=_adam(), g_optimizer=_adam())
    untrained_train, untrained_test = model.encode(x), model.encode(x_test)
    print(f"Training a BiGAN (latent {latent}) for {args.epochs} epochs.",
          flush=True)
    history = model.fit(x, epochs=args.epochs, batch_size=args.batch_size,
                        callbacks=args.backup(), verbose=args.verbose)
    accuracy = {
        "raw pixels (784)": linear_probe(
            x.reshape(len(x), -1), y, x_test.reshape(len(x_test), -1), y_test,
            args.seed, args.probe_epochs),
        f"BiGAN E(x) ({latent})": linear_probe(
            model.encode(x), y, model.encode(x_test), y_test, args.seed,
            args.probe_epochs),
        f"untrained encoder ({latent})": linear_probe(
            untrained_train, y, untrained_test, y_test, args.seed,
            args.probe_epochs),
    }
    grid = viz.save_image_grid(
        side_by_side([x_test, model.reconstruct(x_test[:10]),
                      model.sample(10, seed=args.seed)]),
        os.path.join(out, "bigan.png"), cols=10, value_range=(-1, 1),
        title="test digits; G(E(x)); G(z)")
    curves = viz.plot_history(history, os.path.join(out, "losses.png"),
                              keys=["d_loss", "g_loss"], title="BiGAN losses")
    return {"accuracy": Row(accuracy, "linear classifier test accuracy", "{:.1%}"),
            "grid": grid, "loss_curves": curves,
            **export_if_asked(model, args.export, "serve(z), encode(x), sample")}


@exercise("ae-vs-gan", "Autoencoder, VAE and DCGAN side by side: reconstructions "
                       "vs generations, with the Unit IV classifier metrics.",
          epochs=20, batch_size=64, latent_dim=20)
def ae_vs_gan(args, out):
    x, _, x_test, _ = unit_digits(args)
    latent = args.latent_dim
    rng = np.random.default_rng(args.seed)
    judge = DigitJudge()
    rows, panels = {}, [x_test]

    # Building the judge may train its classifier: seed again, so every network
    # starts from --seed.
    reseed(args.seed)
    ae = builders.conv_autoencoder((28, 28, 1), latent_dim=latent)
    ae.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
    build_for_fit(ae, x, x)
    ae.fit(x, x, epochs=args.epochs, batch_size=args.batch_size,
           callbacks=args.backup(), verbose=args.verbose)
    codes = ae.encoder.predict(x, verbose=0)
    # A plain autoencoder has no prior: sample a Gaussian fitted to its codes.
    fitted = rng.multivariate_normal(codes.mean(0), np.cov(codes.T), 1000)
    ae_samples = ae.decoder.predict(fitted.astype("float32"), verbose=0)
    ae_recon = ae.predict(x_test, verbose=0)

    reseed(args.seed)
    vae = models.VAE(
        builders.conv_encoder((28, 28, 1), latent, variational=True),
        builders.conv_decoder((28, 28, 1), latent), seed=args.seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x, epochs=args.epochs, batch_size=args.batch_size,
            callbacks=args.backup(), verbose=args.verbose)
    vae_samples = vae.sample(1000, seed=args.seed)
    vae_recon = vae.predict(x_test, verbose=0)

    reseed(args.seed)
    gan = models.GAN(builders.dcgan_generator(64), builders.dcgan_discriminator(),
                     latent_dim=64, seed=args.seed)
    gan.compile(d_optimizer=_adam(), g_optimizer=_adam(), label_smoothing=0.1)
    gan.fit(data.image_dataset(x * 255, batch_size=args.batch_size, scale="tanh",
                               seed=args.seed),
            epochs=args.epochs, callbacks=args.backup(), verbose=args.verbose)
    gan_samples = (gan.sample(1000, seed=args.seed) + 1) / 2

    for name, recon in (("autoencoder", ae_recon), ("VAE", vae_recon)):
        rows[f"{name} reconstructions"] = {
            "test MSE": float(per_image_mse(x_test, recon).mean()),
            **_judge_row(judge, recon, (0.0, 1.0))}
    for name, samples in (("autoencoder (Gaussian fitted to codes)", ae_samples),
                          ("VAE", vae_samples), ("DCGAN", gan_samples)):
        rows[f"{name} samples"] = _judge_row(judge, samples, (0.0, 1.0))
    panels += [ae_recon, vae_recon, ae_samples, vae_samples, gan_samples]
    grid = viz.save_image_grid(
        side_by_side(panels), os.path.join(out, "ae_vs_gan.png"), cols=10,
        title="test; AE recon; VAE recon; AE samples; VAE samples; DCGAN samples")
    return {**rows, **judge.floors(), "grid": grid, "epochs_each": args.epochs}
