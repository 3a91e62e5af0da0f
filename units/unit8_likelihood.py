"""Likelihood lab (beyond the syllabus, from the course's notes on generative
modelling): models that compute ``log p(x)`` instead of bounding it.

Run ``python -m units.unit8_likelihood`` (or ``--help`` for the options and
exercises).

The notes write the chain rule ``p(x) = p(x1) p(x2|x1) ... p(xn|x1..xn-1)``
and call computing it infeasible, which is their reason for latent
variables. It is not: an autoregressive network gives every conditional in
one pass, so ``log p(x)`` is exact and cheap to evaluate. What is sequential
is *sampling*: pixel ``i`` can only be drawn once pixels ``1..i-1`` are.

* ``pixelcnn`` (default, below): a PixelCNN (van den Oord et al. 2016) on the
  binarized digits: its exact test NLL in nats, samples, and the time per
  sample (784 network passes, one per pixel).
* ``flow`` (``units/unit8/flow.py``): RealNVP (Dinh et al. 2017) on the 8-bit
  digits: test bits per dimension, samples at two temperatures, exact
  inversion and a walk between the latents of two digits.
* ``nats`` (``units/unit8/nats.py``): one table on the same binarized test
  digits: a per-pixel Bernoulli (no model of how pixels depend on each
  other), the VAE's ELBO, its importance-weighted estimates at k = 1, 10, 100
  and 1,000 (Burda et al. 2016), and the PixelCNN's exact NLL.
* ``sampling-cost`` (``units/unit8/nats.py``): seconds per 100 samples of the
  VAE, the DCGAN, DDIM at 50 steps and the PixelCNN on this machine.

The ``pixelcnn`` exercise saves its model as ``pixelcnn.keras`` in its output
folder; ``nats`` uses it from there instead of training another.
"""

import os
import sys
import time

from keras_genai import viz
from keras_genai.cli import Lab
from keras_genai.cli import Row
from keras_genai.cli import exercise
from keras_genai.cli import positive_int
from units.common import export_if_asked
from units.unit5.variational import VALIDATION_DIGITS
from units.unit8 import flow
from units.unit8 import nats
from units.unit8.common import PIXELCNN_FILE
from units.unit8.common import binary_digits
from units.unit8.common import bits_per_dim
from units.unit8.common import save_model
from units.unit8.common import timed
from units.unit8.common import train_pixelcnn

LAB = Lab(
    "unit8_likelihood",
    "Likelihood models on the embedded digits: PixelCNN, RealNVP, importance-"
    "weighted VAE bounds, one table of nats, the cost of sampling.",
    default_exercise="pixelcnn",
    epochs=10,
    batch_size=64,
    latent_dim=20,
    options=[
        ("--test-digits", dict(type=positive_int, default=None, metavar="N",
                               help="pixelcnn, flow, nats: score the first N "
                                    "of the 1,000 test digits, for a quick try "
                                    "(default: all)")),
        ("--samples", dict(type=positive_int, default=100, metavar="N",
                           help="images drawn for the sample grids and timed by "
                                "sampling-cost (default: %(default)s)")),
        ("--iwae-samples", dict(type=positive_int, nargs="+",
                                default=[1, 10, 100, 1000],
                                metavar="K", help="importance samples k of the "
                                                  "nats exercise's VAE estimates "
                                                  "(default: %(default)s)")),
        ("--vae-epochs", dict(type=positive_int, default=150, metavar="N",
                              help="most epochs of the nats exercise's VAE "
                                   "(early stopping; default: %(default)s)")),
    ],
)


@exercise("pixelcnn", "PixelCNN on binarized digits: exact test NLL in nats, "
                      "samples, seconds per sample (784 sequential steps).",
          export=os.path.join("saved_models", "unit8_pixelcnn"))
def pixelcnn(args, out):
    x, x_test = binary_digits(args)
    start = time.perf_counter()
    model, history = train_pixelcnn(x, args)
    train_seconds = time.perf_counter() - start
    save_model(model, os.path.join(out, PIXELCNN_FILE))
    test_nll = float(-model.log_prob(x_test).mean())
    train_nll = float(-model.log_prob(x[VALIDATION_DIGITS:]).mean())
    samples, seconds = timed(lambda: model.sample(args.samples, seed=args.seed,
                                                  batch_size=args.samples))
    height, width, _ = model.image_shape
    grid = viz.save_image_grid(samples, os.path.join(out, "samples.png"), cols=10,
                               title="PixelCNN samples, drawn pixel by pixel")
    curves = viz.plot_history(history, os.path.join(out, "nll.png"),
                              keys=["loss", "val_loss"],
                              title="-log p(x), training and held-out digits "
                                    "(nats)")
    return {
        "test_nll": Row(test_nll, "test NLL, exact (nats per image)", "{:.2f}",
                        note=f"{bits_per_dim(test_nll):.4f} bits/dim"),
        "train_nll": Row(train_nll, "training NLL (nats per image)", "{:.2f}"),
        "epochs": Row(len(history.history["loss"]), "epochs (early stopping)"),
        "training_seconds": Row(train_seconds, "training time", "{:.0f} s"),
        "parameters": Row(model.count_params(), "weights", "{:,}"),
        "sampling_seconds": Row(seconds, f"drawing {args.samples} samples at once",
                                "{:.1f} s",
                                note=f"{height * width} network passes, tracing "
                                     "included"),
        "seconds_per_sample": Row(seconds / args.samples, "seconds per sample",
                                  "{:.3f} s"),
        "samples": grid,
        "nll_curves": curves,
        "model": os.path.join(out, PIXELCNN_FILE),
        **export_if_asked(model, args.export, "log_prob(images) -> nats; sample(n, "
                                       "seed[2]) -> binary images"),
    }


LAB.include(sys.modules[__name__], flow, nats)


def main(argv=None):
    """Runs the lab; see ``python -m units.unit8_likelihood --help``.

    Example:

    >>> main(["--exercise", "sampling-cost", "--samples", "2", "--out", "/tmp/cost"])
    0
    """
    return LAB.main(argv)


if __name__ == "__main__":
    sys.exit(main())
