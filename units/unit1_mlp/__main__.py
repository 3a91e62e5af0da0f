"""``python -m units.unit1_mlp``."""

from units.lab import main_of

main_of(__package__)
