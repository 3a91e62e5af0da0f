"""Training speed of the DCGAN, the VAE and the diffusion U-Net: float32 vs mixed
precision, XLA off vs on, and ``fit`` vs a hand-written ``tf.function`` loop.

The models are the labs' (DCGAN 128-64 / 64-128-256 at batch 64, the Unit V VAE
784-500-20 at batch 100, the Unit VI U-Net 16/32/64 at batch 32), on 28x28
inputs. "mixed" is ``mixed_float16`` on a GPU (with loss-scaled optimizers) and
``mixed_bfloat16`` on a CPU. Every variant trains ``--warmup`` steps (tracing,
XLA compilation) and is then timed for ``--steps`` steps, data included;
variants run interleaved over ``--rounds`` rounds and medians are reported,
with the ratio of steps per second to the baseline measured in the same run:
``fit`` in float32 without XLA.

Usage (one command; on a GPU machine it uses the first GPU):

    python benchmarks/precision_xla.py [--models dcgan,vae,diffusion]
        [--steps 30] [--warmup 5] [--rounds 2]
"""

import argparse
import statistics

import keras
import numpy as np
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import models
from keras_genai.diffusion import NoiseSchedule

from _timing import time_fit  # noqa: E402 (benchmarks/ is on sys.path)
from _timing import time_loop

BATCH = {"dcgan": 64, "vae": 100, "diffusion": 32}


def build(name, policy, adam=keras.optimizers.Adam):
    """The lab's model ``name`` built under ``policy`` and compiled with the
    optimizer class ``adam``."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        if name == "dcgan":
            model = models.GAN(builders.dcgan_generator(64),
                               builders.dcgan_discriminator(), latent_dim=64, seed=0)
            model.compile(d_optimizer=adam(2e-4, beta_1=0.5),
                          g_optimizer=adam(2e-4, beta_1=0.5))
        elif name == "vae":
            model = models.VAE(
                builders.dense_encoder((28, 28, 1), 20, (500,), variational=True),
                builders.dense_decoder((28, 28, 1), 20, (500,)), seed=0)
            model.compile(optimizer=adam(1e-3))
        else:
            network = builders.diffusion_unet((28, 28, 1), widths=(16, 32, 64),
                                              num_classes=10)
            model = models.DiffusionModel(network, NoiseSchedule("linear"),
                                          num_classes=10, min_snr_gamma=5.0, seed=0)
            model.compile(optimizer=adam(2e-3))
    finally:
        keras.config.set_dtype_policy(previous)
    return model


def dataset(name, batch_size):
    """A repeating pipeline of the digits in the range the model expects."""
    (x, y), _ = data.load_digits()
    if name == "dcgan":
        return data.image_dataset(x, batch_size=batch_size, seed=0, repeat=True)
    if name == "vae":
        return data.image_dataset(x, batch_size=batch_size, scale="unit", seed=0,
                                  repeat=True)
    return data.image_dataset(x, y, batch_size=batch_size, seed=0, repeat=True)


def variants(mixed):
    """``{label: (policy, xla, runner)}``; runner is ``"fit"`` or ``"loop"``."""
    out = {}
    for policy in ("float32", mixed):
        for xla in (False, True):
            for runner in ("fit", "loop"):
                label = f"{runner:<4} {'fp32' if policy == 'float32' else policy:<14} " \
                        f"XLA {'on ' if xla else 'off'}"
                out[label] = (policy, xla, runner)
    return out


def model_names(parser, models):
    """The names in the comma-separated ``--models`` value, each checked
    against `BATCH` (an unknown one ends the script with ``parser.error``)."""
    names = models.split(",")
    for name in names:
        if name not in BATCH:
            parser.error(f"unknown model {name!r}; choose from {sorted(BATCH)}")
    return names


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="dcgan,vae,diffusion")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="one batch size for every model (default: the labs')")
    args = parser.parse_args(argv)
    names = model_names(parser, args.models)
    gpus = tf.config.list_logical_devices("GPU")
    mixed = "mixed_float16" if gpus else "mixed_bfloat16"
    device = (tf.config.experimental.get_device_details(
        tf.config.list_physical_devices("GPU")[0]).get("device_name", "GPU")
        if gpus else "CPU")
    print(f"device: {device}; mixed = {mixed}; {args.rounds} rounds x "
          f"{args.steps} steps after {args.warmup} warm-up steps; medians")
    results = {}
    for name in names:
        batch = args.batch_size or BATCH[name]
        ds = dataset(name, batch)
        runs = {}
        for label, (policy, xla, runner) in variants(mixed).items():
            model = build(name, policy)
            if runner == "fit":
                model.jit_compile = xla
            runs[label] = (model, xla, runner)
        times = {label: [] for label in runs}
        for _ in range(args.rounds):
            for label, (model, xla, runner) in runs.items():
                if runner == "fit":
                    times[label] += time_fit(model, ds, args.warmup, args.steps)
                else:
                    times[label] += time_loop(model, ds, args.warmup, args.steps,
                                              jit_compile=xla)
        medians = {label: statistics.median(v) for label, v in times.items()}
        base = medians[next(iter(medians))]  # fit, float32, XLA off
        print(f"\n{name} (batch {batch}):")
        for label, seconds in medians.items():
            print(f"  {label}  {1 / seconds:8.1f} steps/s  {1000 * seconds:8.2f} "
                  f"ms/step  speed-up x{base / seconds:.2f}")
        results[name] = {label: 1 / s for label, s in medians.items()}
    return results


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
