"""How much slower is `GAN.fit` than a hand-written `tf.function` loop, and why?

Same networks (the lab's DCGAN), same batches, one process. Each variant trains
``--warmup`` steps (tracing, caches) and is then timed for ``--steps`` steps; the
time of a step is the interval between consecutive step ends, data loading
included. Variants run interleaved over ``--rounds`` rounds and medians are
reported, so a slow moment of this noisy machine hits every variant alike.

Variants (the ratio is to ``loop``):
  loop            ``tf.function(gan.train_step)`` iterated in Python over the same
                  ``tf.data`` pipeline: the baseline.
  fit             ``gan.fit(dataset)``, verbose=0.
  fit progbar     ``fit`` with Keras' progress bar (verbose=1, output discarded).
  fit spe=S       ``fit`` with ``compile(steps_per_execution=S)``.
  naive loop/fit  a keras-io-style ``train_step``: noise from
                  ``keras.random.normal(seed=SeedGenerator)`` and the fakes of the D
                  step generated *inside* D's gradient tape, so the generator's
                  forward pass is recorded for a gradient nobody asks for.

Usage: python benchmarks/gan_overhead.py [--steps 40] [--rounds 3] [--batch-size 64]
    [--policy mixed_bfloat16]
"""

import argparse
import statistics

import keras
import tensorflow as tf

from keras_genai import builders
from keras_genai import data
from keras_genai import models

from _timing import time_fit  # noqa: E402 (benchmarks/ is on sys.path)
from _timing import time_loop


class NaiveGAN(models.GAN):
    """The same algorithm written the way most tutorials write it."""

    def train_step(self, real):
        batch = tf.shape(real)[0]
        z = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            d_loss = self.adversarial.discriminator_loss(
                self.discriminator(real, training=True),
                self.discriminator(fake, training=True))
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(d_loss, d_vars), d_vars)
        z = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            g_loss = self.adversarial.generator_loss(self.discriminator(
                self.generator(z, training=True), training=True))
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(g_loss, g_vars), g_vars)
        self.trackers["d_loss"].update_state(d_loss)
        self.trackers["g_loss"].update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def make_gan(latent_dim, cls=models.GAN, steps_per_execution=1, policy="float32"):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        gan = cls(builders.dcgan_generator(latent_dim),
                  builders.dcgan_discriminator(), latent_dim=latent_dim, seed=0)
    finally:
        keras.config.set_dtype_policy(previous)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                steps_per_execution=steps_per_execution)
    return gan


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--steps-per-execution", type=int, default=8)
    parser.add_argument("--policy", default="float32",
                        help="dtype policy of the networks (mixed_bfloat16 pays on "
                             "CPUs with AMX / AVX-512 BF16 units)")
    args = parser.parse_args(argv)

    (x_train, _), _ = data.load_digits()
    dataset = data.image_dataset(x_train, batch_size=args.batch_size, seed=0,
                                 repeat=True)
    spe, w, n = args.steps_per_execution, args.warmup, args.steps
    p = args.policy
    variants = {
        "loop": (make_gan(args.latent_dim, policy=p),
                 lambda g: time_loop(g, dataset, w, n)),
        "fit": (make_gan(args.latent_dim, policy=p),
                lambda g: time_fit(g, dataset, w, n)),
        "fit progbar": (make_gan(args.latent_dim, policy=p),
                        lambda g: time_fit(g, dataset, w, n, verbose=1)),
        f"fit spe={spe}": (make_gan(args.latent_dim, steps_per_execution=spe,
                                    policy=p),
                           lambda g: time_fit(g, dataset, max(1, w // spe),
                                              max(2, n // spe), per_call=spe)),
        "naive loop": (make_gan(args.latent_dim, NaiveGAN, policy=p),
                       lambda g: time_loop(g, dataset, w, n)),
        "naive fit": (make_gan(args.latent_dim, NaiveGAN, policy=p),
                      lambda g: time_fit(g, dataset, w, n)),
    }
    times = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (gan, run) in variants.items():
            times[name] += run(gan)
    base = statistics.median(times["loop"])
    print(f"DCGAN train step on {tf.config.list_logical_devices()[0].device_type}, "
          f"{p}, batch {args.batch_size}, {args.rounds} rounds x {n} steps, "
          "medians:")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<20} {1000 * median:8.2f} ms/step   ratio to loop "
              f"{median / base:.3f}")


if __name__ == "__main__":
    main()
