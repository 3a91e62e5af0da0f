"""``python -m units.unit0_probability``."""

from units.lab import main_of

main_of(__package__)
