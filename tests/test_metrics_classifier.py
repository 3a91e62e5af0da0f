"""keras_genai.metrics.classifier: class-based measures on known inputs, the digit
classifier."""

import os

import keras
import numpy as np
import pytest

from keras_genai import metrics
from keras_genai.metrics import classifier as classifier_module


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


def test_digit_classifier_is_loaded_from_its_cache(tmp_path, monkeypatch):
    """A cached classifier is loaded, not trained again; a damaged one is
    replaced. (Its >= 98% accuracy is checked by the Unit IV lab's slow test,
    which trains it.)"""
    from keras_genai.builders import lenet

    cached = lenet(filters=(2, 2), dense_units=4, seed=1, name="digit_classifier")
    cached.save(tmp_path / classifier_module._CLASSIFIER_NAME)

    def must_not_train(**kwargs):
        raise AssertionError("the cached classifier must be used")

    monkeypatch.setattr(classifier_module, "train_digit_classifier", must_not_train)
    loaded = metrics.digit_classifier(cache_dir=tmp_path)
    x = np.random.default_rng(0).uniform(size=(3, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0),
                               cached.predict(x, verbose=0), rtol=1e-6)

    (tmp_path / classifier_module._CLASSIFIER_NAME).write_bytes(b"damaged")
    monkeypatch.setattr(classifier_module, "train_digit_classifier",
                        lambda **kwargs: (cached, 1.0))
    assert metrics.digit_classifier(cache_dir=tmp_path) is cached
    assert keras.models.load_model(tmp_path / classifier_module._CLASSIFIER_NAME)


def test_lenet_with_a_seed_is_reproducible():
    from keras_genai.builders import lenet

    a, b = lenet(seed=7), lenet(seed=7)
    for va, vb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(va.numpy(), vb.numpy())
    assert not np.array_equal(a.weights[0].numpy(), lenet(seed=8).weights[0].numpy())


def test_inception_score_by_hand():
    assert metrics.inception_score(np.eye(4)) == pytest.approx(4.0)
    assert metrics.inception_score(np.eye(4)[[2, 2, 2]]) == pytest.approx(1.0)
    assert metrics.inception_score(np.full((5, 3), 1 / 3)) == pytest.approx(1.0)
    # Two samples, p(y|x) = (0.9, 0.1) and (0.1, 0.9): p(y) uniform,
    # KL = 0.9 log 1.8 + 0.1 log 0.2 for both.
    p = np.array([[0.9, 0.1], [0.1, 0.9]])
    assert metrics.inception_score(p) == pytest.approx(
        np.exp(0.9 * np.log(1.8) + 0.1 * np.log(0.2)))


def test_label_accuracy_overall_and_per_class():
    probs = np.eye(3)[[0, 1, 1, 2, 0]]
    result = metrics.label_accuracy(probs, np.array([0, 1, 2, 2, 0]))
    assert result["accuracy"] == pytest.approx(4 / 5)
    assert result["per_class"] == [1.0, 1.0, 0.5]
    assert result["min_class_accuracy"] == 0.5
    missing = metrics.label_accuracy(np.eye(3)[[0]], np.array([0]))
    assert np.isnan(missing["per_class"][1]) and missing["min_class_accuracy"] == 1.0
    with pytest.raises(ValueError, match="labels"):
        metrics.label_accuracy(probs, np.array([0, 1]))


def test_classifier_features_are_the_named_layer_outputs():
    from keras_genai.builders import lenet

    clf = lenet(filters=(2, 2), dense_units=5, seed=1)
    images = np.random.default_rng(0).uniform(0, 255, (4, 28, 28)).astype("float32")
    features = metrics.classifier_features(images, classifier=clf,
                                           value_range=(0, 255))
    assert features.shape == (4, 5)
    hidden = keras.Model(clf.inputs, clf.get_layer("hidden").output)
    np.testing.assert_allclose(features, hidden(images[..., None] / 255.0),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="layer"):
        metrics.classifier_features(images, classifier=clf, layer="nope")
    with pytest.raises(ValueError, match="images"):
        metrics.classifier_features(np.zeros((2, 28)), classifier=clf)


def test_a_judge_per_labelled_dataset_trained_once_and_cached(tmp_path, monkeypatch):
    """Colour pictures whose class is their colour: the judge learns them, is
    saved under the dataset's key and loaded, not trained, the next time."""
    from keras_genai.data import load_images

    rng = np.random.default_rng(0)
    for name, channel in (("red", 0), ("blue", 2)):
        os.makedirs(tmp_path / "pics" / name)
        for i in range(12):
            image = rng.integers(0, 60, (10, 10, 3))
            image[..., channel] += 180
            keras.utils.save_img(tmp_path / "pics" / name / f"{i}.png",
                                 image.astype("uint8"))
    images = load_images(str(tmp_path / "pics"), image_size=8)
    model, accuracy = metrics.train_image_classifier(images, epochs=15, batch_size=8)
    assert model.output_shape == (None, 2) and accuracy == 1.0
    x, y = images.arrays(None, split="train")
    probs = metrics.classify(x, classifier=model, value_range=(0, 255))
    assert (probs.argmax(axis=1) == y).mean() == 1.0
    assert metrics.classifier_features(x, classifier=model).shape == (len(x), 128)

    monkeypatch.setattr(classifier_module, "train_image_classifier",
                        lambda images, **kwargs: (model, accuracy))
    cache = tmp_path / "cache"
    first = metrics.image_classifier(images, cache_dir=cache)
    assert os.path.exists(cache / f"classifier_{images.key}_v1.keras")

    def must_not_train(*args, **kwargs):
        raise AssertionError("the cached judge must be loaded")

    monkeypatch.setattr(classifier_module, "train_image_classifier", must_not_train)
    again = metrics.image_classifier(images, cache_dir=cache)
    np.testing.assert_allclose(again.predict(x, verbose=0),
                               first.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="labelled"):
        metrics.train_image_classifier(load_images(
            str(tmp_path / "pics" / "red"), image_size=8))
