"""Helpers of the probability lab: the binarized digits' likelihood models (the
PixelCNN loaded from what Unit VIII exports or trained here as a short
stand-in, Unit V's VAE trained here)."""

import keras
import numpy as np

from keras_genai.utils.batching import map_fixed_batches
from units.common import load_export
from units.common import reseed
from units.unit5_autoencoder.variational import build_vae
from units.unit8_likelihood.common import train_pixelcnn

# The folder ``python -m units.unit8_likelihood`` exports its PixelCNN to,
# under saved_models/ by default.
PIXELCNN_EXPORT = "unit8_pixelcnn"


def pixelcnn_log_prob(x, models_dir, seed, stand_in_epochs, verbose=0):
    """``log p(x)`` in nats of the PixelCNN exported under ``models_dir``
    (``unit8_pixelcnn``), or of one trained now on ``x`` for
    ``stand_in_epochs`` when there is none.

    Returns:
        ``(function images -> (N,) nats, where it came from)``.

    Example:

    >>> log_prob, source = pixelcnn_log_prob(x, "saved_models", 0, 2)
    >>> log_prob(x_test).mean()
    """
    loaded, path = load_export(models_dir, PIXELCNN_EXPORT)
    if loaded is not None:
        return (lambda images: map_fixed_batches(
            loaded.log_prob, [np.asarray(images, np.float32)], 256),
                f"exported: {path}")
    print(f"No {path}: training a {stand_in_epochs}-epoch PixelCNN stand-in "
          "(python -m units.unit8_likelihood exports the real one).", flush=True)
    model, _ = train_pixelcnn(x, seed, stand_in_epochs, 64, verbose=verbose)
    return model.log_prob, f"stand-in trained here for {stand_in_epochs} epoch(s)"


def digit_vae(x, seed, epochs, callbacks=(), verbose=0):
    """Unit V's 20-D dense VAE (`units.unit5_autoencoder.variational.build_vae`)
    trained on the binarized digits ``x`` for ``epochs`` (Adam 1e-3, batches of
    100): the probability lab's latent-variable model.

    Example:

    >>> vae = digit_vae(x, seed=0, epochs=30)
    """
    reseed(seed)
    vae = build_vae(20, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    print(f"Training a 20-D VAE on {len(x)} binarized digits for {epochs} epochs.",
          flush=True)
    vae.fit(x, epochs=epochs, batch_size=100, callbacks=list(callbacks),
            verbose=verbose)
    return vae
