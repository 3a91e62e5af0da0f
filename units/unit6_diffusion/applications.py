"""Diffusion applications: ``inpaint`` (RePaint) and ``edit`` (SDEdit) use the
trained DDPM of ``--exercise train`` for tasks it was never trained on;
``super-resolution`` trains an SR3-style model conditioned on the upsampled
low-resolution digit."""

import os
import time

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai import metrics
from keras_genai import viz
from keras_genai.models import DiffusionModel
from keras_genai.diffusion import NoiseSchedule
from units.common import digits
from units.common import export_if_asked
from units.common import pairs_dataset
from units.common import bicubic
from units.common import classifier_accuracy
from units.common import psnr
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit6_diffusion.common import WIDTHS
from units.unit6_diffusion.common import check_steps
from units.unit6_diffusion.common import trained_model

HOLE = 12  # the pix2pix exercise's task (python -m units.unit4_gan --exercise pix2pix)
# The README's figures of the Unit IV exercises, on all 1,000 test digits.
PIX2PIX = {"accuracy": 0.822, "hole_error": 0.45}
SRGAN = {"psnr": 18.3, "accuracy": 0.926}
STRENGTHS = (0.2, 0.4, 0.6, 0.8)


def _test_digits(train_size, test_digits, seed):
    """The first ``test_digits`` test digits in ``[-1, 1]``, their labels, and
    the pix2pix exercise's holes for them (drawn for all 1,000 test digits with
    its seed, so each digit gets the same hole there and here)."""
    _, _, x_test, y_test = digits(train_size, scale="tanh")
    _, holes = data.occlude(x_test, hole=HOLE, fill=-1.0, seed=seed + 1)
    n = min(test_digits, len(x_test))
    return x_test[:n], y_test[:n], holes[:n]


@exercise("inpaint", "RePaint with the trained DDPM (no retraining) fills the "
                     "pix2pix exercise's 12x12 holes: classifier accuracy and "
                     "error inside the hole, with and without resampling.")
def inpaint(run: Run, *, epochs: Count = 28, batch_size: Count = 32,
            train_size: Count | None = None, test_digits: Count = 500,
            resamplings: Count = 5, jump_length: Count = 5,
            timesteps: Count = 1000, sample_steps: Count = 50,
            widths: list[Count] = list(WIDTHS)) -> dict:
    """RePaint on the model of ``--exercise train`` (trained here if none is
    saved): the pix2pix exercise's 12x12 holes filled with and without
    resampling, scored by the digit classifier and the error in the hole.

    Args:
        test_digits: how many of the 1,000 test digits (the first N).
        resamplings: RePaint's passes down each jump.
        jump_length: levels RePaint jumps back up.
        sample_steps: levels of the chain, at most T.
        epochs: training epochs, when no model of ``--exercise train`` is saved.
        batch_size: images per training step, likewise.
        train_size: train on the first N digits (default: all 4,000), likewise.
        timesteps: diffusion steps T of the model trained here.
        widths: channels of the U-Net's levels at 28, 14 and 7 pixels, likewise.
    """
    model, _ = trained_model(run, sample_steps=sample_steps, epochs=epochs,
                             batch_size=batch_size, train_size=train_size,
                             timesteps=timesteps, widths=widths)
    x, y, holes = _test_digits(train_size, test_digits, run.seed)
    known = 1.0 - holes
    holed = np.where(holes > 0, -1.0, x).astype("float32")
    classifier = metrics.digit_classifier()
    settings = {"replacement only (r = 1)": 1,
                f"RePaint (r = {resamplings})": resamplings}
    rows = {"holed input": {"accuracy": classifier_accuracy(holed, y, classifier),
                            "hole_error": float(np.abs(holed - x)[holes > 0].mean())}}
    filled = {}
    # Trace the sampler once so no setting pays for the compilation.
    model.inpaint(holed[:2], known[:2], steps=1, verbose=False)
    for name, resamplings in settings.items():
        start = time.time()
        filled[name] = model.inpaint(holed, known, steps=sample_steps,
                                     jump_length=jump_length,
                                     resamplings=resamplings, seed=run.seed,
                                     verbose=run.verbose == 1)
        rows[name] = {"accuracy": classifier_accuracy(filled[name], y, classifier),
                      "hole_error": float(np.abs(filled[name] - x)[holes > 0].mean()),
                      "seconds": time.time() - start}
        print(f"{name}: accuracy {rows[name]['accuracy']:.1%}, error in the hole "
              f"{rows[name]['hole_error']:.3f}, {rows[name]['seconds']:.0f} s",
              flush=True)
    rows["original"] = {"accuracy": classifier_accuracy(x, y, classifier),
                        "hole_error": 0.0}
    grid = viz.save_image_grid(
        np.concatenate([holed[:16], *(f[:16] for f in filled.values()), x[:16]]),
        os.path.join(run.out, "inpainting.png"), value_range=(-1, 1), cols=16,
        title="rows: holed input, " + ", ".join(settings) + ", original")
    return {
        "rows": Row(rows, f"{len(x)} test digits, {HOLE}x{HOLE} hole (accuracy: "
                          "the digit classifier's on the result)"),
        "pix2pix": Row(PIX2PIX, "pix2pix, trained for the task (README, 1,000 "
                                "test digits)"),
        "chain": f"{sample_steps} levels, jumps of {jump_length}, "
                 "unconditional (the null class)",
        "grid": grid,
    }


@exercise("edit", "SDEdit: noise a test digit to t0 and denoise it as another "
                  "digit; label accuracy against distance to the input for t0 = "
                  "0.2, 0.4, 0.6, 0.8 T.")
def edit(run: Run, *, epochs: Count = 28, batch_size: Count = 32,
         train_size: Count | None = None, test_digits: Count = 500,
         guidance: float = 3.0, timesteps: Count = 1000, sample_steps: Count = 50,
         widths: list[Count] = list(WIDTHS)) -> dict:
    """SDEdit on the model of ``--exercise train`` (trained here if none is
    saved): test digits noised to t0 = 0.2 ... 0.8 T and denoised as another
    digit.

    Args:
        test_digits: how many of the 1,000 test digits (the first N).
        guidance: classifier-free guidance scale of the edits.
        sample_steps: DDIM steps over the whole chain, at most T.
        epochs: training epochs, when no model of ``--exercise train`` is saved.
        batch_size: images per training step, likewise.
        train_size: train on the first N digits (default: all 4,000), likewise.
        timesteps: diffusion steps T of the model trained here.
        widths: channels of the U-Net's levels at 28, 14 and 7 pixels, likewise.
    """
    model, _ = trained_model(run, sample_steps=sample_steps, epochs=epochs,
                             batch_size=batch_size, train_size=train_size,
                             timesteps=timesteps, widths=widths)
    x, y, _ = _test_digits(train_size, test_digits, run.seed)
    targets = ((y + 1 + np.arange(len(y)) % 9) % 10).astype("int32")  # never y
    classifier = metrics.digit_classifier()
    rows, grids = {}, [x[:10]]
    for strength in STRENGTHS:
        edited = model.edit(x, strength, labels=targets, steps=sample_steps,
                            guidance_scale=guidance, seed=run.seed,
                            verbose=run.verbose == 1)
        rows[f"{strength:g}"] = {
            "label_accuracy": classifier_accuracy(edited, targets, classifier),
            "still_the_source": classifier_accuracy(edited, y, classifier),
            "distance": float(np.abs(edited - x).mean()),
        }
        grids.append(edited[:10])
        print(f"t0 = {strength:g} T: label accuracy "
              f"{rows[f'{strength:g}']['label_accuracy']:.1%}, mean |edit - input| "
              f"{rows[f'{strength:g}']['distance']:.3f}", flush=True)
    grid = viz.save_image_grid(
        np.concatenate(grids), os.path.join(run.out, "edits.png"), value_range=(-1, 1),
        cols=10, title="rows: input, then t0 = " + ", ".join(rows) + " x T")
    curve = viz.plot_curves(
        {"label accuracy": ([r["distance"] for r in rows.values()],
                            [r["label_accuracy"] for r in rows.values()])},
        os.path.join(run.out, "accuracy_vs_distance.png"),
        xlabel="mean |edit - input| per pixel", ylabel="new label's accuracy",
        title="SDEdit: t0 = " + ", ".join(rows) + " x T")
    return {
        "rows": Row(rows, f"by t0 / T ({len(x)} test digits, each asked to become "
                          "another digit)"),
        "still_the_source": "the share the classifier still reads as the input digit",
        "grid": grid,
        "accuracy_vs_distance": Row(curve, "label accuracy vs distance"),
    }


@exercise("super-resolution", "SR3: a DDPM conditioned on the bicubic-upsampled "
                              "7x7 digit, concatenated with x_t, against SRGAN "
                              "and bicubic: PSNR and classifier accuracy.",
          export=os.path.join("saved_models", "unit6_sr3"))
def super_resolution(run: Run, *, epochs: Count = 10, batch_size: Count = 32,
                     train_size: Count | None = None, test_digits: Count = 500,
                     timesteps: Count = 1000, sample_steps: Count = 50,
                     widths: list[Count] = list(WIDTHS)) -> dict:
    """Trains SR3 (the U-Net sees the bicubic-upsampled 7x7 digit beside x_t)
    and compares it with bicubic and the Unit IV SRGAN on PSNR and classifier
    accuracy.

    Args:
        epochs: training epochs.
        batch_size: images per training step.
        train_size: train on the first N digits (default: all 4,000).
        test_digits: how many of the 1,000 test digits (the first N).
        timesteps: diffusion steps T of the linear schedule.
        sample_steps: DDIM steps of the restorations, at most T.
        widths: channels of the U-Net's levels at 28, 14 and 7 pixels.
    """
    check_steps(timesteps, widths, sample_steps)
    x, _, x_test, y_test = digits(train_size, scale="tanh")
    n = min(test_digits, len(x_test))
    x_test, y_test = x_test[:n], y_test[:n]
    upsampled, upsampled_test = (bicubic(data.downsample(a, 4)) for a in (x, x_test))
    network = builders.diffusion_unet((28, 28, 1), widths=widths,
                                      condition_channels=1)
    model = DiffusionModel(network, NoiseSchedule("linear", timesteps=timesteps),
                           image_condition=True, ema=0.999, min_snr_gamma=5.0,
                           seed=run.seed)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    print(f"Training SR3 ({network.count_params():,} weights) on {len(x)} digits "
          f"for {epochs} epochs.", flush=True)
    start = time.time()
    history = model.fit(pairs_dataset(x, upsampled, batch_size, run.seed), epochs=epochs,
                        callbacks=run.backup(), verbose=run.verbose)
    train_seconds = time.time() - start
    start = time.time()
    restored = model.sample(conditions=upsampled_test, steps=sample_steps,
                            seed=run.seed, verbose=run.verbose == 1)
    sample_seconds = time.time() - start
    classifier = metrics.digit_classifier()
    rows = {name: {"psnr": psnr(images, x_test),
                   "accuracy": classifier_accuracy(images, y_test, classifier)}
            for name, images in (("bicubic", upsampled_test), ("SR3", restored))}
    rows["original"] = {"accuracy": classifier_accuracy(x_test, y_test, classifier)}
    return {
        "rows": Row(rows, f"{n} test digits, 7x7 -> 28x28 (PSNR in dB)"),
        "srgan": Row(SRGAN, "SRGAN (README of python -m units.unit4_gan "
                            "--exercise srgan, 1,000 test digits)"),
        "training_seconds": Row(train_seconds, "training time", "{:.0f} s",
                                note=f"{epochs} epochs"),
        "sampling_seconds": Row(sample_seconds, "sampling time", "{:.1f} s",
                                note=f"DDIM {sample_steps} steps"),
        "grid": viz.save_image_grid(
            np.concatenate([upsampled_test[:16], restored[:16], x_test[:16]]),
            os.path.join(run.out, "super_resolution.png"), value_range=(-1, 1),
            cols=16, title="rows: bicubic from 7x7, SR3, original"),
        "loss_curve": viz.plot_history(history, os.path.join(run.out, "loss.png"),
                                       keys=["loss"], title="noise-prediction MSE"),
        **export_if_asked(model, run.export, "sample(noise[None, 28, 28, 1], "
                                       "conditions[None, 28, 28, 1], guidance_scale, "
                                       "steps, eta, seed) -> digits in [-1, 1]"),
    }
