"""Reusable custom layers, each registered serializable."""

from keras_genai.layers.attention import MultiHeadAttention
from keras_genai.layers.attention import TransformerBlock
from keras_genai.layers.attention import causal_mask
from keras_genai.layers.attention import scaled_dot_product_attention
from keras_genai.layers.autoregressive import MaskedConv2D
from keras_genai.layers.contrastive import LogitScale
from keras_genai.layers.flow import ChannelScale
from keras_genai.layers.extrema import Maxout
from keras_genai.layers.extrema import MinPooling2D
from keras_genai.layers.corruption import Corruption
from keras_genai.layers.patches import MaskTokens
from keras_genai.layers.patches import PatchEmbedding
from keras_genai.layers.patches import patchify
from keras_genai.layers.patches import unpatchify
from keras_genai.layers.random_erasing import RandomErasing
from keras_genai.layers.sampling import Sampling
from keras_genai.layers.seq2seq import RecurrentDecoder
from keras_genai.layers.shortcut import PaddedShortcut
from keras_genai.layers.sampling import reparameterize
from keras_genai.layers.step import Step
from keras_genai.layers.style import LearnedConstant
from keras_genai.layers.style import ModulatedConv2D
from keras_genai.layers.style import NoiseInjection
from keras_genai.layers.style import PixelNorm
from keras_genai.layers.style import SelectStyle
from keras_genai.layers.style import SubsampleNoise
from keras_genai.layers.time_embedding import PositionEmbedding
from keras_genai.layers.time_embedding import SinusoidalEmbedding
from keras_genai.layers.tokens import MaskedMeanPooling
from keras_genai.layers.tokens import PaddingMask

__all__ = ["ChannelScale", "Corruption", "LearnedConstant", "MaskedConv2D", "LogitScale",
           "MaskTokens", "MaskedMeanPooling", "Maxout", "MinPooling2D", "ModulatedConv2D", "MultiHeadAttention",
           "NoiseInjection", "PaddedShortcut", "PaddingMask", "PatchEmbedding", "PixelNorm",
           "PositionEmbedding", "RandomErasing", "RecurrentDecoder", "Sampling", "SelectStyle",
           "SubsampleNoise",
           "SinusoidalEmbedding", "Step", "TransformerBlock", "causal_mask",
           "patchify", "reparameterize", "scaled_dot_product_attention",
           "unpatchify"]
