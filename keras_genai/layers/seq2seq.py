"""The decoder of a recurrent encoder-decoder, with or without Bahdanau
attention over the encoder's states."""

import keras
from keras import ops

from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_seed


@keras.saving.register_keras_serializable(package="keras_genai")
class RecurrentDecoder(keras.layers.Layer):
    """An LSTM decoder that writes a target sequence from an encoder's states.

    Without attention (Sutskever et al. 2014; Cho et al. 2014) the encoder's
    final state is the decoder's initial state and all it knows of the
    source. With attention (the additive attention of Bahdanau et al. 2015,
    section 3.1 and appendix A.1.2) step ``i`` also reads a context ``c_i``,
    a weighted mean of the encoder's states ``h_j``, weighted by how well each
    matches the decoder's previous state ``s_{i-1}``:

        e_ij = v . tanh(W s_{i-1} + U h_j)        (additive score)
        a_ij = softmax_j(e_ij)                     (over the source's tokens)
        c_i  = sum_j a_ij h_j
        s_i  = LSTM([y_{i-1}; c_i], s_{i-1})
        p(y_i | ...) = softmax(W_o [s_i; c_i] + b_o)

    so the decoder can look back at the source at every step instead of
    carrying it in one vector. The rest is simpler than the paper's: an LSTM
    instead of its GRU, and a linear read-out of ``[s_i; c_i]`` instead of its
    maxout layer over ``s_{i-1}``, ``y_{i-1}`` and ``c_i`` (the read-out of
    Luong et al. 2015). Padding tokens of the source (``source_mask``
    False) get no weight.

    ``call(targets, encoder_outputs, state_h, state_c, source_mask)`` runs
    the decoder from the encoder's final state ``[state_h, state_c]`` with
    teacher forcing: step ``i`` reads the true
    previous token ``targets[:, i]`` (the target shifted right behind a start
    token), so training is one pass. `step` runs one step, for greedy and
    beam-search decoding (`keras_genai.seq2seq.Translator`).

    Args:
        vocabulary_size: number of target tokens.
        embedding_dim: width of the target token embedding.
        units: width of the LSTM state (the encoder's must match).
        attention: use Bahdanau attention.
        seed: int seed of the initial weights.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> decoder = RecurrentDecoder(14, 16, 32)
    >>> logits = decoder(targets, encoder_outputs, h, c, source_mask)
    ... # doctest: +SKIP
    """

    def __init__(self, vocabulary_size, embedding_dim, units, attention=True,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = check_positive_int("vocabulary_size", vocabulary_size)
        self.embedding_dim = check_positive_int("embedding_dim", embedding_dim)
        self.units = check_positive_int("units", units)
        if not isinstance(attention, bool):
            raise TypeError(f"`attention` must be a bool. Received: "
                            f"attention={attention!r}")
        self.attention = attention
        self.seed = check_seed(seed)
        seeds = iter(range(self.seed, self.seed + 6)) if self.seed is not None \
            else iter([None] * 6)

        def glorot():
            return keras.initializers.GlorotUniform(seed=next(seeds))

        self.embedding = keras.layers.Embedding(
            vocabulary_size, embedding_dim, dtype=self.dtype_policy,
            embeddings_initializer=keras.initializers.RandomUniform(
                -0.05, 0.05, seed=next(seeds)), name="embedding")
        self.cell = keras.layers.LSTMCell(
            units, kernel_initializer=glorot(),
            recurrent_initializer=keras.initializers.Orthogonal(seed=next(seeds)),
            dtype=self.dtype_policy, name="cell")
        self.output_layer = keras.layers.Dense(
            vocabulary_size, kernel_initializer=glorot(), dtype=self.dtype_policy,
            name="logits")
        if attention:
            self.query = keras.layers.Dense(units, use_bias=False,
                                            kernel_initializer=glorot(),
                                            dtype=self.dtype_policy, name="query")
            self.key = keras.layers.Dense(units, kernel_initializer=glorot(),
                                          dtype=self.dtype_policy, name="key")

    def build(self, targets_shape, encoder_outputs_shape=None, state_h_shape=None,
              state_c_shape=None, source_mask_shape=None):
        if len(targets_shape) != 2 or targets_shape[1] is None:
            raise ValueError("`targets` must be (batch, steps) token ids with a "
                             f"fixed number of steps. Received: targets_shape="
                             f"{targets_shape}")
        if encoder_outputs_shape[-1] != self.units:
            raise ValueError(f"The encoder's states must have `units` "
                             f"({self.units}) features. Received: "
                             f"encoder_outputs_shape={encoder_outputs_shape}")
        context = self.units if self.attention else 0
        self.embedding.build(targets_shape[:1])
        self.cell.build((None, self.embedding_dim + context))
        self.output_layer.build((None, self.units + context))
        if self.attention:
            self.query.build((None, self.units))
            self.key.build(encoder_outputs_shape)
            self.score = self.add_weight(
                shape=(self.units,), name="score",
                initializer=keras.initializers.RandomNormal(
                    stddev=self.units ** -0.5,
                    seed=None if self.seed is None else self.seed + 6))

    def keys(self, encoder_outputs):
        """``U h_j`` for every source position: computed once per sequence,
        then read at every step."""
        return self.key(encoder_outputs) if self.attention else None

    def attention_weights(self, state, keys, source_mask):
        """``a_ij`` of every source position ``j`` for the decoder's previous
        state ``s_{i-1}`` (``state``, ``(batch, units)``), float32
        ``(batch, source steps)``."""
        scores = ops.sum(self.score * ops.tanh(
            ops.expand_dims(self.query(state), 1) + keys), axis=-1)
        scores = ops.where(ops.cast(source_mask, "bool"),
                           ops.cast(scores, "float32"), -1e9)
        return ops.softmax(scores, axis=-1)

    def step(self, tokens, states, encoder_outputs, keys, source_mask):
        """One decoding step.

        Args:
            tokens: ``(batch,)`` ids of the previous target tokens.
            states: the LSTM state ``[s, cell]`` after the previous step.
            encoder_outputs: ``(batch, source steps, units)``.
            keys: `keys` of ``encoder_outputs``.
            source_mask: ``(batch, source steps)``, False (or 0) at padding.

        Returns:
            ``(logits (batch, vocabulary_size), new states, attention weights
            (batch, source steps) or None)``.
        """
        x = self.embedding(tokens)
        weights = None
        if self.attention:
            weights = self.attention_weights(states[0], keys, source_mask)
            context = ops.einsum("bs,bsd->bd", ops.cast(weights, x.dtype),
                                 encoder_outputs)
            x = ops.concatenate([x, context], axis=-1)
        output, states = self.cell(x, states)
        if self.attention:
            output = ops.concatenate([output, context], axis=-1)
        return self.output_layer(output), list(states), weights

    def call(self, targets, encoder_outputs, state_h, state_c, source_mask):
        keys = self.keys(encoder_outputs)
        states = [state_h, state_c]
        logits = []
        for i in range(targets.shape[1]):
            step_logits, states, _ = self.step(targets[:, i], states,
                                               encoder_outputs, keys, source_mask)
            logits.append(step_logits)
        return ops.stack(logits, axis=1)

    def compute_output_shape(self, targets_shape, *args, **kwargs):
        return tuple(targets_shape) + (self.vocabulary_size,)

    def get_config(self):
        return {**super().get_config(), "vocabulary_size": self.vocabulary_size,
                "embedding_dim": self.embedding_dim, "units": self.units,
                "attention": self.attention, "seed": self.seed}
