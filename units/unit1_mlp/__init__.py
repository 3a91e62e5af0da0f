"""Unit I lab: perceptrons, multi-layer perceptrons and back-propagation.

Run ``python -m units.unit1_mlp --exercise NAME`` (``--help`` lists them):

* ``xor`` (default): a single perceptron cannot fit XOR or XNOR (its decision
  boundary is one straight line, so at most 3 of the 4 points are right), while a
  2-2-1 MLP fits both; the decision regions of each are drawn.
* ``backprop``: back-propagation written by hand in NumPy agrees with
  ``tf.GradientTape`` (to 1e-5), one hand-made SGD step equals Keras' ``SGD``, and
  the NumPy network trains on the digits by itself.
* ``optimizers``: full-batch gradient descent vs mini-batch SGD vs momentum vs
  Adam on the digits, from the same initial weights: loss curves on one plot.
* ``activations``: sigmoid, tanh, ReLU, leaky ReLU, ELU, SELU and PReLU and
  their derivatives, and what they (and maxout) do to a deep (8 hidden layers)
  MLP trained with plain SGD: with sigmoid the first layers get almost no
  gradient (sigmoid' <= 1/4 per layer). Then the share of a ReLU MLP's units
  that die (never fire again) at a high learning rate.
* ``capacity``: hidden width 2 ... 1,024, then depth 1 ... 8 at equal
  parameters, on 300 training digits: train and test accuracy, and whether the
  test loss turns up (overfitting).
* ``digits``: an MLP on the embedded digits, test accuracy (target >= 93%).
"""

from units.lab import Lab
from units.unit1_mlp import capacity
from units.unit1_mlp import perceptrons
from units.unit1_mlp import training

LAB = Lab(
    "unit1_mlp",
    "Unit I - perceptrons, MLPs, back-propagation and gradient-based learning.",
    default_exercise="xor",
    modules=[perceptrons, training, capacity],
    page="docs/units/unit1_mlp.md",
)
main = LAB.main
