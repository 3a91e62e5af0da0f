"""Small shared helpers: argument checks, atomic file writes, latent paths, seeds
and determinism, what stops XLA, and building a plain Keras model for fit."""

from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.io import atomic_directory
from keras_genai.utils.io import atomic_file
from keras_genai.utils.io import cache_dir
from keras_genai.utils.io import export_saved_model
from keras_genai.utils.io import file_lock
from keras_genai.utils.latent import interpolate
from keras_genai.utils.seed import is_deterministic
from keras_genai.utils.seed import set_seed
from keras_genai.utils.training import build_for_fit
from keras_genai.utils.xla import jit_blockers

__all__ = [
    "atomic_directory",
    "atomic_file",
    "build_for_fit",
    "cache_dir",
    "export_saved_model",
    "file_lock",
    "check_choice",
    "check_positive_int",
    "interpolate",
    "is_deterministic",
    "jit_blockers",
    "set_seed",
]
