"""How the Unit IV lab measures generated digits."""

import numpy as np


class DigitJudge:
    """The digit classifier and the real test digits' features, computed once.

    ``report(images)`` measures 1,000-odd generated digits the same way for every
    exercise: the share the classifier labels with confidence >= 0.9, the rarest
    digit's share, the classifier Inception Score, and the classifier FID and KID
    against the 1,000 test digits. The *floor* is the same distances between
    1,000 real training digits and the test digits: a perfect generator scores
    about that, not 0.
    """

    def __init__(self):
        from keras_genai import data
        from keras_genai import metrics

        (x_train, _), (x_test, y_test) = data.load_digits()
        self.classifier = metrics.digit_classifier()
        self.test_labels = y_test
        self.test_features = metrics.classifier_features(
            x_test, classifier=self.classifier, value_range=(0, 255))
        real = x_train[:len(x_test)]
        train_features = metrics.classifier_features(
            real, classifier=self.classifier, value_range=(0, 255))
        probs = metrics.classify(x_test, classifier=self.classifier,
                                 value_range=(0, 255))
        self.accuracy = float(np.mean(probs.argmax(axis=1) == y_test))
        self.fid_floor = metrics.frechet_distance(train_features, self.test_features)
        self.kid_floor, _ = metrics.kernel_inception_distance(train_features,
                                                              self.test_features)
        self.real_confident = metrics.confident_fraction(probs, 0.9)

    def report(self, images, labels=None, value_range=(-1.0, 1.0)):
        """Measures ``images`` (and, given the requested ``labels``, how often the
        classifier recognises them).

        Returns:
            A dict of floats: ``fid``, ``kid``, ``inception_score``,
            ``confident_fraction``, ``min_class_share``, ``class_counts`` and, with
            labels, ``label_accuracy`` / ``min_class_accuracy`` / ``per_class``.
        """
        from keras_genai import metrics

        probs = metrics.classify(images, classifier=self.classifier,
                                 value_range=value_range)
        features = metrics.classifier_features(images, classifier=self.classifier,
                                               value_range=value_range)
        counts = metrics.class_histogram(probs)
        result = {
            "fid": metrics.frechet_distance(features, self.test_features),
            "kid": metrics.kernel_inception_distance(features, self.test_features)[0],
            "inception_score": metrics.inception_score(probs),
            "confident_fraction": metrics.confident_fraction(probs, 0.9),
            "min_class_share": float(counts.min() / counts.sum()),
            "class_counts": counts.tolist(),
        }
        if labels is not None:
            accuracy = metrics.label_accuracy(probs, labels)
            result.update(label_accuracy=accuracy["accuracy"],
                          min_class_accuracy=accuracy["min_class_accuracy"],
                          per_class=accuracy["per_class"])
        return result

    def floors(self):
        """The judge's own numbers, for the summary."""
        return {
            "judge: classifier test accuracy": f"{self.accuracy:.1%}",
            "judge: real test digits confident": f"{self.real_confident:.1%} "
                                                 "(the ceiling)",
            "FID floor (1,000 real train vs test digits)": round(self.fid_floor, 3),
            "KID floor": round(self.kid_floor, 4),
        }
