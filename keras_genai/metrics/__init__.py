"""Sample-quality measures.

* `classifier`: the digit classifier that judges generated digits, its
  probabilities and features, confident share, class histogram, label accuracy
  of conditional samples, the (classifier) Inception Score.
* `distances`: Fréchet distance (FID) and kernel distance (KID) between two sets
  of feature vectors.
* `coverage`: modes covered and share of high-quality samples for mixtures with
  known modes.
* `manifold`: nearest-neighbour measures: precision and recall (fidelity and
  variety apart), density and coverage, memorisation (nearest training vs
  test image), the maximum-likelihood intrinsic dimension.
* `reconstruction`: PSNR, ROC AUC of anomaly scores, principal angles between
  subspaces (a linear autoencoder vs PCA).
"""

from keras_genai.metrics.classifier import class_histogram
from keras_genai.metrics.classifier import classifier_features
from keras_genai.metrics.classifier import classify
from keras_genai.metrics.classifier import confident_fraction
from keras_genai.metrics.classifier import digit_classifier
from keras_genai.metrics.classifier import image_classifier
from keras_genai.metrics.classifier import inception_score
from keras_genai.metrics.classifier import label_accuracy
from keras_genai.metrics.classifier import sample_quality
from keras_genai.metrics.classifier import train_digit_classifier
from keras_genai.metrics.classifier import train_image_classifier
from keras_genai.metrics.coverage import mode_coverage
from keras_genai.metrics.distances import frechet_distance
from keras_genai.metrics.distances import gaussian_frechet_distance
from keras_genai.metrics.distances import kernel_inception_distance
from keras_genai.metrics.distances import polynomial_kernel
from keras_genai.metrics.manifold import density_coverage
from keras_genai.metrics.manifold import intrinsic_dimension
from keras_genai.metrics.manifold import knn_radii
from keras_genai.metrics.manifold import manifold_membership
from keras_genai.metrics.manifold import memorisation
from keras_genai.metrics.manifold import pairwise_distances
from keras_genai.metrics.manifold import precision_recall
from keras_genai.metrics.reconstruction import principal_angles
from keras_genai.metrics.reconstruction import psnr
from keras_genai.metrics.reconstruction import roc_auc

__all__ = [
    "class_histogram",
    "classifier_features",
    "classify",
    "confident_fraction",
    "density_coverage",
    "digit_classifier",
    "image_classifier",
    "frechet_distance",
    "gaussian_frechet_distance",
    "inception_score",
    "intrinsic_dimension",
    "kernel_inception_distance",
    "knn_radii",
    "label_accuracy",
    "manifold_membership",
    "memorisation",
    "mode_coverage",
    "pairwise_distances",
    "polynomial_kernel",
    "precision_recall",
    "principal_angles",
    "psnr",
    "roc_auc",
    "sample_quality",
    "train_digit_classifier",
    "train_image_classifier",
]
