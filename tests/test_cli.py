"""keras_genai.cli: per-exercise defaults, --train-size, help text."""

import json

import pytest

from keras_genai.cli import Lab
from keras_genai.cli import take


def _lab(tmp_path):
    lab = Lab("demo", "A demo lab.", default_exercise="a", epochs=7, batch_size=16)
    seen = {}

    @lab.exercise("a", "first exercise")
    def a(args, out):
        seen.update(vars(args))
        return {"value": 1.5}

    @lab.exercise("b", "second exercise", epochs=3, batch_size=4)
    def b(args, out):
        seen.update(vars(args))
        return {}

    return lab, seen


def test_exercise_defaults_and_overrides(tmp_path):
    lab, seen = _lab(tmp_path)
    assert lab.main(["--out", str(tmp_path / "a")]) == 0
    assert (seen["epochs"], seen["batch_size"], seen["train_size"]) == (7, 16, None)
    lab.main(["--exercise", "b", "--out", str(tmp_path / "b")])
    assert (seen["epochs"], seen["batch_size"]) == (3, 4)
    lab.main(["--exercise", "b", "--epochs", "9", "--train-size", "5",
              "--out", str(tmp_path / "c")])
    assert (seen["epochs"], seen["train_size"]) == (9, 5)
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["exercise"] == "a" and summary["value"] == 1.5


def test_per_exercise_latent_size(tmp_path, capsys):
    lab = Lab("demo", "A demo lab.", default_exercise="a", latent_dim=32)
    seen = {}

    @lab.exercise("a", "lab latent")
    def a(args, out):
        seen["a"] = args.latent_dim

    @lab.exercise("b", "own latent", latent_dim=8)
    def b(args, out):
        seen["b"] = args.latent_dim

    lab.main(["--out", str(tmp_path / "a")])
    lab.main(["--exercise", "b", "--out", str(tmp_path / "b")])
    assert seen == {"a": 32, "b": 8}
    lab.main(["--exercise", "b", "--latent-dim", "32", "--out", str(tmp_path / "c")])
    assert seen["b"] == 32  # an explicit value wins, even the lab's default
    with pytest.raises(SystemExit):
        lab.main(["--help"])
    text = capsys.readouterr().out
    assert "own latent [10 epochs, batch 64, latent 8]" in text
    assert "lab latent [10 epochs, batch 64]" in text


def test_help_lists_exercises_with_their_defaults(tmp_path, capsys):
    lab, _ = _lab(tmp_path)
    with pytest.raises(SystemExit):
        lab.main(["--help"])
    text = capsys.readouterr().out
    assert "first exercise [7 epochs, batch 16]" in text
    assert "second exercise [3 epochs, batch 4]" in text
    assert "--train-size" in text


@pytest.mark.parametrize("argv", [["--train-size", "0"], ["--exercise", "zzz"]])
def test_bad_options_exit_with_usage(tmp_path, argv):
    lab, _ = _lab(tmp_path)
    with pytest.raises(SystemExit) as info:
        lab.main(argv)
    assert info.value.code == 2


def test_take():
    assert take(None, [1, 2, 3]) == [1, 2, 3]
    assert take(2, [1, 2, 3], "abc") == ([1, 2], "ab")


@pytest.mark.parametrize("lab, exercises", [
    ("unit1_mlp", ["xor", "backprop", "optimizers", "activations", "digits"]),
    ("unit2_cnn", ["cnn", "architectures", "pooling", "feature-maps",
                   "regularization", "augmentation"]),
    ("unit3_rnn", ["memory", "vanishing", "clipping", "bidirectional",
                   "forecast"]),
])
def test_unit_labs_list_every_exercise(lab, exercises, monkeypatch, capsys):
    import importlib

    from conftest import REPO_ROOT

    monkeypatch.syspath_prepend(REPO_ROOT)
    module = importlib.import_module(f"units.{lab}")
    with pytest.raises(SystemExit):
        module.main(["--help"])
    text = capsys.readouterr().out
    for name in exercises:
        assert f"  {name} " in text


def _training_lab(crash_in_fit=None):
    """A lab whose exercise trains two small models one after the other; with
    ``crash_in_fit=k`` the k-th fit raises after its first epoch."""
    import keras
    import numpy as np
    import tensorflow as tf

    lab = Lab("demo", "A demo lab.", default_exercise="train", epochs=3)
    seen = {}

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyboardInterrupt

    @lab.exercise("train", "two fits")
    def train(args, out):
        seen["strategy"] = tf.distribute.get_strategy()
        seen["histories"], seen["iterations"] = [], []
        x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
        for k in (1, 2):
            model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
            model.compile(optimizer="sgd", loss="mse")
            extra = [Crash()] if k == crash_in_fit else []
            history = model.fit(x, x[:, :1], epochs=args.epochs, batch_size=8,
                                verbose=0, callbacks=[*args.backup(), *extra])
            seen["histories"].append(history.epoch)
            seen["iterations"].append(int(model.optimizer.iterations.numpy()))
        return {}

    return lab, seen


def test_distribute_runs_the_exercise_in_the_strategy_scope(
        tmp_path, monkeypatch, mirrored_strategy):
    import tensorflow as tf

    from keras_genai import distribute

    # One MirroredStrategy per test process: collective ops of a second one
    # collide with the first's (the strategies themselves: test_distribute.py).
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
    with pytest.raises(SystemExit):
        lab.main(["--distribute", "tpu"])


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
    lab.main(["--out", "out"])  # without --resume: nothing is kept
    assert not (tmp_path / "checkpoints" / "demo" / "train").exists()


def test_deterministic_turns_op_determinism_on(tmp_path, op_determinism_off):
    from keras_genai.utils import is_deterministic

    lab, _ = _lab(tmp_path)
    lab.main(["--out", str(tmp_path / "a"), "--deterministic"])
    assert is_deterministic()
    lab.main(["--out", str(tmp_path / "a")])
    assert not is_deterministic()
