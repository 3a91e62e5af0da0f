"""Likelihood lab (beyond the syllabus, from the course's notes on generative
modelling): models that compute ``log p(x)`` instead of bounding it.

Run ``python -m units.unit8_likelihood --exercise NAME`` (``--help`` lists
them). The notes call the chain rule ``p(x) = p(x1) p(x2|x1) ...`` infeasible
to compute; an autoregressive network gives every conditional in one pass, so
``log p(x)`` is exact and cheap, and only *sampling* is sequential.

* ``pixelcnn`` (default, ``pixelcnn.py``): a PixelCNN on the binarized digits:
  exact test NLL in nats, samples, time per sample. It saves its model for
  ``nats``.
* ``flow`` (``flow.py``): RealNVP on the 8-bit digits: test bits per dimension,
  samples at two temperatures, exact inversion, a latent walk.
* ``nats`` (``nats.py``): one table on the same binarized test digits: a
  per-pixel Bernoulli, the VAE's ELBO, its importance-weighted estimates and
  the PixelCNN's exact NLL.
* ``sampling-cost`` (``nats.py``): seconds per 100 samples of the VAE, the
  DCGAN, DDIM at 50 steps and the PixelCNN on this machine.
"""

from units.lab import Lab
from units.unit8_likelihood import flow
from units.unit8_likelihood import nats
from units.unit8_likelihood import pixelcnn

LAB = Lab(
    "unit8_likelihood",
    "Likelihood models on the embedded digits: PixelCNN, RealNVP, importance-"
    "weighted VAE bounds, one table of nats, the cost of sampling.",
    default_exercise="pixelcnn",
    modules=[pixelcnn, flow, nats],
    page="docs/units/unit8_likelihood.md",
)
main = LAB.main
