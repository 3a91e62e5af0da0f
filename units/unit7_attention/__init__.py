"""Attention lab (beyond the syllabus, from the course's attention and CLIP
lectures): attention as a soft lookup, self- against cross-attention, long
sequences, Vision Transformers, CLIP and masked autoencoders on the embedded
digits.

Run ``python -m units.unit7_attention --exercise NAME`` (``--help`` lists them):

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

from units.lab import Lab
from units.unit7_attention import attention
from units.unit7_attention import clip
from units.unit7_attention import vision

LAB = Lab(
    "unit7_attention",
    "Attention, transformers, CLIP and masked autoencoders on the embedded digits.",
    default_exercise="clip",
    modules=[clip, attention, vision],
    page="docs/units/unit7_attention.md",
)
main = LAB.main
