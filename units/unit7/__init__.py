"""The exercises of the Unit VII lab (`units.unit7_attention`), by theme."""
