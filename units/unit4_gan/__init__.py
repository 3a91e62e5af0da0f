"""Unit IV lab: generative adversarial networks.

Run ``python -m units.unit4_gan --exercise NAME`` (``--help`` lists them):

* ``dcgan`` (default, ``dcgan.py``): a DCGAN on the embedded digits with the
  non-saturating loss, the R1 penalty and a moving average of G's weights:
  sample grids per epoch, loss curves, a SavedModel, and the samples measured by
  a digit classifier.
* GANs on the digits (``digits.py``): ``vanilla`` (MLP networks, the 2014
  paper's set-up), ``cgan`` (the label goes into G and D; ask for a 7, get a
  7), ``wgan-gp`` (the DCGAN against WGAN-GP for the same training time),
  ``losses`` (one DCGAN under every loss family), ``feature-matching`` (G
  matches D's features, Salimans et al. 2016), ``interpolation`` (linear and
  spherical latent walks) and ``augmentation`` (cGAN samples as extra training
  data for a classifier that has few labels).
* A style-based generator (``style.py``): ``stylegan`` (mapping network,
  modulated convolutions, noise and style mixing against the DCGAN at equal
  training time; the truncation trick).
* Known problems (``toy.py``): ``mode-collapse`` on the 8-Gaussian ring
  (minimax vs non-saturating vs WGAN-GP, modes counted) and
  ``generative-vs-discriminative`` (naive Bayes and a Gaussian mixture per
  class, which can sample digits, vs logistic regression and an MLP).
* Theory (``theory.py``): ``optimal-discriminator`` (on 1-D mixtures the
  trained D against ``D* = p_data / (p_data + p_g)``, and ``V(D*, G) = 2 JS -
  log 4`` computed numerically).
* Image-conditioned GANs (``translation.py``): ``pix2pix`` (inpainting a 12x12
  hole), ``colorization`` (grey digits -> each class in its colour), ``edges``
  (outlines -> digits), ``cyclegan`` (thin <-> bold digits, unpaired),
  ``srgan`` (7x7 -> 28x28 against bicubic upsampling) and ``lapgan`` (7 -> 14
  -> 28).

* The latent space (``latent.py``): ``latent-arithmetic`` (thickness and
  slant directions, thick minus thin samples of each class, moved along).
* Evaluation (``evaluation.py``): ``precision-recall`` (every exported
  generator of Units IV-VI on one table: FID, precision and recall, density
  and coverage, memorisation; where the DCGAN's missing confident samples
  are).

Every digit exercise measures samples the same way (``units.common.SampleJudge``):
a digit classifier's confidence and class histogram, and the classifier FID /
KID against 1,000 test digits, next to their floor.
"""

from units.lab import Lab
from units.unit4_gan import dcgan
from units.unit4_gan import digits
from units.unit4_gan import evaluation
from units.unit4_gan import latent
from units.unit4_gan import style
from units.unit4_gan import theory
from units.unit4_gan import toy
from units.unit4_gan import translation

LAB = Lab(
    "unit4_gan",
    "Unit IV - generative adversarial networks: train GANs on the embedded digits, "
    "watch the samples improve and measure them with a digit classifier.",
    default_exercise="dcgan",
    modules=[dcgan, digits, style, toy, theory, translation, latent, evaluation],
    page="docs/units/unit4_gan.md",
)
main = LAB.main
