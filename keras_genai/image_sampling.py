"""Deprecated: RePaint and SDEdit moved to `keras_genai.diffusion`
(`keras_genai.diffusion.inpainting` and `keras_genai.diffusion.editing`). This
module re-exports them, with a ``DeprecationWarning`` at import, for one
release.

Example:

>>> from keras_genai.diffusion import repaint_loop, sdedit_loop  # not this module
"""

import warnings

from keras_genai.diffusion.editing import sdedit_loop
from keras_genai.diffusion.editing import sdedit_start
from keras_genai.diffusion.editing import sdedit_steps
from keras_genai.diffusion.inpainting import repaint_levels
from keras_genai.diffusion.inpainting import repaint_loop

warnings.warn("keras_genai.image_sampling is deprecated: import from "
              "keras_genai.diffusion", DeprecationWarning, stacklevel=2)

__all__ = ["repaint_levels", "repaint_loop", "sdedit_loop", "sdedit_start",
           "sdedit_steps"]
