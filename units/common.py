"""Helpers shared by the labs of `units/`: the digits as the classification
exercises use them, the classifier compile, and the optional SavedModel export."""

from keras_genai.cli import take
from keras_genai.utils.io import export_saved_model


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
    """
    from keras_genai import data
    from keras_genai.data.pipeline import scale_images

    (x, y), (x_test, y_test) = data.load_digits()
    x, y = take(args.train_size or train_size, x, y)
    shape = (-1, 784) if flatten else (-1, 28, 28, 1)

    def prepare(images):
        return scale_images(images.reshape(shape), scale=scale).numpy()

    return prepare(x), y, prepare(x_test), y_test


def compile_classifier(model, optimizer=None):
    """Compiles ``model`` (which returns logits) for integer labels, with
    accuracy; the optimizer defaults to Adam 1e-3. Returns ``model``."""
    import keras

    model.compile(optimizer or keras.optimizers.Adam(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def export_if_asked(model, args, summary, serves):
    """Exports ``model`` to ``--export`` (unless it is ``none``) and records it in
    ``summary`` with what its endpoints do. A `keras_genai.models` model writes
    its own endpoints (``model.export``); a plain Keras model is served by its
    ``call``."""
    from keras_genai.models import GenerativeModel

    if args.export:
        if isinstance(model, GenerativeModel):
            model.export(args.export)
        else:
            export_saved_model(model, args.export)
        summary["SavedModel"] = f"{args.export} (serve: {serves})"
    return summary
