"""Attention written out in `keras.ops`, and the Transformer block built on it
(Vaswani et al. 2017, "Attention Is All You Need").

Attention is a soft dictionary lookup: each query is compared with every key,
the scores become weights by a softmax, and the answer is the weighted average
of the values. In self-attention the queries, keys and values all come from one
sequence; in cross-attention the queries come from one sequence and the keys and
values from another (a caption the image attends to).
"""

import math

import keras
from keras import ops

from keras_genai.utils.checks import check_fraction
from keras_genai.utils.checks import check_positive_int


def scaled_dot_product_attention(query, key, value, mask=None, return_weights=False):
    """``softmax(Q K^T / sqrt(d)) V``: Vaswani et al. (2017), sec. 3.2.1, eq. 1.

    Dividing the scores by ``sqrt(d)`` keeps their variance at 1 when the
    entries of ``Q`` and ``K`` have unit variance, so the softmax does not
    saturate as ``d`` grows. The softmax runs in float32 whatever the inputs'
    dtype.

    Args:
        query: ``(batch, query_length, dim)``, or ``(batch, query_length, heads,
            dim)`` for several heads (the layout of
            `keras.ops.dot_product_attention`).
        key: ``(batch, key_length, [heads,] dim)``.
        value: ``(batch, key_length, [heads,] value_dim)``.
        mask: optional boolean, True where a query may attend to a key;
            broadcastable to ``(batch, heads, query_length, key_length)`` (for
            3-D inputs, to ``(batch, query_length, key_length)``). Masked scores
            are set to ``-inf`` before the softmax; a query that may attend to no
            key gets all-zero weights (and a zero output) instead of NaN.
        return_weights: also return the attention weights.

    Returns:
        The output ``(batch, query_length, [heads,] value_dim)``, and with
        ``return_weights`` the weights ``(batch, [heads,] query_length,
        key_length)`` (each row sums to 1, or to 0 for a query that may attend
        to no key).

    Example:

    >>> q = k = v = keras.ops.ones((2, 5, 8))
    >>> out, w = scaled_dot_product_attention(q, k, v, return_weights=True)
    >>> out.shape, w.shape
    (TensorShape([2, 5, 8]), TensorShape([2, 5, 5]))
    """
    rank = len(query.shape)
    if rank not in (3, 4) or len(key.shape) != rank or len(value.shape) != rank:
        raise ValueError(
            "`query`, `key` and `value` must all be (batch, length, dim) or all "
            "(batch, length, heads, dim). Received: shapes "
            f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}")
    if query.shape[-1] is None or query.shape[-1] != key.shape[-1]:
        raise ValueError("`query` and `key` must have the same, known last axis. "
                         f"Received: {query.shape[-1]} and {key.shape[-1]}")
    if mask is not None and rank == 4 and len(mask.shape) == 3:
        raise ValueError(
            "With (batch, length, heads, dim) inputs, `mask` must broadcast to "
            "(batch, heads, query_length, key_length): give a (batch, query_length, "
            "key_length) mask an axis for the heads (mask[:, None]). Received: "
            f"mask with shape {tuple(mask.shape)}")
    if not _fits(tuple(value.shape)[:-1], tuple(key.shape)[:-1], exact=True):
        raise ValueError(
            "`value` must have the shape of `key` but for the last axis, (batch, "
            "key_length[, heads]): one value per key. Received: key with shape "
            f"{tuple(key.shape)} and value with shape {tuple(value.shape)}")
    if mask is not None:
        target = ("batch", "heads", "query_length", "key_length")
        sizes = (query.shape[0], query.shape[2] if rank == 4 else 1,
                 query.shape[1], key.shape[1])
        if rank == 3 and len(mask.shape) < 4:  # no heads axis
            target, sizes = target[:1] + target[2:], sizes[:1] + sizes[2:]
        if not _fits(tuple(mask.shape), sizes):
            raise ValueError(
                f"`mask` must broadcast to ({', '.join(target)}) = {sizes}. "
                f"Received: mask with shape {tuple(mask.shape)}")
    if rank == 3:  # one head: (batch, length, 1, dim)
        query, key, value = (ops.expand_dims(t, 2) for t in (query, key, value))
        if mask is not None and len(mask.shape) == 3:
            mask = ops.expand_dims(mask, 1)
    dtype = value.dtype
    # (batch, heads, query_length, key_length)
    scores = ops.einsum("bqhd,bkhd->bhqk", ops.cast(query, "float32"),
                        ops.cast(key, "float32")) / math.sqrt(query.shape[-1])
    if mask is not None:
        mask = ops.broadcast_to(ops.cast(mask, "bool"), ops.shape(scores))
        scores = ops.where(mask, scores, -math.inf)
    weights = ops.softmax(scores, axis=-1)
    if mask is not None:  # a fully masked row is NaN after the softmax
        weights = ops.where(ops.any(mask, axis=-1, keepdims=True), weights, 0.0)
    weights = ops.cast(weights, dtype)
    out = ops.einsum("bhqk,bkhd->bqhd", weights, value)
    if rank == 3:
        out, weights = out[:, :, 0], weights[:, 0]
    return (out, weights) if return_weights else out


def _fits(shape, target, exact=False):
    """Whether the static ``shape`` broadcasts to ``target`` (with ``exact``:
    equals it); an unknown size (``None``) on either side matches any."""
    if len(shape) > len(target) or (exact and len(shape) != len(target)):
        return False
    return all(s is None or t is None or s == t or (s == 1 and not exact)
               for s, t in zip(reversed(shape), reversed(target)))


def causal_mask(length):
    """The boolean ``(length, length)`` mask of a decoder: position ``i`` may
    attend to positions ``j <= i`` (Vaswani et al. 2017, sec. 3.2.3).

    Example:

    >>> keras.ops.convert_to_numpy(causal_mask(3)).astype(int)
    array([[1, 0, 0],
           [1, 1, 0],
           [1, 1, 1]])
    """
    i = ops.arange(length)
    return ops.expand_dims(i, 1) >= ops.expand_dims(i, 0)


@keras.saving.register_keras_serializable(package="keras_genai")
class MultiHeadAttention(keras.layers.Layer):
    """Multi-head attention (Vaswani et al. 2017, sec. 3.2.2):
    ``concat(head_1, ..., head_h) W_O`` with ``head_i = attention(Q W_Q^i,
    K W_K^i, V W_V^i)``, each head on ``key_dim`` features, computed by
    `scaled_dot_product_attention`.

    The projections are the ``EinsumDense`` layers ``query``, ``key``,
    ``value`` and ``attention_output`` of `keras.layers.MultiHeadAttention`,
    with the same shapes, so weights copy between the two, except that the
    key projection has no bias: ``q . (k + b) = q . k + q . b`` adds the same
    number to every score of a query, which the softmax cancels, so its
    gradient is zero and only rounding noise would move it (Adam turns that
    noise into steps of the learning rate's size).

    Args:
        num_heads: number of heads.
        key_dim: features per head.
        dropout: dropout rate on the attention weights.
        kernel_initializer: initializer of the projections' kernels (each
            projection gets its own copy, so an unseeded initializer draws
            different weights for each, as in keras' layer).
        **kwargs: `keras.layers.Layer` arguments (``name`` ...).

    Call arguments:
        query: ``(batch, query_length, dim)``.
        value: ``(batch, key_length, value_dim)``; the keys too unless ``key``
            is given. ``value=query`` is self-attention.
        key: optional ``(batch, key_length, key_input_dim)``.
        attention_mask: optional boolean, True where a query may attend:
            ``(batch, query_length, key_length)`` as for keras' layer (the same
            for every head), or broadcastable to ``(batch, num_heads,
            query_length, key_length)`` (named as in keras' layer: Keras
            reserves ``mask`` for the masks it propagates between layers).
        return_weights: also return the weights ``(batch, num_heads,
            query_length, key_length)``.
        training: whether dropout is on.

    Example:

    >>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
    >>> x = keras.ops.ones((3, 5, 8))
    >>> mha(x, x).shape
    TensorShape([3, 5, 8])
    """

    def __init__(self, num_heads, key_dim, dropout=0.0,
                 kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.num_heads = check_positive_int("num_heads", num_heads)
        self.key_dim = check_positive_int("key_dim", key_dim)
        self.dropout = check_fraction("dropout", dropout)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def _dense(self, equation, output_shape, bias_axes, name, input_shape):
        initializer = self.kernel_initializer
        layer = keras.layers.EinsumDense(
            equation, output_shape=output_shape, bias_axes=bias_axes, name=name,
            kernel_initializer=initializer.__class__.from_config(
                initializer.get_config()), dtype=self.dtype_policy)
        layer.build(input_shape)
        return layer

    def _projection(self, name, input_dim, bias=True):
        return self._dense("abc,cde->abde", (None, self.num_heads, self.key_dim),
                           "de" if bias else None, name, (None, None, input_dim))

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        self.query_dense = self._projection("query", query_shape[-1])
        self.key_dense = self._projection("key", key_shape[-1], bias=False)
        self.value_dense = self._projection("value", value_shape[-1])
        # Created where keras.layers.MultiHeadAttention creates its own, so the
        # two layers draw the same initial weights under one global seed.
        self.dropout_layer = keras.layers.Dropout(self.dropout, dtype=self.dtype_policy)
        self.output_dense = self._dense(
            "abcd,cde->abe", (None, query_shape[-1]), "e", "attention_output",
            (None, None, self.num_heads, self.key_dim))

    def call(self, query, value=None, key=None, attention_mask=None,
             return_weights=False, training=None):
        value = query if value is None else value
        key = value if key is None else key
        v = self.value_dense(value)
        if attention_mask is not None and len(attention_mask.shape) == 3:
            attention_mask = ops.expand_dims(attention_mask, 1)  # every head
        out, weights = scaled_dot_product_attention(
            self.query_dense(query), self.key_dense(key), v, mask=attention_mask,
            return_weights=True)
        if self.dropout:  # dropout on the weights, as in keras' layer
            dropped = self.dropout_layer(weights, training=training)
            out = ops.einsum("bhqk,bkhd->bqhd", dropped, v)
        out = self.output_dense(out)
        return (out, weights) if return_weights else out

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return query_shape

    def compute_output_spec(self, query, value=None, key=None, attention_mask=None,
                            return_weights=False, training=None):
        out = keras.KerasTensor(query.shape, dtype=self.compute_dtype)
        if not return_weights:
            return out
        key_length = (query if value is None else value).shape[1]
        return out, keras.KerasTensor(
            (query.shape[0], self.num_heads, query.shape[1], key_length),
            dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(num_heads=self.num_heads, key_dim=self.key_dim,
                      dropout=self.dropout, kernel_initializer=keras.initializers
                      .serialize(self.kernel_initializer))
        return config


@keras.saving.register_keras_serializable(package="keras_genai")
class TransformerBlock(keras.layers.Layer):
    """A pre-norm Transformer encoder block: ``x + MHA(LN(x))``, then ``x +
    MLP(LN(x))`` (Vaswani et al. 2017, sec. 3.1, with the layer norm moved
    before each sub-layer as in GPT-2 and ViT, Xiong et al. 2020, which trains
    without a learning-rate warm-up).

    Args:
        num_heads: attention heads (the model width must divide by it).
        mlp_dim: hidden width of the two-layer MLP (GELU).
        dropout: dropout rate on the attention weights and after each sub-layer.
        causal: each position attends only to itself and earlier positions (a
            decoder, `causal_mask`).
        **kwargs: `keras.layers.Layer` arguments (``name`` ...).

    Call arguments:
        x: ``(batch, length, dim)``.
        padding_mask: optional boolean ``(batch, length)``, True at real tokens:
            no query attends to a padding token.
        return_weights: also return the attention weights ``(batch, heads,
            length, length)``.
        training: whether dropout is on.

    Example:

    >>> block = TransformerBlock(num_heads=2, mlp_dim=32)
    >>> block(keras.ops.ones((4, 7, 16))).shape
    TensorShape([4, 7, 16])
    """

    def __init__(self, num_heads, mlp_dim, dropout=0.0, causal=False, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = check_positive_int("num_heads", num_heads)
        self.mlp_dim = check_positive_int("mlp_dim", mlp_dim)
        self.dropout = check_fraction("dropout", dropout)
        if not isinstance(causal, bool):
            raise TypeError(f"`causal` must be a bool. Received: causal={causal!r}")
        self.causal = causal

    def build(self, input_shape):
        dim = input_shape[-1]
        if dim % self.num_heads:
            raise ValueError(f"The width {dim} must be divisible by `num_heads`. "
                             f"Received: num_heads={self.num_heads}")
        policy = self.dtype_policy
        self.attention_norm = keras.layers.LayerNormalization(
            name="attention_norm", dtype=policy)
        self.attention_norm.build(input_shape)
        self.attention = MultiHeadAttention(self.num_heads, dim // self.num_heads,
                                            dropout=self.dropout,
                                            name="self_attention", dtype=policy)
        self.attention.build(input_shape)
        self.mlp_norm = keras.layers.LayerNormalization(name="mlp_norm", dtype=policy)
        self.mlp_norm.build(input_shape)
        self.mlp_dense1 = keras.layers.Dense(self.mlp_dim, activation="gelu",
                                             name="mlp_dense1", dtype=policy)
        self.mlp_dense1.build(input_shape)
        self.mlp_dense2 = keras.layers.Dense(dim, name="mlp_dense2", dtype=policy)
        self.mlp_dense2.build((None, None, self.mlp_dim))
        # Only with a rate: each Dropout takes a default seed when it is made,
        # which would shift the initial weights of every layer built after it.
        self.dropout_layer = (keras.layers.Dropout(self.dropout, dtype=policy)
                              if self.dropout else None)

    def _dropped(self, x, training):
        if self.dropout_layer is None:
            return x
        return self.dropout_layer(x, training=training)

    def call(self, x, padding_mask=None, return_weights=False, training=None):
        mask = None
        if padding_mask is not None:  # (batch, 1, 1, key_length)
            mask = ops.cast(padding_mask, "bool")[:, None, None, :]
        if self.causal:
            causal = causal_mask(ops.shape(x)[1])[None, None]
            mask = causal if mask is None else ops.logical_and(mask, causal)
        h, weights = self.attention(self.attention_norm(x), attention_mask=mask,
                                    return_weights=True, training=training)
        x = x + self._dropped(h, training)
        h = self.mlp_dense2(self.mlp_dense1(self.mlp_norm(x)))
        x = x + self._dropped(h, training)
        return (x, weights) if return_weights else x

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, x, padding_mask=None, return_weights=False,
                            training=None):
        out = keras.KerasTensor(x.shape, dtype=self.compute_dtype)
        if not return_weights:
            return out
        return out, keras.KerasTensor(
            (x.shape[0], self.num_heads, x.shape[1], x.shape[1]),
            dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(num_heads=self.num_heads, mlp_dim=self.mlp_dim,
                      dropout=self.dropout, causal=self.causal)
        return config
