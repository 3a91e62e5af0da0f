"""Where data comes from: the embedded digits, tfds datasets, synthetic sets and
`tf.data` pipelines."""

from keras_genai.data.digits import load_digits
from keras_genai.data.pipeline import image_dataset
from keras_genai.data.synthetic import gaussian_mixture
from keras_genai.data.synthetic import xnor
from keras_genai.data.synthetic import xor
from keras_genai.data.tfds_loader import DatasetUnavailableError
from keras_genai.data.tfds_loader import load

__all__ = [
    "DatasetUnavailableError",
    "gaussian_mixture",
    "image_dataset",
    "load",
    "load_digits",
    "xnor",
    "xor",
]
