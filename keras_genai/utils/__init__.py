"""Small shared helpers: argument checks and atomic file writes."""

from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.io import atomic_directory
from keras_genai.utils.io import atomic_file
from keras_genai.utils.io import cache_dir
from keras_genai.utils.io import export_saved_model

__all__ = [
    "atomic_directory",
    "atomic_file",
    "cache_dir",
    "export_saved_model",
    "check_choice",
    "check_positive_int",
]
