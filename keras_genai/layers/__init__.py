"""Reusable custom layers, each registered serializable."""

from keras_genai.layers.corruption import Corruption
from keras_genai.layers.random_erasing import RandomErasing
from keras_genai.layers.sampling import Sampling
from keras_genai.layers.sampling import reparameterize
from keras_genai.layers.step import Step
from keras_genai.layers.time_embedding import PositionEmbedding
from keras_genai.layers.time_embedding import SinusoidalEmbedding

__all__ = ["Corruption", "PositionEmbedding", "RandomErasing", "Sampling",
           "SinusoidalEmbedding", "Step", "reparameterize"]
