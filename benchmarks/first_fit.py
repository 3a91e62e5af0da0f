"""A plain Keras model's first ``fit``, with and without
`keras_genai.utils.build_for_fit` after ``compile``.

Without a distribution strategy, Keras' TensorFlow backend creates the
optimizer's slots and the metrics' variables inside the first trace of the
training step, so ``tf.function`` traces the step a second time before running
it; `build_for_fit` creates them first, from shapes. The models are Unit II's
four CNNs (`builders`), compiled as the labs compile classifiers (Adam 1e-3,
sparse cross-entropy, accuracy). Each round builds every model afresh from the
same seed, once per variant (alternating), and times one epoch of ``fit`` on
``--train-size`` digits (tracing included); medians are reported, with the
ratio built / plain measured in the same run, and a check that both variants
end with the same weights.

Usage: python benchmarks/first_fit.py [--rounds 3] [--train-size 128]
    [--models simple_cnn,vgg,googlenet,resnet]
"""

import argparse
import statistics
import time

import keras
import numpy as np

from keras_genai import builders
from keras_genai import data
from keras_genai.utils import build_for_fit

SHAPE = (28, 28, 1)
MODELS = {
    "simple_cnn": lambda: builders.simple_cnn(SHAPE, seed=0),
    "vgg": lambda: builders.vgg([32, 32, "M", 64, 64, "M", 128, 128, "M"],
                                input_shape=SHAPE, num_classes=10,
                                dense_units=128, normalization="batch", seed=0),
    "googlenet": lambda: builders.googlenet(SHAPE, num_classes=10, seed=0),
    "resnet": lambda: builders.resnet([2, 2, 2], input_shape=SHAPE,
                                      num_classes=10, width=16, stem="small",
                                      seed=0),
}


def first_fit(name, x, y, build):
    """Seconds of a fresh ``name`` model's first one-epoch ``fit``, and its
    weights after it."""
    keras.utils.set_random_seed(0)
    model = MODELS[name]()
    model.compile(keras.optimizers.Adam(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    start = time.perf_counter()
    if build:
        build_for_fit(model, x, y)
    model.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
    return time.perf_counter() - start, model.get_weights()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train-size", type=int, default=128)
    args = parser.parse_args(argv)
    names = args.models.split(",")
    unknown = sorted(set(names) - set(MODELS))
    if unknown:
        parser.error(f"--models: unknown {unknown}; choose from {sorted(MODELS)}")
    (x, y), _ = data.load_digits()
    x = (x[:args.train_size, ..., None] / 255.0).astype("float32")
    y = y[:args.train_size].astype("int32")
    print(f"{args.rounds} rounds; one epoch on {len(x)} digits, batch 64; medians")
    results = {}
    for name in names:
        seconds, same = {"plain": [], "built": []}, True
        for _ in range(args.rounds):
            weights = {}
            for label in seconds:
                took, weights[label] = first_fit(name, x, y, label == "built")
                seconds[label].append(took)
            same = same and all(np.array_equal(a, b) for a, b in
                                zip(weights["plain"], weights["built"]))
        plain, built = (statistics.median(seconds[k]) for k in ("plain", "built"))
        results[name] = built / plain
        print(f"  {name:10s}  plain {plain:6.2f} s   build_for_fit {built:6.2f} s"
              f"   built / plain x{results[name]:.2f}   same weights: "
              f"{'yes' if same else 'NO'}")
    return results


if __name__ == "__main__":
    main()
