"""``python -m units.unit3_rnn``."""

from units.lab import main_of

main_of(__package__)
