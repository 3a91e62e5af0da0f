"""Functions that return `keras.Model` networks (Sequential where the network is a
stack, Functional where it branches)."""

from keras_genai.builders.classifier import lenet
from keras_genai.builders.cnn import googlenet
from keras_genai.builders.cnn import inception_block
from keras_genai.builders.cnn import residual_block
from keras_genai.builders.cnn import resnet
from keras_genai.builders.cnn import simple_cnn
from keras_genai.builders.cnn import vgg
from keras_genai.builders.common import normalization_layer
from keras_genai.builders.gan import conditional_dcgan_discriminator
from keras_genai.builders.gan import conditional_dcgan_generator
from keras_genai.builders.gan import dcgan_discriminator
from keras_genai.builders.gan import dcgan_generator
from keras_genai.builders.gan import mlp_discriminator
from keras_genai.builders.gan import mlp_generator
from keras_genai.builders.lapgan import lapgan_discriminator
from keras_genai.builders.lapgan import lapgan_generator
from keras_genai.builders.mlp import mlp
from keras_genai.builders.mlp import perceptron
from keras_genai.builders.rnn import sequence_model
from keras_genai.builders.translation import patchgan_discriminator
from keras_genai.builders.translation import sr_generator
from keras_genai.builders.translation import unet_generator

__all__ = [
    "conditional_dcgan_discriminator",
    "conditional_dcgan_generator",
    "dcgan_discriminator",
    "dcgan_generator",
    "googlenet",
    "inception_block",
    "lapgan_discriminator",
    "lapgan_generator",
    "lenet",
    "mlp",
    "mlp_discriminator",
    "mlp_generator",
    "normalization_layer",
    "patchgan_discriminator",
    "perceptron",
    "residual_block",
    "resnet",
    "sequence_model",
    "simple_cnn",
    "sr_generator",
    "unet_generator",
    "vgg",
]
