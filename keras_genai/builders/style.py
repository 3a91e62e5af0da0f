"""The style-based generator (Karras et al. 2019, "A Style-Based Generator
Architecture for GANs"; StyleGAN2, Karras et al. 2020, "Analyzing and Improving
the Image Quality of StyleGAN").

The generator is two networks in one `keras.Model`:

* ``mapping``: ``z -> w``, an MLP on the normalised latent (sec. 2): the
  intermediate latent space W need not follow the density of the training data,
  so it can be less entangled than Z;
* ``synthesis``: ``[ws, noise] -> image``, from a learned constant, where every
  convolution is modulated by its own style ``w_i`` (StyleGAN2's weight
  demodulation, sec. 2.2) and followed by per-pixel noise (sec. 3.2).

The generator takes one latent *per style layer*, ``z`` of shape ``(batch,
num_ws, latent_dim)``, and maps each with the same mapping network. With the
same ``z`` in every row it is the ordinary generator; different rows mix styles
(sec. 3.1), which is how `keras_genai.models.StyleGAN` regularises it. All noise
layers read one input ``noise`` of shape ``(batch, H, W, num_noise)``: the layer
at a coarser resolution takes every ``s``-th pixel of its own channel, which is
still i.i.d. N(0, 1), so the model draws all of it in one call.
"""

import keras

from keras_genai.builders.common import float32_outputs
from keras_genai.layers.style import LearnedConstant
from keras_genai.layers.style import ModulatedConv2D
from keras_genai.layers.style import NoiseInjection
from keras_genai.layers.style import PixelNorm
from keras_genai.layers.style import SelectStyle
from keras_genai.layers.style import SubsampleNoise
from keras_genai.utils.checks import check_image_shape
from keras_genai.utils.checks import check_positive_int
from keras_genai.utils.checks import check_units


def style_layer_counts(num_levels):
    """``(num_ws, num_noise)`` of a synthesis network with ``num_levels``
    resolutions: one convolution at the first, two (upsampling, then plain)
    at each of the others, each with a style and a noise input, and one style
    for the output layer.

    Example:

    >>> style_layer_counts(3)  # 7x7, 14x14, 28x28
    (6, 5)
    """
    num_noise = 1 + 2 * (num_levels - 1)
    return num_noise + 1, num_noise


def stylegan_mapping(latent_dim=64, w_dim=64, num_layers=4, leaky_relu_slope=0.2,
                     name="mapping"):
    """Builds the mapping network ``f: Z -> W`` (Karras et al. 2019, sec. 2):
    `PixelNorm` of ``z``, then ``num_layers`` dense layers with LeakyReLU (8 of
    512 in the paper; 4 of 64 suit 28x28 digits).

    It maps the last axis of ``(batch, rows, latent_dim)`` latents: one row
    gives one ``w`` per example, ``num_ws`` rows one ``w`` per style layer.

    Args:
        latent_dim: size of z.
        w_dim: size of w.
        num_layers: dense layers.
        leaky_relu_slope: negative slope of LeakyReLU.
        name: model name.

    Returns:
        A `keras.Sequential` model ``(batch, rows, latent_dim) -> (batch, rows,
        w_dim)``.

    Example:

    >>> stylegan_mapping(64, 32).output_shape
    (None, None, 32)
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    w_dim = check_positive_int("w_dim", w_dim)
    num_layers = check_positive_int("num_layers", num_layers)
    layers = [keras.Input(shape=(None, latent_dim), name="z"),
              PixelNorm(name="normalize_z")]
    for i in range(1, num_layers + 1):
        layers += [keras.layers.Dense(w_dim, name=f"dense{i}"),
                   keras.layers.LeakyReLU(negative_slope=leaky_relu_slope,
                                          name=f"dense{i}_lrelu")]
    return keras.Sequential(layers, name=name)


def stylegan_synthesis(w_dim=64, image_shape=(28, 28, 1), filters=(128, 64, 32),
                       kernel_size=3, leaky_relu_slope=0.2, name="synthesis"):
    """Builds the synthesis network ``g`` of StyleGAN2 (Karras et al. 2020,
    fig. 2d): a learned constant at ``H / 2^(n-1)``, then at each of the ``n =
    len(filters)`` resolutions modulated 3x3 convolutions (the first of each
    finer level upsamples 2x), each followed by noise, bias and LeakyReLU, and
    a modulated 1x1 output convolution without demodulation ("toRGB"), with
    tanh for images in ``[-1, 1]``.

    Args:
        w_dim: size of each style vector.
        image_shape: ``(height, width, channels)``, divisible by
            ``2 ** (len(filters) - 1)``.
        filters: channels at each resolution, coarse to fine.
        kernel_size: kernel of the modulated convolutions.
        leaky_relu_slope: negative slope of LeakyReLU.
        name: model name.

    Returns:
        A functional `keras.Model` with inputs ``{"ws": (batch, num_ws, w_dim),
        "noise": (batch, H, W, num_noise)}`` (`style_layer_counts`) and output
        ``(batch, *image_shape)``.

    Example:

    >>> g = stylegan_synthesis(32, (28, 28, 1), filters=(32, 16, 8))
    >>> [tuple(t.shape) for t in g.inputs]
    [(None, 6, 32), (None, 28, 28, 5)]
    """
    w_dim = check_positive_int("w_dim", w_dim)
    filters = check_units("filters", filters, allow_empty=False)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    scale = 2 ** (len(filters) - 1)
    h, w, c = check_image_shape("image_shape", image_shape, scale,
                                reason="2 ** (len(filters) - 1), one doubling per "
                                       "block after the first")
    num_ws, num_noise = style_layer_counts(len(filters))
    ws = keras.Input(shape=(num_ws, w_dim), name="ws")
    noise = keras.Input(shape=(h, w, num_noise), name="noise")
    styles = iter(range(num_ws))

    def style(i):
        return SelectStyle(i, name=f"w{i}")(ws)

    def noise_at(i, stride):
        return SubsampleNoise(i, stride, name=f"noise{i}")(noise)

    x = LearnedConstant((h // scale, w // scale, filters[0]), name="constant")(ws)
    for level, f in enumerate(filters):
        stride = scale // 2 ** level
        for upsample in ([False] if level == 0 else [True, False]):
            i = next(styles)
            prefix = f"level{level}_{'up' if upsample else 'conv'}"
            x = ModulatedConv2D(f, kernel_size, upsample=upsample,
                                name=prefix)([x, style(i)])
            x = NoiseInjection(name=f"{prefix}_noise")([x, noise_at(i, stride)])
            x = keras.layers.LeakyReLU(negative_slope=leaky_relu_slope,
                                       name=f"{prefix}_lrelu")(x)
    x = ModulatedConv2D(c, 1, demodulate=False, name="to_image")(
        [x, style(next(styles))])
    x = keras.layers.Activation("tanh", name="tanh")(x)
    return keras.Model({"ws": ws, "noise": noise}, float32_outputs(x), name=name)


def stylegan_generator(latent_dim=64, image_shape=(28, 28, 1), w_dim=64,
                       mapping_layers=4, filters=(128, 64, 32), kernel_size=3,
                       name="stylegan_generator"):
    """Builds a style-based generator: `stylegan_mapping` applied to one latent
    per style layer, then `stylegan_synthesis` (see the module's docstring).

    The two parts are the layers ``"mapping"`` and ``"synthesis"``:
    `keras_genai.models.StyleGAN` calls them apart for the truncation trick
    and the average ``w``.

    Unlike the papers, the generator has no equalized learning rate (Karras et
    al. 2018, "Progressive Growing of GANs", sec. 4.1: weights drawn from N(0,
    1) and scaled at run time by He's constant ``sqrt(2 / fan_in)``) and no
    0.01 learning-rate multiplier on the mapping network (Karras et al. 2019,
    app. C). Its weights are plain Keras variables with Keras' initializers
    (Glorot uniform in the dense layers, He normal in the modulated kernels),
    stored at their working scale ``sigma``, and trained with an ordinary
    optimizer such as Adam, whose step is about ``learning_rate`` whatever the
    scale: a kernel weight moves by about ``learning_rate / sigma`` of its size
    per step instead of ``learning_rate``, more in layers of larger fan-in, and
    the mapping network learns at about the synthesis network's rate instead
    of 100 times slower. The papers' learning rates do not carry over (see
    `keras_genai.models.StyleGAN`).

    Args:
        latent_dim: size of z.
        image_shape: ``(height, width, channels)``, divisible by
            ``2 ** (len(filters) - 1)`` (32x32x3 and 64x64x3 colour images are
            tested).
        w_dim: size of w.
        mapping_layers: dense layers of the mapping network.
        filters: channels of the synthesis network at each resolution.
        kernel_size: kernel of the modulated convolutions.
        name: model name.

    Returns:
        A functional `keras.Model` with inputs ``{"z": (batch, num_ws,
        latent_dim), "noise": (batch, H, W, num_noise)}`` and images in
        ``[-1, 1]``.

    Example:

    >>> g = stylegan_generator(64, (28, 28, 1))
    >>> g.output_shape
    (None, 28, 28, 1)
    """
    mapping = stylegan_mapping(latent_dim, w_dim, mapping_layers)
    synthesis = stylegan_synthesis(w_dim, image_shape, filters, kernel_size)
    num_ws = synthesis.input["ws"].shape[1]
    z = keras.Input(shape=(num_ws, latent_dim), name="z")
    noise = keras.Input(shape=synthesis.input["noise"].shape[1:], name="noise")
    images = synthesis({"ws": mapping(z), "noise": noise})
    return keras.Model({"z": z, "noise": noise}, images, name=name)
