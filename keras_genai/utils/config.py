"""The generic config of a model: its constructor's arguments, networks
(and lists of them) serialized with Keras, plain values as they are."""

import keras


def serialize_argument(value):
    """A constructor argument for ``get_config``: networks (and lists of them)
    and other Keras-serializable objects serialized, plain values as they are."""
    if isinstance(value, (list, tuple)) and any(hasattr(v, "get_config")
                                                for v in value):
        return [serialize_argument(v) for v in value]
    if hasattr(value, "get_config"):
        return keras.saving.serialize_keras_object(value)
    return value


def deserialize_argument(value):
    """The inverse of `serialize_argument`."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [deserialize_argument(v) for v in value]
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        return keras.saving.deserialize_keras_object(value)
    return value
