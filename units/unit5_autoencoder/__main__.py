"""``python -m units.unit5_autoencoder``."""

from units.lab import main_of

main_of(__package__)
