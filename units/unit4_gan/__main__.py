"""``python -m units.unit4_gan``."""

from units.lab import main_of

main_of(__package__)
