"""Exercise ``train`` (the lab's default): the class-conditional DDPM on the
digits, saved for the other exercises."""

import os
import time

import numpy as np

from keras_genai import viz
from units.common import DigitJudge
from units.common import export_if_asked
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit6_diffusion.common import MODEL_FILE
from units.unit6_diffusion.common import WIDTHS
from units.unit6_diffusion.common import check_steps
from units.unit6_diffusion.common import labels_for
from units.unit6_diffusion.common import train_model


@exercise("train", "Class-conditional DDPM on the digits: samples with DDIM-50 and "
                   "guidance, label accuracy and classifier FID.",
          export=os.path.join("saved_models", "unit6_diffusion"))
def train(run: Run, *, epochs: Count = 28, batch_size: Count = 32,
          train_size: Count | None = None, samples: Count = 500,
          guidance: float = 3.0, timesteps: Count = 1000, sample_steps: Count = 50,
          widths: list[Count] = list(WIDTHS)) -> dict:
    """Trains the class-conditional DDPM (the condition dropped 10% of the
    time, for classifier-free guidance), samples with DDIM and guidance and
    judges the samples with the digit classifier.

    Args:
        epochs: training epochs.
        batch_size: images per training step.
        train_size: train on the first N digits (default: all 4,000).
        samples: images generated for the measures.
        guidance: classifier-free guidance scale of the samples.
        timesteps: diffusion steps T of the linear schedule (fewer for a quick
            try: the betas stay 1e-4 to 0.02, so x_T keeps some of the image).
        sample_steps: DDIM steps of the samples, at most T.
        widths: channels of the U-Net's levels at 28, 14 and 7 pixels (fewer or
            narrower levels for a quick try, attention at the last).
    """
    check_steps(timesteps, widths, sample_steps)
    start = time.time()
    model, history = train_model(run, epochs=epochs, batch_size=batch_size,
                                 train_size=train_size, timesteps=timesteps,
                                 widths=widths)
    train_seconds = time.time() - start
    model.save(os.path.join(run.out, MODEL_FILE))
    labels = labels_for(samples)
    start = time.time()
    samples = model.sample(labels=labels, steps=sample_steps,
                           guidance_scale=guidance, seed=run.seed,
                           verbose=run.verbose == 1)
    sample_seconds = time.time() - start
    judge = DigitJudge()
    report = judge.report(samples, labels)
    grid = viz.save_image_grid(model.sample(labels=np.repeat(np.arange(10), 10),
                                            steps=sample_steps,
                                            guidance_scale=guidance,
                                            seed=run.seed + 1, verbose=False),
                               os.path.join(run.out, "samples.png"), value_range=(-1, 1),
                               cols=10, title=f"DDIM {sample_steps} steps, "
                                              f"guidance {guidance:g} "
                                              "(one digit per row)")
    curves = viz.plot_history(history, os.path.join(run.out, "loss.png"), keys=["loss"],
                              title="noise-prediction MSE")
    return {
        "training_seconds": Row(train_seconds, "training time", "{:.0f} s",
                                note=f"{epochs} epochs"),
        "final_loss": Row(history.history["loss"][-1], "final loss (noise MSE)",
                          "{:.4f}"),
        "measured_samples": Row(len(labels), "samples measured",
                                note=f"DDIM {sample_steps} steps, guidance "
                                     f"{guidance:g}"),
        **judge.rows(report),
        "sampling_seconds": Row(sample_seconds, "sampling time", "{:.1f} s"),
        **judge.floors(),
        "samples": grid,
        "loss_curve": curves,
        "model": os.path.join(run.out, MODEL_FILE),
        **export_if_asked(model, run.export, "sample(noise[None, 28, 28, 1], labels, "
                                       "guidance_scale, steps, eta, seed) -> "
                                       "digits in [-1, 1]"),
    }
