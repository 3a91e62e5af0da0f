"""What the Unit V exercises share: the digits as autoencoders see them, a
trained dense autoencoder, and reconstruction error per image."""

import numpy as np

from units.common import digits


def unit_digits(args, flatten=False, binarize=False):
    """Training and test digits in ``[0, 1]`` (or binarized at 1/2: pixels 0 or
    1, the data of the VAE's Bernoulli likelihood).

    Returns:
        ``(x_train, y_train, x_test, y_test)``.
    """
    x, y, x_test, y_test = digits(args, flatten=flatten, scale="unit")
    if binarize:
        x, x_test = (x > 0.5).astype("float32"), (x_test > 0.5).astype("float32")
    return x, y, x_test, y_test


def per_image_mse(x, x_hat):
    """Mean squared error of each image, ``(N,)``."""
    diff = np.asarray(x, np.float64) - np.asarray(x_hat, np.float64)
    return (diff ** 2).reshape(len(diff), -1).mean(axis=1)


def train_autoencoder(model, x, args, x_val=None, optimizer=None, epochs=None,
                      loss="mse"):
    """Compiles ``model`` (Adam 1e-3 unless given) and fits it on ``(x, x)``.

    Returns:
        The Keras ``History``.
    """
    import keras

    model.compile(optimizer or keras.optimizers.Adam(1e-3), loss)
    return model.fit(x, x, epochs=epochs or args.epochs, batch_size=args.batch_size,
                     shuffle=True, verbose=args.verbose,
                     validation_data=None if x_val is None else (x_val, x_val))


def side_by_side(rows, n=10):
    """Stacks the first ``n`` images of each row array into one grid array
    (rows one after another), for `viz.save_image_grid` with ``cols=n``."""
    return np.concatenate([np.asarray(r[:n]).reshape(n, 28, 28, 1) for r in rows])
