"""keras_genai.data.translation: the image-to-image tasks, by hand."""

import numpy as np
import pytest

from keras_genai.data.translation import downsample
from keras_genai.data.translation import occlude
from keras_genai.data.translation import thicken


def test_occlude_hides_one_square_in_the_middle():
    images = np.ones((50, 28, 28), np.float32)
    images[:, 0, 0] = -1.0
    masked, mask = occlude(images, hole=12, seed=1)
    assert masked.shape == mask.shape == (50, 28, 28, 1)
    assert np.all(mask.sum(axis=(1, 2, 3)) == 144)
    np.testing.assert_array_equal(masked[mask > 0], -1.0)  # filled with the min
    np.testing.assert_array_equal(masked[mask == 0], images[..., None][mask == 0])
    rows = np.where(mask.any(axis=(2, 3)))[1]
    assert rows.min() >= 4 and rows.max() <= 23  # never at the border
    with pytest.raises(ValueError, match="hole"):
        occlude(images, hole=28)


def test_thicken_is_a_3x3_maximum():
    image = np.zeros((1, 5, 5), np.float32)
    image[0, 2, 2] = 1.0
    bold = thicken(image)[0, ..., 0]
    expected = np.zeros((5, 5))
    expected[1:4, 1:4] = 1.0
    np.testing.assert_array_equal(bold, expected)
    with pytest.raises(ValueError, match="size"):
        thicken(image, size=2)


def test_downsample_averages_blocks():
    image = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    small = downsample(image, 2)[0, ..., 0]
    np.testing.assert_array_equal(small, [[2.5, 4.5], [10.5, 12.5]])
    with pytest.raises(ValueError, match="factor"):
        downsample(image, 3)


def test_tint_colours_ink_and_keeps_the_grey_image():
    from keras_genai.data.translation import DIGIT_COLOURS
    from keras_genai.data.translation import ink_colour_labels
    from keras_genai.data.translation import tint

    images = np.full((10, 4, 4, 1), -1.0, np.float32)
    images[:, 1:3, 1:3] = 1.0  # full ink
    images[:, 0, 0] = 0.0  # half ink
    labels = np.arange(10)
    colour = tint(images, labels)
    assert colour.shape == (10, 4, 4, 3)
    np.testing.assert_allclose(colour[:, 1, 1], 2 * DIGIT_COLOURS - 1, atol=1e-6)
    np.testing.assert_allclose(colour[:, 0, 0], DIGIT_COLOURS - 1, atol=1e-6)
    np.testing.assert_array_equal(colour[:, 3, 3], -1.0)  # black stays black
    np.testing.assert_allclose(colour.max(axis=-1, keepdims=True), images, atol=1e-6)
    assert ink_colour_labels(colour).tolist() == labels.tolist()
    assert ink_colour_labels(np.full((1, 4, 4, 3), -1.0))[0] == -1
    # The ten colours are far apart: none is another's nearest.
    gaps = np.linalg.norm(DIGIT_COLOURS[:, None] - DIGIT_COLOURS[None], axis=-1)
    assert gaps[~np.eye(10, dtype=bool)].min() > 0.3
    with pytest.raises(ValueError, match="labels"):
        tint(images, labels + 1)


def test_edge_map_outlines_a_square():
    from keras_genai.data.translation import edge_map

    square = np.full((1, 8, 8), -1.0, np.float32)
    square[0, 2:6, 2:6] = 1.0
    edges = edge_map(square)[0, ..., 0] > 0
    # The ring of pixels on either side of the border, not the inside or far out.
    assert not edges[3:5, 3:5].any() and not edges[0].any()
    assert edges[2, 2:6].all() and edges[1, 2:6].all() and edges[5, 2:6].all()
    assert set(np.unique(edge_map(square))) == {-1.0, 1.0}
    with pytest.raises(ValueError, match="threshold"):
        edge_map(square, threshold=1.5)
