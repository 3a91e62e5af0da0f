"""Helpers shared by the labs of `units/`: the digits as the classification
exercises use them, the classifier compile, re-seeding between compared models,
the optional SavedModel export and loading what another exercise saved."""

import contextlib
import os

import keras
import tensorflow as tf

from keras_genai import data
from keras_genai.cli import Row
from keras_genai.cli import take
from keras_genai.data.pipeline import scale_images
from keras_genai.models import GenerativeModel
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.io import export_saved_model
from keras_genai.utils.training import build_for_fit


def digits(args, train_size=None, flatten=False, scale="unit"):
    """The embedded digits, scaled to ``[0, 1]`` for a classifier (or to
    ``[-1, 1]`` for a tanh generator).

    Args:
        args: the parsed lab options; ``--train-size`` cuts the training set.
        train_size: the exercise's own cut, used when ``--train-size`` is not
            given (``None``: all 4,000 training digits).
        flatten: ``(N, 784)`` vectors instead of ``(N, 28, 28, 1)`` images.
        scale: ``"unit"`` or ``"tanh"``, as in `data.pipeline.scale_images`.

    Returns:
        ``(x_train, y_train, x_test, y_test)``, images as float32 NumPy arrays.

    Example:

    >>> x, y, x_test, y_test = digits(args, flatten=True)
    >>> x.shape[1:], float(x.max())
    ((784,), 1.0)
    """
    (x, y), (x_test, y_test) = data.load_digits()
    x, y = take(args.train_size or train_size, x, y)
    shape = (-1, 784) if flatten else (-1, 28, 28, 1)

    def prepare(images):
        return scale_images(images.reshape(shape), scale=scale).numpy()

    return prepare(x), y, prepare(x_test), y_test


def first_test_digits(args, *arrays):
    """The first ``--test-digits`` items of each test array (all of them when
    the option is not given), for the labs that offer the option: scoring
    every test digit is most of a quick run's time.

    Example:

    >>> x_test, y_test = first_test_digits(args, x_test, y_test)
    """
    if args.test_digits is not None:
        check_positive_int("test_digits", args.test_digits)
    return take(args.test_digits, *arrays)


def pairs_dataset(first, second, args):
    """``(first, second)`` pairs, shuffled with ``--seed`` and batched by
    ``--batch-size`` (whole batches only, so replicas split them evenly).

    Example:

    >>> model.fit(pairs_dataset(holed, x, args), epochs=args.epochs)
    """
    return (tf.data.Dataset.from_tensor_slices((first, second))
            .shuffle(len(first), seed=args.seed)
            .batch(args.batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))


def compile_classifier(model, optimizer=None):
    """Compiles ``model`` (a functional or Sequential model built from its
    ``Input``, returning ``(N, classes)`` logits) for integer labels, with
    accuracy, and builds its optimizer and metrics for them, so that its first
    ``fit`` traces the training step once (`keras_genai.utils.build_for_fit`);
    the optimizer defaults to Adam 1e-3. Returns ``model``.

    Example:

    >>> net = compile_classifier(builders.mlp((784,), (128,), num_classes=10))
    """
    model.compile(optimizer or keras.optimizers.Adam(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return build_for_fit(model, inputs, keras.KerasTensor((None,), "int32"))


def reseed(seed):
    """Seeds every generator again, so that each of the models an exercise
    compares starts from the same initial weights, dropout masks and data
    order as the first one did (the lab seeded once, before the exercise).

    Example:

    >>> for optimizer in ("sgd", "adam"):
    ...     reseed(args.seed)
    ...     model = builders.mlp((784,), (128,), num_classes=10)
    """
    keras.utils.set_random_seed(seed)


def fast_bfloat16():
    """Whether this machine multiplies bfloat16 matrices faster than float32:
    a CPU with AMX or AVX-512 BF16 units (the Linux flags ``amx_bf16`` /
    ``avx512_bf16``) and no GPU. Elsewhere bfloat16 is emulated and slower.

    Example:

    >>> policy = "mixed_bfloat16" if fast_bfloat16() else "float32"
    """
    if tf.config.list_physical_devices("GPU"):
        return False
    try:
        with open("/proc/cpuinfo") as f:
            flags = set(f.read().split())
    except OSError:
        return False
    return bool(flags & {"amx_bf16", "avx512_bf16"})


def precision_policy(args):
    """The dtype policy of ``--precision``: ``auto`` is ``mixed_bfloat16``
    where `fast_bfloat16` holds, else ``float32``.

    Example:

    >>> with dtype_policy(precision_policy(args)):
    ...     gan, dataset = dcgan_on_digits(args)
    """
    if args.precision == "auto":
        return "mixed_bfloat16" if fast_bfloat16() else "float32"
    return args.precision


@contextlib.contextmanager
def dtype_policy(policy):
    """Builds the models made inside it under Keras' dtype ``policy`` and
    restores the previous global policy on exit, so the choice stays with those
    models.

    Example:

    >>> with dtype_policy("mixed_bfloat16"):
    ...     generator = builders.dcgan_generator()
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def export_if_asked(model, args, serves):
    """Exports ``model`` to ``--export`` (unless it is ``none``). A
    `keras_genai.models` model writes its own endpoints (``model.export``); a
    plain Keras model is served by its ``call``.

    Args:
        model: the model to export.
        args: the parsed lab options.
        serves: what the endpoints take and give, for the summary.

    Returns:
        The summary row of the export, ``{"saved_model": Row}``, or ``{}``.

    Example:

    >>> summary.update(export_if_asked(model, args, "x[None, 784] -> logits"))
    """
    if not args.export:
        return {}
    if isinstance(model, GenerativeModel):
        model.export(args.export)
    else:
        export_saved_model(model, args.export)
    return {"saved_model": Row(args.export, "SavedModel", note=serves)}


def linear_probe(features, labels, test_features, test_labels, seed, epochs=200,
                 num_classes=10):
    """Multinomial logistic regression (one Dense layer, Adam 1e-3, ``epochs``
    epochs of batches of 256) on standardised features, from the same seed for
    every set of features: how well a linear classifier reads the labels out of
    a representation. Returns the test accuracy.

    Example:

    >>> accuracy = linear_probe(x.reshape(len(x), -1), y,
    ...                         x_test.reshape(len(x_test), -1), y_test, seed=0)
    """
    mean, std = features.mean(0), features.std(0) + 1e-6
    reseed(seed)
    model = compile_classifier(keras.Sequential([
        keras.Input((features.shape[1],)),
        keras.layers.Dense(num_classes, name="logits")]))
    model.fit((features - mean) / std, labels, epochs=epochs, batch_size=256,
              verbose=0)
    return float(model.evaluate((test_features - mean) / std, test_labels,
                                verbose=0)[1])


def load_saved(out, filename, exercise, compile=True):
    """The model that ``--exercise <exercise>`` saved as ``filename`` next to this
    exercise's output folder ``out``.

    Args:
        out: this exercise's output folder.
        filename: the file the other exercise saved.
        exercise: the name of that exercise (for the message).
        compile: restore the optimizers and their state too. An exercise that
            only samples from the model passes ``False``, which skips building
            them.

    Returns:
        ``(model, path)``, or ``(None, path)`` when there is none yet.

    Example:

    >>> model, path = load_saved("outputs/unit6_diffusion/guidance",
    ...                          "diffusion.keras", "train")
    """
    path = os.path.join(os.path.dirname(os.path.abspath(out)), filename)
    if not os.path.exists(path):
        return None, path
    print(f"Using the model trained by --exercise {exercise}: {path} (delete it to "
          "retrain).", flush=True)
    return keras.models.load_model(path, compile=compile), path
