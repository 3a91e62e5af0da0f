"""Keras' Adam against `keras_genai.optimizers.Adam` (the update in one fused
op per variable): the time to trace a model's training step, and a step's.

The models are the labs' DCGAN, Unit V VAE and Unit VI U-Net
(`precision_xla.build`), in float32. For each optimizer and round, a fresh
model is built and compiled; "first step" is its first ``fit`` step (tracing
the training step, then running it); then ``--steps`` steps are timed after
``--warmup`` more. Optimizers alternate within each round and medians are
reported, with the ratio fused / Keras measured in the same run.

Usage: python benchmarks/optimizers.py [--models dcgan,vae,diffusion]
    [--steps 20] [--warmup 3] [--rounds 3]
"""

import argparse
import contextlib
import io
import statistics
import time

import keras

from keras_genai import optimizers

from _timing import time_fit  # noqa: E402 (benchmarks/ is on sys.path)
from precision_xla import BATCH
from precision_xla import build
from precision_xla import dataset
from precision_xla import model_names

OPTIMIZERS = {"keras Adam": keras.optimizers.Adam, "fused Adam": optimizers.Adam}


def first_step(model, ds):
    """Seconds of ``model``'s first ``fit`` step: tracing, then one step."""
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        model.fit(ds, epochs=1, steps_per_epoch=1, verbose=0)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="dcgan,vae,diffusion")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    names = model_names(parser, args.models)
    print(f"float32; {args.rounds} rounds; {args.steps} steps timed after "
          f"{args.warmup}; medians")
    results = {}
    for name in names:
        ds = dataset(name, BATCH[name])
        firsts = {label: [] for label in OPTIMIZERS}
        steps = {label: [] for label in OPTIMIZERS}
        for _ in range(args.rounds):
            for label, adam in OPTIMIZERS.items():
                model = build(name, "float32", adam)
                firsts[label].append(first_step(model, ds))
                steps[label] += time_fit(model, ds, args.warmup, args.steps)
        first = {k: statistics.median(v) for k, v in firsts.items()}
        step = {k: statistics.median(v) for k, v in steps.items()}
        print(f"\n{name} (batch {BATCH[name]}):")
        for label in OPTIMIZERS:
            print(f"  {label}  first step {first[label]:6.2f} s   step "
                  f"{1000 * step[label]:7.2f} ms")
        ratios = {"first step": first["fused Adam"] / first["keras Adam"],
                  "step": step["fused Adam"] / step["keras Adam"]}
        print(f"  fused / keras: first step x{ratios['first step']:.2f}, "
              f"step x{ratios['step']:.2f}")
        results[name] = ratios
    return results


if __name__ == "__main__":
    main()
