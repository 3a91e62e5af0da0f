"""Exercises ``samplers`` (DDPM vs DDIM) and ``guidance`` (the guidance scale)."""

import os
import time

import numpy as np

from keras_genai import metrics
from keras_genai import viz
from units.common import SampleJudge
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit6_diffusion.common import WIDTHS
from units.unit6_diffusion.common import labels_for
from units.unit6_diffusion.common import trained_model


@exercise("samplers", "DDPM 1,000 steps vs DDIM 10/25/50/100 on one model: time "
                      "and classifier FID.")
def samplers(run: Run, *, epochs: Count = 28, batch_size: Count = 32,
             train_size: Count | None = None, samples: Count = 500,
             guidance: float = 3.0, timesteps: Count = 1000,
             widths: list[Count] = list(WIDTHS)) -> dict:
    """DDPM over all T steps against DDIM with 10, 25, 50 and 100 steps (those
    at most T) on the model of ``--exercise train`` (trained here if none is
    saved): sampling time and classifier FID.

    Args:
        samples: images generated per sampler.
        guidance: classifier-free guidance scale of the samples.
        epochs: training epochs, when no model of ``--exercise train`` is saved.
        batch_size: images per training step, likewise.
        train_size: train on the first N digits (default: all 4,000), likewise.
        timesteps: diffusion steps T of the model trained here.
        widths: channels of the U-Net's levels at 28, 14 and 7 pixels, likewise.
    """
    model, _ = trained_model(run, epochs=epochs, batch_size=batch_size,
                             train_size=train_size, timesteps=timesteps,
                             widths=widths)
    judge = SampleJudge()
    labels = labels_for(samples)
    T = model.schedule.timesteps
    settings = [("ddpm", T)] + [("ddim", s) for s in (10, 25, 50, 100) if s <= T]
    # Trace the sampler once so no setting pays for the compilation.
    model.sample(labels=labels[:2], steps=2, verbose=False)
    rows, grids = {}, []
    for sampler, steps in settings:
        start = time.time()
        images = model.sample(labels=labels, steps=steps, sampler=sampler,
                              guidance_scale=guidance, seed=run.seed,
                              verbose=False)
        seconds = time.time() - start
        report = judge.report(images, labels)
        name = f"{sampler.upper()} {steps}"
        rows[name] = {"seconds": seconds, "fid": report["fid"],
                      "precision": report["precision"], "recall": report["recall"],
                      "label_accuracy": report["label_accuracy"]}
        grids.append(images[:20])
        print(f"{name:>9}: {seconds:7.1f} s, FID {report['fid']:6.1f}, label "
              f"accuracy {report['label_accuracy']:.1%}", flush=True)
    base = rows[f"DDPM {T}"]
    for row in rows.values():
        row["speedup"] = base["seconds"] / row["seconds"]
        row["fid_vs_ddpm"] = row["fid"] / base["fid"]
    grid = viz.save_image_grid(np.concatenate(grids),
                               os.path.join(run.out, "samplers.png"), value_range=(-1, 1),
                               cols=20, title="rows: " + ", ".join(rows))
    curve = viz.plot_curves(
        {"classifier FID": ([r["seconds"] for r in rows.values()],
                            [r["fid"] for r in rows.values()])},
        os.path.join(run.out, "time_vs_fid.png"), xlabel="seconds to sample "
        f"{len(labels)} digits", ylabel="classifier FID",
        title="sampling time vs quality (" + ", ".join(rows) + ")")
    return {"rows": Row(rows, f"by sampler (speedup and FID against DDPM {T})"),
            "samples_per_setting": len(labels), "samples": grid,
            "time_vs_fid": Row(curve, "time vs FID")}


@exercise("guidance", "Guidance scale 0..8: label accuracy rises, diversity falls.")
def guidance(run: Run, *, epochs: Count = 28, batch_size: Count = 32,
             train_size: Count | None = None, samples: Count = 500,
             timesteps: Count = 1000, sample_steps: Count = 50,
             widths: list[Count] = list(WIDTHS)) -> dict:
    """The guidance scale w from 0 (unconditional) to 8 on the model of
    ``--exercise train`` (trained here if none is saved): label accuracy and
    diversity of the samples.

    Args:
        samples: images generated per guidance scale.
        sample_steps: DDIM steps of the samples, at most T.
        epochs: training epochs, when no model of ``--exercise train`` is saved.
        batch_size: images per training step, likewise.
        train_size: train on the first N digits (default: all 4,000), likewise.
        timesteps: diffusion steps T of the model trained here.
        widths: channels of the U-Net's levels at 28, 14 and 7 pixels, likewise.
    """
    model, _ = trained_model(run, sample_steps=sample_steps, epochs=epochs,
                             batch_size=batch_size, train_size=train_size,
                             timesteps=timesteps, widths=widths)
    judge = SampleJudge()
    labels = labels_for(samples)
    real_spread = _spread(judge.test_features, judge.test_labels)
    rows, grids = {}, []
    for w in (0.0, 1.0, 2.0, 3.0, 5.0, 8.0):
        images = model.sample(labels=labels, steps=sample_steps,
                              guidance_scale=w, seed=run.seed, verbose=False)
        report = judge.report(images, labels)
        features = metrics.classifier_features(images, classifier=judge.classifier,
                                               value_range=(-1, 1))
        rows[w] = {"label_accuracy": report["label_accuracy"],
                   "fid": report["fid"], "precision": report["precision"],
                   "recall": report["recall"],
                   "diversity": _spread(features, labels) / real_spread}
        grids.append(images[:20])
        print(f"w = {w:g}: label accuracy {report['label_accuracy']:.1%}, "
              f"diversity {rows[w]['diversity']:.2f}, FID {report['fid']:.1f}",
              flush=True)
    grid = viz.save_image_grid(np.concatenate(grids),
                               os.path.join(run.out, "guidance.png"), value_range=(-1, 1),
                               cols=20, title="rows: w = 0, 1, 2, 3, 5, 8")
    curves = viz.plot_curves(
        {"label accuracy": [r["label_accuracy"] for r in rows.values()],
         "diversity (vs real digits)": [r["diversity"] for r in rows.values()]},
        os.path.join(run.out, "guidance_sweep.png"), xlabel="guidance scale w",
        ylabel="", title="classifier-free guidance", x=list(rows))
    return {"rows": Row({str(w): r for w, r in rows.items()},
                        "by guidance scale w"),
            "diversity": "mean distance between two samples of the same label in "
                         "the classifier's features, over that of two real test "
                         "digits of the same label",
            "samples": grid, "sweep": curves}


def _spread(features, labels):
    """Mean distance between two items of the same label (all pairs), averaged
    over the labels: how varied each class is."""
    spreads = []
    for k in np.unique(labels):
        f = features[labels == k]
        d = np.sqrt(np.maximum(((f[:, None] - f[None]) ** 2).sum(-1), 0))
        spreads.append(d.sum() / max(len(f) * (len(f) - 1), 1))
    return float(np.mean(spreads))
