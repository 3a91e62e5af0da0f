"""Autoencoder builders: encoders, decoders and the autoencoders made of them.

An autoencoder is an encoder ``f: x -> z`` (the bottleneck, or code) followed by a
decoder ``g: z -> x_hat`` trained so that ``g(f(x)) ~ x`` (Goodfellow, Bengio &
Courville 2016, "Deep Learning", ch. 14). The builders here give:

* `dense_encoder` / `dense_decoder` and `conv_encoder` / `conv_decoder`: the two
  halves, deterministic (``z = f(x)``) or variational (``variational=True``: the
  encoder returns the mean and log-variance of ``q(z | x)``, Kingma & Welling
  2014), unconditional or conditioned on a class label (``num_classes``: the
  one-hot label is concatenated with the flattened input and with ``z``, as in
  the conditional VAE of Sohn, Lee & Yan 2015).
* `dense_autoencoder` / `conv_autoencoder`: a trainable `Autoencoder` wiring an
  encoder and a decoder (and optionally a corruption layer for a denoising
  autoencoder) that ``fit(x, x)`` trains with a plain Keras loss.

Undercomplete (``latent_dim`` below the input size), overcomplete (above), deep
(several hidden layers) and sparse (an ``activity_regularizer`` on the code, see
`keras_genai.regularizers`) autoencoders come from the arguments.
"""

import keras
import numpy as np

from keras_genai.builders.common import float32_outputs
from keras_genai.utils.checks import check_choice
from keras_genai.utils.checks import check_image_shape
from keras_genai.utils.checks import check_num_classes
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_shape
from keras_genai.utils.checks import check_units

UPSAMPLINGS = ("transpose", "resize")


@keras.saving.register_keras_serializable(package="keras_genai")
class Autoencoder(keras.Model):
    """A functional model ``x -> decoder(encoder(x))`` exposing its two halves.

    The ``encoder`` and ``decoder`` properties return the sub-models inside the
    autoencoder (the same layers, so the same weights): after ``fit``,
    ``autoencoder.encoder.predict(x)`` gives the codes. They survive a ``.keras``
    save and load. Build one with `dense_autoencoder` or `conv_autoencoder`.
    """

    @property
    def encoder(self):
        """The encoder sub-model ``x -> z`` (shares its weights with this model)."""
        return self.get_layer("encoder")

    @property
    def decoder(self):
        """The decoder sub-model ``z -> x_hat`` (shares its weights)."""
        return self.get_layer("decoder")


def _label_input():
    return keras.Input(shape=(), dtype="int32", name="label")


def _with_label(x, labels, num_classes, name):
    """``x`` concatenated with the one-hot vector of ``labels``."""
    one_hot = keras.layers.CategoryEncoding(num_classes, output_mode="one_hot",
                                            name=f"{name}_one_hot")(labels)
    return keras.layers.Concatenate(name=name)([x, one_hot])


def _inputs(shape, input_name, num_classes):
    """The input tensor(s): ``[x]`` or ``[x, labels]``."""
    inputs = [keras.Input(shape=shape, name=input_name)]
    if num_classes is not None:
        inputs.append(_label_input())
    return inputs


def _code(h, latent_dim, variational, latent_activation, activity_regularizer):
    """The code layer(s) on top of the encoder's last features ``h``."""
    if variational:
        if activity_regularizer is not None or latent_activation is not None:
            raise ValueError(
                "A variational encoder returns a mean and a log-variance, with no "
                "activation or activity regularizer. Received: "
                f"latent_activation={latent_activation!r}, "
                f"activity_regularizer={activity_regularizer!r}")
        return [keras.layers.Dense(latent_dim, name="z_mean")(h),
                keras.layers.Dense(latent_dim, name="z_log_var")(h)]
    return keras.layers.Dense(latent_dim, activation=latent_activation,
                              activity_regularizer=activity_regularizer,
                              name="code")(h)


def _model(inputs, outputs, name):
    return keras.Model(inputs if len(inputs) > 1 else inputs[0],
                       float32_outputs(outputs), name=name)


def dense_encoder(input_shape=(28, 28, 1), latent_dim=32, hidden_units=(128, 64),
                  activation="relu", latent_activation=None, variational=False,
                  activity_regularizer=None, num_classes=None, name="encoder"):
    """Builds a fully connected encoder.

    The input is flattened (and joined with the one-hot label when
    ``num_classes`` is given), goes through one ``Dense`` layer per entry of
    ``hidden_units``, then to the code: one ``Dense(latent_dim)`` layer, or for a
    variational encoder two, the mean ``mu`` and the log-variance
    ``log sigma^2`` of ``q(z | x) = N(mu, diag(sigma^2))`` (Kingma & Welling
    2014, appendix C.2).

    Args:
        input_shape: shape of one input, e.g. ``(784,)`` or ``(28, 28, 1)``.
        latent_dim: size of the code ``z``.
        hidden_units: width of each hidden layer (may be empty: a one-layer
            encoder, e.g. the linear autoencoder that PCA matches).
        activation: hidden activation.
        latent_activation: activation of the code layer (``None``: linear).
        variational: return ``[z_mean, z_log_var]`` instead of ``z``.
        activity_regularizer: a regularizer on the code's activations (sparse
            autoencoder).
        num_classes: condition on an integer label in ``[0, num_classes)``.
        name: model name.

    Returns:
        A functional `keras.Model` ``x -> z`` (``[x, labels] -> ...`` when
        conditional; ``-> [z_mean, z_log_var]`` when variational).

    Example:

    >>> dense_encoder((784,), latent_dim=32).output_shape
    (None, 32)
    >>> [o.shape for o in dense_encoder((28, 28, 1), 20, variational=True).outputs]
    [(None, 20), (None, 20)]
    """
    input_shape = check_shape("input_shape", input_shape, rank=(1, 2, 3))
    latent_dim = check_positive_int("latent_dim", latent_dim)
    hidden_units = check_units("hidden_units", hidden_units)
    num_classes = check_num_classes(num_classes, optional=True)
    inputs = _inputs(input_shape, "image", num_classes)
    h = keras.layers.Flatten(name="flatten")(inputs[0])
    if num_classes is not None:
        h = _with_label(h, inputs[1], num_classes, "image_and_label")
    for i, units in enumerate(hidden_units, start=1):
        h = keras.layers.Dense(units, activation=activation, name=f"hidden{i}")(h)
    outputs = _code(h, latent_dim, variational, latent_activation,
                    activity_regularizer)
    return _model(inputs, outputs, name)


def dense_decoder(output_shape=(28, 28, 1), latent_dim=32, hidden_units=(64, 128),
                  activation="relu", output_activation="sigmoid", num_classes=None,
                  name="decoder"):
    """Builds a fully connected decoder (also a VAE decoder or an MLP generator).

    ``z`` (joined with the one-hot label when ``num_classes`` is given) goes
    through one ``Dense`` layer per entry of ``hidden_units``, then to
    ``prod(output_shape)`` units with ``output_activation``, reshaped to
    ``output_shape``.

    Args:
        output_shape: shape of one output, e.g. ``(784,)`` or ``(28, 28, 1)``.
        latent_dim: size of ``z``.
        hidden_units: width of each hidden layer.
        activation: hidden activation.
        output_activation: ``"sigmoid"`` for pixels in ``[0, 1]`` (the Bernoulli
            probabilities of a VAE), ``"tanh"`` for ``[-1, 1]``, ``None``.
        num_classes: condition on an integer label.
        name: model name.

    Returns:
        A functional `keras.Model` ``z -> x_hat`` (``[z, labels] -> x_hat`` when
        conditional).

    Example:

    >>> dense_decoder((784,), latent_dim=32).output_shape
    (None, 784)
    """
    output_shape = check_shape("output_shape", output_shape, rank=(1, 2, 3))
    latent_dim = check_positive_int("latent_dim", latent_dim)
    hidden_units = check_units("hidden_units", hidden_units)
    num_classes = check_num_classes(num_classes, optional=True)
    inputs = _inputs((latent_dim,), "z", num_classes)
    h = inputs[0]
    if num_classes is not None:
        h = _with_label(h, inputs[1], num_classes, "z_and_label")
    for i, units in enumerate(hidden_units, start=1):
        h = keras.layers.Dense(units, activation=activation, name=f"hidden{i}")(h)
    h = keras.layers.Dense(int(np.prod(output_shape)), activation=output_activation,
                           name="output")(h)
    x_hat = keras.layers.Reshape(output_shape, name="reconstruction")(h)
    return _model(inputs, x_hat, name)


def conv_encoder(input_shape=(28, 28, 1), latent_dim=16, filters=(32, 64),
                 kernel_size=3, activation="relu", latent_activation=None,
                 variational=False, activity_regularizer=None, num_classes=None,
                 name="encoder"):
    """Builds a convolutional encoder: strided convolutions down, then the code.

    One stride-2 ``Conv2D`` per entry of ``filters`` halves the resolution
    (28x28 -> 14x14 -> 7x7 for two), the map is flattened (and joined with the
    one-hot label), then a ``Dense`` code layer (or the mean and log-variance
    heads of a variational encoder).

    Args:
        input_shape: ``(height, width, channels)``, divisible by
            ``2 ** len(filters)``.
        latent_dim: size of ``z``.
        filters: channels of each stride-2 convolution.
        kernel_size: convolution kernel size.
        activation: convolution activation.
        latent_activation: activation of the code layer (``None``: linear).
        variational: return ``[z_mean, z_log_var]``.
        activity_regularizer: a regularizer on the code.
        num_classes: condition on an integer label.
        name: model name.

    Returns:
        A functional `keras.Model` ``x -> z`` (see `dense_encoder`).

    Example:

    >>> conv_encoder((28, 28, 1), latent_dim=16).output_shape
    (None, 16)
    """
    filters = check_units("filters", filters, allow_empty=False)
    input_shape = check_image_shape("input_shape", input_shape, 2 ** len(filters))
    latent_dim = check_positive_int("latent_dim", latent_dim)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    num_classes = check_num_classes(num_classes, optional=True)
    inputs = _inputs(input_shape, "image", num_classes)
    h = inputs[0]
    for i, f in enumerate(filters, start=1):
        h = keras.layers.Conv2D(f, kernel_size, strides=2, padding="same",
                                activation=activation, name=f"down{i}_conv")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    if num_classes is not None:
        h = _with_label(h, inputs[1], num_classes, "features_and_label")
    outputs = _code(h, latent_dim, variational, latent_activation,
                    activity_regularizer)
    return _model(inputs, outputs, name)


def conv_decoder(output_shape=(28, 28, 1), latent_dim=16, filters=(64, 32),
                 kernel_size=3, activation="relu", output_activation="sigmoid",
                 upsampling="transpose", num_classes=None, name="decoder"):
    """Builds a convolutional decoder: a projection, then upsampling layers.

    ``z`` (joined with the one-hot label) is projected by a ``Dense`` layer to a
    ``(H / 2^n, W / 2^n, filters[0])`` map, ``n = len(filters)``; each of the
    ``n`` upsampling layers doubles the resolution: a stride-2
    ``Conv2DTranspose`` (``"transpose"``), or ``UpSampling2D`` followed by a
    ``Conv2D`` (``"resize"``, which avoids the checkerboard artefacts of
    transposed convolutions, Odena et al. 2016). The last one has ``channels``
    filters and ``output_activation``.

    Args:
        output_shape: ``(height, width, channels)``, divisible by
            ``2 ** len(filters)``.
        latent_dim: size of ``z``.
        filters: channels of the projected map and of each upsampling layer but
            the last.
        kernel_size: kernel size.
        activation: hidden activation.
        output_activation: ``"sigmoid"``, ``"tanh"`` or ``None``.
        upsampling: ``"transpose"`` or ``"resize"``.
        num_classes: condition on an integer label.
        name: model name.

    Returns:
        A functional `keras.Model` ``z -> x_hat`` (``[z, labels] -> x_hat``).

    Example:

    >>> conv_decoder((28, 28, 1), latent_dim=16).output_shape
    (None, 28, 28, 1)
    """
    filters = check_units("filters", filters, allow_empty=False)
    h_out, w_out, channels = check_image_shape("output_shape", output_shape,
                                               2 ** len(filters))
    latent_dim = check_positive_int("latent_dim", latent_dim)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    check_choice("upsampling", upsampling, UPSAMPLINGS)
    num_classes = check_num_classes(num_classes, optional=True)
    inputs = _inputs((latent_dim,), "z", num_classes)
    h = inputs[0]
    if num_classes is not None:
        h = _with_label(h, inputs[1], num_classes, "z_and_label")
    h0, w0 = h_out // 2 ** len(filters), w_out // 2 ** len(filters)
    h = keras.layers.Dense(h0 * w0 * filters[0], activation=activation,
                           name="project")(h)
    h = keras.layers.Reshape((h0, w0, filters[0]), name="project_reshape")(h)
    widths = list(filters[1:]) + [channels]
    for i, f in enumerate(widths, start=1):
        act = output_activation if i == len(widths) else activation
        if upsampling == "transpose":
            h = keras.layers.Conv2DTranspose(f, kernel_size, strides=2,
                                             padding="same", activation=act,
                                             name=f"up{i}_conv")(h)
        else:
            h = keras.layers.UpSampling2D(2, interpolation="nearest",
                                          name=f"up{i}_resize")(h)
            h = keras.layers.Conv2D(f, kernel_size, padding="same", activation=act,
                                    name=f"up{i}_conv")(h)
    h = keras.layers.Identity(name="reconstruction")(h)
    return _model(inputs, h, name)


def _autoencoder(input_shape, encoder, decoder, corruption, name):
    if corruption is not None and not isinstance(corruption, keras.layers.Layer):
        raise TypeError(
            "`corruption` must be a keras layer (e.g. keras_genai.layers."
            f"Corruption) or None. Received: corruption={corruption!r}")
    image = keras.Input(shape=input_shape, name="image")
    x = corruption(image) if corruption is not None else image
    return Autoencoder(image, decoder(encoder(x)), name=name)


def dense_autoencoder(input_shape, hidden_units=(128, 64), latent_dim=32,
                      activation="relu", latent_activation="relu",
                      output_activation="sigmoid", activity_regularizer=None,
                      corruption=None, name="dense_autoencoder"):
    """Builds a fully connected autoencoder; the decoder mirrors the encoder.

    The defaults are the course's listing for 784-pixel digits:
    784-128-64-32-64-128-784, ReLU everywhere (the code included) and a sigmoid
    output, trained with ``compile(optimizer="adam", loss="mse")`` and
    ``fit(x, x)``.

    Args:
        input_shape: shape of one input, e.g. ``(784,)`` or ``(28, 28, 1)``.
        hidden_units: the encoder's hidden widths; the decoder uses them
            reversed.
        latent_dim: size of the code (below the input size: undercomplete;
            above: overcomplete).
        activation: hidden activation.
        latent_activation: the code's activation (``None``: linear; a sigmoid
            code for the KL sparsity penalty).
        output_activation: ``"sigmoid"`` for pixels in ``[0, 1]``.
        activity_regularizer: a penalty on the code's activations (sparse
            autoencoder: ``keras.regularizers.L1(l)`` or
            `keras_genai.regularizers.KLSparsity`).
        corruption: a layer applied to the input before the encoder, active in
            training only (denoising autoencoder:
            `keras_genai.layers.Corruption`).
        name: model name.

    Returns:
        An `Autoencoder` ``x -> x_hat`` with ``.encoder`` and ``.decoder``.

    Example:

    >>> ae = dense_autoencoder((784,))
    >>> ae.compile(optimizer="adam", loss="mse")
    >>> [l.output.shape for l in (ae.encoder, ae.decoder)]
    [(None, 32), (None, 784)]
    """
    input_shape = check_shape("input_shape", input_shape, rank=(1, 2, 3))
    hidden_units = check_units("hidden_units", hidden_units)
    encoder = dense_encoder(input_shape, latent_dim, hidden_units, activation,
                            latent_activation,
                            activity_regularizer=activity_regularizer)
    decoder = dense_decoder(input_shape, latent_dim, hidden_units[::-1], activation,
                            output_activation)
    return _autoencoder(input_shape, encoder, decoder, corruption, name)


def conv_autoencoder(input_shape=(28, 28, 1), filters=(32, 64), latent_dim=16,
                     kernel_size=3, activation="relu", latent_activation=None,
                     output_activation="sigmoid", upsampling="transpose",
                     activity_regularizer=None, corruption=None,
                     name="conv_autoencoder"):
    """Builds a convolutional autoencoder: `conv_encoder` + `conv_decoder`.

    Strided convolutions down to a dense code, then transposed convolutions (or
    resize-convolutions) back up; the decoder's filters are the encoder's
    reversed.

    Args:
        input_shape: ``(height, width, channels)``, divisible by
            ``2 ** len(filters)``.
        filters: the encoder's channels per stride-2 convolution.
        latent_dim: size of the code.
        kernel_size: kernel size.
        activation: hidden activation.
        latent_activation: the code's activation.
        output_activation: ``"sigmoid"`` for pixels in ``[0, 1]``.
        upsampling: ``"transpose"`` or ``"resize"`` (see `conv_decoder`).
        activity_regularizer: a penalty on the code's activations.
        corruption: a training-only corruption of the input (denoising).
        name: model name.

    Returns:
        An `Autoencoder` ``x -> x_hat`` with ``.encoder`` and ``.decoder``.

    Example:

    >>> conv_autoencoder((28, 28, 1), latent_dim=16).output_shape
    (None, 28, 28, 1)
    """
    input_shape = check_shape("input_shape", input_shape, rank=3)
    filters = check_units("filters", filters, allow_empty=False)
    encoder = conv_encoder(input_shape, latent_dim, filters, kernel_size, activation,
                           latent_activation,
                           activity_regularizer=activity_regularizer)
    decoder = conv_decoder(input_shape, latent_dim, filters[::-1], kernel_size,
                           activation, output_activation, upsampling)
    return _autoencoder(input_shape, encoder, decoder, corruption, name)
