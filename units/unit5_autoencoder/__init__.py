"""Unit V lab: autoencoders, variational autoencoders and their GAN hybrids.

Run ``python -m units.unit5_autoencoder --exercise NAME`` (``--help`` lists
them):

* Autoencoders (``autoencoder.py``, ``basics.py``): ``autoencoder`` (default:
  the course's 784-128-64-32-64-128-784 listing, originals vs reconstructions),
  ``compression`` (latent size vs reconstruction error), ``undercomplete-vs-
  overcomplete`` (an overcomplete code reconstructs digits better and also
  copies noise it never saw), ``sparse`` (L1 and KL sparsity penalties on an
  overcomplete sigmoid code), ``denoising`` (trained on corrupted inputs),
  ``conv`` (dense vs convolutional at the same latent size), ``pca`` (a linear
  autoencoder spans PCA's subspace without PCA's orthonormal basis),
  ``anomaly`` (train on digits 0-4, flag the others by their reconstruction
  error), ``reconstruction-loss`` (MSE against binary cross-entropy) and
  ``deep`` (depth and width at the same code size).
* Variational autoencoders (``variational.py``): ``vae`` (2-D latent map,
  decoded manifold, samples, interpolation, test ELBO in nats), ``cvae``
  (ask for a digit, get it; one style, every digit) and ``posterior-collapse``
  (KL per dimension and active units against beta; free bits).
* What autoencoders learn (``representations.py``): ``features`` (linear
  probes on every autoencoder's codes), ``filters`` (the first layer's
  weights), ``latent-space`` (a plain AE's 2-D codes against a VAE's:
  completeness and continuity) and ``face-swap`` (one encoder, two decoders).
* Hybrids (``hybrids.py``): ``aae`` (a GAN on the codes replaces the KL term),
  ``vaegan`` (reconstruction in a discriminator's features), ``bigan`` (an
  encoder learned adversarially, read by a linear classifier) and ``ae-vs-gan``
  (reconstructions vs generations, measured with the Unit IV digit classifier).
"""

from units.lab import Lab
from units.unit5_autoencoder import autoencoder
from units.unit5_autoencoder import basics
from units.unit5_autoencoder import hybrids
from units.unit5_autoencoder import representations
from units.unit5_autoencoder import variational

LAB = Lab(
    "unit5_autoencoder",
    "Unit V - autoencoders, VAEs, adversarial autoencoders, VAE-GAN and BiGAN on "
    "the embedded digits.",
    default_exercise="autoencoder",
    modules=[autoencoder, basics, variational, representations, hybrids],
    page="docs/units/unit5_autoencoder.md",
)
main = LAB.main
