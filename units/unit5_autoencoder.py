"""Unit V lab: autoencoders, variational autoencoders and their GAN hybrids.

Run ``python -m units.unit5_autoencoder`` (or ``--help`` for the options and
exercises).

The exercises, by theme (the code of the others is in ``units/unit5/``):

* Autoencoders (``units/unit5/basics.py``): ``autoencoder`` (below),
  ``compression`` (latent size vs reconstruction error), ``undercomplete-vs-
  overcomplete`` (an overcomplete code reconstructs digits better and also
  copies noise it never saw: it learned something close to the identity),
  ``sparse`` (L1 and KL sparsity penalties on an overcomplete sigmoid code),
  ``denoising`` (trained on corrupted inputs, PSNR of the output above the
  noisy input), ``conv`` (dense vs convolutional at the same latent size),
  ``pca`` (a linear autoencoder spans PCA's subspace without PCA's
  orthonormal basis, as the course notes say) and ``anomaly`` (train on digits
  0-4, flag the others by their reconstruction error: ROC AUC per class).
* Variational autoencoders (``units/unit5/variational.py``): ``vae`` (2-D
  latent map by label, decoded manifold, samples, interpolation, and the test
  ELBO in nats of a 20-D VAE on binarized digits) and ``cvae`` (ask for a
  digit, get it; one style, every digit).
* Hybrids (``units/unit5/hybrids.py``): ``aae`` (a GAN on the codes replaces
  the KL term), ``vaegan`` (reconstruction in a discriminator's features),
  ``bigan`` (an encoder learned adversarially: its features under a linear
  classifier vs raw pixels) and ``ae-vs-gan`` (reconstructions vs generations,
  measured with the Unit IV digit classifier).

Exercise ``autoencoder`` (the default) trains the course's listing: a dense
784-128-64-32-64-128-784 autoencoder with ReLU and a sigmoid output, Adam and
the mean squared error, batch 256, on the 4,000 embedded training digits,
validated on the 1,000 test digits. It shows the encoder / bottleneck / decoder
split (``autoencoder.encoder`` gives the 32 numbers that stand for a digit, a
compression of 784 / 32 = 24.5x) and what survives the bottleneck: the
reconstructions keep each digit's identity and shape and lose fine detail.
"""

import os
import sys

from keras_genai import builders
from keras_genai import viz
from keras_genai.cli import Lab
from keras_genai.cli import Row
from keras_genai.cli import exercise
from keras_genai.cli import positive_int
from units.common import export_if_asked
from units.unit5 import basics
from units.unit5 import hybrids
from units.unit5 import variational
from units.unit5.common import per_image_mse
from units.unit5.common import side_by_side
from units.unit5.common import train_autoencoder
from units.unit5.common import unit_digits

LAB = Lab(
    "unit5_autoencoder",
    "Unit V - autoencoders, VAEs, adversarial autoencoders, VAE-GAN and BiGAN on "
    "the embedded digits.",
    default_exercise="autoencoder",
    epochs=30,
    batch_size=256,
    latent_dim=32,
    options=[("--probe-epochs", dict(type=positive_int, default=200, metavar="N",
                                     help="epochs of the bigan exercise's linear "
                                          "classifiers (default: %(default)s)"))],
)


@exercise("autoencoder", "The course's 784-128-64-32-64-128-784 autoencoder: "
                         "originals vs reconstructions, test MSE.",
          export=os.path.join("saved_models", "unit5_autoencoder"))
def autoencoder(args, out):
    x, _, x_test, _ = unit_digits(args, flatten=True)
    model = builders.dense_autoencoder((784,), latent_dim=args.latent_dim)
    print(f"Training the {784}-128-64-{args.latent_dim}-64-128-784 autoencoder on "
          f"{len(x)} digits for {args.epochs} epochs.", flush=True)
    history = train_autoencoder(model, x, args, x_val=x_test)
    x_hat = model.predict(x_test, verbose=0)
    grid = viz.save_image_grid(side_by_side([x_test, x_hat]),
                               os.path.join(out, "reconstructions.png"), cols=10,
                               title="test digits (top) and reconstructions")
    curves = viz.plot_history(history, os.path.join(out, "loss.png"),
                              keys=["loss", "val_loss"], title="reconstruction MSE")
    codes = model.encoder.predict(x_test, verbose=0)
    size = codes.shape[1]
    return {
        "test_mse": Row(float(per_image_mse(x_test, x_hat).mean()),
                        "test reconstruction MSE (per pixel)", "{:.5f}"),
        "train_mse": Row(history.history["loss"][-1], "train reconstruction MSE",
                         "{:.5f}"),
        "code_size": Row(size, fmt="{} numbers",
                         note=f"compression {784 / size:.1f}x"),
        "dead_code_units": Row(int((codes.max(axis=0) <= 0).sum()),
                               "code units never active on the test digits"),
        "reconstructions": grid,
        "loss_curves": curves,
        **export_if_asked(model, args.export, "serve: x[None, 784] in [0, 1] -> "
                                       "reconstruction"),
    }


LAB.include(sys.modules[__name__], basics, variational, hybrids)


def main(argv=None):
    """Runs the lab; see ``python -m units.unit5_autoencoder --help``.

    Example:

    >>> main(["--exercise", "pca", "--epochs", "1", "--out", "/tmp/pca"])
    0
    """
    return LAB.main(argv)


if __name__ == "__main__":
    sys.exit(main())
