"""keras_genai.cells: the notes' recurrent equations in NumPy against Keras'
cells with the same weights."""

import keras
import numpy as np
import pytest

from keras_genai import cells


def _layer(kind, **kwargs):
    """A Keras recurrent layer with random weights, biases included (Keras
    starts them at zero, which would hide a misplaced bias)."""
    layer = getattr(keras.layers, kind)(5, return_sequences=True, **kwargs)
    layer(np.zeros((1, 2, 3), "float32"))
    rng = np.random.default_rng(0)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32")
                       for w in layer.get_weights()])
    return layer


X = np.random.default_rng(1).normal(size=(4, 7, 3)).astype("float32")
ZEROS = np.zeros((4, 5), "float32")


def test_simple_rnn_and_lstm_match_keras():
    simple = _layer("SimpleRNN")
    w = cells.cell_weights(simple.cell)
    np.testing.assert_allclose(
        cells.run_cell(lambda x, h: cells.simple_rnn_step(w, x, h), X, ZEROS),
        simple(X), atol=1e-5)
    lstm = _layer("LSTM")
    w = cells.cell_weights(lstm.cell)
    assert sorted(w) == sorted(f"{m}_{g}" for m in "WUb" for g in "ifco")
    np.testing.assert_allclose(
        cells.run_cell(lambda x, s: cells.lstm_step(w, x, s), X, (ZEROS, ZEROS)),
        lstm(X), atol=1e-5)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_keras_in_both_variants_and_the_notes_convention_mirrors_it(
        reset_after):
    gru = _layer("GRU", reset_after=reset_after)
    w = cells.cell_weights(gru.cell)
    assert ("br_h" in w) == reset_after
    keras_out = np.asarray(gru(X))
    mine = cells.run_cell(lambda x, h: cells.gru_step(w, x, h, reset_after), X, ZEROS)
    np.testing.assert_allclose(mine, keras_out, atol=1e-5)
    # The other variant of the candidate is another function.
    other = cells.run_cell(lambda x, h: cells.gru_step(w, x, h, not reset_after),
                           X, ZEROS)
    assert np.max(np.abs(other - keras_out)) > 1e-2
    # The notes' h = (1 - z) h + z h~ with Keras' weights is not Keras' cell;
    # with the update gate negated it is.
    notes = cells.run_cell(lambda x, h: cells.gru_step(
        w, x, h, reset_after, convention="notes"), X, ZEROS)
    assert np.max(np.abs(notes - keras_out)) > 1e-2
    flipped = cells.negate_update_gate(w)
    notes = cells.run_cell(lambda x, h: cells.gru_step(
        flipped, x, h, reset_after, convention="notes"), X, ZEROS)
    np.testing.assert_allclose(notes, keras_out, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="cell"):
        cells.cell_weights(keras.layers.Dense(2))
    w = cells.cell_weights(_layer("GRU").cell)
    with pytest.raises(ValueError, match="convention"):
        cells.gru_step(w, X[:, 0], ZEROS, convention="pytorch")
