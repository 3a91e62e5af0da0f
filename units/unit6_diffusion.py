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

The exercises after ``train`` reuse its saved model when it exists (delete the
file to retrain), and train one otherwise; ``attention`` reuses the model of
``text`` the same way.
"""

import os
import sys
import time

from keras_genai.cli import Lab

MODEL_FILE = "diffusion.keras"

LAB = Lab(
    "unit6_diffusion",
    "Diffusion models - schedules, DDPM training, DDPM/DDIM sampling and "
    "classifier-free guidance on the embedded digits.",
    default_exercise="train",
    epochs=28,
    batch_size=32,
    options=[("--samples", dict(type=int, default=500, metavar="N",
                                help="images generated per measured setting "
                                     "(default: %(default)s)")),
             ("--guidance", dict(type=float, default=3.0, metavar="W",
                                 help="classifier-free guidance scale of the "
                                      "samples (default: %(default)s)")),
             ("--timesteps", dict(type=int, default=1000, metavar="T",
                                  help="diffusion steps T of the models' linear "
                                       "schedule (default: %(default)s; fewer "
                                       "for a quick try: the betas stay 1e-4 to "
                                       "0.02, so x_T keeps some of the image)")),
             ("--sample-steps", dict(type=int, default=50, metavar="N",
                                     help="DDIM steps of the measured samples, "
                                          "at most T (default: %(default)s)"))],
)


def _digits(args):
    from keras_genai import data
    from keras_genai.cli import take

    (x, y), (x_test, y_test) = data.load_digits()
    x, y = take(args.train_size, x, y)
    return x, y, x_test, y_test


def build_model(seed, timesteps=1000):
    """The lab's class-conditional DDPM: a 3-level U-Net (28, 14 and 7 pixels,
    16/32/64 channels, attention at 7x7), linear schedule over ``timesteps``
    (the lab's default T = 1,000), the Min-SNR-5 loss weighting."""
    from keras_genai import builders
    from keras_genai.models import DiffusionModel
    from keras_genai.schedules import NoiseSchedule

    network = builders.diffusion_unet((28, 28, 1), widths=(16, 32, 64),
                                      num_classes=10)
    return DiffusionModel(network, NoiseSchedule("linear", timesteps=timesteps),
                          num_classes=10, label_dropout=0.1, ema=0.999,
                          min_snr_gamma=5.0, seed=seed)


def train_model(args, out):
    """Trains the lab's model on the digits; returns ``(model, history)``."""
    import keras

    from keras_genai import data

    keras.utils.set_random_seed(args.seed)
    x, y, _, _ = _digits(args)
    model = build_model(args.seed, args.timesteps)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    print(f"Training the class-conditional DDPM ({model.network.count_params():,} "
          f"weights) on {len(x)} digits for {args.epochs} epochs.", flush=True)
    history = model.fit(data.image_dataset(x, y, batch_size=args.batch_size,
                                           seed=args.seed),
                        epochs=args.epochs, callbacks=args.backup(),
                        verbose=args.verbose)
    return model, history


def trained_model(args, out):
    """The model saved by ``--exercise train`` (next to ``out``), or a new one."""
    from units.unit6.common import check_steps
    from units.unit6.common import load_saved

    check_steps(args)
    model, path = load_saved(out, MODEL_FILE, "train")
    if model is not None:
        return model, path
    model, _ = train_model(args, out)
    return model, None


def _labels(n):
    import numpy as np

    return np.arange(n, dtype="int32") % 10


@LAB.exercise("train", "Class-conditional DDPM on the digits: samples with DDIM-50 "
                       "and guidance, label accuracy and classifier FID.",
              export=os.path.join("saved_models", "unit6_diffusion"))
def train(args, out):
    import numpy as np

    from keras_genai import viz
    from units.common import export_if_asked
    from units.unit4.judge import DigitJudge

    from units.unit6.common import check_steps

    check_steps(args)
    start = time.time()
    model, history = train_model(args, out)
    train_seconds = time.time() - start
    model.save(os.path.join(out, MODEL_FILE))
    labels = _labels(args.samples)
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
    summary = {
        "training time": f"{train_seconds:.0f} s ({args.epochs} epochs)",
        "final loss (noise MSE)": round(history.history["loss"][-1], 4),
        f"label accuracy of {len(labels)} samples (guidance {args.guidance:g})":
            f"{report['label_accuracy']:.1%} (worst digit "
            f"{report['min_class_accuracy']:.0%})",
        "classifier FID": round(report["fid"], 1),
        "confident (>= 0.9)": f"{report['confident_fraction']:.1%}",
        f"sampling time (DDIM {args.sample_steps})": f"{sample_seconds:.1f} s",
        **judge.floors(),
        "samples": grid,
        "loss curve": curves,
        "model": os.path.join(out, MODEL_FILE),
        "label_accuracy": report["label_accuracy"],
        "min_class_accuracy": report["min_class_accuracy"],
        "fid": report["fid"],
    }
    return export_if_asked(model, args, summary,
                           "sample(noise[None, 28, 28, 1], labels, guidance_scale, "
                           "steps, eta, seed) -> digits in [-1, 1]")


def register_exercises():
    """Registers the exercises kept in ``units/unit6/``."""
    from units.unit6 import forward
    from units.unit6 import sampling
    from units.unit6 import text

    forward.register(LAB)
    sampling.register(LAB, trained_model, _labels)
    text.register(LAB, _digits)


register_exercises()


def main(argv=None):
    """Runs the lab; see ``python -m units.unit6_diffusion --help``."""
    return LAB.main(argv)


if __name__ == "__main__":
    sys.exit(main())
