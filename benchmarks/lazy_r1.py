"""What does the R1 penalty cost the default DCGAN's step, and how much of it
does lazy regularization (the penalty every 16 D steps) buy back?

The lab's default DCGAN (`units.unit4_gan.digits.default_dcgan`: R1 gamma 5,
the weight average of G, Adam 4e-4) under ``--policy``, trained by ``fit`` on
the digits; each variant trains ``--warmup`` steps and is then timed for
``--steps`` steps (the interval between consecutive step ends). Variants run
interleaved over ``--rounds`` rounds and medians are reported, so a slow
moment of the machine hits every variant alike.

Variants (the ratio is to ``r1 every step``, the default):
  r1 every step     ``compile(r1_weight=5)``.
  r1 every 16       ``compile(r1_weight=5, r1_every=16)`` (Karras et al. 2020,
                    sec. 3.1).
  no r1             ``compile(r1_weight=0)``.

Usage: python benchmarks/lazy_r1.py [--steps 64] [--rounds 3]
    [--policy mixed_bfloat16]
"""

import argparse
import os
import statistics
import sys

import tensorflow as tf

from keras_genai import data

from _timing import time_fit  # noqa: E402 (benchmarks/ is on sys.path)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from units.unit4_gan.digits import LEARNING_RATE  # noqa: E402
from units.unit4_gan.digits import R1_WEIGHT  # noqa: E402
from units.unit4_gan.digits import compile_digit_gan  # noqa: E402
from units.unit4_gan.digits import default_dcgan  # noqa: E402

VARIANTS = {"r1 every step": dict(r1_weight=R1_WEIGHT),
            "r1 every 16": dict(r1_weight=R1_WEIGHT, r1_every=16),
            "no r1": dict(r1_weight=0.0)}


def make_gan(policy, batch_size, **r1):
    gan, _, _ = default_dcgan(policy, 64, batch_size, seed=0)
    compile_digit_gan(gan, "non_saturating", learning_rate=LEARNING_RATE, **r1)
    return gan


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--policy", default="float32",
                        help="dtype policy of the networks (mixed_bfloat16 pays on "
                             "CPUs with AMX / AVX-512 BF16 units)")
    args = parser.parse_args(argv)
    (x_train, _), _ = data.load_digits()
    dataset = data.image_dataset(x_train, batch_size=args.batch_size, seed=0,
                                 scale="tanh", repeat=True)
    gans = {name: make_gan(args.policy, args.batch_size, **r1)
            for name, r1 in VARIANTS.items()}
    times = {name: [] for name in gans}
    for _ in range(args.rounds):
        for name, gan in gans.items():
            times[name] += time_fit(gan, dataset, args.warmup, args.steps)
    base = statistics.median(times["r1 every step"])
    print(f"default DCGAN train step on "
          f"{tf.config.list_logical_devices()[0].device_type}, {args.policy}, batch "
          f"{args.batch_size}, {args.rounds} rounds x {args.steps} steps, medians:")
    results = {}
    for name, values in times.items():
        results[name] = statistics.median(values)
        print(f"  {name:<16} {1000 * results[name]:8.2f} ms/step   ratio to r1 "
              f"every step {results[name] / base:.3f}")
    return results


if __name__ == "__main__":
    main()
