"""The probability lab: every exercise on tiny settings (the exact parts at
their defaults: they take a second), and, marked slow, the default runs
against the numbers of docs/units/unit0_probability.md."""

import pytest

from units.unit0_probability.factors import factor_correlations


def test_bayes_matches_counting(run_lab):
    summary, out = run_lab("unit0_probability")
    flu = summary["flu"]
    assert flu["the patient is a girl"]["a girl"] == pytest.approx(0.2)
    assert flu["the patient is a boy"]["a boy"] == pytest.approx(1 / 15)
    assert flu["the class has 5 girls and 15 boys"]["a girl"] == pytest.approx(0.05)
    assert flu["the patient is a girl"]["a girl, counted"] == pytest.approx(0.2,
                                                                           abs=0.01)
    # 400,000 draws: bins of >= 100 draws, the largest of 67 gaps about 0.01.
    assert summary["posterior_max_error"] < 0.03
    # Solved by hand: -1.5 x^2 + 6 x + log(0.7 / 0.3 / 0.5) = 0.
    assert summary["decision_boundaries"] == pytest.approx([-0.242, 4.242], abs=0.01)
    assert (out / "mixture_posterior.png").exists()


def test_information_and_the_elbo_identity(run_lab):
    summary, _ = run_lab("unit0_probability", "--exercise", "information")
    bits = summary["information_bits"]
    assert bits["p = 1 (a certain event)"] == 0.0
    assert bits["p = 0.001 (a rare event)"] == pytest.approx(9.966, abs=1e-3)
    assert summary["text_expected_log_p"] == pytest.approx(
        -summary["text_entropy_bits"])
    kl = summary["ink_kl_bits"]
    assert kl["KL(all digits || 1s)"] > kl["KL(1s || all digits)"] > 0
    for row in summary["elbo_identity"].values():
        assert row["gap"] == pytest.approx(row["kl"], abs=1e-6) and row["kl"] > 0
        assert row["elbo"] < row["log_evidence"]


def test_independence_short(run_lab):
    summary, out = run_lab("unit0_probability", "--exercise", "independence",
                           "--samples", "100", "--stand-in-epochs", "1",
                           "--train-size", "600", "--test-digits", "100")
    assert summary["images_binary_28x28"] == pytest.approx(236.0, abs=0.1)
    correlation = summary["neighbour_correlation"]
    assert correlation["real digits"] > 0.4
    assert abs(correlation["independent pixels"]) < 0.05
    assert summary["test_nll"]["independent pixels (per-pixel Bernoulli)"] > 150
    assert (out / "independent_pixels.png").exists()


def test_lines_short(run_lab):
    summary, out = run_lab("unit0_probability", "--exercise", "lines", "--epochs",
                           "1", "--train-size", "256", "--test-size", "128")
    assert set(summary["correlations"]) == {"z1", "z2", "z3", "z4"}
    assert len(summary["kl_per_dimension"]) == 4
    assert (out / "correlations.png").exists() and (out / "traversals.png").exists()


def test_factor_correlations_recover_a_permuted_monotone_code():
    import numpy as np

    from keras_genai import data

    _, factors = data.lines(500, seed=0)
    # z1 = length^3, z2 = -grey, z3 = angle, z4 = exp(width): Spearman sees
    # each as a perfect (anti-)correlation.
    codes = np.stack([factors["length"] ** 3, -factors["grey"], factors["angle"],
                      np.exp(factors["width"])], axis=1)
    expected = np.diag([1.0, -1.0, 1.0, 1.0])
    np.testing.assert_allclose(factor_correlations(codes, factors), expected,
                               atol=0.1)


def test_manifold_short(run_lab):
    summary, out = run_lab("unit0_probability", "--exercise", "manifold",
                           "--points", "200", "--vae-epochs", "1", "--pairs", "3",
                           "--train-size", "600")
    dimension = summary["intrinsic_dimension"]
    # Lines have 4 factors; noise fills far more of its 784 dimensions.
    assert dimension["lines (4 factors)"]["k=10"] < 8
    assert dimension["uniform noise"]["k=10"] > 5 * dimension["digits"]["k=10"]
    assert set(summary["neighbour_accuracy"]) == {"PCA", "t-SNE", "Isomap"}
    assert (out / "walks.png").exists()


def test_ood_short(run_lab):
    summary, out = run_lab("unit0_probability", "--exercise", "ood",
                           "--stand-in-epochs", "1", "--vae-epochs", "1",
                           "--iwae-samples", "2", "--train-size", "600",
                           "--test-digits", "50")
    for model in ("PixelCNN", "VAE"):
        assert set(summary["auc"][model]) == set(summary["nll"][model]) - {
            "test digits"}
        # Inverted digits are far from anything either model saw.
        assert summary["auc"][model]["inverted digits"] > 0.9
    assert (out / "sets.png").exists()


@pytest.mark.slow
def test_independence_default_run(run_lab):
    """In a fresh folder the PixelCNN is a 2-epoch stand-in; measured with the
    exported one: Bernoulli 205.9 nats, PixelCNN 72.2."""
    summary, _ = run_lab("unit0_probability", "--exercise", "independence")
    nll = summary["test_nll"]
    assert nll["independent pixels (per-pixel Bernoulli)"] == pytest.approx(205.9,
                                                                            abs=0.1)
    assert summary["independence_costs"] > 80


@pytest.mark.slow
def test_lines_default_run_gives_angle_a_latent(run_lab):
    summary, _ = run_lab("unit0_probability", "--exercise", "lines")
    # Measured: angle 0.85, length 0.69, width 0.66, grey 0.53.
    best = summary["best_per_factor"]
    assert best["angle"] > 0.7 and min(best.values()) > 0.3, best


@pytest.mark.slow
def test_manifold_default_run(run_lab):
    summary, _ = run_lab("unit0_probability", "--exercise", "manifold")
    dimension = summary["intrinsic_dimension"]
    # Measured (k=10): digits 10.8, lines 4.4, noise 139.
    assert 3.5 < dimension["lines (4 factors)"]["k=10"] < 5.5
    assert 7 < dimension["digits"]["k=10"] < 15
    accuracy = summary["neighbour_accuracy"]
    assert accuracy["t-SNE"] > accuracy["PCA"] + 0.2
    walks = summary["walks"]
    assert (walks["VAE latent space"]["midpoint to nearest training digit"]
            < walks["pixel space"]["midpoint to nearest training digit"])


@pytest.mark.slow
def test_ood_default_run_fails_backwards_on_blank_images(run_lab):
    summary, _ = run_lab("unit0_probability", "--exercise", "ood")
    for model in ("PixelCNN", "VAE"):
        auc = summary["auc"][model]
        # Measured: blank 0.000, inverted digits 1.000 for both.
        assert auc["blank"] < 0.1 and auc["inverted digits"] > 0.95, auc
