"""Contrastive language-image pre-training (Radford et al. 2021, "Learning
Transferable Visual Models From Natural Language Supervision")."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_genai.distribute import replica_context
from keras_genai.layers.contrastive import LogitScale
from keras_genai.losses import contrastive_loss
from keras_genai.models.base import GenerativeModel
from keras_genai.models.inputs import check_images
from keras_genai.models.inputs import unpack_pair
from keras_genai.utils.batching import map_fixed_batches
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_positive_int


def _feature_dim(name, network):
    shapes = [tuple(t.shape) for t in network.outputs]
    if len(shapes) != 1 or len(shapes[0]) != 2 or shapes[0][1] is None:
        raise ValueError(f"`{name}` must return one (batch, features) tensor. "
                         f"Received: {name} with output shapes {shapes}")
    return shapes[0][1]


def gather_replicas(x):
    """``x`` from every replica, concatenated along the batch axis in replica
    order; the identity on one device.

    The gradient flows back to each replica's own slice: TensorFlow's
    ``all_gather`` gradient sums, over the replicas, the gradients with respect
    to that slice (tested in ``tests/test_models_clip.py``).

    Example:

    >>> gather_replicas(keras.ops.ones((4, 8))).shape  # on one device
    TensorShape([4, 8])
    """
    num_replicas, _ = replica_context()
    if num_replicas == 1:
        return x
    return tf.distribute.get_replica_context().all_gather(x, axis=0)


@keras.saving.register_keras_serializable(package="keras_genai")
class CLIP(GenerativeModel):
    """Contrastive language-image pre-training: an image encoder and a text
    encoder trained so that each image's embedding is closest to its own
    caption's among the batch.

    Radford et al. (2021), Figure 3: both towers' features are projected
    linearly (no bias) to ``embedding_dim`` and L2-normalized; the cosine
    similarities of every image with every caption of the batch, scaled by a
    learned ``exp(t)`` (`keras_genai.layers.LogitScale`: ``t`` starts at
    ``log(1 / 0.07)`` and is clipped so the scale stays at most 100), are the
    logits of two cross-entropies, image to caption and caption to image
    (`keras_genai.losses.contrastive_loss`); the loss is their mean. No labels
    are used: the captions are the supervision.

    Every other pair of the batch is a negative, so the batch size matters.
    Under a distribution strategy each replica sees only its share of the
    batch; here the embeddings are gathered from every replica (with
    gradients, `gather_replicas`), so each replica's rows are scored against
    the whole global batch and a step on N replicas equals a step on one
    device.

    Logged: ``loss``, ``image_to_text`` and ``text_to_image`` (the two
    cross-entropies), ``accuracy`` (the share of images whose own caption
    scores highest in the batch) and ``logit_scale`` (``exp(t)``).

    ``fit`` takes float images (e.g. in ``[0, 1]``) as ``x`` and their
    captions as ``y``, a NumPy array or a list of strings, one per image
    (batched and shuffled as Keras' ``fit`` does: ``batch_size``, ``shuffle``,
    ``validation_split``), or a ``tf.data.Dataset`` of ``(images, captions)``
    batches, captions as ``tf.string``. Images and captions of different
    lengths raise a ``ValueError``.

    Args:
        image_encoder: built `keras.Model` ``images -> (batch, features)``
            (e.g. `builders.vit(..., num_classes=None)`).
        text_encoder: built `keras.Model` ``strings -> (batch, features)``
            (e.g. `builders.caption_encoder`).
        embedding_dim: size of the joint embedding.
        initial_temperature: the starting temperature ``1 / exp(t)``.
        seed: seed of the model's noise (CLIP draws none; kept for the
            common interface).
        **kwargs: `keras.Model` arguments.

    Example:

    >>> clip = CLIP(builders.vit(num_classes=None, dim=32, depth=2),
    ...             builders.caption_encoder(data.caption_vocabulary()),
    ...             embedding_dim=32)
    >>> clip.compile(optimizer=keras.optimizers.Adam(1e-3))
    >>> clip.fit(x, captions, batch_size=128)  # captions: an array of strings
    >>> clip.fit(tf.data.Dataset.from_tensor_slices((x, captions)).batch(128))
    >>> clip.zero_shot(x_test, [f"a {w}" for w in data.DIGIT_WORDS])
    """

    NETWORKS = {"image_encoder": ("images",), "text_encoder": ("captions",),
                "image_projection": ("image_features",),
                "text_projection": ("text_features",), "logit_scale": ()}
    OPTIMIZERS = {"optimizer": ("image_encoder", "text_encoder", "image_projection",
                                "text_projection", "logit_scale")}
    TRACKERS = ("loss", "image_to_text", "text_to_image", "accuracy", "logit_scale")
    DATA = ("images", "captions")

    def __init__(self, image_encoder, text_encoder, embedding_dim=64,
                 initial_temperature=0.07, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.image_encoder = check_network("image_encoder", image_encoder)
        self.text_encoder = check_network("text_encoder", text_encoder)
        self.embedding_dim = check_positive_int("embedding_dim", embedding_dim)
        image_dim = _feature_dim("image_encoder", image_encoder)
        text_dim = _feature_dim("text_encoder", text_encoder)
        inputs = self._input_shapes("text_encoder")
        if len(inputs[0]) != 1 or text_encoder.inputs[0].dtype != "string":
            raise ValueError("`text_encoder` must take a batch of strings, shape "
                             "(batch,) (e.g. builders.caption_encoder). Received: "
                             f"input {inputs[0]} of dtype {text_encoder.inputs[0].dtype}")
        self.image_shape = self._input_shapes("image_encoder")[0][1:]
        self.initial_temperature = initial_temperature
        self.image_projection = self._projection("image_projection", image_dim)
        self.text_projection = self._projection("text_projection", text_dim)
        self.logit_scale = LogitScale(initial_temperature, dtype="float32",
                                      name="logit_scale")
        self.built = True

    def _projection(self, name, features):
        # CLIP's W_i / W_t (no bias), as a network of its own so that its
        # variables have stable paths in saved files. float32 whatever the
        # policy: the embeddings are normalized and compared in float32, and a
        # loaded model (built under the default policy) computes the same.
        return keras.Sequential([keras.Input((features,), name="features"),
                                 keras.layers.Dense(self.embedding_dim, use_bias=False,
                                                    dtype="float32",
                                                    name="projection")], name=name)

    def compile(self, optimizer="adam", **kwargs):
        """Sets the optimizer of both towers, the projections and the
        temperature.

        Args:
            optimizer: a keras optimizer or its name.
            **kwargs: `keras.Model.compile` options (``steps_per_execution``,
                ``jit_compile``, ``run_eagerly``); ``loss`` and ``metrics`` are
                refused.
        """
        self._compile({"optimizer": optimizer}, kwargs)

    # -- the algorithm -----------------------------------------------------------

    def _embed(self, encoder, projection, x, training):
        features = projection(encoder(x, training=training), training=training)
        return ops.normalize(ops.cast(features, "float32"), axis=-1)

    def embed_images(self, images, training=False):
        """L2-normalized image embeddings ``(batch, embedding_dim)``, as a
        tensor (in a graph or eagerly)."""
        return self._embed(self.image_encoder, self.image_projection, images, training)

    def embed_texts(self, captions, training=False):
        """L2-normalized caption embeddings ``(batch, embedding_dim)``."""
        return self._embed(self.text_encoder, self.text_projection, captions, training)

    def _loss_terms(self, data, training):
        """``(loss, image_to_text, text_to_image, accuracy)`` of this replica's
        rows against the global batch, each weighted so that the mean over
        the replicas is the global batch's value (replicas may hold unequal
        shares of an uneven batch); ``accuracy`` is the share of images whose
        own caption scores highest in the global batch (ties, as for two
        identical captions, count as hits)."""
        images, captions = unpack_pair(data, self)
        image_embeddings = self.embed_images(images, training)
        text_embeddings = self.embed_texts(captions, training)
        image_keys = gather_replicas(image_embeddings)
        text_keys = gather_replicas(text_embeddings)
        num_replicas, replica_id = replica_context()
        n = ops.shape(image_embeddings)[0]
        sizes = ops.reshape(gather_replicas(ops.reshape(n, (1,))), (-1,))
        offset = ops.sum(ops.where(ops.arange(num_replicas) < replica_id, sizes, 0))
        image_to_text, text_to_image = contrastive_loss(
            image_embeddings, text_embeddings, self.logit_scale.scale,
            image_keys=image_keys, text_keys=text_keys, offset=offset)
        similarity = ops.matmul(image_embeddings, ops.transpose(text_keys))
        own = ops.sum(image_embeddings * ops.take(text_keys, offset + ops.arange(n),
                                                 axis=0), axis=-1)
        hits = ops.cast(own >= ops.max(similarity, axis=-1) - 1e-6, "float32")
        # The replica's share of the global sums: n / N of them, times the
        # number of replicas that `scale_loss` and the trackers divide by.
        share = ops.cast(n * num_replicas, "float32") / ops.cast(ops.sum(sizes),
                                                                 "float32")

        def weighted(mean):  # a replica with no rows contributes 0, not NaN
            return ops.where(n > 0, mean * share, 0.0)

        image_to_text, text_to_image = weighted(image_to_text), weighted(text_to_image)
        return (0.5 * (image_to_text + text_to_image), image_to_text, text_to_image,
                weighted(ops.mean(hits)))

    def _update_metrics(self, loss, image_to_text, text_to_image, accuracy):
        return self._log(loss=loss, image_to_text=image_to_text,
                         text_to_image=text_to_image, accuracy=accuracy,
                         logit_scale=self.logit_scale.scale)

    def train_step(self, data):
        """One step down the symmetric contrastive loss of the global batch."""
        out = self._descend("optimizer", lambda: self._loss_terms(data, training=True))
        return self._update_metrics(*out)

    def test_step(self, data):
        """The contrastive loss of a batch, without updates."""
        return self._update_metrics(*self._loss_terms(data, training=False))

    def call(self, inputs, training=False):
        """``[images, captions] -> (n_images, n_captions)`` logits ``exp(t)
        cos(image, caption)``."""
        images, captions = inputs
        return self.logit_scale(ops.matmul(
            self.embed_images(images, training), ops.transpose(
                self.embed_texts(captions, training))))

    # -- using the trained model -------------------------------------------------

    def _batched(self, fn, values, batch_size):
        """``fn`` over fixed-size batches of ``values`` (`map_fixed_batches`),
        as NumPy; no examples give an empty ``(0, embedding_dim)`` array."""
        if len(values) == 0:
            check_positive_int("batch_size", batch_size)
            return np.zeros((0, self.embedding_dim), np.float32)
        return map_fixed_batches(fn, [values], batch_size)

    def encode_images(self, images, batch_size=256):
        """L2-normalized embeddings of images.

        Args:
            images: ``(n, *image_shape)`` floats, scaled as in training.
            batch_size: images per batch.

        Returns:
            ``(n, embedding_dim)`` NumPy array.

        Example:

        >>> clip.encode_images(x_test[:5]).shape
        (5, 64)
        """
        images = check_images(images, self.image_shape)
        fn = self._function("encode_images", lambda x: self.embed_images(x))
        return self._batched(fn, images, batch_size)

    def encode_texts(self, texts, batch_size=256):
        """L2-normalized embeddings of captions or prompts.

        Args:
            texts: a list or array of strings.
            batch_size: strings per batch.

        Returns:
            ``(n, embedding_dim)`` NumPy array.

        Example:

        >>> clip.encode_texts(["a seven", "a thick zero"]).shape
        (2, 64)
        """
        texts = np.asarray(texts, dtype=object)
        if texts.ndim != 1 or not all(isinstance(t, str) for t in texts):
            raise TypeError("`texts` must be a list of strings. Received: "
                            f"{texts!r:.80}")
        fn = self._function("encode_texts", lambda x: self.embed_texts(x))
        return self._batched(fn, texts.astype(str), batch_size)

    def prompt_embeddings(self, class_prompts):
        """One embedding per class: the normalized mean of the class's prompt
        embeddings (prompt ensembling, Radford et al. 2021, sec. 3.1.4).

        Args:
            class_prompts: one string per class, or one list of strings per
                class.

        Returns:
            ``(num_classes, embedding_dim)``.
        """
        if isinstance(class_prompts, str) or not np.iterable(class_prompts):
            raise TypeError("`class_prompts` must be a list with one prompt (or "
                            "list of prompts) per class. Received: "
                            f"class_prompts={class_prompts!r}")
        if not len(class_prompts):
            raise ValueError("`class_prompts` must name at least one class. "
                             f"Received: class_prompts={class_prompts!r}")
        groups = [[p] if isinstance(p, str) or not np.iterable(p) else list(p)
                  for p in class_prompts]
        if not all(groups) or not all(isinstance(p, str) for g in groups for p in g):
            raise TypeError("`class_prompts` must hold strings or non-empty lists "
                            f"of strings. Received: class_prompts={class_prompts!r}")
        flat = self.encode_texts([p for g in groups for p in g])
        out, start = [], 0
        for g in groups:
            mean = flat[start:start + len(g)].mean(axis=0)
            out.append(mean / max(np.linalg.norm(mean), 1e-12))
            start += len(g)
        return np.stack(out)

    def zero_shot(self, images, class_prompts, return_scores=False, batch_size=256):
        """Classifies images by their most similar prompt (Radford et al.
        2021, sec. 3.1.2): no classifier is trained; the class names, written
        as captions, are the classifier.

        Args:
            images: ``(n, *image_shape)``.
            class_prompts: one prompt per class (``"a zero"``, ``"a one"``...),
                or a list of prompts per class (averaged).
            return_scores: also return the ``(n, num_classes)`` cosine
                similarities.
            batch_size: images per batch.

        Returns:
            ``(n,)`` int predicted classes (and the similarities).

        Example:

        >>> predictions = clip.zero_shot(x_test, [f"a {w}" for w in DIGIT_WORDS])
        >>> float((predictions == y_test).mean())  # zero-shot accuracy
        """
        prompts = self.prompt_embeddings(class_prompts)
        scores = self.encode_images(images, batch_size) @ prompts.T
        predictions = scores.argmax(axis=1)
        return (predictions, scores) if return_scores else predictions

    # -- export --------------------------------------------------------------------

    def _export_endpoints(self):
        """``encode_images(images)`` (floats, ``(N, *image_shape)``) and
        ``encode_texts(strings)`` (``(N,)`` raw strings), each returning
        L2-normalized ``(N, embedding_dim)`` float32 embeddings."""
        return [
            ("encode_images", lambda x: self.embed_images(x),
             [tf.TensorSpec((None,) + tuple(self.image_shape), tf.float32,
                            name="images")]),
            ("encode_texts", lambda t: self.embed_texts(t),
             [tf.TensorSpec((None,), tf.string, name="texts")]),
        ]
