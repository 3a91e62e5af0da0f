"""The exercises of the Unit V lab (`units.unit5_autoencoder`), by theme."""
