"""Diffusion lab (beyond the syllabus, from the Generative-AI notes): noise
schedules, a class-conditional DDPM on the digits, DDPM vs DDIM sampling,
classifier-free guidance, text conditioning and what a trained DDPM does
without retraining.

Run ``python -m units.unit6_diffusion --exercise NAME`` (``--help`` lists them):

* ``train`` (default): a class-conditional U-Net trained on the digits with the
  simple loss, the condition dropped 10% of the time so one network also
  learns the unconditional model; samples with DDIM and classifier-free
  guidance, judged by the digit classifier. Saves the model for the other
  exercises (``diffusion.keras`` beside their output folders) and exports a
  SavedModel whose ``sample`` endpoint runs the whole sampling loop.
* ``forward``: a digit noised over t with the linear and cosine schedules,
  their alpha_bar_t curves, and t single steps against the closed form (and
  the notes' closed form, which keeps most of the digit in x_T).
* ``samplers``: DDPM over all T steps vs DDIM with 10/25/50/100 steps.
* ``guidance``: the guidance scale w from 0 to 8: label accuracy against
  diversity.
* ``text``: the same U-Net cross-attending to a small text encoder, trained
  on captions computed from each digit; prompts steer the digit and each
  attribute.
* ``attention``: the cross-attention maps of a few prompts, word by word.
* ``inpaint``: RePaint fills the pix2pix exercise's 12x12 holes with the
  trained model, no retraining.
* ``edit``: SDEdit: a test digit noised to t0 and denoised as another digit.
* ``super-resolution``: SR3, a DDPM conditioned on the upsampled 7x7 digit,
  against bicubic and the Unit IV SRGAN.

The exercises after ``train`` reuse its saved model when it exists (delete the
file to retrain), and train one otherwise; ``attention`` reuses the model of
``text`` the same way.
"""

from units.lab import Lab
from units.unit6_diffusion import applications
from units.unit6_diffusion import forward
from units.unit6_diffusion import sampling
from units.unit6_diffusion import text
from units.unit6_diffusion import train

LAB = Lab(
    "unit6_diffusion",
    "Diffusion models - schedules, DDPM training, DDPM/DDIM sampling and "
    "classifier-free guidance on the embedded digits.",
    default_exercise="train",
    modules=[train, forward, sampling, text, applications],
    page="docs/units/unit6_diffusion.md",
)
main = LAB.main
