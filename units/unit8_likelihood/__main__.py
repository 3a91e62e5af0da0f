"""``python -m units.unit8_likelihood``."""

from units.lab import main_of

main_of(__package__)
