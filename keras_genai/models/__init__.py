"""`keras.Model` subclasses that own a training algorithm (``train_step`` /
``test_step``). Networks are passed in; ``compile`` takes one optimizer per network.
"""

from keras_genai.models.aae import AdversarialAutoencoder
from keras_genai.models.base import GenerativeModel
from keras_genai.models.bigan import ALI
from keras_genai.models.bigan import BiGAN
from keras_genai.models.clip import CLIP
from keras_genai.models.conditional_gan import ConditionalGAN
from keras_genai.models.cycle_gan import CycleGAN
from keras_genai.models.diffusion import DiffusionModel
from keras_genai.models.gan import GAN
from keras_genai.models.lapgan import LAPGAN
from keras_genai.models.flow import RealNVP
from keras_genai.models.mae import MaskedAutoencoder
from keras_genai.models.paired_gan import PairedGAN
from keras_genai.models.paired_gan import Pix2Pix
from keras_genai.models.paired_gan import SRGAN
from keras_genai.models.pixelcnn import PixelCNN
from keras_genai.models.stylegan import StyleGAN
from keras_genai.models.vae import VAE
from keras_genai.models.vae import ConditionalVAE
from keras_genai.models.vaegan import VAEGAN

__all__ = [
    "ALI",
    "AdversarialAutoencoder",
    "BiGAN",
    "CLIP",
    "CycleGAN",
    "DiffusionModel",
    "ConditionalGAN",
    "ConditionalVAE",
    "GAN",
    "GenerativeModel",
    "LAPGAN",
    "MaskedAutoencoder",
    "PairedGAN",
    "PixelCNN",
    "Pix2Pix",
    "RealNVP",
    "SRGAN",
    "StyleGAN",
    "VAE",
    "VAEGAN",
]
