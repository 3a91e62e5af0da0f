"""``python -m units.unit2_cnn``."""

from units.lab import main_of

main_of(__package__)
