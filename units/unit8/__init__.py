"""The exercises of the likelihood lab, `units.unit8_likelihood`."""
