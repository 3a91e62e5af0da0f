"""Unit II lab: convolutional networks.

Run ``python -m units.unit2_cnn --exercise NAME`` (``--help`` lists them):

* ``cnn`` (default): the course's CIFAR-10 listing (`simple_cnn`), sized for
  28x28 digits, with dropout before the logits, trained with EarlyStopping (on a
  validation split of the training set, never the test set), ModelCheckpoint and
  TensorBoard; exported as a SavedModel. Target: >= 97% test accuracy.
* ``architectures``: VGG, GoogLeNet (inception blocks) and ResNet (residual blocks)
  sized for 28x28, with the course CNN for reference: parameters, seconds per
  epoch and test accuracy in one table.
* ``pooling``: what 2x2 and 4x4 max and average pooling keep of a digit, and the
  course CNN trained with each.
* ``feature-maps``: the first-layer filters and the feature maps of each
  convolution for one digit.
* ``regularization``: dropout and batch normalisation switched on and off: train
  and test accuracy and the gap between them.
* ``augmentation``: a grid of augmented digits (geometric, colour, blur, random
  erasing, mixup, cutmix), and the CNN trained with and without augmentation on
  500 digits.
"""

from units.lab import Lab
from units.unit2_cnn import features
from units.unit2_cnn import networks
from units.unit2_cnn import regularization

LAB = Lab(
    "unit2_cnn",
    "Unit II - convolutional networks: the course CNN with Keras callbacks, VGG / "
    "GoogLeNet / ResNet, pooling, feature maps, regularisation and augmentation.",
    default_exercise="cnn",
    modules=[networks, features, regularization],
    page="docs/units/unit2_cnn.md",
)
main = LAB.main
