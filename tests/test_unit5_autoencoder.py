"""The Unit V lab, run in-process with tiny settings (and, marked slow, at its
defaults against the issue's targets)."""

import re

import numpy as np
import pytest

TINY = ("--epochs", "2", "--train-size", "512", "--batch-size", "64")


def test_default_exercise_is_the_course_listing_and_exports(run_lab, tmp_path,
                                                            capsys):
    import tensorflow as tf

    export = tmp_path / "ae_model"
    summary, out = run_lab("unit5_autoencoder", *TINY, "--export", str(export))
    assert summary["exercise"] == "autoencoder"
    assert 0 < summary["test_mse"] < 0.25
    assert summary["code_size"] == 32
    assert re.search(r"^  code size +32 numbers \(compression 24\.5x\)$",
                     capsys.readouterr().out, re.M)
    assert (out / "reconstructions.png").exists() and (out / "loss.png").exists()
    loaded = tf.saved_model.load(str(export))
    x = np.random.default_rng(0).random((3, 784)).astype("float32")
    assert loaded.serve(tf.constant(x)).numpy().shape == (3, 784)


def test_default_exercise_on_a_folder_of_colour_pictures(run_lab, tmp_path,
                                                        colour_folder):
    import tensorflow as tf

    export = tmp_path / "ae_colour"
    summary, out = run_lab("unit5_autoencoder", "--dataset", colour_folder,
                           "--image-size", "32", "--epochs", "2", "--batch-size", "16",
                           "--export", str(export))
    assert summary["dataset"] == colour_folder and 0 < summary["test_mse"] < 0.25
    assert (out / "reconstructions.png").exists()
    x = np.random.default_rng(0).random((2, 32 * 32 * 3)).astype("float32")
    assert tf.saved_model.load(str(export)).serve(tf.constant(x)).shape == (2, 3072)


def test_compression_curve_covers_every_size(run_lab):
    summary, out = run_lab("unit5_autoencoder", "--exercise", "compression", *TINY)
    sizes = ["2", "4", "8", "16", "32", "64", "128"]
    assert list(summary["mse"]) == sizes
    assert summary["compression_ratio"]["16"] == 49.0
    assert summary["mse"]["128"] < summary["mse"]["2"]
    assert (out / "compression.png").exists()


def test_overcomplete_code_passes_more_of_a_perturbation(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise",
                         "undercomplete-vs-overcomplete", *TINY)
    under, over = summary["undercomplete"], summary["overcomplete"]
    assert over["code size"] > 784 > under["code size"]
    key = "share of an input perturbation passed through"
    assert over[key] > under[key]


def test_sparse_penalties_lower_the_mean_activation(run_lab):
    summary, out = run_lab("unit5_autoencoder", "--exercise", "sparse",
                           "--epochs", "5", "--train-size", "512", "--batch-size",
                           "64")
    free = summary["no penalty"]["mean activation"]
    assert summary["KL (rho=0.05, beta=3)"]["mean activation"] < free
    assert summary["L1 (1e-3)"]["mean activation"] < free
    assert (out / "unit_activations.png").exists()


def test_denoising_reports_psnr(run_lab):
    summary, out = run_lab("unit5_autoencoder", "--exercise", "denoising",
                           "--epochs", "4", "--train-size", "512", "--batch-size",
                           "32")
    assert summary["psnr_denoised"] > summary["psnr_noisy"]
    assert summary["psnr_gain"] == pytest.approx(
        summary["psnr_denoised"] - summary["psnr_noisy"], abs=0.02)
    assert (out / "denoising.png").exists()


def test_conv_compares_at_equal_latent_size(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "conv", *TINY,
                         "--latent-dim", "8")
    assert summary["latent_size"] == 8
    assert summary["dense"]["parameters"] != summary["convolutional"]["parameters"]


def test_pca_measures_angles_and_the_non_orthonormal_basis(run_lab):
    summary, out = run_lab("unit5_autoencoder", "--exercise", "pca", *TINY)
    assert 0 <= summary["max_angle"] <= 90
    assert summary["code_size"] == 16
    assert (out / "principal_angles.png").exists()


def test_anomaly_reports_auc_per_held_out_digit(run_lab):
    summary, out = run_lab("unit5_autoencoder", "--exercise", "anomaly", *TINY)
    assert sorted(summary["auc"]) == ["5", "6", "7", "8", "9"]
    assert all(0 <= a <= 1 for a in summary["auc"].values())
    assert (out / "most_anomalous.png").exists()


def test_vae_reports_elbo_and_exports(run_lab, tmp_path):
    import tensorflow as tf

    export = tmp_path / "vae_model"
    summary, out = run_lab("unit5_autoencoder", "--exercise", "vae", *TINY,
                           "--export", str(export))
    assert summary["test_elbo"] < 0 and summary["train_elbo"] < 0
    for name in ("latent_2d.png", "manifold.png", "samples.png",
                 "interpolation.png"):
        assert (out / name).exists(), name
    loaded = tf.saved_model.load(str(export))
    images = loaded.sample(tf.constant(4), tf.constant([1, 2])).numpy()
    assert images.shape == (4, 28, 28, 1) and 0 <= images.min() <= images.max() <= 1
    codes = loaded.encode(tf.zeros((2, 28, 28, 1))).numpy()
    assert codes.shape == (2, 20)


def test_cvae_measures_label_accuracy_against_latent_size(run_lab):
    summary, out = run_lab("unit5_autoencoder", "--exercise", "cvae", *TINY,
                           "--latent-dim", "3")
    assert list(summary["label_accuracy_by_size"]) == ["2", "3", "4", "8", "16"]
    assert all(0 <= a <= 1 for a in summary["label_accuracy_by_size"].values())
    for name in ("samples.png", "label_accuracy.png", "style_transfer.png"):
        assert (out / name).exists(), name


@pytest.mark.parametrize("exercise", ["aae", "vaegan", "ae-vs-gan"])
def test_hybrids_measure_their_samples(run_lab, exercise):
    summary, out = run_lab("unit5_autoencoder", "--exercise", exercise,
                           "--epochs", "1", "--train-size", "256")
    rows = [v for v in summary.values() if isinstance(v, dict)
            and ("classifier FID" in v or "samples" in v)]
    assert rows, summary
    assert list(out.glob("*.png"))


def test_bigan_compares_linear_classifiers(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "bigan", "--epochs",
                         "1", "--train-size", "256", "--probe-epochs", "20")
    assert set(summary["accuracy"]) == {"raw pixels (784)", "BiGAN E(x) (50)",
                                        "untrained encoder (50)"}
    assert all(0.1 <= a <= 1 for a in summary["accuracy"].values())


# -- defaults against the targets ----------------------------------------


@pytest.mark.slow
def test_pca_target_at_defaults(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "pca")
    assert summary["max_angle"] < 5.0  # measured 1.9


@pytest.mark.slow
def test_denoising_and_anomaly_at_defaults(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "denoising")
    assert summary["psnr_denoised"] > summary["psnr_noisy"] + 5  # measured +7.6 dB
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "anomaly")
    assert min(summary["auc"].values()) > 0.65  # measured 0.72 .. 0.92
    assert np.mean(list(summary["auc"].values())) > 0.8


@pytest.mark.slow
def test_vae_elbo_and_bigan_features_at_defaults(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "vae")
    assert summary["test_elbo"] > -110  # measured -102.1 nats
    assert summary["train_elbo"] > summary["test_elbo"]  # 3,500 digits overfit
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "bigan")
    accuracy = summary["accuracy"]
    # measured: E(x) 84.6%, untrained encoder 77.0%, raw pixels 89.3%
    assert accuracy["BiGAN E(x) (50)"] > accuracy["untrained encoder (50)"] + 0.03


@pytest.mark.slow
def test_vaegan_samples_beat_the_vaes_at_defaults(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "vaegan")
    # measured: FID 131 (VAE-GAN) vs 191 (VAE)
    assert (summary["VAE-GAN"]["samples"]["classifier FID"]
            < 0.85 * summary["VAE"]["samples"]["classifier FID"])


@pytest.mark.slow
def test_cvae_uses_the_label_more_with_less_latent_room(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "cvae")
    by_size = summary["label_accuracy_by_size"]
    # measured: 99.3% (2), 91.0% (4), 72.7% (8), 39.1% (16)
    assert by_size["2"] > 0.95
    assert by_size["2"] > by_size["8"] > by_size["16"]


def test_vae_exercise_trains_on_two_replicas_with_distribute_mirrored(
        run_lab, tmp_path, capsys, monkeypatch, mirrored_strategy):
    import tensorflow as tf

    from keras_genai import distribute

    # The session's MirroredStrategy over the 2 logical CPUs: a second one in
    # the same process would collide with its collective ops.
    monkeypatch.setattr(distribute, "strategy", lambda kind: mirrored_strategy)

    export = tmp_path / "vae_model"
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "vae", *TINY,
                         "--distribute", "mirrored", "--export", str(export))
    assert "(2 replica(s), MirroredStrategy)" in capsys.readouterr().out
    assert summary["test_elbo"] < 0 and summary["train_elbo"] < 0
    loaded = tf.saved_model.load(str(export))
    assert loaded.sample(tf.constant(2), tf.constant([1, 2])).numpy().shape == (
        2, 28, 28, 1)


# The exercises on what autoencoders learn: one epoch on 256 digits each.
SHORT = ("--epochs", "1", "--train-size", "256")


def test_reconstruction_loss_and_deep_short(run_lab):
    summary, out = run_lab("unit5_autoencoder", "--exercise", "reconstruction-loss",
                           *SHORT)
    assert set(summary["table"]) == {"MSE", "binary cross-entropy", "test digits"}
    assert (out / "reconstructions.png").exists()
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "deep", *SHORT,
                         folder="deep")
    table = summary["table"]
    # 784-32-784: 784 * 32 + 32 + 32 * 784 + 784 weights.
    assert table["784-32"]["parameters"] == 2 * 784 * 32 + 32 + 784
    assert table["784-512-256-128-64-32"]["parameters"] > table["784-128-32"][
        "parameters"]


def test_active_units_count_the_moving_means():
    from units.unit5_autoencoder.variational import active_units

    rng = np.random.default_rng(0)
    mean = np.concatenate([rng.normal(size=(500, 3)),
                           np.full((500, 2), 0.3) + rng.normal(0, 0.01, (500, 2))],
                          axis=1)
    assert active_units(mean) == 3


def test_posterior_collapse_short(run_lab):
    summary, out = run_lab("unit5_autoencoder", "--exercise", "posterior-collapse",
                           *SHORT, "--decoder-units", "64", "--latent-dim", "4")
    assert list(summary["table"]) == ["beta 0.1", "beta 1", "beta 4", "beta 10",
                                      "beta 10, free bits 0.5"]
    for row in summary["table"].values():
        assert 0 <= row["active units"] <= 4
        assert row["test ELBO"] == pytest.approx(
            -(row["test reconstruction"] + row["test KL"]), abs=0.05)
    assert (out / "kl_per_dimension.png").exists()


def test_features_filters_latent_space_and_face_swap_short(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "features", *SHORT,
                         "--probe-epochs", "2")
    assert "raw pixels (784), 784 features" in summary["accuracy"]
    assert "VAE mean (20), 20 features" in summary["accuracy"]
    assert set(summary["not_measured"]) == {"BiGAN E(x)", "MAE encoder"}
    summary, out = run_lab("unit5_autoencoder", "--exercise", "filters", *SHORT,
                           folder="filters")
    assert set(summary["concentration"]) == {"dense", "convolutional"}
    assert (out / "dense_filters.png").exists() and (out / "conv_filters.png").exists()
    summary, out = run_lab("unit5_autoencoder", "--exercise", "latent-space", *SHORT,
                           "--points", "4", folder="latent")
    for row in summary["table"].values():
        assert 0 <= row["confident"] <= 1 and row["largest step"] >= row["mean step"]
    summary, out = run_lab("unit5_autoencoder", "--exercise", "face-swap", *SHORT,
                           folder="swap")
    thickness = summary["thickness"]
    assert thickness["true bold test digits"] > thickness["thin test digits"]
    assert (out / "swap.png").exists()


def test_features_reads_an_exported_encoder(tmp_path):
    import tensorflow as tf

    from units.unit5_autoencoder.representations import _exported_codes

    class Encoder(tf.Module):
        def __init__(self):
            self.scale = tf.Variable(2.0)

        @tf.function(input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)])
        def encode(self, x):
            return self.scale * tf.reduce_mean(x, axis=[1, 2])

    tf.saved_model.save(Encoder(), str(tmp_path / "unit5_bigan"))
    x = np.random.default_rng(0).random((600, 28, 28, 1)).astype("float32")
    train, test = _exported_codes("BiGAN E(x)", str(tmp_path), x, x[:7])
    # BiGAN's encoder takes [-1, 1]: 2 * mean(2 x - 1).
    np.testing.assert_allclose(train[:, 0], 2 * (2 * x.mean(axis=(1, 2, 3)) - 1),
                               atol=1e-6)
    assert test.shape == (7, 1)
    assert _exported_codes("MAE encoder", str(tmp_path), x, x[:7]) is None


@pytest.mark.slow
def test_posterior_collapse_default_run_and_free_bits(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "posterior-collapse")
    table = summary["table"]
    # Measured: 16 active units at beta 0.1-4, 6 at beta 10, 16 with free bits.
    assert table["beta 10"]["active units"] < 10
    assert table["beta 10, free bits 0.5"]["active units"] == 16
    assert table["beta 1"]["test ELBO"] > table["beta 10"]["test ELBO"]


@pytest.mark.slow
def test_latent_space_default_run_the_vae_is_smoother(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "latent-space")
    ae, vae = summary["table"]["autoencoder"], summary["table"]["VAE"]
    # Measured: largest step 6.55 (autoencoder) vs 2.02 (VAE).
    assert vae["largest step"] < ae["largest step"]


@pytest.mark.slow
def test_face_swap_default_run_keeps_the_digit_and_thickens(run_lab):
    summary, _ = run_lab("unit5_autoencoder", "--exercise", "face-swap")
    thickness = summary["thickness"]
    # Measured: 0.128 through the thin decoder, 0.153 swapped; 90.5% read.
    assert (thickness["through the bold decoder (swapped)"]
            > thickness["through the thin decoder"] + 0.01)
    assert summary["digit_kept"]["through the bold decoder (swapped)"] > 0.8
