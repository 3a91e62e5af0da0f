"""keras_genai.metrics: quality measures on known inputs, the digit classifier."""

import keras
import numpy as np
import pytest

from keras_genai import metrics


class PixelClassifier(keras.Model):
    """A hand-made 'classifier': class = index of the brightest of the first 10
    pixels, with logits scaled so confidence is known."""

    def call(self, x):
        flat = keras.ops.reshape(x, (keras.ops.shape(x)[0], -1))[:, :10]
        return flat * 20.0


def test_classify_maps_value_range_and_returns_probabilities():
    images = -np.ones((3, 28, 28), np.float32)  # tanh range
    images[0, 0, 2] = 1.0
    images[1, 0, 7] = 1.0
    images[2, 0, 7] = 0.0  # 0.5 in unit range
    images[2, 0, 1] = 0.0
    probs = metrics.classify(images, classifier=PixelClassifier(),
                             value_range=(-1, 1))
    assert probs.shape == (3, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert probs[0].argmax() == 2 and probs[1].argmax() == 7
    assert probs[0].max() > 0.99
    np.testing.assert_allclose(probs[2, 1], probs[2, 7], rtol=1e-5)


def test_confident_fraction_and_histogram_by_hand():
    probs = np.array([[0.95, 0.05, 0.0], [0.6, 0.4, 0.0], [0.0, 0.1, 0.9],
                      [0.0, 0.0, 1.0]])
    assert metrics.confident_fraction(probs, 0.9) == 0.75
    assert metrics.confident_fraction(probs, 0.96) == 0.25
    assert metrics.class_histogram(probs).tolist() == [2, 0, 2]
    assert metrics.class_histogram(np.array([1, 1, 3]), num_classes=5).tolist() == [
        0, 2, 0, 1, 0]


def test_metric_errors_name_the_argument():
    with pytest.raises(ValueError, match="threshold"):
        metrics.confident_fraction(np.ones((2, 2)), threshold=0.0)
    with pytest.raises(ValueError, match="probabilities"):
        metrics.confident_fraction(np.ones(3))
    with pytest.raises(ValueError, match="num_classes"):
        metrics.class_histogram(np.array([1, 2]))
    with pytest.raises(ValueError, match="images"):
        metrics.classify(np.ones((2, 2)), classifier=PixelClassifier())
    with pytest.raises(ValueError, match="value_range"):
        metrics.classify(np.ones((2, 4, 4)), classifier=PixelClassifier(),
                         value_range=(1, 1))


def test_sample_quality_of_real_digits_with_a_known_classifier():
    images = np.zeros((20, 28, 28), np.float32)
    for i in range(20):
        images[i, 0, i % 10] = 255.0
    quality = metrics.sample_quality(images, classifier=PixelClassifier(),
                                     value_range=(0, 255))
    assert quality["class_counts"] == [2] * 10
    assert quality["min_class_share"] == pytest.approx(0.1)
    assert quality["confident_fraction"] == 1.0


@pytest.mark.slow
def test_digit_classifier_reaches_98_percent_and_is_cached(digits, tmp_path):
    """Trains the classifier (~20 s), checks test accuracy and the cache."""
    (_, _), (x_test, y_test) = digits
    model = metrics.digit_classifier(cache_dir=tmp_path)
    accuracy = np.mean(metrics.classify(x_test, classifier=model,
                                        value_range=(0, 255)).argmax(1) == y_test)
    print(f"digit classifier test accuracy: {accuracy:.4f}")
    assert accuracy >= 0.98
    cached = metrics.digit_classifier(cache_dir=tmp_path)
    np.testing.assert_allclose(cached.predict(x_test[:8, ..., None] / 255.0, verbose=0),
                               model.predict(x_test[:8, ..., None] / 255.0, verbose=0),
                               rtol=1e-5, atol=1e-5)
