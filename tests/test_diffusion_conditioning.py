"""The conditions of keras_genai.diffusion.conditioning on tiny inputs: each
kind's network input, null condition, dropout, batch from the user's
arguments, export spec, and `conditioning_for` against a network's inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai.diffusion import Captions
from keras_genai.diffusion import ClassLabels
from keras_genai.diffusion import ConditionImages
from keras_genai.diffusion import Unconditional
from keras_genai.diffusion import conditioning_for

SHAPE = (4, 4, 1)


class FakeEncoder:
    """A stand-in text encoder: one "token" per caption, its length."""

    name = "fake_encoder"

    def __call__(self, captions, training=False):
        return tf.cast(tf.strings.length(captions), tf.float32)[:, None, None]


def never(*args):
    raise AssertionError("drew dropout noise for a condition that is never dropped")


def network(extra=None, rows=None):
    """A tiny functional network with a dict of inputs ``image``, ``timestep``
    and ``extra``; with ``rows``, a ``label_embedding`` of that many rows."""
    inputs = {"image": keras.Input(SHAPE, name="image"),
              "timestep": keras.Input((), dtype="int32", name="timestep")}
    out = inputs["image"]
    if extra == "label":
        inputs["label"] = keras.Input((), dtype="int32", name="label")
        if rows is not None:
            y = keras.layers.Embedding(rows, 1, name="label_embedding")(inputs["label"])
            out = out + keras.layers.Reshape((1, 1, 1))(y)
    elif extra == "condition":
        inputs["condition"] = keras.Input((4, 4, 2), name="condition")
    elif extra == "context":
        inputs["context"] = keras.Input((None, 8), name="context")
    # Every input adds zero times its mean to the output: connected, as Keras
    # 3.10 requires of each input of a Functional model, and of no effect.
    for tensor in inputs.values():
        tensor = keras.ops.cast(tensor, "float32")
        axes = tuple(range(1, len(tensor.shape)))
        mean = keras.ops.mean(tensor, axis=axes) if axes else tensor
        out = out + 0.0 * keras.ops.reshape(mean, (-1, 1, 1, 1))
    return keras.Model(inputs, out)


def test_unconditional():
    c = Unconditional()
    assert not c.conditional and not c.guided and c.data == () and c.inputs == ()
    assert c.batch(n=4) == (None, 4)
    assert c.spec() is None and c.networks() == [] and c.shape is None
    assert c.network_inputs(None, training=False) == {}
    x = np.zeros((2,) + SHAPE, "float32")
    images, condition = c.unpack((x, np.zeros(2)), model=None)
    assert images is x and condition is None
    with pytest.raises(ValueError, match="labels"):
        c.batch(labels=[0])
    with pytest.raises(ValueError, match="conditions"):
        c.batch(n=1, conditions=np.zeros((1,) + SHAPE))
    with pytest.raises(ValueError, match="n"):
        c.batch(n=0)
    with pytest.raises(TypeError, match="null"):
        c.null(tf.constant([0]))


def test_class_labels_null_dropout_batch_and_spec():
    c = ClassLabels(3)
    assert c.conditional and c.guided and c.data == ("labels",)
    labels = tf.constant([0, 1, 2])
    np.testing.assert_array_equal(c.null(labels), [3, 3, 3])
    np.testing.assert_array_equal(c.null_batch(2), [3, 3])
    # Dropped where U(0, 1) < rate (Ho & Salimans 2022, Algorithm 1).
    dropped = c.drop(labels, 0.5, lambda: tf.constant([0.1, 0.9, 0.4]))
    np.testing.assert_array_equal(dropped, [3, 1, 3])
    assert c.drop(labels, 0.0, never) is labels  # rate 0: no draw
    condition, count = c.batch(labels=[2, 0])
    np.testing.assert_array_equal(condition, [2, 0])
    assert count == 2
    assert c.spec() == tf.TensorSpec((None,), tf.int32, name="labels")
    inputs = c.network_inputs(tf.constant([1.0, 2.0]), training=False)
    assert list(inputs) == ["label"] and inputs["label"].dtype == tf.int32
    assert c.prepare(np.array([1, 2], "int64")).dtype == tf.int32
    x = np.zeros((2,) + SHAPE, "float32")
    _, unpacked = c.unpack((x, np.array([[1.0], [2.0]])), model=None)
    np.testing.assert_array_equal(unpacked, [1, 2])
    assert unpacked.dtype == tf.int32
    assert repr(c) == "ClassLabels(num_classes=3)"
    with pytest.raises(ValueError, match="labels"):
        c.batch(labels=[0, 3])
    with pytest.raises(ValueError, match="labels"):
        c.batch(n=2)
    with pytest.raises(ValueError, match="labels"):
        c.batch(labels=[0], prompts=["a"])
    with pytest.raises(ValueError, match="num_classes"):
        ClassLabels(1)


def test_captions_null_dropout_batch_and_spec():
    encoder = FakeEncoder()
    c = Captions(encoder)
    assert c.guided and c.data == ("captions",) and c.inputs == ("context",)
    captions = tf.constant(["a dark square", "a square"])
    np.testing.assert_array_equal(c.null(captions), [b"", b""])
    np.testing.assert_array_equal(c.null_batch(2), ["", ""])
    dropped = c.drop(captions, 0.3, lambda: tf.constant([0.5, 0.2]))
    np.testing.assert_array_equal(dropped, [b"a dark square", b""])
    condition, count = c.batch(prompts=["a", "b c"])
    assert count == 2 and condition.tolist() == ["a", "b c"]
    assert c.spec() == tf.TensorSpec((None,), tf.string, name="prompts")
    assert c.networks() == [encoder]
    np.testing.assert_array_equal(
        c.network_inputs(captions, training=False)["context"][:, 0, 0], [13, 8])
    with pytest.raises(ValueError, match="prompts"):
        c.batch(prompts=[3])
    with pytest.raises(ValueError, match="prompts"):
        c.batch(labels=[0])
    with pytest.raises(ValueError, match="captions"):
        c.unpack(np.zeros((2,) + SHAPE), model=None)


def test_condition_images_are_never_dropped_and_not_guided():
    c = ConditionImages((4, 4, 2))
    assert c.conditional and not c.guided and c.image_condition
    assert c.shape == (4, 4, 2) and c.data == ("condition",)
    images = tf.ones((2, 4, 4, 2))
    assert c.drop(images, 0.5, never) is images
    with pytest.raises(TypeError, match="null"):
        c.null(images)
    condition, count = c.batch(conditions=np.zeros((3, 4, 4, 2), "float64"))
    assert count == 3 and condition.dtype == np.float32
    assert c.spec() == tf.TensorSpec((None, 4, 4, 2), tf.float32, name="conditions")
    assert c.network_inputs(images, training=False)["condition"] is images
    with pytest.raises(ValueError, match="conditions"):
        c.batch(conditions=np.zeros((3, 4, 4, 1)))
    with pytest.raises(ValueError, match="conditions"):
        c.batch(n=2)
    with pytest.raises(ValueError, match="conditions"):
        c.batch(labels=[0], conditions=np.zeros((1, 4, 4, 2)))


def test_conditioning_for_checks_the_arguments_against_the_network():
    assert isinstance(conditioning_for(network()), Unconditional)
    labels = conditioning_for(network("label", rows=4), num_classes=3)
    assert isinstance(labels, ClassLabels) and labels.num_classes == 3
    images = conditioning_for(network("condition"), image_condition=True)
    assert isinstance(images, ConditionImages) and images.shape == (4, 4, 2)
    strings = keras.Input((), dtype="string")
    encoder = keras.Model(strings, keras.layers.Identity()(strings))
    captions = conditioning_for(network("context"), text_encoder=encoder)
    assert isinstance(captions, Captions) and captions.text_encoder is encoder
    with pytest.raises(ValueError, match="network.*label"):
        conditioning_for(network(), num_classes=3)
    with pytest.raises(ValueError, match="network.*condition"):
        conditioning_for(network(), image_condition=True)
    with pytest.raises(ValueError, match="network"):
        conditioning_for(network("label"))
    with pytest.raises(ValueError, match="num_classes \\+ 1 = 4"):
        conditioning_for(network("label", rows=3), num_classes=3)
    with pytest.raises(ValueError, match="image_condition"):
        conditioning_for(network("label"), num_classes=3, image_condition=True)
    with pytest.raises(TypeError, match="image_condition"):
        conditioning_for(network("condition"), image_condition=1)
    with pytest.raises(ValueError, match="num_classes"):
        conditioning_for(network("label"), num_classes=1)
    with pytest.raises((ValueError, TypeError), match="text_encoder"):
        conditioning_for(network("context"), text_encoder="encoder")
