"""The likelihood lab: every exercise runs on a tiny budget and reports what it
measures; (slow) the default runs reach the README's figures."""

import math

import numpy as np
import pytest
import tensorflow as tf

from units.unit8_likelihood.common import bits_per_dim
from units.unit8_likelihood.nats import bernoulli_nll

# 600 training digits: the first 500 are held out for early stopping.
TINY = ("--epochs", "1", "--train-size", "600", "--batch-size", "50",
        "--test-digits", "100")
# What the exercises that draw samples draw (nats draws none).
SAMPLES = ("--samples", "2")


def test_bernoulli_nll_by_hand():
    train = np.array([[1.0, 0.0], [1.0, 1.0]])  # smoothed p = (3/4, 1/2)
    test = np.array([[1.0, 1.0], [0.0, 0.0]])
    by_hand = -(math.log(3 / 4) + math.log(1 / 2) + math.log(1 / 4)
                + math.log(1 / 2)) / 2
    assert bernoulli_nll(train, test) == pytest.approx(by_hand)
    assert bits_per_dim(2 * math.log(2), dimensions=2) == pytest.approx(1.0)


def test_pixelcnn_saves_the_model_that_nats_uses_and_exports(run_lab, tmp_path):
    export = tmp_path / "pixelcnn_export"
    summary, out = run_lab("unit8_likelihood", *TINY, *SAMPLES, "--export",
                           str(export))
    assert 0 < summary["test_nll"] < 784 * math.log(2) * 1.5
    assert summary["seconds_per_sample"] > 0
    assert (out / "pixelcnn.keras").exists() and (out / "samples.png").exists()
    loaded = tf.saved_model.load(str(export))
    images = loaded.sample(tf.constant(2), tf.constant([0, 0])).numpy()
    assert images.shape == (2, 28, 28, 1) and set(np.unique(images)) <= {0.0, 1.0}
    # The nats exercise finds the saved PixelCNN instead of training one: its
    # exact NLL is the same number.
    nats, _ = run_lab("unit8_likelihood", "--exercise", "nats", *TINY,
                      "--vae-epochs", "1", "--iwae-samples", "1", "4",
                      folder="out/nats")
    table = nats["table"]
    assert table["PixelCNN, exact"]["nats"] == pytest.approx(summary["test_nll"],
                                                             rel=1e-5)
    assert list(table) == ["per-pixel Bernoulli", "VAE, -ELBO",
                           "VAE, importance-weighted, k=1",
                           "VAE, importance-weighted, k=4", "PixelCNN, exact"]
    # k = 1 is the ELBO itself (one sample of it against the mean of ten).
    assert table["VAE, importance-weighted, k=1"]["nats"] == pytest.approx(
        table["VAE, -ELBO"]["nats"], rel=0.05)
    for row in table.values():
        assert row["bits_per_dim"] == pytest.approx(bits_per_dim(row["nats"]))


@pytest.mark.parametrize("dataset", ["digits", "colour folder"])
def test_flow_inverts_exactly_and_reports_bits(run_lab, dataset, request):
    """On the digits and, at 8x8x3, on a folder of colour pictures."""
    data = (() if dataset == "digits" else (
        "--dataset", request.getfixturevalue("colour_folder"), "--image-size", "8",
        "--test-digits", "6"))
    summary, out = run_lab("unit8_likelihood", "--exercise", "flow", *TINY,
                           *SAMPLES, "--train-size", "64", "--export", "none", *data)
    # One epoch of two warm-up steps barely moves the flow from its start.
    bits = summary["test_bits_per_dim"]
    assert np.isfinite(bits) and bits > 0
    assert summary["roundtrip_error"] <= 1.0
    assert (out / "interpolation.png").exists() and (out / "samples_t0.7.png").exists()


def test_sampling_cost_times_every_sampler(run_lab):
    summary, _ = run_lab("unit8_likelihood", "--exercise", "sampling-cost",
                         "--samples", "2")
    rows = summary["rows"]
    assert list(rows) == ["VAE decoder", "DCGAN generator", "DDIM, 50 steps",
                          "PixelCNN"]
    assert rows["VAE decoder"]["times_the_vae"] == 1.0
    assert all(r["seconds_per_100"] > 0 for r in rows.values())


@pytest.mark.slow
def test_default_pixelcnn_and_nats(run_lab):
    summary, _ = run_lab("unit8_likelihood")
    # README: 72.2 nats; the per-pixel Bernoulli 205.9, the VAE at k=1000 92.2.
    assert summary["test_nll"] < 95
    nats, _ = run_lab("unit8_likelihood", "--exercise", "nats", folder="out/nats")
    table = {k: v["nats"] for k, v in nats["table"].items()}
    iwae = [table[f"VAE, importance-weighted, k={k}"] for k in (1, 10, 100, 1000)]
    assert all(a >= b - 0.05 for a, b in zip(iwae, iwae[1:]))
    assert table["PixelCNN, exact"] < iwae[-1] < table["per-pixel Bernoulli"]


@pytest.mark.slow
def test_default_flow(run_lab):
    summary, _ = run_lab("unit8_likelihood", "--exercise", "flow")
    # README: 2.58 bits per dimension after 7 epochs (published, full MNIST: 1.06).
    assert summary["test_bits_per_dim"] < 3.0
    assert summary["roundtrip_error"] <= 1.0
