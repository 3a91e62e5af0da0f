"""How the Unit IV lab measures generated digits."""

import numpy as np

from keras_genai import data
from keras_genai import metrics
from keras_genai.cli import Row

# How the summary shows a `DigitJudge.report`: label and format of each number.
REPORT_ROWS = {
    "fid": ("classifier FID (1,000 samples vs test digits)", "{:.3f}"),
    "kid": ("classifier KID", "{:.4f}"),
    "inception_score": ("classifier Inception Score", "{:.3f}"),
    "confident_fraction": ("confident samples (p>=0.9)", "{:.1%}"),
    "min_class_share": ("rarest digit share", "{:.1%}"),
    "class_counts": ("class counts 0-9", None),
    "label_accuracy": ("label accuracy (classifier agrees with the requested "
                       "digit)", "{:.1%}"),
    "min_class_accuracy": ("worst digit", "{:.1%}"),
    "per_class": ("label accuracy per digit 0-9", "{:.0%}"),
}


class DigitJudge:
    """The digit classifier and the real test digits' features, computed once.

    ``report(images)`` measures 1,000-odd generated digits the same way for every
    exercise: the share the classifier labels with confidence >= 0.9, the rarest
    digit's share, the classifier Inception Score, and the classifier FID and KID
    against the 1,000 test digits. The *floor* is the same distances between
    1,000 real training digits and the test digits: a perfect generator scores
    about that, not 0.

    Example:

    >>> judge = DigitJudge()
    >>> summary = {**judge.floors(), **judge.rows(judge.report(samples))}
    """

    def __init__(self):
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

        Example:

        >>> judge.report(model.sample(labels=labels), labels)["label_accuracy"]
        0.976
        """
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

    @staticmethod
    def rows(report, at_least=None, at_most=None):
        """The summary rows of a `report`, with targets ``{key: threshold}``
        to reach (``at_least``) or stay under (``at_most``).

        Example:

        >>> DigitJudge.rows({"fid": 43.3}, at_least={})["fid"].text
        '43.300'
        """
        at_least, at_most = at_least or {}, at_most or {}
        return {key: Row(value, *REPORT_ROWS[key], at_least=at_least.get(key),
                         at_most=at_most.get(key))
                for key, value in report.items()}

    def floors(self):
        """The judge's own numbers (classifier accuracy, the real digits'
        confident share, the FID and KID floors), as summary rows.

        Example:

        >>> summary = {**judge.floors(), **judge.rows(judge.report(samples))}
        """
        return {
            "classifier_accuracy": Row(self.accuracy, "judge: classifier test "
                                                      "accuracy", "{:.1%}"),
            "real_confident_fraction": Row(self.real_confident,
                                           "judge: real test digits confident",
                                           "{:.1%}", note="the ceiling"),
            "fid_floor": Row(self.fid_floor, "FID floor (1,000 real train vs test "
                                             "digits)", "{:.3f}"),
            "kid_floor": Row(self.kid_floor, "KID floor", "{:.4f}"),
        }
