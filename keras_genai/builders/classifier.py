"""Small image classifiers (used, among other things, to measure samples)."""

import keras

from keras_genai.builders.common import float32_output_layers
from keras_genai.builders.common import seed_counter
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_shape


def lenet(input_shape=(28, 28, 1), num_classes=10, filters=(32, 64), dense_units=128,
          dropout=0.3, seed=None, name="lenet"):
    """Builds a LeNet-style CNN classifier returning logits.

    LeCun et al. (1998), "Gradient-Based Learning Applied to Document Recognition",
    modernised: two blocks of 3x3 convolutions with ReLU and 2x2 max pooling, one
    hidden dense layer with dropout, and a linear output of ``num_classes`` logits.

    Args:
        input_shape: ``(height, width, channels)`` of the inputs (scaled to
            ``[0, 1]``).
        num_classes: number of classes.
        filters: channels of the two convolution blocks.
        dense_units: width of the hidden dense layer.
        dropout: dropout rate before the output layer.
        seed: int seed of the initial weights and of dropout, for a reproducible
            model (``None``: Keras' global random state).
        name: model name.

    Returns:
        A `keras.Sequential` model ``(batch, *input_shape) -> (batch, num_classes)``.

    Example:

    >>> model = lenet()
    >>> model.output_shape
    (None, 10)
    """
    num_classes = check_positive_int("num_classes", num_classes, minimum=2)
    dense_units = check_positive_int("dense_units", dense_units)
    input_shape = check_shape("input_shape", input_shape, rank=3)
    seeds = seed_counter(seed)

    def init():
        return keras.initializers.GlorotUniform(seed=next(seeds))

    layers = [keras.Input(shape=input_shape, name="image")]
    for i, f in enumerate(filters, start=1):
        layers += [
            keras.layers.Conv2D(check_positive_int("filters", f), 3, padding="same",
                                activation="relu", kernel_initializer=init(),
                                name=f"conv{i}"),
            keras.layers.MaxPooling2D(2, name=f"pool{i}"),
        ]
    layers += [
        keras.layers.Flatten(name="features"),
        keras.layers.Dense(dense_units, activation="relu", kernel_initializer=init(),
                           name="hidden"),
        keras.layers.Dropout(dropout, seed=next(seeds), name="hidden_dropout"),
        keras.layers.Dense(num_classes, kernel_initializer=init(), name="logits"),
    ]
    return keras.Sequential(layers + float32_output_layers(), name=name)
