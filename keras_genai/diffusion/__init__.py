"""Diffusion maths with no networks, in the style of diffusers: the noise
schedule, the samplers, and the conditions a diffusion model takes.

* `schedule`: the forward process. `linear_beta_schedule` (Ho et al. 2020,
  "Denoising Diffusion Probabilistic Models", sec. 4), `cosine_beta_schedule`
  (Nichol & Dhariwal 2021, eq. 17) and `NoiseSchedule`, which holds
  ``beta_t`` and ``alpha_bar_t`` and samples ``q(x_t | x_0)`` (DDPM eq. 4),
  ``q(x_t | x_{t-1})`` (eq. 2) and ``q(x_t | x_s)``, inverts eq. 4 and gives
  the posterior ``q(x_{t-1} | x_t, x_0)`` (eqs. 6-7).
* `samplers`: the reverse process. `ddpm_step` (DDPM Algorithm 2, eq. 11),
  `ddim_step` (Song et al. 2020, "Denoising Diffusion Implicit Models", eq.
  12), `sample_loop` from pure noise and `run_chain` from any level.
* `inpainting`: RePaint (Lugmayr et al. 2022, Algorithm 1, eqs. 8-10),
  `repaint_levels` and `repaint_loop`.
* `editing`: SDEdit (Meng et al. 2022), `sdedit_start`, `sdedit_steps` and
  `sdedit_loop`.
* `conditioning`: what `keras_genai.models.DiffusionModel` is conditioned on,
  one object per kind: `Unconditional`, `ClassLabels`, `Captions`,
  `ConditionImages`, made by `conditioning_for`.

Every sampler takes a function ``eps_fn(x_t, t) -> eps``, so any noise
predictor plugs in and the tests drive them with exact predictors of tiny data
sets. Timesteps are zero-based: ``t = 0 .. T-1`` here is the papers' ``t = 1 ..
T``, and ``t_prev = -1`` stands for the clean image.

Example:

>>> from keras_genai.diffusion import NoiseSchedule, sample_loop
>>> schedule = NoiseSchedule("cosine", timesteps=1000)
>>> images = sample_loop(lambda x, t: tf.zeros_like(x), schedule,
...                      tf.random.normal((2, 4, 4, 1)), steps=10)
"""

from keras_genai.diffusion.schedule import NoiseSchedule
from keras_genai.diffusion.schedule import cosine_beta_schedule
from keras_genai.diffusion.schedule import linear_beta_schedule
from keras_genai.diffusion.samplers import ddim_step
from keras_genai.diffusion.samplers import ddpm_step
from keras_genai.diffusion.samplers import run_chain
from keras_genai.diffusion.samplers import sample_loop
from keras_genai.diffusion.inpainting import repaint_levels
from keras_genai.diffusion.inpainting import repaint_loop
from keras_genai.diffusion.editing import sdedit_loop
from keras_genai.diffusion.editing import sdedit_start
from keras_genai.diffusion.editing import sdedit_steps
from keras_genai.diffusion.conditioning import Captions
from keras_genai.diffusion.conditioning import ClassLabels
from keras_genai.diffusion.conditioning import ConditionImages
from keras_genai.diffusion.conditioning import Conditioning
from keras_genai.diffusion.conditioning import Unconditional
from keras_genai.diffusion.conditioning import conditioning_for

__all__ = [
    "Captions",
    "ClassLabels",
    "ConditionImages",
    "Conditioning",
    "NoiseSchedule",
    "Unconditional",
    "conditioning_for",
    "cosine_beta_schedule",
    "ddim_step",
    "ddpm_step",
    "linear_beta_schedule",
    "repaint_levels",
    "repaint_loop",
    "run_chain",
    "sample_loop",
    "sdedit_loop",
    "sdedit_start",
    "sdedit_steps",
]
