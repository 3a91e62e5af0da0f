"""Recurrent networks (Unit III): SimpleRNN, LSTM and GRU stacks, optionally
bidirectional."""

import keras

from keras_genai.builders.common import CheckedSequential
from keras_genai.builders.common import float32_output_layers
from keras_genai.builders.common import float32_outputs
from keras_genai.builders.common import seed_counter
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed
from keras_genai.utils.checks import check_shape

RNN_LAYERS = {
    "simple": keras.layers.SimpleRNN,
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
}


def sequence_model(input_shape=(None, 1), cell="lstm", units=32, num_layers=1,
                   bidirectional=False, return_sequences=False, output_units=1,
                   output_activation=None, dropout=0.0, merge_mode="concat",
                   activation="tanh", recurrent_gain=1.0, stateful_batch=None,
                   seed=None, name=None):
    """Builds a stack of recurrent layers with a dense read-out.

    ``cell`` picks the recurrence: ``"simple"`` is Elman's RNN ``h_t = tanh(W x_t +
    U h_{t-1} + b)``; ``"lstm"`` adds a memory cell with input, forget and output
    gates (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000);
    ``"gru"`` has update and reset gates (Cho et al. 2014). ``num_layers > 1``
    stacks them (every layer but the last returns its whole sequence).
    ``bidirectional`` runs each layer forwards and backwards and merges the two
    (Schuster & Paliwal 1997).

    Args:
        input_shape: ``(time_steps, features)``; ``time_steps`` may be ``None``.
        cell: ``"simple"``, ``"lstm"`` or ``"gru"``.
        units: hidden units per layer (per direction).
        num_layers: stacked recurrent layers.
        bidirectional: wrap each recurrent layer in `keras.layers.Bidirectional`.
        return_sequences: read out every time step (``(batch, time, output_units)``)
            instead of only the last (``(batch, output_units)``).
        output_units: width of the dense read-out.
        output_activation: activation of the read-out (``None``: linear, for
            regression or logits).
        dropout: dropout rate on each recurrent layer's inputs.
        merge_mode: how `Bidirectional` combines the two directions.
        activation: the recurrence's activation (``"tanh"``; ``"relu"`` with a
            large ``recurrent_gain`` makes gradients explode, for the clipping
            lesson).
        recurrent_gain: gain of the orthogonal recurrent initializer (1.0: every
            singular value of the recurrent matrix is 1).
        stateful_batch: an int makes every recurrent layer stateful (the
            last state of a batch is the first of the next: truncated BPTT,
            `keras_genai.bptt.truncated_bptt`) for batches of exactly that
            many sequences; ``None``: each batch starts from zeros.
        seed: int seed of the initial weights (``None``: Keras' global state).
        name: model name (default ``"<cell>_rnn"``, prefixed ``"bi"``).

    Returns:
        A `keras.Sequential` model (a `CheckedSequential`: ``fit`` refuses data
        with another number of features, naming both shapes).

    Example:

    >>> model = sequence_model((50, 2), cell="gru", units=16)
    >>> model.output_shape
    (None, 1)
    """
    check_choice("cell", cell, tuple(RNN_LAYERS))
    input_shape = check_shape("input_shape", input_shape, rank=2, allow_none=True)
    units = check_positive_int("units", units)
    num_layers = check_positive_int("num_layers", num_layers)
    output_units = check_positive_int("output_units", output_units)
    dropout = check_fraction("dropout", dropout)
    check_choice("merge_mode", merge_mode, ("concat", "sum", "mul", "ave"))
    if isinstance(recurrent_gain, bool) \
            or not isinstance(recurrent_gain, (int, float)) or not recurrent_gain > 0:
        raise ValueError("`recurrent_gain` must be a number > 0. "
                         f"Received: recurrent_gain={recurrent_gain!r}")
    if stateful_batch is not None:
        stateful_batch = check_positive_int("stateful_batch", stateful_batch)
    seeds = seed_counter(seed)
    prefix = "bi" if bidirectional else ""
    layers = [keras.Input(shape=input_shape, batch_size=stateful_batch,
                          name="sequence")]
    for i in range(1, num_layers + 1):
        rnn = RNN_LAYERS[cell](
            units,
            return_sequences=return_sequences or i < num_layers,
            activation=activation,
            dropout=dropout,
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
            recurrent_initializer=keras.initializers.Orthogonal(
                gain=recurrent_gain, seed=next(seeds)),
            seed=next(seeds),
            stateful=stateful_batch is not None,
            name=f"{cell}{i}",
        )
        if bidirectional:
            rnn = keras.layers.Bidirectional(rnn, merge_mode=merge_mode,
                                             name=f"bi{cell}{i}")
        layers.append(rnn)
    layers.append(keras.layers.Dense(
        output_units, activation=output_activation,
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        name="readout"))
    return CheckedSequential(layers + float32_output_layers(),
                             name=name or f"{prefix}{cell}_rnn")


def late_fusion_birnn(input_shape=(None, 1), cell="lstm", units=32, output_units=1,
                      output_activation="sigmoid", seed=None,
                      name="late_fusion_birnn"):
    """A bidirectional RNN that averages the two directions' predictions
    instead of merging their states: ``p_t = (p_t^f + p_t^b) / 2``, where
    each direction has its own read-out (late fusion; the course notes'
    ``p_t = p_tf + p_tb``, halved so that it stays a probability).
    `sequence_model` with ``bidirectional=True`` is Schuster & Paliwal's
    network, one read-out of both directions' states (concatenated), which
    can weigh the past against the future at each step; here each direction
    decides alone and only their votes are averaged.

    Args:
        input_shape: ``(time_steps, features)``; ``time_steps`` may be ``None``.
        cell: ``"simple"``, ``"lstm"`` or ``"gru"``.
        units: hidden units per direction.
        output_units: width of each read-out.
        output_activation: the read-outs' activation (``"sigmoid"`` or
            ``"softmax"``: probabilities, which the average keeps).
        seed: int seed of the initial weights.
        name: model name.

    Returns:
        A functional `keras.Model` ``(batch, time, features) -> (batch,
        time, output_units)`` float32 probabilities.

    Example:

    >>> late_fusion_birnn((20, 1), units=8).output_shape
    (None, 20, 1)
    """
    check_choice("cell", cell, tuple(RNN_LAYERS))
    input_shape = check_shape("input_shape", input_shape, rank=2, allow_none=True)
    units = check_positive_int("units", units)
    output_units = check_positive_int("output_units", output_units)
    check_choice("output_activation", output_activation, ("sigmoid", "softmax"))
    seeds = seed_counter(check_seed(seed))
    inputs = keras.Input(input_shape, name="sequence")
    # merge_mode=None: the two directions' sequences, both in time order.
    forward, backward = bidirectional_layer(
        cell, units, seeds, merge_mode=None, name=f"bi{cell}",
        return_sequences=True)(inputs)
    votes = [keras.layers.Dense(
        output_units, activation=output_activation,
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        name=f"{direction}_readout")(states)
        for direction, states in (("forward", forward), ("backward", backward))]
    outputs = keras.layers.Average(name="average_of_directions")(votes)
    return keras.Model(inputs, float32_outputs(outputs), name=name)


def bidirectional_layer(cell, units, seeds, name, merge_mode="concat", **kwargs):
    """`keras.layers.Bidirectional` over a ``cell`` layer of ``units``, each
    direction with its own seeded initial weights (wrapping one layer would
    copy its config, seeds included, into the backward one: both
    directions would start equal).

    Args:
        cell: ``"simple"``, ``"lstm"`` or ``"gru"``.
        units: units per direction.
        seeds: an iterator of int seeds (`builders.common.seed_counter`).
        name: the wrapper's name; the directions are ``<name>_forward`` and
            ``<name>_backward``.
        merge_mode: as `keras.layers.Bidirectional`.
        **kwargs: more arguments of both recurrent layers
            (``return_sequences``...).

    Returns:
        The `keras.layers.Bidirectional` layer.

    Example:

    >>> layer = bidirectional_layer("gru", 4, seed_counter(0), "bigru")
    """
    forward = recurrent_layer(cell, units, seeds, f"{name}_forward", **kwargs)
    backward = recurrent_layer(cell, units, seeds, f"{name}_backward",
                               go_backwards=True, **kwargs)
    return keras.layers.Bidirectional(forward, backward_layer=backward,
                                      merge_mode=merge_mode, name=name)


def recurrent_layer(cell, units, seeds, name, **kwargs):
    """A ``cell`` layer of ``units`` with Glorot input weights and
    orthogonal recurrent weights, seeded from ``seeds`` (two draws).

    Args:
        cell: ``"simple"``, ``"lstm"`` or ``"gru"``.
        units: hidden units.
        seeds: an iterator of int seeds (`builders.common.seed_counter`).
        name: the layer's name.
        **kwargs: more arguments of the layer (``return_sequences``...).

    Returns:
        The recurrent layer.

    Example:

    >>> recurrent_layer("lstm", 4, seed_counter(0), "reader").units
    4
    """
    return RNN_LAYERS[cell](
        units,
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        recurrent_initializer=keras.initializers.Orthogonal(seed=next(seeds)),
        name=name, **kwargs)
