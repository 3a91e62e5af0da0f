"""The Unit I lab: every exercise runs with tiny settings and writes what it
promises; (slow) the digits target."""

import os

import pytest
import tensorflow as tf


def test_xor_perceptron_fails_and_mlp_fits(run_lab):
    # 2 epochs are 800 perceptron-rule updates, and enough for the MLP (after
    # its restarts); the perceptron's per-update callback is most of the cost.
    summary, out = run_lab("unit1_mlp", "--exercise", "xor", "--epochs", "2")
    for task in ("xor", "xnor"):
        assert summary[f"{task}_perceptron_accuracy"] <= 0.75
        assert summary[f"{task}_mlp_accuracy"] == 1.0
    assert (out / "xor_boundaries.png").exists()
    assert (out / "xnor_boundaries.png").exists()


def test_backprop_agrees_with_gradient_tape(run_lab):
    summary, out = run_lab("unit1_mlp", "--exercise", "backprop", "--epochs", "2",
                           "--train-size", "500")
    assert summary["grad_error"] <= 1e-5
    assert summary["step_error"] <= 1e-5
    losses = summary["numpy_losses"]
    assert len(losses) == 2 and losses[1] < losses[0]  # the NumPy net learns
    assert (out / "numpy_training_loss.png").exists()


def test_optimizers_writes_one_plot_with_four_curves(run_lab):
    summary, out = run_lab("unit1_mlp", "--exercise", "optimizers", "--epochs", "2",
                           "--train-size", "256")
    assert len(summary["final_losses"]) == 4
    assert (out / "optimizers.png").exists()


def test_activations(run_lab):
    summary, out = run_lab("unit1_mlp", "--exercise", "activations", "--epochs",
                           "1", "--train-size", "256", "--dying-learning-rates",
                           "0.05", "2")
    for name in ("activations", "derivatives", "deep_mlp_losses"):
        assert (out / f"{name}.png").exists()
    assert set(summary["test_accuracy"]) == {"sigmoid", "tanh", "relu", "leaky_relu",
                                             "elu", "selu", "prelu", "maxout"}
    assert set(summary["dead_relu_share"]) == {"lr 0.05", "lr 2"}
    assert all(0.0 <= v <= 1.0 for v in summary["dead_relu_share"].values())


def test_capacity_compares_widths_and_equal_size_depths(run_lab):
    summary, out = run_lab("unit1_mlp", "--exercise", "capacity", "--epochs", "2",
                           "--train-size", "64", "--widths", "2", "128",
                           "--depths", "1", "4")
    assert set(summary["width_test_accuracy"]) == {"2", "128"}
    # Depth 1 at the parameters of one layer of 128 is that layer; depth 4
    # spreads them over narrower layers.
    assert summary["depth_widths"]["1"] == 128 > summary["depth_widths"]["4"]
    for name in ("capacity_width", "capacity_test_loss", "capacity_depth"):
        assert (out / f"{name}.png").exists()


def test_digits_exports_a_servable_model(run_lab, tmp_path):
    export = str(tmp_path / "mlp_export")
    summary, out = run_lab("unit1_mlp", "--exercise", "digits", "--epochs", "1",
                           "--train-size", "256", "--export", export)
    served = tf.saved_model.load(export)
    assert served.serve(tf.zeros([2, 28, 28, 1])).shape == (2, 10)
    assert 0.0 <= summary["test_accuracy"] <= 1.0
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".mlp_export")]


@pytest.mark.slow
def test_digits_meets_the_target(run_lab):
    summary, _ = run_lab("unit1_mlp", "--exercise", "digits", "--export", "none")
    # Measured: 97.2% (target 93%).
    assert summary["test_accuracy"] >= 0.93, summary
