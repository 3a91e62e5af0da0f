"""Diffusion lab (beyond the syllabus, from the Generative-AI notes): noise
schedules, a class-conditional DDPM on the digits, DDPM vs DDIM sampling and
classifier-free guidance.

Run ``python -m units.unit6_diffusion`` (or ``--help`` for the options and
exercises).

* ``forward``: a digit noised over t with the linear (Ho et al. 2020) and cosine
  (Nichol & Dhariwal 2021) schedules, their alpha_bar_t curves, and the check
  that t single steps q(x_t | x_{t-1}) give the closed form q(x_t | x_0). The
  notes' closed form ``x_t = sqrt(a_t) x_0 + (1 - a_t) eps`` uses alpha_t where
  the cumulative product alpha_bar_t belongs and drops a square root: with it,
  x_T would still be 99% digit (alpha_T = 0.98).
* ``train`` (default): a class-conditional U-Net trained on the 4,000 digits
  with the simple loss, the condition dropped 10% of the time so one network
  also learns the unconditional model; samples with DDIM 50 steps and
  classifier-free guidance, judged by the Unit IV digit classifier (label
  accuracy, classifier FID). Saves the model for the other exercises
  (``outputs/unit6_diffusion/diffusion.keras``) and exports a SavedModel whose
  ``sample`` endpoint runs the whole sampling loop in its graph.
* ``samplers``: DDPM over all 1,000 steps vs DDIM with 10/25/50/100 steps: time
  and classifier FID of each, on the same model.
* ``guidance``: the guidance scale w from 0 (unconditional) to 8: label accuracy
  rises, diversity falls.
* ``text``: the same U-Net cross-attending to a small text encoder, trained on
  captions computed from each digit ("a thick seven leaning right": thickness,
  width and slant judged against the digit's class); prompts steer the digit
  and each attribute, measured on the samples.
* ``attention``: the cross-attention maps of a few prompts: for each word, where
  in the 7x7 feature map the image attends to it.
* ``inpaint``: RePaint (Lugmayr et al. 2022) fills the pix2pix exercise's 12x12
  holes with the trained model, no retraining: at each step the known pixels
  are the test digit noised to that step, and the chain jumps back up
  (``--jump-length``) and comes down again (``--resamplings``) so the hole
  agrees with the rest. Scored like pix2pix, on the same holes.
* ``edit``: SDEdit (Meng et al. 2022): a test digit noised to t0 and denoised
  as another digit; small t0 keeps the input, large t0 obeys the new label.
* ``super-resolution``: SR3 (Saharia et al. 2021): a DDPM whose U-Net sees the
  bicubic-upsampled 7x7 digit concatenated with x_t, against bicubic and the
  Unit IV SRGAN on PSNR and classifier accuracy.

The exercises after ``train`` reuse its saved model when it exists (delete the
file to retrain), and train one otherwise; ``attention`` reuses the model of
``text`` the same way.
"""

import os
import sys
import time

import numpy as np

from keras_genai import viz
from keras_genai.cli import Lab
from keras_genai.cli import Row
from keras_genai.cli import exercise
from keras_genai.cli import positive_int
from units.common import export_if_asked
from units.common import DigitJudge
from units.unit6 import applications
from units.unit6 import forward
from units.unit6 import sampling
from units.unit6 import text
from units.unit6.common import MODEL_FILE
from units.unit6.common import WIDTHS
from units.unit6.common import check_steps
from units.unit6.common import labels_for
from units.unit6.common import train_model

LAB = Lab(
    "unit6_diffusion",
    "Diffusion models - schedules, DDPM training, DDPM/DDIM sampling and "
    "classifier-free guidance on the embedded digits.",
    default_exercise="train",
    epochs=28,
    batch_size=32,
    options=[("--samples", dict(type=positive_int, default=500, metavar="N",
                                help="images generated per measured setting "
                                     "(default: %(default)s)")),
             ("--guidance", dict(type=float, default=3.0, metavar="W",
                                 help="classifier-free guidance scale of the "
                                      "samples (default: %(default)s)")),
             ("--timesteps", dict(type=positive_int, default=1000, metavar="T",
                                  help="diffusion steps T of the models' linear "
                                       "schedule (default: %(default)s; fewer "
                                       "for a quick try: the betas stay 1e-4 to "
                                       "0.02, so x_T keeps some of the image)")),
             ("--sample-steps", dict(type=positive_int, default=50, metavar="N",
                                     help="DDIM steps of the measured samples, "
                                          "at most T (default: %(default)s)")),
             ("--widths", dict(type=positive_int, nargs="+", default=list(WIDTHS),
                               metavar="C",
                               help="channels of the U-Nets' levels at 28, 14 "
                                    "and 7 pixels (default: %(default)s; "
                                    "fewer or narrower levels for a quick "
                                    "try, attention at the last)")),
             ("--test-digits", dict(type=positive_int, default=500, metavar="N",
                                    help="inpaint, edit, super-resolution: how "
                                         "many of the 1,000 test digits "
                                         "(default: the first %(default)s)")),
             ("--resamplings", dict(type=positive_int, default=5, metavar="R",
                                    help="inpaint: RePaint's passes down each "
                                         "jump (default: %(default)s)")),
             ("--jump-length", dict(type=positive_int, default=5, metavar="J",
                                    help="inpaint: levels RePaint jumps back up "
                                         "(default: %(default)s)"))],
)


@exercise("train", "Class-conditional DDPM on the digits: samples with DDIM-50 and "
                   "guidance, label accuracy and classifier FID.",
          export=os.path.join("saved_models", "unit6_diffusion"))
def train(args, out):
    check_steps(args)
    start = time.time()
    model, history = train_model(args)
    train_seconds = time.time() - start
    model.save(os.path.join(out, MODEL_FILE))
    labels = labels_for(args.samples)
    start = time.time()
    samples = model.sample(labels=labels, steps=args.sample_steps,
                           guidance_scale=args.guidance, seed=args.seed,
                           verbose=args.verbose == 1)
    sample_seconds = time.time() - start
    judge = DigitJudge()
    report = judge.report(samples, labels)
    grid = viz.save_image_grid(model.sample(labels=np.repeat(np.arange(10), 10),
                                            steps=args.sample_steps,
                                            guidance_scale=args.guidance,
                                            seed=args.seed + 1, verbose=False),
                               os.path.join(out, "samples.png"), value_range=(-1, 1),
                               cols=10, title=f"DDIM {args.sample_steps} steps, "
                                              f"guidance {args.guidance:g} "
                                              "(one digit per row)")
    curves = viz.plot_history(history, os.path.join(out, "loss.png"), keys=["loss"],
                              title="noise-prediction MSE")
    return {
        "training_seconds": Row(train_seconds, "training time", "{:.0f} s",
                                note=f"{args.epochs} epochs"),
        "final_loss": Row(history.history["loss"][-1], "final loss (noise MSE)",
                          "{:.4f}"),
        "measured_samples": Row(len(labels), "samples measured",
                                note=f"DDIM {args.sample_steps} steps, guidance "
                                     f"{args.guidance:g}"),
        **judge.rows(report),
        "sampling_seconds": Row(sample_seconds, "sampling time", "{:.1f} s"),
        **judge.floors(),
        "samples": grid,
        "loss_curve": curves,
        "model": os.path.join(out, MODEL_FILE),
        **export_if_asked(model, args.export, "sample(noise[None, 28, 28, 1], labels, "
                                       "guidance_scale, steps, eta, seed) -> "
                                       "digits in [-1, 1]"),
    }


LAB.include(sys.modules[__name__], forward, sampling, text, applications)


def main(argv=None):
    """Runs the lab; see ``python -m units.unit6_diffusion --help``.

    Example:

    >>> main(["--exercise", "forward", "--epochs", "1", "--out", "/tmp/forward"])
    0
    """
    return LAB.main(argv)


if __name__ == "__main__":
    sys.exit(main())
