"""The style-based generator's layers against brute-force computations."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genai.layers.style import LearnedConstant
from keras_genai.layers.style import ModulatedConv2D
from keras_genai.layers.style import NoiseInjection
from keras_genai.layers.style import PixelNorm


def test_pixel_norm_by_hand():
    out = PixelNorm()(np.array([[3.0, 4.0], [1.0, 1.0]], "float32")).numpy()
    np.testing.assert_allclose(out, [[3 / np.sqrt(12.5), 4 / np.sqrt(12.5)],
                                     [1.0, 1.0]], rtol=1e-6)
    with pytest.raises(ValueError, match="epsilon"):
        PixelNorm(epsilon=0)


def _brute_force(layer, x, w):
    """Builds each example's modulated (and demodulated) kernel and convolves
    that example alone with it (eqs. 1-3 as written)."""
    styles = layer.style(w).numpy()
    kernel = layer.kernel.numpy()
    if layer.upsample:
        x = tf.image.resize(x, (2 * x.shape[1], 2 * x.shape[2]), "bilinear").numpy()
    out = []
    for b in range(len(x)):
        k = kernel * styles[b][None, None, :, None]  # eq. 1
        if layer.demodulate:
            k = k / np.sqrt((k ** 2).sum(axis=(0, 1, 2), keepdims=True)
                            + layer.epsilon)  # eq. 3
        out.append(tf.nn.conv2d(x[b:b + 1], k, 1, "SAME").numpy()[0])
    return np.stack(out) + layer.bias.numpy()


@pytest.mark.parametrize("demodulate, upsample", [(True, False), (False, False),
                                                  (True, True)])
def test_modulated_conv_equals_a_per_example_kernel(demodulate, upsample):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 5, 4)).astype("float32")
    w = rng.normal(size=(3, 6)).astype("float32")
    layer = ModulatedConv2D(7, 3, demodulate=demodulate, upsample=upsample)
    layer([x, w])  # builds it
    # Styles that differ per example (the Dense starts with bias 1).
    layer.style.kernel.assign(rng.normal(size=(6, 4)).astype("float32"))
    layer.bias.assign(rng.normal(size=(7,)).astype("float32"))
    out = layer([x, w]).numpy()
    assert out.shape == (3, 10 if upsample else 5, 10 if upsample else 5, 7)
    np.testing.assert_allclose(out, _brute_force(layer, x, w), rtol=1e-4, atol=1e-4)


def test_demodulation_restores_unit_variance_whatever_the_style():
    """Eq. 3 assumes i.i.d. unit-variance inputs: the output then has unit
    variance, however large the styles (inner pixels, away from the padding)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 16, 16, 32)).astype("float32")
    layer = ModulatedConv2D(16, 3)
    layer([x, np.zeros((8, 4), "float32")])
    layer.style.bias.assign(np.full(32, 50.0, "float32"))  # styles of 50
    out = layer([x, np.zeros((8, 4), "float32")]).numpy()[:, 1:-1, 1:-1]
    assert out.std() == pytest.approx(1.0, abs=0.05)
    plain = ModulatedConv2D(16, 3, demodulate=False)
    plain([x, np.zeros((8, 4), "float32")])
    plain.style.bias.assign(np.full(32, 50.0, "float32"))
    assert plain([x, np.zeros((8, 4), "float32")]).numpy().std() > 10


def test_noise_injection_starts_silent_and_scales_per_channel():
    x = np.ones((2, 3, 3, 2), "float32")
    noise = np.arange(18, dtype="float32").reshape(2, 3, 3, 1)
    layer = NoiseInjection()
    np.testing.assert_array_equal(layer([x, noise]).numpy(), x)
    layer.strength.assign([0.5, -1.0])
    out = layer([x, noise]).numpy()
    np.testing.assert_allclose(out[..., 0], 1 + 0.5 * noise[..., 0])
    np.testing.assert_allclose(out[..., 1], 1 - noise[..., 0])


def test_learned_constant_repeats_one_tensor_and_round_trips(tmp_path):
    w = keras.Input((4,))
    const = LearnedConstant((3, 3, 2), name="const")(w)
    noise = keras.Input((6, 6, 1))
    y = ModulatedConv2D(5, 3, upsample=True, name="conv")([const, w])
    y = NoiseInjection(name="noise")([y, noise])
    y = PixelNorm(name="norm")(y)
    model = keras.Model([w, noise], y)
    model.get_layer("noise").strength.assign(np.full(5, 0.3, "float32"))
    inputs = [np.random.default_rng(0).normal(size=(2, 4)).astype("float32"),
              np.ones((2, 6, 6, 1), "float32")]
    out = model(inputs).numpy()
    assert out.shape == (2, 6, 6, 5)
    first = model.get_layer("const")(inputs[0]).numpy()
    np.testing.assert_array_equal(first[0], first[1])
    model.save(tmp_path / "style.keras")
    again = keras.models.load_model(tmp_path / "style.keras")
    np.testing.assert_allclose(again(inputs).numpy(), out, rtol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        LearnedConstant((3, 3))
    with pytest.raises(ValueError, match="filters"):
        ModulatedConv2D(0)
    with pytest.raises(TypeError, match="demodulate"):
        ModulatedConv2D(4, demodulate="yes")


def test_modulated_conv_computes_in_bfloat16_with_float32_weights():
    layer = ModulatedConv2D(4, 3, dtype="mixed_bfloat16")
    out = layer([np.ones((1, 4, 4, 2), "float32"), np.ones((1, 3), "float32")])
    assert out.dtype == "bfloat16"
    assert {v.dtype for v in layer.weights} == {"float32"}
