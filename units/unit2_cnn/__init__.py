"""Unit II lab: convolutional networks.

Run ``python -m units.unit2_cnn --exercise NAME`` (``--help`` lists them):

* ``cnn`` (default): the course's CIFAR-10 listing (`simple_cnn`), sized for
  28x28 digits, with dropout before the logits, trained with EarlyStopping (on a
  validation split of the training set, never the test set), ModelCheckpoint and
  TensorBoard; exported as a SavedModel. Target: >= 97% test accuracy.
* ``architectures``: VGG, GoogLeNet (inception blocks) and ResNet (residual blocks)
  sized for 28x28, with the course CNN for reference: parameters, seconds per
  epoch and test accuracy in one table.
* ``degradation``: He et al.'s Figure 1 on the digits: plain networks of 20
  and 56 layers against residual networks of the same depth (zero-padding
  shortcuts), training error against epochs; the deeper plain network trains
  worse.
* ``listing``: the course's first CNN exactly as written (``Conv2D(32, (3, 3),
  input_shape=(64, 64, 3))`` ... ``Dense(10, activation='softmax')``,
  ``categorical_crossentropy`` on one-hot labels; 3,938,570 weights) on the
  digits at 64x64x3, and the output-size formula and weight sharing checked
  against Keras.
* ``datagen``: the course's ``ImageDataGenerator`` listing as written against
  the same augmentation as Keras 3 preprocessing layers, with and without its
  horizontal flip (a flipped digit is another shape), each training the course
  CNN on 500 digits.
* ``pooling``: what 2x2 and 4x4 max, average and min pooling keep of a digit;
  the course CNN with each, with no pooling, and with a global max or global
  average head: test accuracy, and how much accuracy and logits change when
  the test digits move 1-4 pixels (translation invariance).
* ``feature-maps``: the first-layer filters and the feature maps of each
  convolution for one digit.
* ``regularization``: dropout and batch normalisation switched on and off, and
  spatial dropout (whole feature maps): train and test accuracy and the gap
  between them.
* ``normalization``: batch norm trained with batches of 2, 8 and 64 against
  group and layer norm, each scored with batch norm's running averages
  (inference mode) and with each test batch's own statistics (training mode).
* ``augmentation``: a grid of augmented digits (geometric, colour, blur, random
  erasing, mixup, cutmix), the digits through sharpening and edge-detection
  kernels, and the CNN trained with and without augmentation on
  500 digits.
* ``transfer-learning``: the course CNN trained on digits 0-4, reused for
  digits 5-9 with 50, 100 and 500 labels: trained from scratch, frozen
  features under a new head, then fine-tuned with a lower learning rate.
"""

from units.lab import Lab
from units.unit2_cnn import features
from units.unit2_cnn import listing
from units.unit2_cnn import networks
from units.unit2_cnn import regularization
from units.unit2_cnn import transfer

LAB = Lab(
    "unit2_cnn",
    "Unit II - convolutional networks: the course CNN with Keras callbacks, VGG / "
    "GoogLeNet / ResNet, pooling, feature maps, regularisation and augmentation.",
    default_exercise="cnn",
    modules=[networks, listing, features, regularization, transfer],
    page="docs/units/unit2_cnn.md",
)
main = LAB.main
