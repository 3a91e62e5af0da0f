"""Gradients made visible: a hand-written NumPy back-propagation for an MLP,
per-time-step gradient norms of a recurrent cell (back-propagation through time),
and the gradient-clipping factor of the course notes.

These are teaching tools: each one is checked in the tests against what
TensorFlow computes (`tf.GradientTape`, the Keras optimizers' ``clipnorm``).
"""

import keras
import numpy as np
import tensorflow as tf

from keras_genai.utils.checks import check_choice

_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "prelu")
LEAKY_SLOPE = 0.2  # keras.activations.leaky_relu's default negative slope
PRELU_SLOPE = 0.25  # PReLU's initial slope (He et al. 2015, section 2.1)
# SELU's constants (Klambauer et al. 2017, eq. 14), as in keras.activations.selu.
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def activation(name, z):
    """``f(z)`` for the activations of the notes (NumPy).

    ELU (Clevert et al. 2016) is ``z`` for ``z > 0`` and ``e^z - 1`` below;
    SELU (Klambauer et al. 2017, eq. 2) is ELU with ``alpha ~ 1.673`` scaled
    by ``lambda ~ 1.051``, chosen so that activations of zero mean and unit
    variance keep zero mean and unit variance from layer to layer; PReLU (He et al. 2015) is a leaky ReLU whose
    slope is learned, drawn at its initial slope 0.25.

    Args:
        name: ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"`` (slope
            0.2, Keras' default), ``"elu"``, ``"selu"`` or ``"prelu"``.
        z: array of pre-activations.

    Returns:
        The activations, an array like ``z``.

    Example:

    >>> activation("relu", np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    check_choice("activation", name, _ACTIVATIONS)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name in ("elu", "selu"):
        alpha, scale = (1.0, 1.0) if name == "elu" else (SELU_ALPHA, SELU_SCALE)
        return scale * np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))
    return np.where(z > 0, z, _slope(name) * z)


def activation_derivative(name, z):
    """``f'(z)`` for the activations of `activation` (NumPy).

    ``sigmoid' = s (1 - s)`` (at most 1/4, the root of the vanishing gradient in
    deep sigmoid networks), ``tanh' = 1 - tanh^2`` (at most 1), ``relu' = 1[z > 0]``
    (0 for every input of a unit that never fires: a "dead" unit never
    learns again), ``leaky_relu' = 1`` or the slope (PReLU's at its initial
    0.25), ``elu' = e^z`` below 0, SELU's ``lambda`` above 0 and
    ``lambda alpha e^z`` below.

    Example:

    >>> activation_derivative("sigmoid", np.array([0.0])).tolist()
    [0.25]
    """
    check_choice("activation", name, _ACTIVATIONS)
    if name == "sigmoid":
        s = activation("sigmoid", z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name in ("elu", "selu"):
        alpha, scale = (1.0, 1.0) if name == "elu" else (SELU_ALPHA, SELU_SCALE)
        return (scale * np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))
                ).astype(z.dtype)
    return np.where(z > 0, 1.0, _slope(name)).astype(z.dtype)


def _slope(name):
    return LEAKY_SLOPE if name == "leaky_relu" else PRELU_SLOPE


def dead_units(model, x, layer_names, batch_size=256):
    """The share of each layer's units that output exactly zero for every
    example of ``x``: for ReLU layers, the "dead" units, whose gradient
    ``relu'(z) = 1[z > 0]`` is zero for every input, so no update can bring
    them back (the "dying ReLU" of a high learning rate; Lu et al. 2019). A
    leaky ReLU, ELU or PReLU unit outputs zero only at ``z = 0`` and is never
    dead.

    Args:
        model: a Keras model built from its ``Input``.
        x: the examples (a NumPy array the model takes).
        layer_names: names of the layers whose outputs to check, e.g.
            ``["hidden1_act", "hidden2_act"]`` for `builders.mlp`.
        batch_size: examples per forward pass.

    Returns:
        dict ``layer name -> share of its units that never fire`` (floats).

    Example:

    >>> dead_units(net, x_train, ["hidden1_act"])  # doctest: +SKIP
    {'hidden1_act': 0.0}
    """
    layer_names = list(layer_names)
    probe = keras.Model(model.inputs,
                        [model.get_layer(name).output for name in layer_names])
    outputs = probe.predict(x, batch_size=batch_size, verbose=0)
    if len(layer_names) == 1:
        outputs = [outputs]
    return {name: float(np.mean(np.all(np.asarray(out) == 0, axis=0)))
            for name, out in zip(layer_names, outputs)}


def mlp_forward(params, x, activation_name="sigmoid"):
    """Forward pass of an MLP ``x -> f(x W1 + b1) -> ... -> logits``.

    Args:
        params: list of ``(W, b)`` per layer, ``W`` of shape ``(fan_in, fan_out)``
            (Keras' ``Dense`` layout); the last layer is linear.
        x: inputs ``(batch, fan_in)``.
        activation_name: hidden activation (see `activation`).

    Returns:
        ``(logits, cache)``; ``cache`` holds each layer's input and
        pre-activation for `mlp_backward`.

    Example:

    >>> params = [(np.ones((2, 3)), np.zeros(3)), (np.ones((3, 2)), np.zeros(2))]
    >>> mlp_forward(params, np.zeros((1, 2)))[0].tolist()
    [[1.5, 1.5]]
    """
    cache = []
    a = np.asarray(x, dtype=np.float64)
    for i, (w, b) in enumerate(params):
        z = a @ w + b
        cache.append((a, z))
        a = z if i == len(params) - 1 else activation(activation_name, z)
    return a, cache


def softmax_cross_entropy(logits, labels):
    """Mean softmax cross-entropy ``-1/N sum_i log softmax(z_i)[y_i]`` (NumPy,
    computed stably with the log-sum-exp shift).

    Example:

    >>> round(softmax_cross_entropy(np.zeros((1, 2)), np.array([0])), 4)
    0.6931
    """
    z = logits - logits.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())


def mlp_backward(params, cache, labels, activation_name="sigmoid"):
    """Back-propagation (Rumelhart, Hinton & Williams 1986) for `mlp_forward`
    under the mean softmax cross-entropy loss.

    The output error is ``delta_L = (softmax(z_L) - onehot(y)) / N``; going back,
    ``dW_l = a_{l-1}^T delta_l``, ``db_l = sum_batch delta_l`` and
    ``delta_{l-1} = (delta_l W_l^T) * f'(z_{l-1})``.

    Args:
        params: the ``(W, b)`` list given to `mlp_forward`.
        cache: the cache returned by `mlp_forward`.
        labels: integer class labels ``(batch,)``.
        activation_name: the hidden activation used in the forward pass.

    Returns:
        A list of ``(dW, db)`` matching ``params``.

    Example:

    >>> params = [(np.ones((2, 2)), np.zeros(2))]
    >>> _, cache = mlp_forward(params, np.ones((1, 2)))
    >>> mlp_backward(params, cache, np.array([0]))[0][1].tolist()
    [-0.5, 0.5]
    """
    a_last_in, z_last = cache[-1]
    z = z_last - z_last.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    labels = np.asarray(labels)
    delta = probs.copy()
    delta[np.arange(len(labels)), labels] -= 1.0
    delta /= len(labels)
    grads = []
    for i in range(len(params) - 1, -1, -1):
        a_in, _ = cache[i]
        grads.append((a_in.T @ delta, delta.sum(axis=0)))
        if i > 0:
            delta = (delta @ params[i][0].T) * activation_derivative(
                activation_name, cache[i - 1][1])
    return grads[::-1]


def sgd_step(params, grads, learning_rate):
    """One plain SGD step: ``theta <- theta - eta * grad`` for every ``(W, b)``.

    Example:

    >>> sgd_step([(np.ones(1), np.ones(1))], [(np.ones(1), np.ones(1))], 0.5)
    [(array([0.5]), array([0.5]))]
    """
    return [(w - learning_rate * dw, b - learning_rate * db)
            for (w, b), (dw, db) in zip(params, grads)]


def clip_factor(gradients, threshold):
    """The course's clip factor: ``threshold / ||g||`` when ``||g|| > threshold``,
    else 1 (the gradients are then multiplied by it).

    ``||g||`` is the L2 norm of all the given gradients together (Pascanu,
    Mikolov & Bengio 2013, Algorithm 2). Keras applies exactly this to all
    gradients with ``global_clipnorm=threshold``; with ``clipnorm=threshold`` it
    applies it to each variable's gradient separately.

    Args:
        gradients: a list of arrays.
        threshold: the clip threshold (> 0).

    Returns:
        ``(factor, norm)`` as floats.

    Example:

    >>> clip_factor([np.array([3.0, 4.0])], threshold=1.0)
    (0.2, 5.0)
    """
    if not threshold > 0:
        raise ValueError(f"`threshold` must be > 0. Received: threshold={threshold!r}")
    norm = float(np.sqrt(sum(float(np.sum(np.square(np.asarray(g, np.float64))))
                             for g in gradients)))
    return (threshold / norm if norm > threshold else 1.0), norm


def hidden_state_gradient_norms(cell, inputs, loss_fn=None):
    """``||dL/dh_t||`` for every time step ``t``: back-propagation through time
    made visible.

    The recurrent ``cell`` (``layer.cell`` of a built ``SimpleRNN``, ``LSTM`` or
    ``GRU``) is unrolled over ``inputs`` from a zero state, and the loss ``L`` is
    computed from the last hidden state ``h_T``. The gradient with respect to each
    ``h_t`` collects every path through the later steps, so its norm shows how
    much of the error signal reaches step ``t``: for a plain RNN it shrinks
    roughly geometrically as ``T - t`` grows (the vanishing gradient, Bengio et al.
    1994); an LSTM's additive cell state can carry it further.

    Args:
        cell: a built Keras RNN cell.
        inputs: array ``(batch, T, features)``.
        loss_fn: ``h_T -> per-example losses (batch,)``; default ``sum(h_T)``,
            whose gradient at ``h_T`` is all ones.

    Returns:
        float array ``(T,)``: the batch mean of ``||dL_i/dh_t||``.

    Example:

    >>> import keras
    >>> layer = keras.layers.SimpleRNN(4)
    >>> _ = layer(np.zeros((1, 5, 1), "float32"))
    >>> hidden_state_gradient_norms(layer.cell, np.ones((2, 5, 1), "float32")).shape
    (5,)
    """
    x = tf.convert_to_tensor(inputs, dtype=tf.float32)
    if x.shape.rank != 3:
        raise ValueError("`inputs` must be (batch, time, features). "
                         f"Received: inputs.shape={tuple(x.shape)}")
    batch, steps = x.shape[0], x.shape[1]
    sizes = tf.nest.flatten(cell.state_size)
    states = [tf.zeros((batch, size)) for size in sizes]
    hidden = []
    with tf.GradientTape() as tape:
        for t in range(steps):
            h, states = cell(x[:, t], states if len(states) > 1 else states[0],
                             training=False)
            states = tf.nest.flatten(states)
            tape.watch(h)
            hidden.append(h)
        per_example = (tf.reduce_sum(h, axis=-1) if loss_fn is None
                       else loss_fn(h))
        loss = tf.reduce_sum(per_example)
    grads = tape.gradient(loss, hidden)
    return np.array([float(tf.reduce_mean(tf.norm(g, axis=-1))) for g in grads])
