"""keras_genai.utils.set_seed (per-model bit-identity is in conformance.py)."""

import keras
import numpy as np
import pytest

from keras_genai.utils import is_deterministic
from keras_genai.utils import set_seed


def test_same_seed_same_numbers_different_seed_different(op_determinism_off):
    def draw(seed):
        set_seed(seed)
        layer = keras.layers.Dense(3)
        layer.build((None, 2))
        return (np.asarray(layer.kernel), np.random.rand(2),
                np.asarray(keras.random.normal((3,))))

    a, b, c = draw(1), draw(1), draw(2)
    for x, y, z in zip(a, b, c):
        np.testing.assert_array_equal(x, y)
        assert not np.array_equal(x, z)


def test_deterministic_switches_op_determinism(op_determinism_off):
    assert set_seed(3, deterministic=True) == 3
    assert is_deterministic()
    set_seed(3, deterministic=False)
    assert not is_deterministic()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(seed=-1), ValueError, "seed=-1"), (dict(seed=1.5), TypeError, "seed=1.5"),
    (dict(seed=True), TypeError, "seed=True"),
    (dict(seed=0, deterministic="yes"), TypeError, "deterministic='yes'"),
])
def test_bad_arguments(kwargs, error, match, op_determinism_off):
    with pytest.raises(error, match=match):
        set_seed(**kwargs)
