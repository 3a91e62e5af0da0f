"""Functions that return `keras.Model` networks (Sequential where the network is a
stack, Functional where it branches)."""

from keras_genai.builders.classifier import lenet
from keras_genai.builders.gan import dcgan_discriminator
from keras_genai.builders.gan import dcgan_generator

__all__ = ["dcgan_discriminator", "dcgan_generator", "lenet"]
