"""Captions of the digits: measured attributes, words relative to the class."""

import numpy as np
import pytest

from keras_genai import data
from keras_genai.data import captions


def _stroke(width=1, slant=0, size=28):
    """A vertical bar of ``width`` columns, sheared by ``slant`` pixels per row."""
    img = np.zeros((size, size))
    for r in range(4, 24):
        c = 14 + int(round(slant * (14 - r)))
        img[r, c:c + width] = 255
    return img


def test_measures_by_hand():
    m = data.measure_digits(np.stack([_stroke(1), _stroke(3), _stroke(1, slant=0.5),
                                      _stroke(1, slant=-0.5)]))
    np.testing.assert_allclose(m["thickness"][:2], [20 / 784, 60 / 784])
    np.testing.assert_allclose(m["width"][:2], [1 / 28, 3 / 28])
    assert m["slant"][0] == pytest.approx(0.0, abs=1e-9)
    assert m["slant"][2] > 0.4 and m["slant"][3] < -0.4  # top to the right / left


def test_attribute_words_are_relative_to_the_class():
    # Class 0: thin bars and thick bars; class 1: all much thicker. The thin end
    # of class 1 is still called thin.
    images = np.stack([_stroke(1)] * 3 + [_stroke(2)] * 4 + [_stroke(3)] * 3
                      + [_stroke(5)] * 3 + [_stroke(6)] * 4 + [_stroke(7)] * 3)
    labels = np.repeat([0, 1], 10)
    words = data.digit_attributes(images, labels, share=0.3)["thickness"]
    assert list(words[:10]) == ["thin"] * 3 + [""] * 4 + ["thick"] * 3
    assert list(words[10:]) == ["thin"] * 3 + [""] * 4 + ["thick"] * 3


def test_captions_on_the_digits():
    (x, y), _ = data.load_digits()
    full = data.digit_captions(x[:500], y[:500], keep=1.0)
    vocabulary = set(data.caption_vocabulary())
    for text, label in zip(full, y[:500]):
        words = text.split()
        assert words[0] == "a" and captions.DIGIT_WORDS[label] in words
        assert set(words) <= vocabulary and len(words) <= captions.MAX_CAPTION_WORDS
    short = data.digit_captions(x[:500], y[:500], keep=0.0)
    assert all(t == f"a {captions.DIGIT_WORDS[k]}" for t, k in zip(short, y[:500]))
    half = data.digit_captions(x[:500], y[:500], keep=0.5, seed=1)
    lengths = [len(t.split()) for t in half]
    assert 2 < np.mean(lengths) < np.mean([len(t.split()) for t in full])
    # Ink of the "thick" digits is above that of the "thin" ones of every class.
    ink = data.measure_digits(x)["thickness"]
    thick = data.digit_attributes(x, y)["thickness"]
    for k in range(10):
        assert ink[(y == k) & (thick == "thick")].min() >= ink[(y == k) & (thick == "thin")].max()


def test_caption_by_hand_and_bad_arguments():
    assert captions.caption(7, thickness="thick", slant="leaning right") == (
        "a thick seven leaning right")
    assert captions.caption(0) == "a zero"
    with pytest.raises(ValueError, match="label"):
        captions.caption(10)
    with pytest.raises(ValueError, match="share"):
        data.digit_attributes(np.zeros((2, 28, 28)), [0, 1], share=0.7)
    with pytest.raises(ValueError, match="keep"):
        data.digit_captions(np.zeros((2, 28, 28)), [0, 1], keep=2)
    with pytest.raises(ValueError, match="labels"):
        data.digit_attributes(np.zeros((2, 28, 28)), [0, 1, 2])
    with pytest.raises(ValueError, match="images"):
        data.measure_digits(np.zeros((28, 28)))


def test_encode_decode_and_read_captions():
    texts = ["a thick seven leaning right", "a one", "a thin narrow two leaning left"]
    caption_in, caption_out = data.encode_captions(texts, length=7)
    words = captions.caption_vocabulary()
    assert caption_in[0, 0] == captions.CAPTION_START
    assert caption_in[0, 1:].tolist() == [3 + words.index(w) for w in
                                          "a thick seven leaning right".split()] + [0]
    # The target is the input moved one step: the words, then the end token.
    np.testing.assert_array_equal(caption_out[:, :-1][caption_in[:, 1:] > 0],
                                  caption_in[:, 1:][caption_in[:, 1:] > 0])
    assert caption_out[1].tolist() == [3, 5, captions.CAPTION_END, 0, 0, 0, 0]
    assert data.decode_captions(caption_out) == texts
    said = data.caption_words(texts + ["a wide"])
    assert said["digit"] == [7, 1, 2, -1]
    assert said["thickness"] == ["thick", "", "thin", ""]
    assert said["width"] == ["", "", "narrow", "wide"]
    assert said["slant"] == ["leaning right", "", "leaning left", ""]
    with pytest.raises(ValueError, match="vocabulary.*'a purple one'"):
        data.encode_captions(["a purple one"])
    with pytest.raises(ValueError, match="length"):
        data.encode_captions(texts, length=3)
    with pytest.raises(ValueError, match="length"):
        data.encode_captions(texts, length=0)
    with pytest.raises(TypeError, match="not one string"):
        data.encode_captions("a one")


def test_measure_digits_on_a_fixed_value_range():
    from keras_genai.data import measure_digits

    stroke = np.eye(8)[None] * 2.0 - 1.0  # a "\\" stroke in [-1, 1]
    faint = stroke * 0.5 - 0.5  # the same stroke in [-1, 0]: less ink
    fixed = measure_digits(np.concatenate([stroke, faint]), value_range=(-1, 1))
    assert fixed["thickness"][0] == pytest.approx(1 / 8)
    assert fixed["thickness"][1] == pytest.approx(0.5 / 8)
    assert fixed["slant"].tolist() == pytest.approx([-1.0, -1.0])
    # Without a range each batch is rescaled by its own extremes.
    assert measure_digits(faint)["thickness"][0] == pytest.approx(1 / 8)
    with pytest.raises(ValueError, match="value_range"):
        measure_digits(stroke, value_range=(1, 1))
