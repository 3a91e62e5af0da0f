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
