"""``python -m units.unit6_diffusion``."""

from units.lab import main_of

main_of(__package__)
