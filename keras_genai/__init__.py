"""keras_genai: Keras 3 / TensorFlow models and labs for a Deep Learning course.

The package follows the course unit by unit: data loaders (`keras_genai.data`),
network builders (`keras_genai.builders`), custom layers (`keras_genai.layers`),
hand-written gradients for teaching (`keras_genai.gradients`), models that own a
training algorithm (`keras_genai.models`), pure loss functions
(`keras_genai.losses`), sparsity regularizers (`keras_genai.regularizers`),
diffusion noise schedules and samplers (`keras_genai.schedules`), samplers that
inpaint or edit a given image (`keras_genai.image_sampling`), entropy and
information helpers (`keras_genai.information`), sample-quality metrics
(`keras_genai.metrics`), NumPy generative classifiers (`keras_genai.classical`),
callbacks and figures, and distribution strategies (`keras_genai.distribute`).

Importing the package has no side effects: nothing is downloaded, trained or
written, and the heavy optional libraries (tensorflow-datasets, matplotlib, mlxtend)
are imported only by the functions that need them.

Example:

>>> import keras_genai
>>> (x_train, y_train), (x_test, y_test) = keras_genai.data.load_digits()
>>> x_train.shape
(4000, 28, 28)
"""

__version__ = "0.1.0"

from keras_genai import builders
from keras_genai import callbacks
from keras_genai import classical
from keras_genai import data
from keras_genai import distribute
from keras_genai import gradients
from keras_genai import image_sampling
from keras_genai import information
from keras_genai import language
from keras_genai import layers
from keras_genai import losses
from keras_genai import metrics
from keras_genai import models
from keras_genai import regularizers
from keras_genai import schedules
from keras_genai import utils
from keras_genai import viz

__all__ = [
    "__version__",
    "builders",
    "callbacks",
    "classical",
    "data",
    "distribute",
    "gradients",
    "image_sampling",
    "information",
    "language",
    "layers",
    "losses",
    "metrics",
    "models",
    "regularizers",
    "schedules",
    "utils",
    "viz",
]
