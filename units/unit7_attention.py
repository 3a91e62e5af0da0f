"""Attention lab (beyond the syllabus, from the course's attention and CLIP
lectures): attention as a soft lookup, self- against cross-attention, long
sequences, Vision Transformers, CLIP and masked autoencoders on the embedded
digits.

Run ``python -m units.unit7_attention`` (or ``--help`` for the options and
exercises).

* ``attention``: the written-out ``softmax(Q K^T / sqrt(d)) V`` against
  Keras' own implementations (largest difference), and a lookup task (eight
  key-value records and a query key: return the value stored under the key)
  solved by one head of cross-attention (the query token asks the records)
  and by a one-block transformer over records and query together
  (self-attention), with the query token's attention over the records.
* ``long-range``: the adding problem over 100, 400 and 1,000 steps, an LSTM
  against a one-block transformer: test MSE and seconds per epoch. An RNN
  must carry the first marked number through every later step in its state;
  attention reaches it in one hop, at a cost that grows with the square of
  the length.
* ``vit``: a Vision Transformer against the course CNN at about the same
  number of weights, on 500 and 4,000 training digits: the notes' "very data
  hungry" is a statement about inductive bias (a CNN assumes locality and
  translation equivariance; a ViT must learn them).
* ``clip`` (default): CLIP trained on captions computed from each digit ("a
  thick seven leaning right"), no labels; zero-shot accuracy with the prompts
  "a zero" ... "a nine" (target 90%), caption retrieval, the prompt-by-class
  similarity matrix and a supervised LeNet for reference. Exports a SavedModel
  with ``encode_images`` and ``encode_texts`` (raw strings).
* ``clip-batch``: zero-shot accuracy against the contrastive batch size at an
  equal number of steps: every other caption of the batch is a negative.
* ``mae``: a masked autoencoder (75% of the 4x4 patches hidden):
  reconstructions, a linear probe of its encoder against raw pixels and the
  same encoder untrained, and the mask ratio from 25% to 90%.
"""

import sys

from keras_genai.cli import Lab
from keras_genai.cli import positive_int
from units.unit7 import attention
from units.unit7 import clip
from units.unit7 import vision

LAB = Lab(
    "unit7_attention",
    "Attention, transformers, CLIP and masked autoencoders on the embedded digits.",
    default_exercise="clip",
    epochs=30,
    batch_size=128,
    options=[
        ("--test-digits", dict(type=positive_int, default=None, metavar="N",
                               help="vit, mae, clip, clip-batch: evaluate on "
                                    "the first N of the 1,000 test digits, for "
                                    "a quick try (default: all)")),
        ("--lengths", dict(type=positive_int, nargs="+", default=[100, 400, 1000],
                           metavar="T", help="sequence lengths of the long-range "
                                             "exercise (default: %(default)s)")),
        ("--batch-sizes", dict(type=positive_int, nargs="+",
                               default=[16, 32, 64, 128, 256],
                               metavar="B", help="contrastive batch sizes of "
                                                 "clip-batch (default: %(default)s)")),
        ("--steps", dict(type=positive_int, default=300, metavar="N",
                         help="training steps per batch size in clip-batch "
                              "(default: %(default)s)")),
        ("--mask-ratios", dict(type=float, nargs="+", default=[0.25, 0.5, 0.75, 0.9],
                               metavar="R", help="mask ratios of the mae sweep "
                                                 "(default: %(default)s)")),
        ("--probe-epochs", dict(type=positive_int, default=200, metavar="N",
                                help="epochs of the mae exercise's linear "
                                     "classifiers (default: %(default)s)")),
    ],
)
LAB.include(clip, attention, vision)


def main(argv=None):
    """Runs the lab; see ``python -m units.unit7_attention --help``.

    Example:

    >>> main(["--exercise", "attention", "--epochs", "1", "--out", "/tmp/att"])
    0
    """
    return LAB.main(argv)


if __name__ == "__main__":
    sys.exit(main())
