"""Unit IV exercise ``dcgan``, the lab's default.

It trains a DCGAN (Radford et al. 2016) on the 5,000 real handwritten digits
embedded in the package, with Goodfellow's non-saturating generator loss, one
discriminator step per generator step, the R1 penalty on real images (Mescheder
et al. 2018) and a moving average of G's weights for sampling (Karras et al.
2018). It shows:

* the two-player game in the loss curves: neither loss goes to 0. D's loss stays
  around 1 (2 log 2 ~ 1.39 would be the equilibrium, D(x) = 1/2 everywhere; 0 a D
  that wins outright) and drifts down slowly as D learns the 4,000 training digits
  by heart, while G's loss rises to match;
* samples from the same 64 latent points after every epoch, turning from noise
  into digits;
* how to *measure* a generator without looking at it: a digit classifier labels
  1,000 samples; a good generator gives confident labels (quality) spread over all
  ten digits (no mode collapse);
* the trained generator exported as a SavedModel that plain TensorFlow serves.

On a CPU with bfloat16 matrix units (AMX / AVX-512 BF16) it trains under
``mixed_bfloat16`` (``--precision auto``; the summary says which), elsewhere in
float32. How the defaults were chosen is in ``docs/units/unit4_gan.md``.
"""

import os

from keras_genai import callbacks
from keras_genai import viz
from units.common import SampleJudge
from units.common import export_if_asked
from units.common import unlabelled_reason
from units.lab import Count
from units.lab import Row
from units.lab import Run
from units.lab import exercise
from units.unit4_gan.digits import default_dcgan

# Targets of the default run (issues #2 and #18): share of samples the
# classifier labels with confidence >= 0.9, the share of the rarest digit among
# the samples, and the classifier FID.
CONFIDENT_TARGET = 0.85
MIN_CLASS_SHARE_TARGET = 0.04
FID_TARGET = 25.0


@exercise("dcgan", "DCGAN on the embedded digits (or --dataset): sample grids "
                   "per epoch, loss curves, SavedModel, sample quality.",
          export=os.path.join("saved_models", "unit4_dcgan"), any_dataset=True)
def dcgan(run: Run, *, epochs: Count = 60, batch_size: Count = 64,
          latent_dim: Count = 64, train_size: Count | None = None) -> dict:
    """The default DCGAN (`units.unit4_gan.digits.default_dcgan`), trained under
    ``--precision`` on ``--dataset`` and measured by that dataset's classifier.

    Args:
        epochs: training epochs.
        batch_size: images per minibatch.
        latent_dim: size of the generator's latent vector.
        train_size: train on the first N training images (default: all).
    """
    images = run.images()
    gan, dataset, policy = default_dcgan(run.precision, latent_dim, batch_size,
                                         run.seed, train_size, images=images)
    shape = "x".join(map(str, images.image_shape))
    print(f"Training a DCGAN on {images.count(limit=train_size)} {images.name} "
          f"images ({shape}) "
          f"for {epochs} epochs (batch {batch_size}, latent {latent_dim}, "
          f"{policy}).", flush=True)
    grid = callbacks.SampleGrid(run.out, num_samples=64,
                                every=max(1, epochs // 10), seed=run.seed)
    timer = callbacks.TimeLimit(float("inf"))
    history = gan.fit(dataset, epochs=epochs,
                      callbacks=[grid, timer, *run.backup()], verbose=run.verbose)
    summary = {
        "dataset": Row(images.name, "dataset", note=shape),
        "dtype_policy": Row(policy, "dtype policy", note=(
            "bfloat16 matrix units found" if policy == "mixed_bfloat16"
            and run.precision == "auto" else f"--precision {run.precision}")),
        "epochs_trained": len(history.history["d_loss"]),
        "generator_steps": int(gan.g_optimizer.iterations),
        "training_seconds": Row(timer.elapsed, "training time", "{:.0f} s"),
        "final_d_loss": history.history["d_loss"][-1],
        "final_g_loss": history.history["g_loss"][-1],
        "last_sample_grid": Row(grid.paths[-1] if grid.paths else None,
                                "sample grids", note=f"the last of {len(grid.paths)}"),
        "loss_curves": viz.plot_history(history, os.path.join(run.out, "losses.png"),
                                        keys=["d_loss", "g_loss"],
                                        title="DCGAN losses (epoch means)"),
        **export_if_asked(gan, run.export, f"serve: z[None, {latent_dim}] -> "
                                           "images in [-1, 1]"),
    }
    if not images.labelled:
        return {**summary, "sample_quality": Row(None, "sample quality",
                                                 note=unlabelled_reason(images))}
    print(f"Measuring 1,000 samples with the {images.name} classifier (trained and "
          "cached on first use).", flush=True)
    judge = SampleJudge(images)
    quality = judge.report(gan.sample(1000, seed=run.seed + 1))
    hist = viz.plot_class_histogram(quality["class_counts"],
                                    os.path.join(run.out, "class_histogram.png"),
                                    title=f"{images.name} classes of 1,000 samples")
    return {
        **summary,
        **judge.floors(),
        # The targets are the digits run's (docs/units/unit4_gan.md).
        **judge.rows(quality, at_least={"confident_fraction": CONFIDENT_TARGET,
                                        "min_class_share": MIN_CLASS_SHARE_TARGET}
                     if images.is_digits else {},
                     at_most={"fid": FID_TARGET} if images.is_digits else {}),
        "class_histogram": hist,
    }
