"""Functions that return `keras.Model` networks (Sequential where the network is a
stack, Functional where it branches)."""

from keras_genai.builders.autoencoder import Autoencoder
from keras_genai.builders.autoencoder import conv_autoencoder
from keras_genai.builders.autoencoder import conv_decoder
from keras_genai.builders.autoencoder import conv_encoder
from keras_genai.builders.autoencoder import dense_autoencoder
from keras_genai.builders.autoencoder import dense_decoder
from keras_genai.builders.autoencoder import dense_encoder
from keras_genai.builders.classifier import lenet
from keras_genai.builders.classifier import transfer_classifier
from keras_genai.builders.classifier import unfreeze
from keras_genai.builders.cnn import conv_output_size
from keras_genai.builders.cnn import first_cnn
from keras_genai.builders.cnn import googlenet
from keras_genai.builders.cnn import inception_block
from keras_genai.builders.cnn import residual_block
from keras_genai.builders.cnn import resnet
from keras_genai.builders.cnn import simple_cnn
from keras_genai.builders.cnn import vgg
from keras_genai.builders.common import normalization_layer
from keras_genai.builders.diffusion import diffusion_unet
from keras_genai.builders.gan import conditional_dcgan_discriminator
from keras_genai.builders.gan import conditional_dcgan_generator
from keras_genai.builders.gan import dcgan_discriminator
from keras_genai.builders.gan import dcgan_generator
from keras_genai.builders.gan import mlp_discriminator
from keras_genai.builders.gan import mlp_generator
from keras_genai.builders.hybrid import bigan_discriminator
from keras_genai.builders.hybrid import vaegan_discriminator
from keras_genai.builders.lapgan import lapgan_discriminator
from keras_genai.builders.lapgan import lapgan_generator
from keras_genai.builders.language import char_rnn
from keras_genai.builders.language import char_transformer
from keras_genai.builders.language import text_classifier
from keras_genai.builders.likelihood import coupling_network
from keras_genai.builders.likelihood import pixelcnn
from keras_genai.builders.mlp import mlp
from keras_genai.builders.mlp import perceptron
from keras_genai.builders.mlp import width_for_parameters
from keras_genai.builders.rnn import late_fusion_birnn
from keras_genai.builders.rnn import sequence_model
from keras_genai.builders.seq2seq import image_captioner
from keras_genai.builders.seq2seq import seq2seq
from keras_genai.builders.style import stylegan_generator
from keras_genai.builders.style import stylegan_mapping
from keras_genai.builders.style import stylegan_synthesis
from keras_genai.builders.transformer import apply_transformer
from keras_genai.builders.transformer import caption_encoder
from keras_genai.builders.transformer import mae_decoder
from keras_genai.builders.transformer import mae_encoder
from keras_genai.builders.transformer import sequence_transformer
from keras_genai.builders.transformer import text_encoder
from keras_genai.builders.transformer import vit
from keras_genai.builders.translation import patchgan_discriminator
from keras_genai.builders.translation import sr_generator
from keras_genai.builders.translation import unet_generator

__all__ = [
    "late_fusion_birnn",
    "image_captioner",
    "text_classifier",
    "transfer_classifier",
    "unfreeze",
    "vit",
    "sequence_transformer",
    "mae_encoder",
    "mae_decoder",
    "caption_encoder",
    "char_rnn",
    "char_transformer",
    "apply_transformer",
    "Autoencoder",
    "bigan_discriminator",
    "conditional_dcgan_discriminator",
    "conv_autoencoder",
    "coupling_network",
    "conv_decoder",
    "conv_encoder",
    "conditional_dcgan_generator",
    "dcgan_discriminator",
    "dense_autoencoder",
    "dense_decoder",
    "dense_encoder",
    "diffusion_unet",
    "dcgan_generator",
    "stylegan_generator",
    "stylegan_mapping",
    "stylegan_synthesis",
    "conv_output_size",
    "first_cnn",
    "googlenet",
    "inception_block",
    "lapgan_discriminator",
    "lapgan_generator",
    "lenet",
    "mlp",
    "seq2seq",
    "width_for_parameters",
    "mlp_discriminator",
    "mlp_generator",
    "normalization_layer",
    "patchgan_discriminator",
    "perceptron",
    "pixelcnn",
    "residual_block",
    "resnet",
    "sequence_model",
    "simple_cnn",
    "sr_generator",
    "text_encoder",
    "unet_generator",
    "vaegan_discriminator",
    "vgg",
]
