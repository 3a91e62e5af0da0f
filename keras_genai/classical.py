"""Generative classifiers in NumPy, for the generative-vs-discriminative lesson.

A *generative* classifier models how each class produces its data, ``p(x | y)``,
and the class prior ``p(y)``, then classifies with Bayes' rule
``p(y | x) ∝ p(x | y) p(y)``. Because it models ``p(x | y)`` it can also *sample*
new examples of a class. A *discriminative* classifier (logistic regression, an
MLP) models ``p(y | x)`` directly: it usually classifies better with enough
data (Ng & Jordan 2001) but cannot generate.
"""

import numpy as np

from keras_genai.utils.checks import check_positive_int


def _check_xy(x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y)
    if x.ndim != 2:
        raise ValueError(f"`x` must be (N, D) feature vectors. Received: "
                         f"x.shape={x.shape}")
    if y.shape != (len(x),) or y.dtype.kind not in "iu":
        raise ValueError("`y` must be (N,) integer labels, one per row of `x`. "
                         f"Received: y.shape={y.shape}, y.dtype={y.dtype}")
    return x, y.astype(np.int64)


def _log_gaussian(x, means, variances):
    """``log N(x | mean_k, diag(var_k))`` for every row of x and every k."""
    diff = x[:, None, :] - means[None, :, :]
    return -0.5 * (np.sum(diff ** 2 / variances[None], axis=-1)
                   + np.sum(np.log(2.0 * np.pi * variances), axis=-1)[None])


def _logsumexp(a, axis):
    top = a.max(axis=axis, keepdims=True)
    return np.squeeze(top, axis) + np.log(np.sum(np.exp(a - top), axis=axis))


def _kmeans_plus_plus(x, k, rng):
    """k-means++ seeding (Arthur & Vassilvitskii 2007): each new centre is a data
    point drawn with probability proportional to its squared distance to the
    nearest centre so far; spreads the initial means over the modes."""
    centres = [x[rng.integers(len(x))]]
    for _ in range(1, k):
        d2 = np.min([np.sum((x - c) ** 2, axis=1) for c in centres], axis=0)
        p = d2 / d2.sum() if d2.sum() > 0 else None
        centres.append(x[rng.choice(len(x), p=p)])
    return np.array(centres)


class GaussianMixtureClassifier:
    """One diagonal-covariance Gaussian mixture per class, fitted by EM.

    ``p(x | y = c) = sum_k pi_ck N(x | mu_ck, diag(sigma2_ck))`` (Dempster, Laird &
    Rubin 1977; Bishop 2006, sec. 9.2.2). With ``components=1`` it is Gaussian
    naive Bayes: pixels independent given the class. The means start from
    k-means++ seeding. A variance floor
    ``var_floor`` keeps constant pixels (the digits' borders) from collapsing a
    variance to 0.

    Args:
        components: mixture components per class.
        iterations: EM iterations per class.
        var_floor: smallest variance of a feature.
        seed: seed of the EM initialisation and of `sample`.

    Example:

    >>> clf = GaussianMixtureClassifier(components=1).fit(x_train, y_train)
    >>> accuracy = np.mean(clf.predict(x_test) == y_test)
    >>> sevens = clf.sample(np.full(16, 7))
    """

    def __init__(self, components=1, iterations=50, var_floor=1e-2, seed=0):
        self.components = check_positive_int("components", components)
        self.iterations = check_positive_int("iterations", iterations)
        if not var_floor > 0:
            raise ValueError("`var_floor` must be > 0. "
                             f"Received: var_floor={var_floor}")
        self.var_floor = float(var_floor)
        self.seed = seed
        self.classes_ = None

    def fit(self, x, y):
        """Fits the class priors and each class's mixture; returns ``self``."""
        x, y = _check_xy(x, y)
        rng = np.random.default_rng(self.seed)
        self.classes_ = np.unique(y)
        self.log_prior_ = np.log(np.array([np.mean(y == c) for c in self.classes_]))
        self.weights_, self.means_, self.variances_ = [], [], []
        for c in self.classes_:
            w, m, v = self._em(x[y == c], rng)
            self.weights_.append(w)
            self.means_.append(m)
            self.variances_.append(v)
        return self

    def _em(self, x, rng):
        k = min(self.components, len(x))
        means = _kmeans_plus_plus(x, k, rng)
        variances = np.tile(np.maximum(x.var(axis=0), self.var_floor), (k, 1))
        weights = np.full(k, 1.0 / k)
        for _ in range(self.iterations if k > 1 else 1):
            if k > 1:  # E step: responsibilities
                log_r = np.log(weights)[None] + _log_gaussian(x, means, variances)
                r = np.exp(log_r - _logsumexp(log_r, axis=1)[:, None])
            else:
                r = np.ones((len(x), 1))
            n_k = r.sum(axis=0) + 1e-12  # M step
            weights = n_k / len(x)
            means = (r.T @ x) / n_k[:, None]
            variances = np.maximum((r.T @ x ** 2) / n_k[:, None] - means ** 2,
                                   self.var_floor)
        return weights, means, variances

    def _check_fitted(self):
        if self.classes_ is None:
            raise ValueError("The classifier is not fitted: call fit(x, y) first. "
                             "Received: classes_=None")

    def log_likelihood(self, x):
        """``log p(x | y = c)`` for every row of ``x`` and class ``c``:
        ``(N, num_classes)``."""
        self._check_fitted()
        x = np.asarray(x, dtype=np.float64)
        return np.stack([
            _logsumexp(np.log(w)[None] + _log_gaussian(x, m, v), axis=1)
            for w, m, v in zip(self.weights_, self.means_, self.variances_)], axis=1)

    def predict_proba(self, x):
        """``p(y | x)`` by Bayes' rule: ``(N, num_classes)``."""
        joint = self.log_likelihood(x) + self.log_prior_[None]
        return np.exp(joint - _logsumexp(joint, axis=1)[:, None])

    def predict(self, x):
        """The most probable class of each row of ``x``."""
        return self.classes_[np.argmax(self.predict_proba(x), axis=1)]

    def sample(self, labels, seed=None):
        """Draws one ``x ~ p(x | y)`` per requested label.

        Args:
            labels: 1-D class labels (values of ``classes_``).
            seed: int seed (``None``: the classifier's seed).

        Returns:
            float64 ``(len(labels), D)``.
        """
        self._check_fitted()
        labels = np.asarray(labels)
        index = {c: i for i, c in enumerate(self.classes_)}
        unknown = sorted(set(labels.tolist()) - set(index))
        if labels.ndim != 1 or unknown:
            raise ValueError(f"`labels` must be 1-D values of {self.classes_.tolist()}."
                             f" Received: labels with {unknown or labels.shape}")
        rng = np.random.default_rng(self.seed if seed is None else seed)
        out = np.empty((len(labels), self.means_[0].shape[1]))
        for j, label in enumerate(labels):
            i = index[label]
            k = rng.choice(len(self.weights_[i]), p=self.weights_[i])
            out[j] = rng.normal(self.means_[i][k], np.sqrt(self.variances_[i][k]))
        return out


class GaussianNaiveBayes(GaussianMixtureClassifier):
    """Gaussian naive Bayes: one diagonal Gaussian per class (features
    independent given the class), i.e. `GaussianMixtureClassifier` with one
    component.

    Example:

    >>> nb = GaussianNaiveBayes().fit(x_train, y_train)
    """

    def __init__(self, var_floor=1e-2, seed=0):
        super().__init__(components=1, iterations=1, var_floor=var_floor, seed=seed)
