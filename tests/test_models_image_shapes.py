"""Colour and size: every generative model class of `keras_genai.models` that
takes images, at 32x32x3 (and the GAN and VAE families, StyleGAN and
DiffusionModel also at 64x64x3).

Each case builds its networks with `keras_genai.builders` (tiny widths), fits
them on synthetic colour images (`conformance.check_fit`), samples with the
class's own method (``generate``, ``sample``, ``reconstruct``, ``translate``):
``(n, H, W, 3)``, finite and in the range the model guarantees, then exports a
SavedModel that a process without keras_genai serves
(`conformance.check_export`). ``ALI`` is ``BiGAN`` (an alias) and
``PairedGAN`` is the algorithm of ``Pix2Pix`` and ``SRGAN``: their cases cover
them. Last, a builder asked for a size its stride-2 layers or patches cannot
produce refuses it with a ValueError naming the divisor the sides need and the
shape it got.
"""

import collections

import keras
import numpy as np
import pytest
import tensorflow as tf

import conformance
from keras_genai import builders
from keras_genai.builders.style import style_layer_counts
from keras_genai.data import downsample
from keras_genai.diffusion import NoiseSchedule
from keras_genai.models import AdversarialAutoencoder
from keras_genai.models import BiGAN
from keras_genai.models import ConditionalGAN
from keras_genai.models import ConditionalVAE
from keras_genai.models import CycleGAN
from keras_genai.models import DiffusionModel
from keras_genai.models import GAN
from keras_genai.models import LAPGAN
from keras_genai.models import MaskedAutoencoder
from keras_genai.models import Pix2Pix
from keras_genai.models import PixelCNN
from keras_genai.models import RealNVP
from keras_genai.models import SRGAN
from keras_genai.models import StyleGAN
from keras_genai.models import VAE
from keras_genai.models import VAEGAN

LATENT = 8
CLASSES = 3
BATCH = 4  # check_fit trains 2 epochs of 2 batches: 8 images
N = 4  # images sampled


def colour(shape, n=2 * BATCH, low=-1.0, high=1.0, seed=0):
    """Colour images in ``[low, high]``: a colour per image, a horizontal
    ramp of another colour, and pixel noise."""
    rng = np.random.default_rng(seed)
    h, w, c = shape
    ramp = np.linspace(0.0, 1.0, w)[None, None, :, None]
    x = (0.5 * rng.uniform(size=(n, 1, 1, c))
         + 0.4 * ramp * rng.uniform(size=(n, 1, 1, c))
         + 0.1 * rng.uniform(size=(n, h, w, c)))
    return (low + (high - low) * x).astype("float32")


def labels(n=2 * BATCH):
    return (np.arange(n) % CLASSES).astype("int32")


def _z(n, seed=1):
    return np.random.default_rng(seed).normal(size=(n, LATENT)).astype("float32")


def _adam(lr=1e-3, beta_1=0.5, **kwargs):
    return keras.optimizers.Adam(lr, beta_1=beta_1, **kwargs)


def _gan_compile(model):
    model.compile(d_optimizer=_adam(), g_optimizer=_adam())


def _adam_compile(model):
    model.compile(optimizer=keras.optimizers.Adam(1e-3))


def _spec(make_model, compile, data, networks, optimizers, inputs, endpoints,
          **kwargs):
    return conformance.ModelSpec(
        make_model=make_model, compile=compile, data=data, networks=networks,
        optimizers=optimizers, inputs=inputs, endpoints=endpoints,
        bad_arguments=[], batch_size=BATCH, **kwargs)


def _latent_sample(network):
    """The reference of a ``sample(n, seed)`` endpoint: ``network(z)``."""
    return lambda m, n, seed: getattr(m, network)(
        tf.random.stateless_normal((int(n), LATENT), seed), training=False)


_SAMPLE_ARGS = (np.int32(3), np.array([5, 6], "int32"))
GAN_NETWORKS = ("generator", "discriminator")
GAN_OPTIMIZERS = ("d_optimizer", "g_optimizer")


# -- the GAN family ---------------------------------------------------------------


def gan(shape):
    return _spec(
        lambda: GAN(builders.dcgan_generator(LATENT, shape, filters=(8, 4)),
                    builders.dcgan_discriminator(shape, filters=(4, 8)),
                    latent_dim=LATENT, seed=3),
        _gan_compile, lambda: (colour(shape),), GAN_NETWORKS, GAN_OPTIMIZERS,
        inputs=lambda: _z(N),
        endpoints={"serve": ((_z(3),), lambda m, z: m.generator(z, training=False))})


def conditional_gan(shape):
    return _spec(
        lambda: ConditionalGAN(
            builders.conditional_dcgan_generator(LATENT, CLASSES, shape,
                                                 filters=(8, 4)),
            builders.conditional_dcgan_discriminator(shape, CLASSES, filters=(4, 8)),
            latent_dim=LATENT, num_classes=CLASSES, seed=3),
        _gan_compile, lambda: (colour(shape), labels()), GAN_NETWORKS,
        GAN_OPTIMIZERS, inputs=lambda: [_z(N), labels(N)],
        endpoints={"serve": ((_z(3), labels(3)),
                             lambda m, z, y: m.generator([z, y], training=False))})


def lapgan(shape):
    # Three levels, coarse to fine: H/4 (an MLP GAN), H/2 and H.
    h, w, c = shape
    levels = [(h // 4, w // 4, c), (h // 2, w // 2, c), shape]
    return _spec(
        lambda: LAPGAN(
            [builders.mlp_generator(LATENT, levels[0], hidden_units=(8,), name="g0")]
            + [builders.lapgan_generator(s, LATENT, (4,), name=f"g{k}")
               for k, s in enumerate(levels[1:], 1)],
            [builders.mlp_discriminator(levels[0], (8,), name="d0")]
            + [builders.lapgan_discriminator(s, (4,), name=f"d{k}")
               for k, s in enumerate(levels[1:], 1)],
            latent_dim=LATENT, seed=3),
        _gan_compile, lambda: (colour(shape),), ("generators", "discriminators"),
        GAN_OPTIMIZERS, inputs=lambda: _z(N * 3).reshape(N, 3, LATENT),
        endpoints={"serve": ((_z(9).reshape(3, 3, LATENT),),
                             lambda m, z: m(z, training=False))})


def stylegan(shape):
    filters = (8, 4)
    num_ws, num_noise = style_layer_counts(len(filters))
    noise = np.random.default_rng(2).normal(size=(3,) + shape[:2] + (num_noise,))
    return _spec(
        lambda: StyleGAN(builders.stylegan_generator(LATENT, shape, w_dim=8,
                                                     mapping_layers=2,
                                                     filters=filters),
                         builders.dcgan_discriminator(shape, filters=(4, 8)),
                         latent_dim=LATENT, seed=3),
        lambda m: m.compile(d_optimizer=_adam(beta_1=0.0, beta_2=0.99),
                            g_optimizer=_adam(beta_1=0.0, beta_2=0.99)),
        lambda: (colour(shape),), GAN_NETWORKS, GAN_OPTIMIZERS,
        inputs=lambda: [np.repeat(_z(N)[:, None], num_ws, 1),
                        np.zeros((N,) + shape[:2] + (num_noise,), "float32")],
        endpoints={"serve": ((_z(3), noise.astype("float32")),
                             lambda m, z, e: m.ema_generator(
                                 {"z": np.repeat(z[:, None], m.num_ws, 1),
                                  "noise": e}))},
        export_atol=1e-4)


# -- the VAE family and the autoencoder hybrids -------------------------------------


def vae(shape):
    return _spec(
        lambda: VAE(builders.conv_encoder(shape, LATENT, (4, 8), variational=True),
                    builders.conv_decoder(shape, LATENT, (8, 4)), seed=3),
        _adam_compile, lambda: (colour(shape, low=0.0),), ("encoder", "decoder"),
        ("optimizer",), inputs=lambda: colour(shape, N, low=0.0),
        endpoints={"sample": (_SAMPLE_ARGS, _latent_sample("decoder"))})


def conditional_vae(shape):
    return _spec(
        lambda: ConditionalVAE(
            builders.conv_encoder(shape, LATENT, (4, 8), variational=True,
                                  num_classes=CLASSES),
            builders.conv_decoder(shape, LATENT, (8, 4), num_classes=CLASSES),
            num_classes=CLASSES, seed=3),
        _adam_compile, lambda: (colour(shape, low=0.0), labels()),
        ("encoder", "decoder"), ("optimizer",),
        inputs=lambda: [colour(shape, N, low=0.0), labels(N)],
        endpoints={"sample": ((labels(3), np.array([5, 6], "int32")),
                              lambda m, y, s: m.decoder(
                                  [tf.random.stateless_normal((len(y), LATENT), s),
                                   tf.constant(y)],
                                  training=False))})


def vaegan(shape):
    # As the lab: the DCGAN generator (tanh) decodes, images in [-1, 1].
    return _spec(
        lambda: VAEGAN(builders.conv_encoder(shape, LATENT, (4, 8),
                                             variational=True),
                       builders.dcgan_generator(LATENT, shape, filters=(8, 4)),
                       builders.vaegan_discriminator(shape, (4, 8)), seed=3),
        lambda m: m.compile(encoder_optimizer=_adam(), decoder_optimizer=_adam(),
                            d_optimizer=_adam()),
        lambda: (colour(shape),), ("encoder", "decoder", "discriminator"),
        ("encoder_optimizer", "decoder_optimizer", "d_optimizer"),
        inputs=lambda: colour(shape, N),
        endpoints={"sample": (_SAMPLE_ARGS, _latent_sample("decoder"))})


def adversarial_autoencoder(shape):
    # As the lab: fully connected encoder and decoder (sigmoid), BCE.
    return _spec(
        lambda: AdversarialAutoencoder(
            builders.dense_encoder(shape, LATENT, (16,)),
            builders.dense_decoder(shape, LATENT, (16,)),
            builders.mlp_discriminator((LATENT,), (16,)), reconstruction="bce",
            seed=3),
        lambda m: m.compile(ae_optimizer=_adam(), d_optimizer=_adam(),
                            g_optimizer=_adam()),
        lambda: (colour(shape, low=0.0),), ("encoder", "decoder", "discriminator"),
        ("ae_optimizer", "d_optimizer", "g_optimizer"),
        inputs=lambda: colour(shape, N, low=0.0),
        endpoints={"sample": (_SAMPLE_ARGS, _latent_sample("decoder"))})


def bigan(shape):
    return _spec(
        lambda: BiGAN(builders.dcgan_generator(LATENT, shape, filters=(8, 4)),
                      builders.conv_encoder(shape, LATENT, (4, 8)),
                      builders.bigan_discriminator(shape, LATENT, (16,),
                                                   filters=(4, 8)), seed=3),
        _gan_compile, lambda: (colour(shape),),
        ("generator", "encoder", "discriminator"), GAN_OPTIMIZERS, inputs=lambda: _z(N),
        endpoints={"sample": (_SAMPLE_ARGS, _latent_sample("generator"))})


# -- diffusion, masked autoencoder, likelihood models -----------------------------

T = 50


def diffusion(shape):
    # Two levels, attention only in the middle (at H/2: 1,024 tokens at 64x64;
    # one level would attend over all 4,096 pixels).
    def inputs(n):
        return [colour(shape, n), (np.arange(n, dtype="int32") * 7) % T]

    return _spec(
        lambda: DiffusionModel(
            builders.diffusion_unet(shape, widths=(8, 8), attention_levels=(),
                                    heads=2),
            NoiseSchedule("cosine", timesteps=T), seed=3),
        _adam_compile, lambda: (colour(shape),), ("network", "ema_network"),
        ("optimizer",), inputs=lambda: inputs(N),
        endpoints={"serve": (tuple(inputs(3)),
                             lambda m, x, t: m.guided_noise(x, t))},
        export_atol=1e-4)


def _mae_reference(m, x, seed):
    noise = tf.random.stateless_uniform([len(x), m.num_patches], seed)
    return np.stack([np.asarray(t) for t in m._reconstruct_batch(
        tf.constant(x), noise, m.mask_ratio)])


def masked_autoencoder(shape):
    patch = shape[0] // 4  # 16 patches
    return _spec(
        lambda: MaskedAutoencoder(
            builders.mae_encoder(shape, patch, dim=8, depth=1, heads=2),
            builders.mae_decoder(shape, patch, encoder_dim=8, dim=8, depth=1,
                                 heads=2),
            patch, seed=3),
        _adam_compile, lambda: (colour(shape, low=0.0),), ("encoder", "decoder"),
        ("optimizer",), inputs=lambda: colour(shape, N, low=0.0),
        endpoints={"reconstruct": ((colour(shape, 3, low=0.0),
                                    np.array([1, 2], "int32")), _mae_reference)})


def pixelcnn(shape):
    # PixelCNN models Bernoulli pixels: colour here is 0/1 per channel (8
    # colours), each channel of a pixel drawn independently given the pixels
    # before it (`MaskedConv2D`).
    def binary(n=2 * BATCH):
        return (colour(shape, n, low=0.0) > 0.5).astype("float32")

    return _spec(
        lambda: PixelCNN(shape, network=builders.pixelcnn(
            shape, filters=4, num_blocks=1, head_filters=8), seed=3),
        _adam_compile, lambda: (binary(),), ("network",), ("optimizer",),
        inputs=lambda: binary(N),
        endpoints={"log_prob": ((binary(3),), lambda m, x: m.log_prob(x))})


def realnvp(shape):
    # 8-bit values 0..255; the checkerboard and the squeeze need even sides.
    # RealNVP builds its couplings with `builders.coupling_network`.
    def bytes_(n=2 * BATCH):
        return np.floor(colour(shape, n, low=0.0, high=255.0))

    return _spec(
        lambda: RealNVP(shape, filters=4, num_blocks=0, num_couplings=(1, 1, 2),
                        seed=3),
        _adam_compile, lambda: (bytes_(),), ("couplings",), ("optimizer",),
        inputs=lambda: bytes_(N) + 0.5,
        # log_prob, not sample: sample floors, and a value within float error
        # of an integer would round differently in the SavedModel.
        endpoints={"log_prob": ((bytes_(3) + 0.5,), lambda m, v: m.log_prob(v))})


# -- image-to-image ---------------------------------------------------------------


def pix2pix(shape):
    # A colour task: the target is the source with its channels reversed.
    def pairs(n=2 * BATCH):
        x = colour(shape, n)
        return x, x[..., ::-1].copy()

    return _spec(
        lambda: Pix2Pix(builders.unet_generator(shape, filters=(4, 8),
                                                bottleneck_filters=8, dropout=0.0),
                        builders.patchgan_discriminator(shape, condition_shape=shape,
                                                        filters=(4, 8)), seed=3),
        _gan_compile, pairs, GAN_NETWORKS, GAN_OPTIMIZERS,
        inputs=lambda: pairs(N)[0],
        endpoints={"serve": ((pairs(3)[0],),
                             lambda m, x: m.generator(x, training=False))})


def srgan(shape):
    low = (shape[0] // 2, shape[1] // 2, shape[2])

    def low_high(n=2 * BATCH):
        high = colour(shape, n)
        return downsample(high, 2), high

    return _spec(
        lambda: SRGAN(builders.sr_generator(low, scale=2, filters=4,
                                            residual_blocks=1),
                      builders.dcgan_discriminator(shape, filters=(4, 8)), seed=3),
        _gan_compile, low_high, GAN_NETWORKS, GAN_OPTIMIZERS,
        inputs=lambda: low_high(N)[0],
        endpoints={"serve": ((low_high(3)[0],),
                             lambda m, x: m.generator(x, training=False))})


def cycle_gan(shape):
    def unpaired(n=2 * BATCH):
        return colour(shape, n, seed=0), -colour(shape, n, seed=1)

    def g(name):
        return builders.unet_generator(shape, filters=(4, 8), bottleneck_filters=8,
                                       dropout=0.0, name=name)

    def d(name):
        return builders.patchgan_discriminator(shape, filters=(4, 8), name=name)

    return _spec(
        lambda: CycleGAN(g("g_ab"), g("g_ba"), d("d_a"), d("d_b"), seed=3),
        _gan_compile, unpaired,
        ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b"),
        GAN_OPTIMIZERS, inputs=lambda: unpaired(N)[0],
        endpoints={"serve_b_to_a": ((unpaired(3)[1],),
                                    lambda m, b: m.generator_ba(b, training=False))})


# -- the table --------------------------------------------------------------------

# make_spec(shape) -> ModelSpec; sample(model, shape) -> images (or a tuple of
# image batches); every sampled value in [low, high] (None: unbounded), whole
# numbers where integer.
Case = collections.namedtuple("Case", "make_spec sample low high integer shapes",
                              defaults=(False, ((32, 32, 3),)))
BOTH = ((32, 32, 3), (64, 64, 3))

CASES = {
    "gan": Case(gan, lambda m, s: m.generate(N, seed=0), -1, 1, shapes=BOTH),
    "conditional_gan": Case(conditional_gan,
                            lambda m, s: m.generate(labels=labels(N), seed=0), -1, 1,
                            shapes=BOTH),
    "lapgan": Case(lapgan, lambda m, s: m.sample(N, seed=0), -1, 1),
    "vae": Case(vae, lambda m, s: m.sample(N, seed=0), 0, 1, shapes=BOTH),
    "conditional_vae": Case(conditional_vae,
                            lambda m, s: m.sample(labels=labels(N), seed=0), 0, 1,
                            shapes=BOTH),
    "vaegan": Case(vaegan, lambda m, s: m.sample(N, seed=0), -1, 1),
    "adversarial_autoencoder": Case(adversarial_autoencoder,
                                    lambda m, s: m.sample(N, seed=0), 0, 1),
    "bigan": Case(bigan, lambda m, s: (m.sample(N, seed=0),
                                       m.reconstruct(colour(s, N))), -1, 1),
    "stylegan": Case(stylegan, lambda m, s: m.sample(N, seed=0), -1, 1, shapes=BOTH),
    "diffusion": Case(diffusion, lambda m, s: m.sample(n=N, steps=2, seed=0,
                                                       verbose=False), -1, 1,
                      shapes=BOTH),
    # The reconstruction is the decoder's linear output: no range.
    "masked_autoencoder": Case(masked_autoencoder,
                               lambda m, s: m.reconstruct(colour(s, N, low=0.0),
                                                          seed=0),
                               None, None),
    "pixelcnn": Case(pixelcnn, lambda m, s: m.sample(N, seed=0), 0, 1, integer=True),
    "realnvp": Case(realnvp, lambda m, s: m.sample(N, seed=0), 0, 255, integer=True),
    "pix2pix": Case(pix2pix, lambda m, s: m.translate(colour(s, N)), -1, 1),
    "srgan": Case(srgan, lambda m, s: m.translate(downsample(colour(s, N), 2)),
                  -1, 1),
    "cycle_gan": Case(cycle_gan, lambda m, s: (m.translate(colour(s, N)),
                                               m.translate(colour(s, N), "b_to_a")),
                      -1, 1),
}

PARAMS = [pytest.param(name, shape, id=f"{name}-{'x'.join(map(str, shape))}")
          for name, case in CASES.items() for shape in case.shapes]


@pytest.mark.parametrize("name, shape", PARAMS)
def test_fits_samples_and_serves_colour_images(name, shape, tmp_path):
    case = CASES[name]
    spec = case.make_spec(shape)
    try:
        conformance.check_fit(spec, tmp_path, None)
        model = conformance._trained(spec)[0]
        samples = case.sample(model, shape)
        for images in samples if isinstance(samples, tuple) else (samples,):
            assert images.shape == (N,) + shape, images.shape
            assert np.all(np.isfinite(images))
            if case.low is not None:
                assert case.low <= images.min() and images.max() <= case.high, (
                    images.min(), images.max())
            if case.integer:
                np.testing.assert_array_equal(images, np.round(images))
        conformance.check_export(spec, tmp_path, None)
    finally:
        conformance._TRAINED.pop(id(spec), None)  # free the trained model


# -- sizes a builder cannot produce ------------------------------------------------

BAD = (30, 30, 3)


@pytest.mark.parametrize("build, argument, factor", [
    pytest.param(lambda: builders.diffusion_unet(BAD, widths=(8, 16, 32)),
                 "image_shape", 4, id="diffusion_unet"),
    pytest.param(lambda: builders.dcgan_generator(LATENT, BAD, filters=(8, 4, 4)),
                 "image_shape", 8, id="dcgan_generator"),
    pytest.param(lambda: builders.conditional_dcgan_generator(LATENT, CLASSES, BAD,
                                                              filters=(8, 4)),
                 "image_shape", 4, id="conditional_dcgan_generator"),
    pytest.param(lambda: builders.stylegan_generator(LATENT, BAD, filters=(8, 4, 4)),
                 "image_shape", 4, id="stylegan_generator"),
    pytest.param(lambda: builders.conv_encoder(BAD, LATENT, (4, 8)),
                 "input_shape", 4, id="conv_encoder"),
    pytest.param(lambda: builders.conv_decoder(BAD, LATENT, (8, 4)),
                 "output_shape", 4, id="conv_decoder"),
    pytest.param(lambda: builders.unet_generator(BAD, filters=(4, 8)),
                 "input_shape", 4, id="unet_generator"),
    pytest.param(lambda: builders.patchgan_discriminator(BAD, filters=(4, 8)),
                 "image_shape", 4, id="patchgan_discriminator"),
])
def test_builder_refuses_a_size_it_cannot_produce(build, argument, factor):
    """The error names the divisor and the nearest sizes that have it."""
    near = f"{30 // factor * factor} or {(30 // factor + 1) * factor} would do"
    with pytest.raises(ValueError, match=(
            rf"`{argument}` height and width must be divisible by {factor} .*"
            rf"{near}. Received: {argument}=\(30, 30, 3\)")):
        build()


def test_patches_that_do_not_tile_the_image_are_refused():
    for build in (builders.mae_encoder, builders.mae_decoder):
        with pytest.raises(ValueError, match=(
                r"divisible by 4 \(patch_size=4: the patches tile the image\): "
                r"28 or 32 would do. Received: image_shape=\(30, 30, 3\)")):
            build(BAD, 4)
    with pytest.raises(ValueError, match="squeeze halves them.*30 or 32 would do"):
        RealNVP((31, 32, 3))
