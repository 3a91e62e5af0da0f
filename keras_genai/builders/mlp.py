"""Perceptrons and multi-layer perceptrons (Unit I)."""

import keras

from keras_genai.builders.common import float32_output_layers
from keras_genai.builders.common import normalization_layer
from keras_genai.builders.common import seed_counter
from keras_genai.gradients import PRELU_SLOPE
from keras_genai.layers.extrema import Maxout
from keras_genai.layers.step import Step
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_shape
from keras_genai.utils.checks import check_units


def perceptron(input_dim=2, output="step", seed=None, name="perceptron"):
    """Builds Rosenblatt's single-layer perceptron: ``y = f(w . x + b)``.

    One unit computes a weighted sum of the inputs and passes it through ``f``:
    the Heaviside step (``output="step"``, Rosenblatt 1958; trained by the
    perceptron rule, see `keras_genai.layers.Step`) or the logistic sigmoid
    (``output="sigmoid"``, logistic regression). Either way the decision boundary
    ``w . x + b = 0`` is a straight line, so no perceptron separates XOR or XNOR
    (Minsky & Papert 1969): at best 3 of the 4 points are right.

    Args:
        input_dim: number of inputs.
        output: ``"step"`` or ``"sigmoid"``.
        seed: int seed of the initial weights.
        name: model name.

    Returns:
        A `keras.Sequential` model ``(batch, input_dim) -> (batch, 1)``.

    Example:

    >>> model = perceptron(2, output="sigmoid")
    >>> model.output_shape
    (None, 1)
    """
    input_dim = check_positive_int("input_dim", input_dim)
    check_choice("output", output, ("step", "sigmoid"))
    seeds = seed_counter(seed)
    activation = (Step(name="heaviside_step") if output == "step"
                  else keras.layers.Activation("sigmoid", name="sigmoid"))
    return keras.Sequential([
        keras.Input(shape=(input_dim,), name="features"),
        keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(
            seed=next(seeds)), name="weighted_sum"),
        activation,
    ], name=name)


def mlp(input_shape, hidden_units=(64,), num_classes=None, output_units=None,
        activation="relu", output_activation=None, dropout=0.0, batch_norm=False,
        kernel_initializer="glorot_uniform", maxout_pieces=2, seed=None,
        name="mlp"):
    """Builds a multi-layer perceptron (a deep feed-forward network).

    ``Flatten`` (for image inputs), then for each entry of ``hidden_units``:
    ``Dense``, batch normalisation (when asked, before the activation as in Ioffe
    & Szegedy 2015), ``activation``, dropout (when asked); then the output layer. Give either
    ``num_classes`` (the output is ``num_classes`` logits, for
    ``SparseCategoricalCrossentropy(from_logits=True)``) or ``output_units``
    (regression or binary outputs, with ``output_activation``).

    Args:
        input_shape: shape of one example, e.g. ``(2,)`` or ``(28, 28, 1)``.
        hidden_units: widths of the hidden layers (empty: no hidden layer).
        num_classes: number of classes (logits output).
        output_units: width of a non-classification output.
        activation: hidden activation: any Keras activation name (``"sigmoid"``,
            ``"tanh"``, ``"relu"``, ``"leaky_relu"``, ``"elu"``, ``"selu"``
            ...), a callable, ``"prelu"`` (a leaky ReLU whose slope, one per
            unit, is learned, starting at 0.25 as in He et al. 2015) or
            ``"maxout"`` (each hidden unit the maximum of ``maxout_pieces``
            affine pieces: the ``Dense`` layer has ``maxout_pieces`` times the
            width, then `keras_genai.layers.Maxout`).
        output_activation: activation of the output layer (default linear).
        dropout: dropout rate after each hidden layer (0: none).
        batch_norm: add batch normalisation after each hidden ``Dense``.
        kernel_initializer: initializer name of every ``Dense`` layer (seeded by
            ``seed`` when it is a name).
        maxout_pieces: pieces per unit of ``activation="maxout"``.
        seed: int seed of the initial weights and dropout masks.
        name: model name.

    Returns:
        A `keras.Sequential` model.

    Example:

    >>> model = mlp((2,), hidden_units=(2,), output_units=1, activation="tanh",
    ...             output_activation="sigmoid")
    >>> model.count_params()
    9
    """
    input_shape = check_shape("input_shape", input_shape, rank=(1, 2, 3))
    hidden_units = check_units("hidden_units", hidden_units)
    if (num_classes is None) == (output_units is None):
        raise ValueError(
            "Pass exactly one of `num_classes` and `output_units`. Received: "
            f"num_classes={num_classes!r}, output_units={output_units!r}"
        )
    if num_classes is not None:
        outputs = check_positive_int("num_classes", num_classes, minimum=2)
    else:
        outputs = check_positive_int("output_units", output_units)
    dropout = check_fraction("dropout", dropout)
    maxout_pieces = check_positive_int("maxout_pieces", maxout_pieces, minimum=2)
    if isinstance(activation, str) and activation not in ("prelu", "maxout"):
        try:
            keras.activations.get(activation)
        except ValueError:
            raise ValueError(f"Unknown `activation`. Received: "
                             f"activation={activation!r}") from None
    try:
        keras.initializers.get(kernel_initializer)
    except ValueError:
        raise ValueError(f"Unknown `kernel_initializer`. Received: "
                         f"kernel_initializer={kernel_initializer!r}") from None
    seeds = seed_counter(seed)

    def init():
        if not isinstance(kernel_initializer, str):
            return kernel_initializer
        layer_seed = next(seeds)
        if layer_seed is not None:
            try:
                return keras.initializers.get({"class_name": kernel_initializer,
                                               "config": {"seed": layer_seed}})
            except TypeError:  # an initializer without a seed ("zeros" ...)
                pass
        return keras.initializers.get(kernel_initializer)

    layers = [keras.Input(shape=input_shape, name="features")]
    if len(input_shape) > 1:
        layers.append(keras.layers.Flatten(name="flatten_input"))
    pieces = maxout_pieces if activation == "maxout" else 1
    for i, width in enumerate(hidden_units, start=1):
        layers.append(keras.layers.Dense(width * pieces, kernel_initializer=init(),
                                         name=f"hidden{i}"))
        if batch_norm:
            layers.append(normalization_layer("batch", f"hidden{i}_bn"))
        layers.append(_activation_layer(activation, width, f"hidden{i}_act"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, seed=next(seeds),
                                               name=f"hidden{i}_dropout"))
    layers.append(keras.layers.Dense(outputs, activation=output_activation,
                                     kernel_initializer=init(),
                                     name="logits" if num_classes else "output"))
    return keras.Sequential(layers + float32_output_layers(), name=name)


def width_for_parameters(input_dim, depth, outputs, parameters):
    """The hidden width at which `mlp` with ``depth`` equal hidden layers has
    about ``parameters`` weights, for comparing depth against width at equal
    size.

    An MLP of ``depth`` hidden layers of width ``w`` has
    ``(input_dim + 1) w + (depth - 1)(w + 1) w + (w + 1) outputs`` weights; the
    width is the positive root of that quadratic, rounded.

    Args:
        input_dim: number of inputs (784 for flattened 28x28 digits).
        depth: number of hidden layers.
        outputs: number of outputs.
        parameters: the target number of weights.

    Returns:
        The width, an int >= 1.

    Example:

    >>> width_for_parameters(784, 1, 10, 101_770)
    128
    """
    input_dim = check_positive_int("input_dim", input_dim)
    depth = check_positive_int("depth", depth)
    outputs = check_positive_int("outputs", outputs)
    parameters = check_positive_int("parameters", parameters)
    a, b, c = depth - 1, input_dim + 1 + depth - 1 + outputs, outputs - parameters
    width = -c / b if a == 0 else (-b + (b * b - 4 * a * c) ** 0.5) / (2 * a)
    return max(1, round(width))


def _activation_layer(activation, width, name):
    """The hidden activation of `mlp`, as one layer named ``name``."""
    if activation == "prelu":
        return keras.layers.PReLU(
            alpha_initializer=keras.initializers.Constant(PRELU_SLOPE), name=name)
    if activation == "maxout":
        return Maxout(width, name=name)
    return keras.layers.Activation(activation, name=name)
