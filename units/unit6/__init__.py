"""Exercises of the diffusion lab, registered by `units.unit6_diffusion`."""
