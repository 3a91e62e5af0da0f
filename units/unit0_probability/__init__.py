"""Probability lab (the course's handwritten notes on probability and the
Generative-AI notes on manifolds): the probability that the latent-variable
models of Units IV-VI rest on, computed where it can be computed exactly.

Run ``python -m units.unit0_probability --exercise NAME`` (``--help`` lists
them):

* ``bayes`` (default, ``bayes.py``): Bayes' rule on the notes' flu example,
  with the patient's sex as the evidence, and ``p(z | x)`` of a two-component
  Gaussian mixture, exact against counted.
* Information (``information.py``): ``information`` (information, entropy,
  cross-entropy and KL on the digits' ink and the text's characters, KL's
  asymmetry, and ``log p(x) - ELBO = KL(q || p(z|x))`` by quadrature on a 1-D
  latent model) and ``independence`` (how many images there are, and what
  drawing every pixel on its own loses against a PixelCNN).
* Latent factors (``factors.py``): ``lines`` (images drawn from four known
  factors, and what a beta-VAE with a 4-D latent recovers of them).
* Manifolds (``manifolds.py``): ``manifold`` (intrinsic dimension, PCA,
  t-SNE and Isomap, interpolation in pixel space against a VAE's latent space)
  and ``ood`` (likelihood as an out-of-distribution score, and where it fails).
"""

from units.lab import Lab
from units.unit0_probability import bayes
from units.unit0_probability import factors
from units.unit0_probability import information
from units.unit0_probability import manifolds

LAB = Lab(
    "unit0_probability",
    "Probability lab: Bayes' rule, information and KL, the ELBO's gap, latent "
    "factors and manifolds, checked by computation on small cases and the "
    "digits.",
    default_exercise="bayes",
    modules=[bayes, information, factors, manifolds],
    page="docs/units/unit0_probability.md",
)
main = LAB.main
