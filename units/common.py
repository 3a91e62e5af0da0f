"""Helpers shared by the labs of `units/`: the digits as the classification
exercises use them, the classifier compile, re-seeding between compared models,
the optional SavedModel export, loading what another exercise saved, and how
generated and restored images are measured (`SampleJudge`, `psnr`...)."""

import contextlib
import os

import keras
import numpy as np
import tensorflow as tf

from keras_genai import data
from keras_genai import metrics
from units.lab import Row
from units.lab import take
from keras_genai.data.pipeline import scale_images
from keras_genai.models import GenerativeModel
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.io import export_saved_model
from keras_genai.utils.training import build_for_fit


def digits(train_size=None, flatten=False, scale="unit"):
    """The embedded digits, scaled to ``[0, 1]`` for a classifier (or to
    ``[-1, 1]`` for a tanh generator).

    Args:
        train_size: train on the first ``train_size`` training digits
            (``None``: all 4,000).
        flatten: ``(N, 784)`` vectors instead of ``(N, 28, 28, 1)`` images.
        scale: ``"unit"`` or ``"tanh"``, as in `data.pipeline.scale_images`.

    Returns:
        ``(x_train, y_train, x_test, y_test)``, images as float32 NumPy arrays.

    Example:

    >>> x, y, x_test, y_test = digits(flatten=True)
    >>> x.shape[1:], float(x.max())
    ((784,), 1.0)
    """
    (x, y), (x_test, y_test) = data.load_digits()
    x, y = take(train_size, x, y)
    shape = (-1, 784) if flatten else (-1, 28, 28, 1)

    def prepare(images):
        return scale_images(images.reshape(shape), scale=scale).numpy()

    return prepare(x), y, prepare(x_test), y_test


def first_test_digits(test_digits, *arrays):
    """The first ``test_digits`` items of each test array (all of them for
    ``None``), for the labs that offer ``--test-digits``: scoring every test
    digit is most of a quick run's time.

    Example:

    >>> x_test, y_test = first_test_digits(200, x_test, y_test)
    """
    if test_digits is not None:
        check_positive_int("test_digits", test_digits)
    return take(test_digits, *arrays)


def pairs_dataset(first, second, batch_size, seed):
    """``(first, second)`` pairs, shuffled with ``seed`` and batched by
    ``batch_size`` (whole batches only, so replicas split them evenly).

    Example:

    >>> model.fit(pairs_dataset(holed, x, 64, run.seed), epochs=epochs)
    """
    return (tf.data.Dataset.from_tensor_slices((first, second))
            .shuffle(len(first), seed=seed)
            .batch(batch_size, drop_remainder=True)
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


def precision_policy(precision):
    """The dtype policy of ``--precision``: ``auto`` is ``mixed_bfloat16``
    where `fast_bfloat16` holds, else ``float32``; the others are themselves.

    Example:

    >>> with dtype_policy(precision_policy(run.precision)):
    ...     generator = builders.dcgan_generator()
    """
    if precision == "auto":
        return "mixed_bfloat16" if fast_bfloat16() else "float32"
    return precision


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


def export_if_asked(model, export, serves):
    """Exports ``model`` to the folder ``export`` (the exercise's ``--export``;
    ``None``: nothing). A `keras_genai.models` model writes its own endpoints
    (``model.export``); a plain Keras model is served by its ``call``.

    Args:
        model: the model to export.
        export: the folder, or ``None``.
        serves: what the endpoints take and give, for the summary.

    Returns:
        The summary row of the export, ``{"saved_model": Row}``, or ``{}``.

    Example:

    >>> summary.update(export_if_asked(model, run.export, "x[None, 784] -> logits"))
    """
    if not export:
        return {}
    if isinstance(model, GenerativeModel):
        model.export(export)
    else:
        export_saved_model(model, export)
    return {"saved_model": Row(export, "SavedModel", note=serves)}


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


def load_export(models_dir, folder):
    """The SavedModel another exercise exported as ``folder`` under
    ``models_dir`` (the labs export under ``saved_models`` by default), or
    ``None`` when there is none. Keep the returned object while calling its
    endpoints: its variables go with it.

    Returns:
        ``(loaded or None, path)``.

    Example:

    >>> loaded, path = load_export("saved_models", "unit8_pixelcnn")
    """
    path = os.path.join(models_dir, folder)
    return (tf.saved_model.load(path) if os.path.isdir(path) else None), path


# -- measuring generated and restored images --------------------------

# How the summary shows a `SampleJudge.report`: label and format of each number.
REPORT_ROWS = {
    "fid": ("classifier FID (1,000 samples vs test images)", "{:.3f}"),
    "kid": ("classifier KID", "{:.4f}"),
    "precision": ("precision (samples on the test images' manifold, k=3)",
                  "{:.3f}"),
    "recall": ("recall (test images on the samples' manifold)", "{:.3f}"),
    "inception_score": ("classifier Inception Score", "{:.3f}"),
    "confident_fraction": ("confident samples (p>=0.9)", "{:.1%}"),
    "min_class_share": ("rarest class share", "{:.1%}"),
    "class_counts": ("class counts", None),
    "label_accuracy": ("label accuracy (classifier agrees with the requested "
                       "class)", "{:.1%}"),
    "min_class_accuracy": ("worst class", "{:.1%}"),
    "per_class": ("label accuracy per class", "{:.0%}"),
}
# Generated and reference images a judge measures.
JUDGED_IMAGES = 1000
# The neighbour whose distance sets each ball of precision and recall
# (Kynkäänniemi et al. 2019's default).
PR_NEIGHBOUR = 3


class SampleJudge:
    """A dataset's classifier and its real test images' features, computed
    once: how every exercise measures generated images.

    ``report(images)`` measures 1,000-odd generated images the same way for
    every exercise: the share the classifier labels with confidence >= 0.9,
    the rarest class's share, the classifier Inception Score, the classifier
    FID and KID against 1,000 test images, and precision and recall (fidelity
    and variety apart, `keras_genai.metrics.precision_recall` with k = 3) in
    the same features. The *floor* is the same measures between 1,000 real
    training images and the test images: a perfect generator scores about
    that, not 0 (or 1). The classifier is the
    dataset's own (`keras_genai.metrics.image_classifier`: the digit
    classifier for the embedded digits), trained on its labelled training
    split once and cached.

    Args:
        images: a labelled `keras_genai.data.ImageSet` (default: the embedded
            digits).

    Example:

    >>> judge = SampleJudge()
    >>> summary = {**judge.floors(), **judge.rows(judge.report(samples))}
    """

    def __init__(self, images=None):
        images = images if images is not None else data.load_images("digits")
        if not images.labelled:
            raise ValueError(unlabelled_reason(images))
        x_test, y_test = images.arrays(JUDGED_IMAGES, split="test")
        real, _ = images.arrays(len(x_test), split="train")
        self.classifier = metrics.image_classifier(images)
        self.test_labels = y_test
        self.test_features = metrics.classifier_features(
            x_test, classifier=self.classifier, value_range=(0, 255))
        train_features = metrics.classifier_features(
            real, classifier=self.classifier, value_range=(0, 255))
        probs = metrics.classify(x_test, classifier=self.classifier,
                                 value_range=(0, 255))
        self.accuracy = float(np.mean(probs.argmax(axis=1) == y_test))
        self.fid_floor = metrics.frechet_distance(train_features, self.test_features)
        self.kid_floor, _ = metrics.kernel_inception_distance(train_features,
                                                              self.test_features)
        self.precision_recall_floor = metrics.precision_recall(
            self.test_features, train_features, k=PR_NEIGHBOUR)
        self.real_confident = metrics.confident_fraction(probs, 0.9)
        self.name = images.name
        self.test_size = len(x_test)

    def report(self, images, labels=None, value_range=(-1.0, 1.0)):
        """Measures ``images`` (and, given the requested ``labels``, how often the
        classifier recognises them).

        Returns:
            A dict of floats: ``fid``, ``kid``, ``precision``, ``recall``,
            ``inception_score``, ``confident_fraction``, ``min_class_share``,
            ``class_counts`` and, with labels, ``label_accuracy`` /
            ``min_class_accuracy`` / ``per_class``.

        Example:

        >>> judge.report(model.sample(labels=labels), labels)["label_accuracy"]
        0.976
        """
        probs = metrics.classify(images, classifier=self.classifier,
                                 value_range=value_range)
        features = self.features(images, value_range)
        counts = metrics.class_histogram(probs)
        result = {
            "fid": metrics.frechet_distance(features, self.test_features),
            "kid": metrics.kernel_inception_distance(features, self.test_features)[0],
            **metrics.precision_recall(self.test_features, features, k=PR_NEIGHBOUR),
            "inception_score": metrics.inception_score(probs),
            "confident_fraction": metrics.confident_fraction(probs, 0.9),
            "min_class_share": float(counts.min() / counts.sum()),
            "class_counts": counts.tolist(),
        }
        if labels is not None:
            accuracy = metrics.label_accuracy(probs, labels)
            result.update(label_accuracy=accuracy["accuracy"],
                          min_class_accuracy=accuracy["min_class_accuracy"],
                          per_class=accuracy["per_class"])
        return result

    def features(self, images, value_range=(-1.0, 1.0)):
        """The classifier features of ``images``, the space the judge's
        distances are measured in.

        Example:

        >>> metrics.density_coverage(judge.test_features, judge.features(samples))
        """
        return metrics.classifier_features(images, classifier=self.classifier,
                                           value_range=value_range)

    @staticmethod
    def rows(report, at_least=None, at_most=None):
        """The summary rows of a `report`, with targets ``{key: threshold}``
        to reach (``at_least``) or stay under (``at_most``).

        Example:

        >>> SampleJudge.rows({"fid": 43.3}, at_least={})["fid"].text
        '43.300'
        """
        at_least, at_most = at_least or {}, at_most or {}
        return {key: Row(value, *REPORT_ROWS[key], at_least=at_least.get(key),
                         at_most=at_most.get(key))
                for key, value in report.items()}

    def floors(self):
        """The judge's own numbers (classifier accuracy, the real test
        images' confident share, the FID and KID floors), as summary rows.

        Example:

        >>> summary = {**judge.floors(), **judge.rows(judge.report(samples))}
        """
        n = f"{self.test_size:,}"
        return {
            "classifier_accuracy": Row(self.accuracy, "judge: classifier test "
                                                      "accuracy", "{:.1%}",
                                       note=f"{self.name}, {n} test images"),
            "real_confident_fraction": Row(self.real_confident,
                                           "judge: real test images confident",
                                           "{:.1%}", note="the ceiling"),
            "fid_floor": Row(self.fid_floor, f"FID floor ({n} real train vs test "
                                             "images)", "{:.3f}", note=None
                             if self.test_size >= JUDGED_IMAGES else
                             "few test images: FID and KID are noisy"),
            "kid_floor": Row(self.kid_floor, "KID floor", "{:.4f}"),
            "precision_recall_floor": Row(self.precision_recall_floor,
                                          "precision / recall floor (real train "
                                          "vs test images)", "{:.3f}"),
        }


def unlabelled_reason(images):
    """Why the sample-quality numbers of an unlabelled dataset are absent.

    Example:

    >>> unlabelled_reason(images)  # doctest: +SKIP
    "celeb_a has no labels: ..."
    """
    return (f"{images.name} has no labels: the confident share, class histogram "
            "and classifier FID / KID need a classifier trained on its labels, "
            "so only the losses, reconstructions and sample grids are reported")


def classifier_accuracy(images, labels, classifier):
    """The share of ``images`` (in ``[-1, 1]``) that ``classifier`` labels
    ``labels``.

    Example:

    >>> classifier_accuracy(restored, y_test, metrics.digit_classifier())
    0.822
    """
    probs = metrics.classify(images, classifier=classifier, value_range=(-1, 1))
    return float(np.mean(probs.argmax(axis=1) == labels))


def psnr(a, b, data_range=2.0):
    """Peak signal-to-noise ratio in dB of images in a range of width
    ``data_range`` (2 for [-1, 1]), averaged over images.

    Example:

    >>> round(psnr(np.zeros((1, 2, 2, 1)), np.full((1, 2, 2, 1), 0.2)), 2)
    20.0
    """
    mse = np.mean((np.asarray(a) - np.asarray(b)) ** 2, axis=(1, 2, 3))
    return float(np.mean(10.0 * np.log10(data_range ** 2 / np.maximum(mse, 1e-12))))


def bicubic(images, size=(28, 28)):
    """Bicubic upsampling to ``size``, clipped to ``[-1, 1]`` (bicubic
    overshoots at edges).

    Example:

    >>> bicubic(np.zeros((2, 7, 7, 1))).shape
    (2, 28, 28, 1)
    """
    return np.clip(tf.image.resize(images, size, method="bicubic").numpy(),
                   -1.0, 1.0)
