"""Deprecated: the noise schedules and samplers moved to `keras_genai.diffusion`
(`keras_genai.diffusion.schedule` and `keras_genai.diffusion.samplers`). This
module re-exports them, with a ``DeprecationWarning`` at import, for one
release. The DDPM and DDIM steps are now the functions
`keras_genai.diffusion.ddpm_step` and `ddim_step`, no longer methods of
`NoiseSchedule`.

Example:

>>> from keras_genai.diffusion import NoiseSchedule, sample_loop  # not this module
"""

import warnings

from keras_genai.diffusion.samplers import run_chain
from keras_genai.diffusion.samplers import sample_loop
from keras_genai.diffusion.schedule import NoiseSchedule
from keras_genai.diffusion.schedule import cosine_beta_schedule
from keras_genai.diffusion.schedule import linear_beta_schedule

warnings.warn("keras_genai.schedules is deprecated: import from keras_genai.diffusion",
              DeprecationWarning, stacklevel=2)

__all__ = [
    "NoiseSchedule",
    "cosine_beta_schedule",
    "linear_beta_schedule",
    "run_chain",
    "sample_loop",
]
