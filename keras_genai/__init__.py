"""keras_genai: Keras 3 / TensorFlow models and labs for a Deep Learning course.

The package follows the course unit by unit: data loaders (`keras_genai.data`),
network builders (`keras_genai.builders`), custom layers (`keras_genai.layers`),
hand-written gradients for teaching (`keras_genai.gradients`), the recurrent
cells' equations in NumPy (`keras_genai.cells`), models that own a
training algorithm (`keras_genai.models`), pure loss functions
(`keras_genai.losses`), sparsity regularizers (`keras_genai.regularizers`),
diffusion noise schedules, samplers (DDPM, DDIM, RePaint inpainting, SDEdit
editing) and conditions (`keras_genai.diffusion`), entropy and information
helpers (`keras_genai.information`), Bayes' rule and the ELBO computed exactly on
small cases (`keras_genai.probability`), sample-quality metrics
(`keras_genai.metrics`), encoder-decoder decoding (`keras_genai.seq2seq`),
NumPy generative classifiers (`keras_genai.classical`),
callbacks and figures, and distribution strategies (`keras_genai.distribute`).

Importing the package has no side effects: nothing is downloaded, trained or
written, and the heavy optional libraries (tensorflow-datasets, matplotlib, mlxtend)
are imported only by the functions that need them. The deprecated modules
`keras_genai.schedules` and `keras_genai.image_sampling` (now
`keras_genai.diffusion`) are imported, with their ``DeprecationWarning``, only
when used.

Example:

>>> import keras_genai
>>> (x_train, y_train), (x_test, y_test) = keras_genai.data.load_digits()
>>> x_train.shape
(4000, 28, 28)
"""

__version__ = "0.1.0"

from keras_genai import builders
from keras_genai import callbacks
from keras_genai import cells
from keras_genai import classical
from keras_genai import data
from keras_genai import diffusion
from keras_genai import distribute
from keras_genai import gradients
from keras_genai import information
from keras_genai import language
from keras_genai import layers
from keras_genai import losses
from keras_genai import metrics
from keras_genai import models
from keras_genai import probability
from keras_genai import regularizers
from keras_genai import seq2seq
from keras_genai import utils
from keras_genai import viz

__all__ = [
    "__version__",
    "builders",
    "callbacks",
    "cells",
    "classical",
    "data",
    "diffusion",
    "distribute",
    "gradients",
    "information",
    "language",
    "layers",
    "losses",
    "metrics",
    "models",
    "probability",
    "regularizers",
    "seq2seq",
    "utils",
    "viz",
]

# Deprecated modules, kept for one release: imported on first use (PEP 562), so
# that only code using them sees their DeprecationWarning.
_DEPRECATED = ("image_sampling", "schedules")


def __getattr__(name):
    """Imports a deprecated module on first use; its warning names the
    caller's line (the module's own, silenced here, would name this one)."""
    if name in _DEPRECATED:
        import importlib
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            module = importlib.import_module(f"keras_genai.{name}")
        warnings.warn(f"keras_genai.{name} is deprecated: import from "
                      "keras_genai.diffusion", DeprecationWarning, stacklevel=2)
        return module
    raise AttributeError(f"module 'keras_genai' has no attribute {name!r}")
