"""Exercise ``train`` (the lab's default): the class-conditional DDPM on the
digits, saved for the other exercises."""

import os
import time

import numpy as np

from keras_genai import viz
from units.common import SampleJudge
from units.common import export_if_asked
from units.common import unlabelled_reason
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit6_diffusion.common import MODEL_FILE
from units.unit6_diffusion.common import WIDTHS
from units.unit6_diffusion.common import check_steps
from units.unit6_diffusion.common import labels_for
from units.unit6_diffusion.common import train_model


@exercise("train", "Class-conditional DDPM on the digits (or --dataset): samples "
                   "with DDIM-50 and guidance, label accuracy and classifier FID.",
          export=os.path.join("saved_models", "unit6_diffusion"), any_dataset=True)
def train(run: Run, *, epochs: Count = 28, batch_size: Count = 32,
          train_size: Count | None = None, samples: Count = 500,
          guidance: float = 3.0, timesteps: Count = 1000, sample_steps: Count = 50,
          widths: list[Count] = list(WIDTHS)) -> dict:
    """Trains the class-conditional DDPM (the condition dropped 10% of the
    time, for classifier-free guidance), samples with DDIM and guidance and
    judges the samples with the dataset's classifier. A ``--dataset`` without
    labels trains an unconditional DDPM, sampled without guidance and not
    judged.

    Args:
        epochs: training epochs.
        batch_size: images per training step.
        train_size: train on the first N images (default: all).
        samples: images generated for the measures.
        guidance: classifier-free guidance scale of the samples.
        timesteps: diffusion steps T of the linear schedule (fewer for a quick
            try: the betas stay 1e-4 to 0.02, so x_T keeps some of the image).
        sample_steps: DDIM steps of the samples, at most T.
        widths: channels of the U-Net's levels at full, half and quarter size
            (28, 14 and 7 pixels for the digits; fewer or narrower levels for
            a quick try, attention at the last).
    """
    check_steps(timesteps, widths, sample_steps)
    images = run.images()
    shape = images.image_shape
    start = time.time()
    model, history = train_model(run, epochs=epochs, batch_size=batch_size,
                                 train_size=train_size, timesteps=timesteps,
                                 widths=widths, images=images)
    train_seconds = time.time() - start
    # Only the digits model is the one the other exercises load.
    model_file = os.path.join(run.out, MODEL_FILE if images.is_digits
                              else f"diffusion_{images.key}.keras")
    model.save(model_file)
    classes = images.num_classes
    labels = labels_for(samples, classes) if classes else None
    guided = dict(guidance_scale=guidance) if classes else {}
    start = time.time()
    generated = model.sample(n=None if classes else samples, labels=labels,
                             steps=sample_steps, seed=run.seed,
                             verbose=run.verbose == 1, **guided)
    sample_seconds = time.time() - start
    rows = min(classes or 10, 10)
    grid_labels = np.repeat(np.arange(rows), 10) if classes else None
    grid = viz.save_image_grid(model.sample(n=None if classes else 100,
                                            labels=grid_labels, steps=sample_steps,
                                            seed=run.seed + 1, verbose=False,
                                            **guided),
                               os.path.join(run.out, "samples.png"), value_range=(-1, 1),
                               cols=10, title=f"DDIM {sample_steps} steps"
                               + (f", guidance {guidance:g} (one class per row)"
                                  if classes else ""))
    curves = viz.plot_history(history, os.path.join(run.out, "loss.png"), keys=["loss"],
                              title="noise-prediction MSE")
    summary = {
        "dataset": Row(images.name, "dataset", note="x".join(map(str, shape))),
        "training_seconds": Row(train_seconds, "training time", "{:.0f} s",
                                note=f"{epochs} epochs"),
        "final_loss": Row(history.history["loss"][-1], "final loss (noise MSE)",
                          "{:.4f}"),
        "measured_samples": Row(len(generated), "samples measured",
                                note=f"DDIM {sample_steps} steps"
                                     + (f", guidance {guidance:g}" if classes else "")),
    }
    if classes:
        judge = SampleJudge(images)
        summary.update(judge.rows(judge.report(generated, labels)))
    summary["sampling_seconds"] = Row(sample_seconds, "sampling time", "{:.1f} s")
    summary.update(judge.floors() if classes else {
        "sample_quality": Row(None, "sample quality", note=unlabelled_reason(images))})
    height, width, channels = shape
    return {
        **summary,
        "samples": grid,
        "loss_curve": curves,
        "model": model_file,
        **export_if_asked(model, run.export, f"sample(noise[None, {height}, {width}, "
                                             f"{channels}]"
                                             + (", labels, guidance_scale" if classes
                                                else "")
                                             + ", steps, eta, seed) -> images in "
                                               "[-1, 1]"),
    }
