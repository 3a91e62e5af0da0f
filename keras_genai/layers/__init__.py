"""Reusable custom layers, each registered serializable."""

from keras_genai.layers.random_erasing import RandomErasing
from keras_genai.layers.step import Step

__all__ = ["RandomErasing", "Step"]
