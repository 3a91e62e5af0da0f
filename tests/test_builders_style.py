"""The style-based generator's builders: shapes, the per-layer latents and
noise, and the split into mapping and synthesis."""

import keras
import numpy as np
import pytest

from keras_genai import builders
from keras_genai.builders.style import style_layer_counts
from keras_genai.layers.style import SelectStyle
from keras_genai.layers.style import SubsampleNoise


def _inputs(n=2, num_ws=4, latent=8, hw=8, num_noise=3, seed=0):
    rng = np.random.default_rng(seed)
    return {"z": rng.normal(size=(n, num_ws, latent)).astype("float32"),
            "noise": rng.normal(size=(n, hw, hw, num_noise)).astype("float32")}


def _generator():
    return builders.stylegan_generator(8, (8, 8, 1), w_dim=6, mapping_layers=2,
                                       filters=(8, 4))


def test_layer_counts_and_shapes():
    assert style_layer_counts(3) == (6, 5) and style_layer_counts(1) == (2, 1)
    g = builders.stylegan_generator()  # 28x28: 7, 14, 28
    assert tuple(g.input["z"].shape) == (None, 6, 64)
    assert tuple(g.input["noise"].shape) == (None, 28, 28, 5)
    assert g.output_shape == (None, 28, 28, 1)
    assert builders.stylegan_mapping(16, 32, 3).output_shape == (None, None, 32)


def test_generator_is_the_synthesis_of_the_mapped_latents():
    g, inputs = _generator(), _inputs()
    ws = g.get_layer("mapping")(inputs["z"])
    expected = g.get_layer("synthesis")({"ws": ws, "noise": keras.ops.convert_to_tensor(
        inputs["noise"])})
    out = g(inputs).numpy()
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert np.abs(out).max() <= 1.0


def test_each_style_row_and_noise_channel_reaches_the_image():
    """Every row of z drives its own layer; with the noise strengths still 0
    the noise does nothing, and once set, each channel matters."""
    g, inputs = _generator(), _inputs()
    out = g(inputs).numpy()
    for row in range(4):
        changed = {k: v.copy() for k, v in inputs.items()}
        changed["z"][:, row] += 1.0
        assert not np.allclose(g(changed), out, atol=1e-5), row
    zero_noise = dict(inputs, noise=np.zeros_like(inputs["noise"]))
    np.testing.assert_allclose(g(zero_noise), out, atol=1e-6)
    for layer in g.get_layer("synthesis").layers:
        if layer.name.endswith("_noise"):
            layer.strength.assign(np.ones(layer.strength.shape, "float32"))
    out = g(inputs).numpy()
    for channel in range(3):
        changed = dict(inputs, noise=inputs["noise"].copy())
        changed["noise"][..., channel] += 1.0
        assert not np.allclose(g(changed), out, atol=1e-5), channel


def test_selection_layers_by_hand():
    ws = np.arange(2 * 3 * 4, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(SelectStyle(1)(ws), ws[:, 1])
    noise = np.arange(2 * 4 * 4 * 2, dtype="float32").reshape(2, 4, 4, 2)
    np.testing.assert_array_equal(SubsampleNoise(1, 2)(noise), noise[:, ::2, ::2, 1:])
    assert SubsampleNoise(0, 4).compute_output_shape((None, 28, 28, 5)) == \
        (None, 7, 7, 1)


def test_round_trip_through_keras_file(tmp_path):
    g, inputs = _generator(), _inputs()
    g.save(tmp_path / "g.keras")
    loaded = keras.models.load_model(tmp_path / "g.keras")
    np.testing.assert_allclose(loaded(inputs), g(inputs), atol=1e-6)


@pytest.mark.parametrize("argument, build", [
    ("image_shape", lambda: builders.stylegan_generator(image_shape=(30, 30, 1))),
    ("filters", lambda: builders.stylegan_synthesis(filters=())),
    ("w_dim", lambda: builders.stylegan_mapping(w_dim=0)),
    ("num_layers", lambda: builders.stylegan_mapping(num_layers=0)),
    ("index", lambda: SelectStyle(-1)),
    ("stride", lambda: SubsampleNoise(0, 0)),
])
def test_bad_arguments(argument, build):
    with pytest.raises((ValueError, TypeError), match=argument):
        build()
