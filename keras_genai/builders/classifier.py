"""Small image classifiers (used, among other things, to measure samples)."""

import keras

from keras_genai.builders.common import float32_output_layers
from keras_genai.builders.common import float32_outputs
from keras_genai.builders.common import seed_counter
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed
from keras_genai.utils.compat import flatten_layers
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


def transfer_classifier(base, num_classes, features="flatten_features", seed=None,
                        name="transfer"):
    """A new classifier on the features of a trained network ``base``.

    The layers of ``base`` up to ``features`` become one sub-model named
    ``"features"`` (sharing ``base``'s weight variables); a new ``Dense``
    layer named ``"head"`` returns ``num_classes`` logits. The usual recipe
    (Yosinski et al. 2014, "How transferable are features in deep neural
    networks?"): freeze the features (``model.get_layer("features").trainable
    = False``), compile and train the head, then `unfreeze` them, compile
    again with a lower learning rate and fine-tune.

    Args:
        base: a functional or Sequential `keras.Model` built from its
            ``Input``.
        num_classes: classes of the new task.
        features: the name of the layer of ``base`` whose output the head
            reads (default: `simple_cnn`'s flattened convolutional features,
            the network without its dense layers).
        seed: int seed of the head's initial weights.
        name: model name.

    Returns:
        A functional `keras.Model` returning logits.

    Example:

    >>> base = simple_cnn((28, 28, 1), num_classes=5)
    >>> model = transfer_classifier(base, 5)
    >>> model.get_layer("features").trainable = False
    >>> len(model.trainable_weights)  # the head's kernel and bias
    2
    """
    try:  # an unbuilt Sequential has no inputs at all
        built_inputs = base.inputs if isinstance(base, keras.Model) else None
    except AttributeError:
        built_inputs = None
    if not built_inputs:
        raise TypeError("`base` must be a keras.Model built from its Input. "
                        f"Received: base={base!r}")
    num_classes = check_positive_int("num_classes", num_classes)
    seed = check_seed(seed)
    names = [layer.name for layer in base.layers]
    if features not in names:
        raise ValueError(f"`features` must name a layer of `base` (it has "
                         f"{names}). Received: features={features!r}")
    extractor = keras.Model(base.inputs, base.get_layer(features).output,
                            name="features")
    inputs = keras.Input(base.inputs[0].shape[1:], name="image")
    outputs = keras.layers.Dense(
        num_classes, name="head",
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed))(
            extractor(inputs))
    return keras.Model(inputs, float32_outputs(outputs), name=name)


def unfreeze(model):
    """Makes every layer of ``model`` trainable except its batch norms, for
    fine-tuning. Compile again afterwards.

    A frozen ``BatchNormalization`` runs in inference mode in Keras 3 (its
    running averages, which fine-tuning on a few examples would overwrite,
    stay as trained). Keras' transfer-learning guide calls the base with
    ``training=False`` for the same purpose, but inside a model that ``fit``
    trains the outer ``training=True`` replaces it (keras-team/keras#20285):
    only ``trainable`` holds.

    Args:
        model: a Keras model or layer (e.g. ``transfer_classifier(...)
            .get_layer("features")``).

    Returns:
        ``model``, changed in place.

    Example:

    >>> features = model.get_layer("features")  # doctest: +SKIP
    >>> unfreeze(features)  # doctest: +SKIP
    """
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"`model` must be a Keras model or layer. "
                        f"Received: model={model!r}")
    model.trainable = True
    for layer in flatten_layers(model):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    return model
