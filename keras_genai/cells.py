"""The recurrent cells of the notes, written out in NumPy: SimpleRNN, LSTM and
GRU (both of Keras' variants, and the notes' update convention), with the
weights read from Keras' cells, so that each equation can be checked against
``keras.layers.SimpleRNNCell``, ``LSTMCell`` and ``GRUCell``.

Keras stores each cell's gates side by side: ``kernel`` ``(inputs, k *
units)``, ``recurrent_kernel`` ``(units, k * units)`` and ``bias``, in the order
input, forget, candidate, output for the LSTM and update, reset, candidate for
the GRU; a GRU with ``reset_after=True`` (its default) has a second bias for
the recurrent side, ``bias`` ``(2, 3 * units)``.
"""

import numpy as np

from keras_genai.utils.checks import check_choice

_GATES = {"SimpleRNNCell": ("",), "LSTMCell": ("i", "f", "c", "o"),
          "GRUCell": ("z", "r", "h")}


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def cell_weights(cell):
    """A built Keras cell's weights, split per gate, as NumPy arrays.

    Args:
        cell: a built ``keras.layers.SimpleRNNCell``, ``LSTMCell`` or
            ``GRUCell`` (``layer.cell`` of a recurrent layer).

    Returns:
        dict: ``W_<gate>`` (input weights), ``U_<gate>`` (recurrent weights),
        ``b_<gate>`` (biases) for each gate (``W``, ``U``, ``b`` for a
        SimpleRNN), and for a GRU with ``reset_after`` the recurrent biases
        ``br_<gate>``.

    Example:

    >>> layer = keras.layers.GRU(4)
    >>> _ = layer(np.zeros((1, 2, 3), "float32"))
    >>> sorted(cell_weights(layer.cell))[:3]
    ['U_h', 'U_r', 'U_z']
    """
    kind = type(cell).__name__
    check_choice("cell", kind, tuple(_GATES))
    gates = _GATES[kind]
    units = cell.units
    kernel = np.asarray(cell.kernel)
    recurrent = np.asarray(cell.recurrent_kernel)
    bias = np.asarray(cell.bias) if cell.use_bias else np.zeros(
        (2, kernel.shape[1]) if getattr(cell, "reset_after", False)
        else kernel.shape[1], kernel.dtype)
    out = {}
    for k, gate in enumerate(gates):
        part = slice(k * units, (k + 1) * units)
        suffix = f"_{gate}" if gate else ""
        out["W" + suffix] = kernel[:, part]
        out["U" + suffix] = recurrent[:, part]
        if bias.ndim == 2:  # GRU, reset_after: input and recurrent biases
            out["b" + suffix], out["br" + suffix] = bias[0, part], bias[1, part]
        else:
            out["b" + suffix] = bias[part]
    return out


def simple_rnn_step(w, x, h):
    """One SimpleRNN step: ``h_t = tanh(x_t W + h_{t-1} U + b)`` (Elman 1990).

    Args:
        w: `cell_weights` of a ``SimpleRNNCell``.
        x: inputs ``(batch, features)``.
        h: previous state ``(batch, units)``.

    Returns:
        The new state ``h_t``.
    """
    return np.tanh(x @ w["W"] + h @ w["U"] + w["b"])


def lstm_step(w, x, state):
    """One LSTM step (Hochreiter & Schmidhuber 1997, with the forget gate of
    Gers et al. 2000)::

        i = sigmoid(x W_i + h U_i + b_i)     input gate
        f = sigmoid(x W_f + h U_f + b_f)     forget gate
        o = sigmoid(x W_o + h U_o + b_o)     output gate
        g = tanh(x W_c + h U_c + b_c)        candidate
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    Args:
        w: `cell_weights` of an ``LSTMCell``.
        x: inputs ``(batch, features)``.
        state: ``(h, c)``, each ``(batch, units)``.

    Returns:
        The new ``(h_t, c_t)``.
    """
    h, c = state

    def pre(gate):
        return x @ w[f"W_{gate}"] + h @ w[f"U_{gate}"] + w[f"b_{gate}"]

    i, f, o = _sigmoid(pre("i")), _sigmoid(pre("f")), _sigmoid(pre("o"))
    c = f * c + i * np.tanh(pre("c"))
    return o * np.tanh(c), c


def gru_step(w, x, h, reset_after=None, convention="keras"):
    """One GRU step (Cho et al. 2014)::

        z  = sigmoid(x W_z + h U_z + b_z)              update gate
        r  = sigmoid(x W_r + h U_r + b_r)              reset gate
        h~ = tanh(x W_h + (r * h) U_h + b_h)           reset_after=False
        h~ = tanh(x W_h + b_h + r * (h U_h + br_h))    reset_after=True
        h_t = z * h + (1 - z) * h~                     convention="keras"
        h_t = (1 - z) * h + z * h~                     convention="notes"

    ``reset_after=False`` is Cho et al.'s candidate (the reset gate scales the
    state before the recurrent weights); ``True`` (Keras' default, and
    cuDNN's) applies it after them, with its own recurrent bias (``br_*``
    added to each gate). Keras, Cho et al. and PyTorch's ``nn.GRU`` keep the
    old state with weight ``z``; the course's notes write the mirror image,
    which is the same family of cells with the update gate's weights negated,
    since ``1 - sigmoid(a) = sigmoid(-a)``.

    Args:
        w: `cell_weights` of a ``GRUCell``.
        x: inputs ``(batch, features)``.
        h: previous state ``(batch, units)``.
        reset_after: where the reset gate acts; ``None`` reads it from ``w``
            (recurrent biases ``br_*`` are there only for ``True``).
        convention: ``"keras"`` or ``"notes"``, the update rule above.

    Returns:
        The new state ``h_t``.
    """
    check_choice("convention", convention, ("keras", "notes"))
    if reset_after is None:
        reset_after = "br_h" in w
    recurrent_bias = {g: w.get(f"br_{g}", 0.0) for g in "zrh"}
    z = _sigmoid(x @ w["W_z"] + w["b_z"] + h @ w["U_z"] + recurrent_bias["z"])
    r = _sigmoid(x @ w["W_r"] + w["b_r"] + h @ w["U_r"] + recurrent_bias["r"])
    if reset_after:
        candidate = np.tanh(x @ w["W_h"] + w["b_h"]
                            + r * (h @ w["U_h"] + recurrent_bias["h"]))
    else:
        candidate = np.tanh(x @ w["W_h"] + (r * h) @ w["U_h"] + w["b_h"])
    if convention == "keras":
        return z * h + (1.0 - z) * candidate
    return (1.0 - z) * h + z * candidate


def negate_update_gate(w):
    """GRU weights with the update gate's weights and biases negated, so that
    ``z`` becomes ``1 - z``: the notes' convention with these weights is
    Keras' with ``w``.

    Example:

    >>> flipped = negate_update_gate(cell_weights(gru.cell))  # doctest: +SKIP
    """
    return {k: -v if k.endswith("_z") else v for k, v in w.items()}


def run_cell(step, inputs, state, **kwargs):
    """Unrolls ``step(x_t, state) -> state`` over ``inputs`` ``(batch, T,
    features)``; returns the hidden state ``h_t`` of every step, ``(batch,
    T, units)``.

    Example:

    >>> w = cell_weights(lstm.cell)  # doctest: +SKIP
    >>> hs = run_cell(lambda x, s: lstm_step(w, x, s), x, (h0, c0))
    """
    outputs = []
    for t in range(inputs.shape[1]):
        state = step(inputs[:, t], state, **kwargs)
        outputs.append(state[0] if isinstance(state, tuple) else state)
    return np.stack(outputs, axis=1)
