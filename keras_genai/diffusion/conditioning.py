"""What a diffusion model is conditioned on: one object per kind of condition,
so that `keras_genai.models.DiffusionModel` asks its condition instead of
branching on the kind in every method.

* `Unconditional`: no condition, ``eps_theta(x_t, t)``.
* `ClassLabels`: a class label per image (the network's ``label`` input), with
  the extra "null" class ``num_classes`` of classifier-free guidance (Ho &
  Salimans 2022, "Classifier-Free Diffusion Guidance", Algorithm 1).
* `Captions`: a caption per image, encoded by a text encoder into the tokens
  the network cross-attends to (its ``context`` input; Rombach et al. 2022);
  the null condition is the empty caption.
* `ConditionImages`: an image per image, concatenated with ``x_t`` (the
  network's ``condition`` input; SR3, Saharia et al. 2021). Never dropped, and
  guidance does not apply: the model is always conditional, as SR3's is.

Each kind knows the network input it feeds and its shape, how to unpack a
training batch, the null condition and the dropout of guidance training, how
the user's ``labels`` / ``prompts`` / ``conditions`` become a batch, and the
``tf.TensorSpec`` of an export. `conditioning_for` makes the one that a
`DiffusionModel`'s arguments ``num_classes``, ``text_encoder`` and
``image_condition`` ask for.

Example:

>>> labels = ClassLabels(10)
>>> labels.null(tf.constant([3, 7])).numpy()
array([10, 10], dtype=int32)
>>> labels.spec()
TensorSpec(shape=(None,), dtype=tf.int32, name='labels')
"""

import numpy as np
import tensorflow as tf

from keras_genai.utils.checks import check_labels
from keras_genai.utils.checks import check_network
from keras_genai.utils.checks import check_num_classes
from keras_genai.utils.checks import check_positive_int

# The batch helpers live in keras_genai.models.inputs, and keras_genai.models
# imports this module: they are imported where they are used.


def _check_inputs(network, inputs, arguments):
    """Checks that ``network`` takes a dict of inputs ``image``, ``timestep``
    and ``inputs``; ``arguments`` describes the model's in the error."""
    names = sorted(network.input) if isinstance(network.input, dict) else None
    expected = sorted(("image", "timestep") + inputs)
    if names != expected:
        raise ValueError(
            f"`network` must take a dict of inputs {expected} (for {arguments}). "
            f"Received: network inputs {names or network.input}")


class Conditioning:
    """The interface of a condition; as itself, the answers of `Unconditional`.

    Class attributes: ``inputs`` (the network's input names for the
    condition), ``data`` (what a training batch holds after the images, as in
    ``DiffusionModel.DATA``), ``guided`` (whether classifier-free guidance
    applies: a null condition exists and training drops to it), and the
    `DiffusionModel` arguments the kind stands for (``num_classes``,
    ``text_encoder``, ``image_condition``) and ``shape`` (of one condition
    image).

    Example:

    >>> Unconditional().batch(n=4)
    (None, 4)
    """

    inputs = ()
    data = ()
    guided = False
    num_classes = None
    text_encoder = None
    image_condition = False
    shape = None

    @property
    def conditional(self):
        """Whether the network takes a condition."""
        return bool(self.inputs)

    def arguments(self):
        """The `DiffusionModel` arguments of this kind, as text for errors."""
        encoder = None if self.text_encoder is None else self.text_encoder.name
        return (f"num_classes={self.num_classes}, text_encoder={encoder}, "
                f"image_condition={self.image_condition}")

    def check_network(self, network):
        """Checks that ``network`` takes a dict of inputs ``image``,
        ``timestep`` and this condition's (``ValueError`` naming ``network``
        otherwise)."""
        _check_inputs(network, self.inputs, self.arguments())

    def unpack(self, data, model):
        """``(images, condition)`` of a training batch; ``model`` names itself
        in the errors.

        Args:
            data: the batch ``fit`` hands to ``train_step``.
            model: the model that trains on it.

        Returns:
            ``(images, condition)``; the condition is ``None`` if unconditional.
        """
        from keras_genai.models.inputs import unpack_images
        return unpack_images(data), None

    def network_inputs(self, condition, training):
        """The network's inputs for ``condition`` (a tensor, or ``None``): a
        dict to merge into ``{"image": ..., "timestep": ...}``."""
        return {}

    def prepare(self, condition):
        """``condition`` as the guided noise prediction combines it with the
        null condition (labels as int32)."""
        return condition

    def null(self, condition):
        """The null condition of the same batch (guided kinds only)."""
        raise TypeError(f"{self!r} has no null condition: classifier-free guidance "
                        f"does not apply. Received: condition={condition!r:.80}")

    def null_batch(self, n):
        """``n`` null conditions as a NumPy array (guided kinds only)."""
        raise TypeError(f"{self!r} has no null condition. Received: n={n}")

    def drop(self, condition, rate, uniform):
        """``condition`` with each example replaced by the null condition with
        probability ``rate`` (guided kinds; the others return it unchanged and
        draw nothing).

        Args:
            condition: a batch of conditions.
            rate: the probability ``label_dropout``.
            uniform: a function of no arguments returning one ``U(0, 1)`` draw
                per example (called only if something may be dropped).

        Returns:
            The condition to train on.
        """
        return condition

    def batch(self, n=None, labels=None, prompts=None, conditions=None):
        """``(condition, count)`` for sampling: the user's arguments checked
        and turned into one condition per image (``None`` if unconditional).

        Args:
            n: the number of images (unconditional models).
            labels: one class label per image (`ClassLabels`).
            prompts: one string per image (`Captions`).
            conditions: one image per image (`ConditionImages`).

        Returns:
            ``(condition, count)``.
        """
        if conditions is not None:
            raise ValueError("`conditions` are for a DiffusionModel with "
                             "image_condition=True. Received: conditions for one "
                             "without")
        return self._batch(n, labels, prompts)

    def _batch(self, n, labels, prompts):
        if labels is not None or prompts is not None:
            raise ValueError("An unconditional DiffusionModel takes `n`, not labels or "
                             f"prompts. Received: labels={labels}, prompts={prompts}")
        return None, check_positive_int("n", n)

    def spec(self):
        """The ``tf.TensorSpec`` of the condition in an export (``None``: no
        condition)."""
        return None

    def networks(self):
        """The networks besides the noise predictor an export needs."""
        return []

    def __repr__(self):
        return f"{type(self).__name__}()"


class Unconditional(Conditioning):
    """No condition: the network is ``eps_theta(x_t, t)``.

    Example:

    >>> Unconditional().spec() is None
    True
    """


class _Guided(Conditioning):
    """A condition with a null value that classifier-free guidance trains with
    (Ho & Salimans 2022, Algorithm 1) and samples the unconditional prediction
    from (their eq. 6)."""

    guided = True
    null_value = None

    def null(self, condition):
        return tf.fill(tf.shape(condition), self.null_value)

    def null_batch(self, n):
        return np.full(n, self.null_value)

    def drop(self, condition, rate, uniform):
        if rate > 0:
            # Ho & Salimans 2022, Algorithm 1, line 3: c <- null with
            # probability p_uncond
            dropped = uniform() < rate
            condition = tf.where(dropped, self.null(condition), condition)
        return condition


class ClassLabels(_Guided):
    """Class labels ``0 .. num_classes - 1``, fed to the network's ``label``
    input; the null label is ``num_classes`` (the network embeds
    ``num_classes + 1`` labels).

    Args:
        num_classes: the number of classes, ``>= 2``.

    Example:

    >>> ClassLabels(3).batch(labels=[0, 2])
    (array([0, 2]), 2)
    """

    inputs = ("label",)
    data = ("labels",)

    def __init__(self, num_classes):
        self.num_classes = check_num_classes(num_classes)
        self.null_value = self.num_classes

    def check_network(self, network):
        """Also checks that the network's ``label_embedding`` (if any) has
        ``num_classes + 1`` rows."""
        super().check_network(network)
        rows = network.get_layer("label_embedding").input_dim if any(
            layer.name == "label_embedding" for layer in network.layers) else None
        if rows is not None and rows != self.num_classes + 1:
            raise ValueError(
                f"`network` must embed num_classes + 1 = {self.num_classes + 1} "
                "labels (the last is the null class of guidance). Received: "
                f"label_embedding with {rows} rows")

    def unpack(self, data, model):
        from keras_genai.models.inputs import images_and_labels
        return images_and_labels(data, self.num_classes, model)

    def network_inputs(self, condition, training):
        return {"label": tf.cast(condition, tf.int32)}

    def prepare(self, condition):
        return tf.cast(condition, tf.int32)

    def _batch(self, n, labels, prompts):
        if labels is None or prompts is not None:
            raise ValueError("A class-conditional DiffusionModel samples from "
                             f"`labels`. Received: labels={labels}, prompts={prompts}")
        return check_labels(labels, self.num_classes), len(labels)

    def spec(self):
        return tf.TensorSpec((None,), tf.int32, name="labels")

    def __repr__(self):
        return f"ClassLabels(num_classes={self.num_classes})"


class Captions(_Guided):
    """Captions (strings), encoded by ``text_encoder`` into the tokens fed to
    the network's ``context`` input; the null caption is ``""``.

    Args:
        text_encoder: a model ``strings -> (batch, L, D)``, trained with the
            network (e.g. `keras_genai.builders.text_encoder`).

    Example:

    >>> Captions(encoder).null(tf.constant(["a dark square"])).numpy()
    array([b''], dtype=object)
    """

    inputs = ("context",)
    data = ("captions",)
    null_value = ""

    def __init__(self, text_encoder):
        self.text_encoder = text_encoder

    def unpack(self, data, model):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError("DiffusionModel with a text encoder trains on "
                             "(images, captions) batches. Received: a batch "
                             "without captions")
        return data[0], tf.reshape(data[1], [-1])

    def network_inputs(self, condition, training):
        return {"context": self.text_encoder(condition, training=training)}

    def _batch(self, n, labels, prompts):
        if prompts is None or labels is not None:
            raise ValueError("A text-conditional DiffusionModel samples from "
                             f"`prompts`. Received: labels={labels}, prompts={prompts}")
        prompts = np.asarray(prompts, dtype=object)
        if prompts.ndim != 1 or prompts.size == 0 or not all(
                isinstance(p, str) for p in prompts):
            raise ValueError("`prompts` must be a non-empty list of strings. "
                             f"Received: prompts={prompts!r}")
        return prompts.astype(str), len(prompts)

    def spec(self):
        return tf.TensorSpec((None,), tf.string, name="prompts")

    def networks(self):
        return [self.text_encoder]

    def __repr__(self):
        return f"Captions(text_encoder={self.text_encoder.name!r})"


class ConditionImages(Conditioning):
    """Condition images of shape ``shape``, fed to the network's ``condition``
    input (concatenated with ``x_t``: SR3, Saharia et al. 2021, sec. 2). They
    are never dropped and there is no null condition: guidance does not apply.

    Args:
        shape: ``(H, W, C)`` of one condition image.

    Example:

    >>> ConditionImages((8, 8, 1)).spec()
    TensorSpec(shape=(None, 8, 8, 1), dtype=tf.float32, name='conditions')
    """

    inputs = ("condition",)
    data = ("condition",)
    image_condition = True

    def __init__(self, shape):
        self.shape = tuple(shape)

    @classmethod
    def from_network(cls, network):
        """The condition images that ``network``'s ``condition`` input takes
        (after checking its inputs)."""
        _check_inputs(network, cls.inputs,
                      "num_classes=None, text_encoder=None, image_condition=True")
        return cls(network.input["condition"].shape[1:])

    def unpack(self, data, model):
        from keras_genai.models.inputs import unpack_pair
        return unpack_pair(data, model)

    def network_inputs(self, condition, training):
        return {"condition": condition}

    def batch(self, n=None, labels=None, prompts=None, conditions=None):
        from keras_genai.models.inputs import check_images
        if conditions is None or labels is not None or prompts is not None:
            raise ValueError("An image-conditioned DiffusionModel samples from "
                             "`conditions`. Received: conditions="
                             f"{None if conditions is None else 'images'}, "
                             f"labels={labels}, prompts={prompts}")
        conditions = check_images(conditions, self.shape, "conditions")
        return conditions, len(conditions)

    def spec(self):
        return tf.TensorSpec((None,) + self.shape, tf.float32, name="conditions")

    def __repr__(self):
        return f"ConditionImages(shape={self.shape})"


def conditioning_for(network, num_classes=None, text_encoder=None,
                     image_condition=False):
    """The condition that a `DiffusionModel`'s arguments ask for, checked
    against ``network``: at most one of ``num_classes``, ``text_encoder`` and
    ``image_condition``.

    Args:
        network: the noise predictor, a `keras.Model` with a dict of inputs.
        num_classes: `ClassLabels`.
        text_encoder: `Captions`.
        image_condition: `ConditionImages` (``True`` or ``False``).

    Returns:
        A `Conditioning` (`Unconditional` if none is given).

    Example:

    >>> net = builders.diffusion_unet((8, 8, 1), widths=(8,), num_classes=3)
    >>> conditioning_for(net, num_classes=3)
    ClassLabels(num_classes=3)
    """
    num_classes = check_num_classes(num_classes, optional=True)
    if not isinstance(image_condition, bool):
        raise TypeError("`image_condition` must be True or False. Received: "
                        f"image_condition={image_condition!r}")
    if sum([num_classes is not None, text_encoder is not None,
            image_condition]) > 1:
        raise ValueError(
            "Pass one of `num_classes`, `text_encoder` and `image_condition`. "
            f"Received: num_classes={num_classes}, text_encoder="
            f"{getattr(text_encoder, 'name', None)}, "
            f"image_condition={image_condition}")
    if num_classes is not None:
        conditioning = ClassLabels(num_classes)
    elif text_encoder is not None:
        conditioning = Captions(check_network("text_encoder", text_encoder))
    elif image_condition:
        conditioning = ConditionImages.from_network(network)
    else:
        conditioning = Unconditional()
    conditioning.check_network(network)
    return conditioning


__all__ = ["Captions", "ClassLabels", "ConditionImages", "Conditioning",
           "Unconditional", "conditioning_for"]
