"""How much slower is `GAN.fit` than a hand-written `tf.function` loop?

Same networks (the lab's DCGAN), same batches, same process. Each variant trains
``--warmup`` steps (tracing, caches) and is then timed for ``--steps`` steps; the
time of a step is the interval between consecutive step ends, data loading
included. Variants run interleaved over ``--rounds`` rounds and the medians are
reported, so a slow moment of this noisy machine hits every variant alike.

Variants:
  loop      a ``tf.function`` wrapping ``gan.train_step``, iterated in Python over
            the same ``tf.data`` pipeline: the baseline.
  fit       ``gan.fit(dataset, steps_per_epoch=...)`` with Keras' defaults.
  fit_spe   ``fit`` with ``compile(steps_per_execution=S)``: S steps per call into
            the graph (the time of a step is the call's time divided by S).

Usage: python benchmarks/gan_overhead.py [--steps 60] [--rounds 3] [--batch-size 64]
"""

import argparse
import statistics
import time

import keras
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import models


def make_gan(latent_dim, steps_per_execution=1):
    gan = models.GAN(builders.dcgan_generator(latent_dim),
                     builders.dcgan_discriminator(), latent_dim=latent_dim, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                steps_per_execution=steps_per_execution)
    return gan


class StepTimer(keras.callbacks.Callback):
    """Records the time of every train batch end."""

    def __init__(self):
        super().__init__()
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def step_times(ends, warmup, per_call=1):
    deltas = [(b - a) / per_call for a, b in zip(ends[:-1], ends[1:])]
    return deltas[warmup:]


def time_loop(gan, dataset, warmup, steps):
    step = tf.function(gan.train_step)
    ends = []
    iterator = iter(dataset)
    for _ in range(warmup + steps + 1):
        logs = step(next(iterator))
        ends.append(time.perf_counter())
    del logs
    return step_times(ends, warmup)


def time_fit(gan, dataset, warmup, steps, per_call=1):
    timer = StepTimer()
    calls = (warmup + steps + 1)
    gan.fit(dataset, epochs=1, steps_per_epoch=calls * per_call, verbose=0,
            callbacks=[timer])
    return step_times(timer.ends, warmup, per_call)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--steps-per-execution", type=int, default=8)
    args = parser.parse_args(argv)

    (x_train, _), _ = data.load_digits()
    dataset = data.image_dataset(x_train, batch_size=args.batch_size, seed=0,
                                 repeat=True)
    spe = args.steps_per_execution
    gans = {"loop": make_gan(args.latent_dim), "fit": make_gan(args.latent_dim),
            "fit_spe": make_gan(args.latent_dim, steps_per_execution=spe)}
    times = {name: [] for name in gans}
    for _ in range(args.rounds):
        times["loop"] += time_loop(gans["loop"], dataset, args.warmup, args.steps)
        times["fit"] += time_fit(gans["fit"], dataset, args.warmup, args.steps)
        times["fit_spe"] += time_fit(gans["fit_spe"], dataset,
                                     max(1, args.warmup // spe),
                                     max(2, args.steps // spe), per_call=spe)
    base = statistics.median(times["loop"])
    print(f"DCGAN train step, batch {args.batch_size}, "
          f"{args.rounds} rounds x {args.steps} steps, medians:")
    for name, values in times.items():
        label = f"fit (steps_per_execution={spe})" if name == "fit_spe" else name
        median = statistics.median(values)
        print(f"  {label:<32} {1000 * median:8.2f} ms/step   ratio to loop "
              f"{median / base:.3f}")


if __name__ == "__main__":
    main()
