"""``python -m units.unit7_attention``."""

from units.lab import main_of

main_of(__package__)
