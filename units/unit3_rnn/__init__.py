"""Unit III lab: recurrent networks, back-propagation through time, vanishing and
exploding gradients.

Run ``python -m units.unit3_rnn --exercise NAME`` (``--help`` lists them):

* ``memory`` (default): the adding problem (add the two marked numbers of a long
  sequence). Always answering 1 scores an MSE of 1/6 ~ 0.167; LSTM and GRU get far
  below it, a SimpleRNN does not at this length.
* ``vanishing``: ``||dL/dh_t||`` against the time step ``t`` for SimpleRNN, LSTM and
  GRU (computed with ``tf.GradientTape`` by unrolling each cell), at
  initialisation and after training on the adding problem. At initialisation the
  gated cells' gradients vanish too (a forget gate near sigmoid(1) ~ 0.73 shrinks
  them every step); training teaches them to keep their gates open, which a
  SimpleRNN cannot do.
* ``clipping``: a ReLU RNN with recurrent weights of gain 1.2, trained with and without
  gradient clipping: without, the loss explodes; with ``global_clipnorm`` it
  trains. Checks that the course's clip factor ``threshold / ||g||`` is what Keras
  applies.
* ``gates``: the notes' SimpleRNN, LSTM and GRU equations written out in
  NumPy and run with the weights of Keras' cells (both GRU variants: Keras'
  update keeps the old state with weight z, the notes' with 1 - z); an LSTM
  against a GRU on the adding problem (parameters, time per update, MSE); and
  clipping each gradient value against clipping the gradient's norm.
* ``bptt-cost``: seconds and peak memory of one pass of back-propagation
  through time against the sequence length (50 ... 2,000), full and
  truncated, each measured in a fresh process; then an LSTM trained to
  repeat the input of 5 steps before, with truncations of 1 (an update after
  every step), 3 and 10 steps and with full BPTT.
* ``bidirectional``: per-step labels that depend on the next steps: a
  bidirectional LSTM (or SimpleRNN: the window is short) beats a unidirectional
  one, stacked or not, which cannot do better than the exact Bayes ceiling for a
  left-to-right reader; averaging the two directions' own predictions (the
  notes' sum of probability vectors) falls between them.
* ``seq2seq``: translation with an LSTM encoder-decoder (many-to-many of
  different lengths), on dates written seven ways ("3 March 2021",
  "wednesday, 03 march 2021", "03.03.21"...) to translate into ISO dates:
  without attention, then with Bahdanau attention over the encoder's states;
  exact match on held-out dates, greedy and with beam search, by source
  length, and the attention's alignment maps. The attention model is
  exported: ``translate(strings)`` takes and returns strings.
* ``captioning``: one to many: a CNN encoder sets the state of an LSTM
  decoder that writes each digit's caption ("a thick seven leaning right"):
  accuracy of the digit word and of each attribute word, decoded greedily.
* ``forecast``: an LSTM forecasts the next 10 values of noisy sine waves, against
  the naive "repeat the last value" forecast; the model is exported.
* ``anomaly``: an LSTM trained to forecast the next value of clean sine waves
  flags injected spikes and level shifts by its forecast error: ROC AUC of
  each kind against the naive forecast's, and what a threshold flags.
* ``text-generation``: character-level language models (an LSTM, a GRU and a
  small causal transformer) on the prose of Python's own reference manual:
  test bits per character against the unigram floor, samples at temperatures
  0.5, 1.0 and 1.5, and the GRU trained with BPTT over 10, 30 and 100 steps.
  The LSTM's sampler is exported: ``sample(prompt, length, temperature,
  seed)`` takes and returns strings.
* ``text-classification``: which part of the Python manual a sentence comes
  from (many-to-one): an LSTM and a bidirectional LSTM against a bag of
  words, on the sentences as written and with their words shuffled.
"""

from units.lab import Lab
from units.unit3_rnn import bptt
from units.unit3_rnn import encoder_decoder
from units.unit3_rnn import gates
from units.unit3_rnn import memory
from units.unit3_rnn import sequences
from units.unit3_rnn import text

LAB = Lab(
    "unit3_rnn",
    "Unit III - recurrent networks: memory, back-propagation through time, "
    "vanishing and exploding gradients, bidirectional RNNs, translation with an "
    "encoder-decoder and attention, forecasting, text generation.",
    default_exercise="memory",
    modules=[memory, gates, bptt, sequences, encoder_decoder, text],
    page="docs/units/unit3_rnn.md",
)
main = LAB.main
