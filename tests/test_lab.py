"""units/lab.py: exercises as typed functions, their flags from the signature,
the shared options in the Run, Lab.run calling the function directly with the
command line's checks, and refusals of malformed exercises and bad options."""

import json
import re
import sys
import typing

import pytest

from conftest import REPO_ROOT

if REPO_ROOT not in sys.path:  # `units` is not installed: it runs from the checkout
    sys.path.insert(0, REPO_ROOT)

from units.lab import Count  # noqa: E402
from units.lab import Lab  # noqa: E402
from units.lab import Row  # noqa: E402
from units.lab import Run  # noqa: E402
from units.lab import exercise  # noqa: E402


def _lab():
    seen = {}

    @exercise("a", "the first exercise", export="saved_models/demo_a")
    def a(run: Run, *, epochs: Count = 3, widths: list[Count] = (8, 16),
          rate: float = 0.5, kind: typing.Literal["x", "y"] = "x",
          train_size: Count | None = None, flag: bool = False) -> dict:
        """Exercise a.

        Args:
            epochs: training epochs.
            widths: channels per level,
                coarse to fine.
        """
        seen.update(run=run, epochs=epochs, widths=list(widths), rate=rate,
                    kind=kind, train_size=train_size, flag=flag)
        return {"value": Row(1.5, "a value", "{:.2f}")}

    @exercise("b", "the second exercise")
    def b(run: Run, *, epochs: Count = 7) -> dict:
        seen.update(run=run, epochs=epochs)
        return {}

    return Lab("demo", "A demo lab.", default_exercise="a", modules=[a, b],
               page="docs/units/demo.md"), seen


def test_flags_come_from_the_signature_and_the_shared_options_from_the_run(tmp_path):
    lab, seen = _lab()
    out = tmp_path / "out"
    assert lab.main(["--out", str(out), "--widths", "2", "3", "--kind", "y",
                     "--flag", "--seed", "5", "--export", "none"]) == 0
    assert {k: seen[k] for k in ("epochs", "widths", "rate", "kind", "train_size",
                                 "flag")} == dict(epochs=3, widths=[2, 3], rate=0.5,
                                                  kind="y", train_size=None, flag=True)
    run = seen["run"]
    assert (run.lab, run.exercise, run.out, run.seed, run.export, run.verbose) == \
        ("demo", "a", str(out), 5, None, 1)
    assert run.backup() == []  # no --resume
    summary = json.loads((out / "summary.json").read_text())
    assert summary["exercise"] == "a" and summary["value"] == 1.5
    lab.main(["--exercise", "b", "--out", str(out)])
    assert seen["epochs"] == 7 and seen["run"].export is None


def test_run_calls_the_function_with_the_same_checks(tmp_path):
    lab, seen = _lab()
    summary = lab.run("a", epochs=5, widths=[4], out=str(tmp_path), verbose=0)
    assert summary["value"] == 1.5 and seen["epochs"] == 5 and seen["widths"] == [4]
    assert seen["run"].export == "saved_models/demo_a"  # the exercise's default
    for options, words in ((dict(epochs=0), "`epochs` must be an int >= 1"),
                           (dict(widths=4), "`widths` takes a list"),
                           (dict(kind="z"), "`kind` must be one of"),
                           (dict(nope=1), "takes no option 'nope'"),
                           (dict(verbose=3), "`verbose` must be one of")):
        with pytest.raises(ValueError, match=words):
            lab.run("a", out=str(tmp_path), **options)
    with pytest.raises(ValueError, match="no exercise 'c'"):
        lab.run("c")


def test_bad_options_on_the_command_line_are_usage_errors(tmp_path, capsys):
    lab, _ = _lab()
    for argv, words in ((["--epochs", "0"], "expected a positive integer, got '0'"),
                        (["--seed", "-1"], "expected an integer >= 0"),
                        (["--rate", "x"], "expected a number"),
                        (["--exercise", "b", "--widths", "2"], "unrecognized"),
                        (["--exercise", "c"], "invalid choice")):
        with pytest.raises(SystemExit) as stop:
            lab.main(["--out", str(tmp_path), *argv])
        assert stop.value.code == 2
        assert words in capsys.readouterr().err


def test_help_lists_the_exercises_their_options_and_the_page(capsys):
    lab, _ = _lab()
    with pytest.raises(SystemExit):
        lab.main(["--help"])
    text = capsys.readouterr().out
    assert "--widths WIDTHS [WIDTHS ...]" in text
    assert "channels per level, coarse to fine. (default: 8 16)" in text
    assert "the second exercise" in text and "docs/units/demo.md" in text
    with pytest.raises(SystemExit):
        lab.main(["--exercise", "b", "--help"])
    assert "--widths" not in capsys.readouterr().out


def test_malformed_exercises_and_labs_are_refused():
    with pytest.raises(TypeError, match="keyword-only"):
        @exercise("x", "help")
        def x(run, epochs: int = 1):
            return {}
    with pytest.raises(TypeError, match="type annotation and a default"):
        @exercise("y", "help")
        def y(run, *, epochs=1):
            return {}
    with pytest.raises(ValueError, match="shared option"):
        @exercise("z", "help")
        def z(run, *, seed: int = 0):
            return {}
    with pytest.raises(TypeError, match="An option is int"):
        @exercise("w", "help")
        def w(run, *, shape: dict = None):
            return {}
    with pytest.raises(ValueError, match="lower-case word"):
        exercise("Bad Name", "help")
    lab, _ = _lab()
    with pytest.raises(ValueError, match="has no exercise 'c'"):
        Lab("demo", "A demo.", default_exercise="c", modules=list(lab.exercises.values()))
    with pytest.raises(ValueError, match="already"):
        Lab("demo", "A demo.", default_exercise="a",
            modules=[lab.exercises["a"], lab.exercises["a"]])


def _one(fn, name="a"):
    """A lab of one exercise ``fn``."""
    return Lab("demo", "A demo lab.", default_exercise=name,
               modules=[exercise(name, "an exercise")(fn)])


def test_each_value_is_printed_once_and_written_once(tmp_path, capsys):
    import numpy as np

    def a(run: Run) -> dict:
        return {
            "test_accuracy": Row(0.98125, "test accuracy", "{:.1%}", at_least=0.97),
            "worst_digit": Row(np.float32(0.625), fmt="{:.1%}", at_least=0.8),
            "grad_error": Row(3e-8, "max |grad error|", "{:.2e}", at_most=1e-5),
            "per_digit": Row({"0": 0.5, "1": 0.75}, "accuracy per digit", "{:.0%}"),
            "final_loss": 0.123456,
            "figure": "curves.png",
        }

    _one(a).main(["--out", str(tmp_path)])
    printed = capsys.readouterr().out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary) == {"exercise", "test_accuracy", "worst_digit",
                            "grad_error", "per_digit", "final_loss", "figure",
                            "wall_seconds"}
    assert summary["worst_digit"] == 0.625  # a NumPy number, written as a float
    assert summary["per_digit"] == {"0": 0.5, "1": 0.75}
    for line in ("test accuracy  98.1% (target >= 97%: met)",
                 "worst digit  62.5% (target >= 80%: NOT met)",
                 "max |grad error|  3.00e-08 (target <= 1e-05: met)",
                 "final loss  0.1235", "figure  curves.png"):
        label, value = line.split("  ")
        assert re.search(rf"^  {re.escape(label)} +{re.escape(value)}$", printed,
                         re.M), (line, printed)
    assert re.search(r"^  accuracy per digit\n    0  50%\n    1  75%$", printed, re.M)
    summary_text = printed.split("--- summary")[1]
    for number in ("98.1%", "62.5%", "3.00e-08", "50%", "75%", "0.1235"):
        assert summary_text.count(number) == 1, (number, printed)


def test_rows_format_lists_and_dicts_and_refuse_bad_arguments():
    assert Row([0.5, 0.25], fmt="{:.0%}").text == "50%, 25%"
    assert Row({"a": 3, "b": 0.5}).text == ""  # a dict is printed item by item
    assert Row(None, note="not trained").text == "none (not trained)"
    for make, error, words in ((lambda: Row(0.5, fmt=3), TypeError, "fmt=3"),
                               (lambda: Row(0.5, fmt="{:.1%"), ValueError, "fmt='{:.1%'"),
                               (lambda: Row("high", at_least=0.5), TypeError,
                                "value='high'"),
                               (lambda: Row(0.5, at_most="1"), TypeError, "at_most='1'")):
        with pytest.raises(error, match=re.escape(words)):
            make()


@pytest.mark.parametrize("returned, error, words", [
    (["not", "a", "dict"], TypeError, "Received: ['not', 'a', 'dict']"),
    ({1: 0.5}, TypeError, "Received: {1: 0.5}"),
    ({"wall_seconds": 3}, ValueError, "Received: ['wall_seconds']"),
    ({"nested": [Row(1)]}, TypeError, "Row goes at the top level"),
])
def test_a_malformed_summary_is_refused(tmp_path, returned, error, words):
    def a(run: Run) -> dict:
        return returned

    with pytest.raises(error, match=re.escape(words)):
        _one(a).main(["--out", str(tmp_path)])


def test_take():
    from units.lab import take

    assert take(None, [1, 2, 3]) == [1, 2, 3]
    assert take(2, [1, 2, 3], "abc") == ([1, 2], "ab")


def _training_lab(crash_in_fit=None):
    """A lab whose exercise trains two small models one after the other; with
    ``crash_in_fit=k`` the k-th fit raises after its first epoch."""
    import keras
    import numpy as np
    import tensorflow as tf

    seen = {}

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyboardInterrupt

    def train(run: Run, *, epochs: Count = 3) -> dict:
        seen["strategy"] = tf.distribute.get_strategy()
        seen["histories"], seen["iterations"] = [], []
        x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
        for k in (1, 2):
            model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
            model.compile(optimizer="sgd", loss="mse")
            extra = [Crash()] if k == crash_in_fit else []
            history = model.fit(x, x[:, :1], epochs=epochs, batch_size=8,
                                verbose=0, callbacks=[*run.backup(), *extra])
            seen["histories"].append(history.epoch)
            seen["iterations"].append(int(model.optimizer.iterations.numpy()))
        return {}

    return _one(train, "train"), seen


def test_distribute_runs_the_exercise_in_the_strategy_scope(
        tmp_path, monkeypatch, mirrored_strategy):
    import tensorflow as tf

    from keras_genai import distribute

    # One MirroredStrategy per test process: collective ops of a second one
    # collide with the first's.
    asked = []
    real = distribute.strategy
    monkeypatch.setattr(distribute, "strategy", lambda kind: asked.append(kind) or (
        mirrored_strategy if kind == "mirrored" else real(kind)))
    lab, seen = _training_lab()
    lab.main(["--out", str(tmp_path / "a"), "--distribute", "mirrored"])
    assert seen["strategy"] is mirrored_strategy
    assert seen["iterations"] == [6, 6]  # 3 epochs x 2 global batches of 8
    lab.main(["--out", str(tmp_path / "b")])  # auto: no GPU here
    assert asked == ["mirrored", "auto"]
    assert seen["strategy"] is tf.distribute.get_strategy()


def test_resume_skips_finished_fits_and_continues_the_interrupted_one(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lab, seen = _training_lab(crash_in_fit=2)
    with pytest.raises(KeyboardInterrupt):
        lab.main(["--resume", "--out", "out"])
    root = tmp_path / "checkpoints" / "demo" / "train"
    assert sorted(p.name for p in root.iterdir()) == ["fit_1", "fit_2"]
    lab, seen = _training_lab()  # the same command again
    assert lab.main(["--resume", "--out", "out"]) == 0
    # fit 1 had finished: restored, 0 more steps; fit 2 goes on from epoch 2.
    assert seen["histories"] == [[0, 1, 2], [0, 1, 2]]
    assert seen["iterations"] == [6, 6]
    assert not root.exists(), "the backups outlived the finished exercise"


def test_deterministic_turns_op_determinism_on(tmp_path, op_determinism_off):
    from keras_genai.utils import is_deterministic

    lab, _ = _lab()
    lab.main(["--out", str(tmp_path / "a"), "--deterministic"])
    assert is_deterministic()
    lab.main(["--out", str(tmp_path / "a")])
    assert not is_deterministic()


UNITS = {
    "unit1_mlp": ["xor", "backprop", "optimizers", "activations", "digits",
                  "capacity"],
    "unit2_cnn": ["cnn", "architectures", "degradation", "listing", "datagen",
                  "pooling", "feature-maps", "regularization", "normalization",
                  "augmentation", "transfer-learning"],
    "unit3_rnn": ["memory", "vanishing", "clipping", "gates", "bptt-cost",
                  "bidirectional",
                  "forecast", "anomaly", "seq2seq", "captioning",
                  "text-generation",
                  "text-classification"],
    "unit4_gan": ["dcgan", "vanilla", "cgan", "wgan-gp", "losses", "feature-matching",
                  "interpolation", "augmentation", "stylegan", "mode-collapse",
                  "generative-vs-discriminative", "optimal-discriminator",
                  "pix2pix", "colorization", "edges", "cyclegan", "srgan", "lapgan",
                  "latent-arithmetic", "precision-recall"],
    "unit5_autoencoder": ["autoencoder", "compression", "undercomplete-vs-overcomplete",
                          "sparse", "denoising", "conv", "pca", "anomaly",
                          "reconstruction-loss", "deep", "vae", "cvae",
                          "posterior-collapse", "features", "filters", "latent-space",
                          "face-swap", "aae", "vaegan", "bigan", "ae-vs-gan"],
    "unit6_diffusion": ["train", "forward", "samplers", "guidance", "text",
                        "attention", "inpaint", "edit", "super-resolution"],
    "unit7_attention": ["clip", "clip-batch", "attention", "long-range", "vit", "mae"],
    "unit8_likelihood": ["pixelcnn", "flow", "nats", "sampling-cost"],
    "unit0_probability": ["bayes", "information", "independence", "lines",
                          "manifold", "ood"],
}


def test_every_unit_is_a_package_whose_help_lists_its_exercises_in_order(capsys):
    import glob
    import importlib
    import os

    packages = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(
        os.path.join(REPO_ROOT, "units", "unit*", "__main__.py")))
    assert packages == sorted(UNITS)
    assert not glob.glob(os.path.join(REPO_ROOT, "units", "unit*.py"))
    for unit, exercises in UNITS.items():
        module = importlib.import_module(f"units.{unit}")
        assert list(module.LAB.exercises) == exercises, unit
        with pytest.raises(SystemExit):
            module.main(["--help"])
        text = capsys.readouterr().out
        assert f"docs/units/{unit}.md" in text
        positions = [text.index(f"\n  {name} ") for name in exercises]
        assert positions == sorted(positions), unit


# Every count option of the units' exercises, below 1, is a usage error before
# anything runs (the exercise that takes the option named).
COUNTS = [
    ("unit3_rnn", "text-generation", "--bptt-lengths"),
    ("unit3_rnn", "text-generation", "--sample-length"),
    ("unit4_gan", "mode-collapse", "--ring-steps"),
    ("unit4_gan", "augmentation", "--classifier-updates"),
    ("unit5_autoencoder", "bigan", "--probe-epochs"),
    ("unit6_diffusion", "inpaint", "--test-digits"),
    ("unit6_diffusion", "train", "--samples"),
    ("unit6_diffusion", "train", "--timesteps"),
    ("unit6_diffusion", "train", "--sample-steps"),
    ("unit6_diffusion", "train", "--widths"),
    ("unit6_diffusion", "inpaint", "--resamplings"),
    ("unit6_diffusion", "inpaint", "--jump-length"),
    ("unit7_attention", "clip", "--test-digits"),
    ("unit7_attention", "long-range", "--lengths"),
    ("unit7_attention", "clip-batch", "--batch-sizes"),
    ("unit7_attention", "clip-batch", "--steps"),
    ("unit7_attention", "mae", "--probe-epochs"),
    ("unit8_likelihood", "flow", "--test-digits"),
    ("unit8_likelihood", "flow", "--samples"),
    ("unit8_likelihood", "nats", "--iwae-samples"),
    ("unit8_likelihood", "nats", "--vae-epochs"),
]


@pytest.mark.parametrize("unit, name, option", COUNTS)
@pytest.mark.parametrize("value", ["0", "-3"])
def test_unit_lab_counts_below_1_are_usage_errors(unit, name, option, value, capsys):
    import importlib

    module = importlib.import_module(f"units.{unit}")
    with pytest.raises(SystemExit) as info:
        module.main(["--exercise", name, option, value])
    assert info.value.code == 2
    assert (f"argument {option}: expected a positive integer, got '{value}'"
            in capsys.readouterr().err)


def _dataset_lab():
    seen = {}

    @exercise("any", "takes --dataset", any_dataset=True)
    def any_(run: Run) -> dict:
        images = run.images()
        seen.update(run=run, shape=images.image_shape, name=images.name)
        return {}

    @exercise("fixed", "the digits only")
    def fixed(run: Run) -> dict:
        return {}

    @exercise("labelled", "needs labels", any_dataset="labelled")
    def labelled(run: Run) -> dict:
        seen.update(classes=run.images().num_classes)
        return {}

    return Lab("demo", "A demo lab.", default_exercise="any",
               modules=[any_, fixed, labelled]), seen


def test_the_dataset_options_reach_the_run_and_are_refused_where_not_taken(
        tmp_path, capsys):
    lab, seen = _dataset_lab()
    assert lab.main(["--out", str(tmp_path), "--image-size", "14"]) == 0
    run = seen["run"]
    assert (run.dataset, run.image_size, run.download) == ("digits", 14, False)
    assert seen["shape"] == (14, 14, 1) and seen["name"] == "digits"
    with pytest.raises(SystemExit):
        lab.main(["--help"])
    assert "takes --dataset [any dataset]" in capsys.readouterr().out
    for argv, words in (
            (["--exercise", "fixed", "--dataset", "cifar10"],
             "trains on the embedded digits only (the exercises of this lab that "
             "take --dataset: ['any', 'labelled']). Received: dataset='cifar10'"),
            (["--exercise", "fixed", "--image-size", "32"], "image_size=32"),
            (["--dataset", str(tmp_path / "missing")], "No folder"),
            (["--dataset", "no_such_dataset_name"], "Unknown dataset"),
            (["--image-size", "0"], "expected a positive integer")):
        with pytest.raises(SystemExit) as stop:
            lab.main(["--out", str(tmp_path), *argv])
        assert stop.value.code == 2
        assert words in capsys.readouterr().err, argv
    with pytest.raises(ValueError, match="digits only"):
        lab.run("fixed", dataset="cifar10", out=str(tmp_path))


def test_an_exercise_that_needs_labels_refuses_a_folder_without_classes(
        tmp_path, capsys):
    from conftest import make_picture_folder

    lab, seen = _dataset_lab()
    labelled = make_picture_folder(tmp_path / "labelled", per_class=5)
    assert lab.main(["--exercise", "labelled", "--dataset", labelled,
                     "--out", str(tmp_path / "out")]) == 0
    assert seen["classes"] == 2
    flat = make_picture_folder(tmp_path / "flat", classes=(), per_class=5)
    assert lab.main(["--dataset", flat, "--out", str(tmp_path / "out")]) == 0
    with pytest.raises(SystemExit) as stop:
        lab.main(["--exercise", "labelled", "--dataset", flat,
                  "--out", str(tmp_path / "out")])
    assert stop.value.code == 2
    assert "needs labelled images" in capsys.readouterr().err
    with pytest.raises(ValueError, match="any_dataset"):
        exercise("x", "y", any_dataset="yes")


def test_a_tfds_name_not_on_disk_is_a_usage_error_without_download(
        tmp_path, capsys, monkeypatch):
    """Offline, within seconds: the data folder is empty, nothing downloads."""
    import tensorflow_datasets as tfds

    def must_not_download(*args, **kwargs):
        raise AssertionError("nothing may download without --download")

    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare",
                        must_not_download)
    lab, _ = _dataset_lab()
    with pytest.raises(SystemExit) as stop:
        lab.main(["--out", str(tmp_path), "--dataset", "cifar10"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "is not on disk" in err and "--download" in err
