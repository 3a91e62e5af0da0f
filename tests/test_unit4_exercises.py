"""The Unit IV lab's exercises beyond the default DCGAN, run in-process with tiny
settings (and, marked slow, at their defaults against the issue's targets).
``mode-collapse``, ``interpolation``, ``stylegan``, ``optimal-discriminator``,
``feature-matching``, ``colorization``, ``edges``, ``latent-arithmetic`` and
``precision-recall`` get their smoke run from the Unit IV notebook
(`tests/test_notebooks.py`)."""

import numpy as np
import pytest


def test_vanilla_gan_is_measured_against_the_floor(run_lab):
    summary, out = run_lab("unit4_gan", "--exercise", "vanilla", "--epochs", "1",
                           "--train-size", "256")
    assert summary["fid"] > 0 and summary["fid_floor"] >= 0
    # Real train vs test digits: both near 1 (the balls miss some edges).
    floor = summary["precision_recall_floor"]
    assert 0.8 < floor["precision"] <= 1 and 0.8 < floor["recall"] <= 1, floor
    assert 0 <= summary["precision"] <= 1 and 0 <= summary["recall"] <= 1
    assert summary["generator_parameters"] > summary["discriminator_parameters"] / 10
    assert (out / "samples_epoch_001.png").exists() and (out / "losses.png").exists()


def test_cgan_exports_a_generator_that_takes_labels(run_lab, tmp_path):
    import tensorflow as tf

    export = tmp_path / "cgan_model"
    summary, out = run_lab("unit4_gan", "--exercise", "cgan", "--epochs", "1",
                           "--train-size", "256", "--export", str(export))
    assert 0.0 <= summary["label_accuracy"] <= 1.0
    assert summary["min_class_accuracy"] <= summary["label_accuracy"]
    loaded = tf.saved_model.load(str(export))
    images = loaded.serve(tf.random.normal([4, 64]),
                          tf.constant([0, 3, 7, 9], tf.int32)).numpy()
    assert images.shape == (4, 28, 28, 1) and np.abs(images).max() <= 1.0


def test_wgan_gp_trains_for_the_dcgans_time(run_lab):
    summary, _ = run_lab("unit4_gan", "--exercise", "wgan-gp", "--epochs", "1",
                         "--train-size", "320")
    dcgan, wgan = summary["training"]["non_saturating"], \
        summary["training"]["wasserstein_gp"]
    assert dcgan["epochs"] == 1
    # 5 critic steps per generator step, and at least the DCGAN's time.
    assert wgan["discriminator steps"] == 5 * wgan["generator steps"]
    assert wgan["seconds"] >= dcgan["seconds"]
    assert set(summary["quality"]) == {"non_saturating", "wasserstein_gp"}


def test_losses_compares_every_family(run_lab):
    summary, out = run_lab("unit4_gan", "--exercise", "losses", "--epochs", "1",
                           "--train-size", "320")
    families = {"minimax", "non_saturating", "least_squares", "hinge",
                "wasserstein_gp", "feature_matching"}
    assert set(summary["quality"]) == families == set(summary["training"])
    assert all(np.isfinite(r["fid"]) for r in summary["quality"].values())
    assert (out / "samples_by_loss.png").exists()


def test_generative_vs_discriminative_short(run_lab):
    summary, out = run_lab("unit4_gan", "--exercise", "generative-vs-discriminative",
                           "--epochs", "2", "--train-size", "200")
    table = summary["test_accuracy"]
    assert set(table) == {"50 training digits", "200 training digits"}
    for row in table.values():
        assert set(row) == {"naive Bayes", "GMM, 5 per class", "logistic regression",
                            "MLP 128"}
    assert (out / "samples_naive_bayes.png").exists()
    assert (out / "samples_gmm.png").exists()


@pytest.mark.slow
def test_cgan_default_run_meets_the_label_targets(run_lab):
    summary, _ = run_lab("unit4_gan", "--exercise", "cgan", "--export", "none")
    # Measured: 97.6% overall, worst digit 93% (issue targets: 90% and 80%);
    # checked with a margin for run-to-run variation.
    assert summary["label_accuracy"] >= 0.90, summary
    assert summary["min_class_accuracy"] >= 0.80, summary


@pytest.mark.slow
def test_mode_collapse_default_run(run_lab):
    summary, _ = run_lab("unit4_gan", "--exercise", "mode-collapse")
    covered = summary["modes_covered"]
    assert covered["wasserstein_gp, k=5"] >= 7, summary
    assert covered["minimax, k=5"] <= 2, summary


def test_pix2pix_short_run_reports_and_exports(run_lab, tmp_path):
    import tensorflow as tf

    export = tmp_path / "p2p"
    summary, out = run_lab("unit4_gan", "--exercise", "pix2pix", "--epochs", "1",
                           "--train-size", "256", "--export", str(export))
    assert 0 <= summary["accuracy_restored"] <= 1
    assert summary["hole_l1_holed"] > 0
    assert (out / "inpainting.png").exists()
    loaded = tf.saved_model.load(str(export))  # keep it: it owns the variables
    restored = loaded.serve(tf.zeros([2, 28, 28, 1])).numpy()
    assert restored.shape == (2, 28, 28, 1)


def test_cyclegan_srgan_lapgan_short_runs(run_lab):
    summary, out = run_lab("unit4_gan", "--exercise", "cyclegan", "--epochs", "1",
                           "--train-size", "256")
    assert summary["l1_identity"] > 0 and (out / "translations.png").exists()
    summary, out = run_lab("unit4_gan", "--exercise", "srgan", "--epochs", "1",
                           "--train-size", "256")
    assert summary["psnr_bicubic"] > 0 and (out / "super_resolution.png").exists()
    summary, out = run_lab("unit4_gan", "--exercise", "lapgan", "--epochs", "1",
                           "--train-size", "256")
    assert summary["fid"] > 0 and (out / "pyramid.png").exists()


def test_augmentation_short_run(run_lab):
    summary, out = run_lab("unit4_gan", "--exercise", "augmentation", "--epochs", "1",
                           "--train-size", "20", "--classifier-updates", "1")
    assert set(summary["accuracy"]) == {"20 real digits",
                                        "20 real + 20 cGAN digits",
                                        "20 real + 5,000 cGAN digits"}
    assert (out / "generated.png").exists()


@pytest.mark.slow
def test_srgan_default_run_beats_bicubic(run_lab):
    summary, _ = run_lab("unit4_gan", "--exercise", "srgan")
    # Measured: PSNR 18.3 dB vs 14.5 dB for bicubic; classifier accuracy 92.6%
    # vs 91.2%. The issue asks for a win on either; PSNR is checked with margin.
    assert summary["psnr_srgan"] > summary["psnr_bicubic"] + 1.0, summary


@pytest.mark.slow
def test_stylegan_default_run_trades_diversity_for_quality(run_lab):
    summary, _ = run_lab("unit4_gan", "--exercise", "stylegan", "--export", "none")
    quality = summary["quality"]
    psi = {p: quality[f"stylegan psi={p}"] for p in ("1.0", "0.7", "0.5")}
    # Measured (2-core Sapphire Rapids Xeon, bfloat16), two runs: FID 49.4 /
    # 103 / 237 and 67.8 / 93.9 / 211 at psi 1.0 / 0.7 / 0.5, rarest digit
    # 7.4% / 1.9% / 0.1% and 4.2% / 1.9% / 0.3%, confident samples 91-93%;
    # the DCGAN at equal time: FID 34.9, 73.0%.
    assert psi["1.0"]["fid"] < psi["0.7"]["fid"] < psi["0.5"]["fid"], summary
    assert psi["0.5"]["min_class_share"] < psi["1.0"]["min_class_share"], summary
    assert psi["1.0"]["fid"] < 100 and psi["1.0"]["min_class_share"] >= 0.03, summary


def test_precision_recall_refuses_an_unknown_model(capsys, monkeypatch):
    from units import unit4_gan

    with pytest.raises(SystemExit) as raised:
        unit4_gan.main(["--exercise", "precision-recall", "--models", "gpt"])
    assert raised.value.code == 2 and "gpt" in capsys.readouterr().err


@pytest.mark.slow
def test_optimal_discriminator_default_run_lands_on_d_star(run_lab):
    summary, _ = run_lab("unit4_gan", "--exercise", "optimal-discriminator")
    # Measured: mean |D - D*| 0.044 / 0.006 / 0.000 / 0.002 (docs/units/unit4_gan.md).
    for row in summary["table"].values():
        assert row["mean |D - D*|"] < 0.08, summary["table"]


def test_attribute_directions_find_the_latent_that_sets_the_attribute():
    from units.unit4_gan.latent import attribute_directions

    rng = np.random.default_rng(0)
    z = rng.standard_normal((2000, 8))
    labels = rng.integers(0, 3, 2000)
    # Thickness is set by z[:, 2] within each class; the class shifts it too.
    measured = {"thickness": z[:, 2] + 5.0 * labels}
    direction = attribute_directions(z, measured, labels)["thickness"]
    assert np.argmax(np.abs(direction)) == 2 and direction[2] > 2.0
    assert np.abs(np.delete(direction, 2)).max() < 0.3


@pytest.mark.slow
def test_precision_recall_default_run_finds_no_copies(run_lab):
    """In a fresh folder every generator is a 30 s stand-in: the table's
    numbers are the stand-ins', but no generator copies its training digits."""
    summary, _ = run_lab("unit4_gan", "--exercise", "precision-recall")
    assert all(s.startswith("stand-in") for s in summary["sources"].values())
    assert len(summary["table"]) == 9
    for row in summary["table"].values():
        assert 0.35 < row["closer_to_train"] < 0.65, summary["table"]


@pytest.mark.slow
def test_latent_arithmetic_default_run_moves_the_attribute(run_lab):
    summary, _ = run_lab("unit4_gan", "--exercise", "latent-arithmetic")
    walks = summary["walks"]
    steps = ("-2", "-1", "-0.5", "+0", "+0.5", "+1", "+2")
    for attribute in ("thickness", "slant"):
        values = [walks[f"{attribute}, step {s}"][attribute] for s in steps]
        # Measured on the export: thickness 0.062 ... 0.250, slant -0.55 ... 0.76.
        assert values == sorted(values), (attribute, values)
