"""keras_genai.cli: exercises by decorator, Lab.include, per-exercise defaults,
--train-size, help text, the summary (each value printed once, written once)
and refusals of bad input."""

import json
import re
import types

import numpy as np
import pytest

from keras_genai.cli import Lab
from keras_genai.cli import Row
from keras_genai.cli import exercise
from keras_genai.cli import take


def _lab(tmp_path):
    seen = {}

    @exercise("a", "first exercise")
    def a(args, out):
        seen.update(vars(args))
        return {"value": 1.5}

    @exercise("b", "second exercise", epochs=3, batch_size=4)
    def b(args, out):
        seen.update(vars(args))
        return {}

    lab = Lab("demo", "A demo lab.", default_exercise="a", epochs=7,
              batch_size=16).include(a, b)
    return lab, seen


def _module(name, source):
    """A module made from ``source``, as if imported from a file."""
    module = types.ModuleType(name)
    exec(source, module.__dict__)
    return module


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


def test_run_is_the_command_line_from_python_and_returns_the_summary(tmp_path,
                                                                     capsys):
    lab, seen = _lab(tmp_path)
    summary = lab.run("b", epochs=9, train_size=5, deterministic=True,
                      resume=False, seed=None, out=str(tmp_path / "b"))
    assert (seen["epochs"], seen["batch_size"], seen["train_size"]) == (9, 4, 5)
    assert seen["deterministic"] and not seen["resume"] and seen["seed"] == 0
    assert summary == json.loads((tmp_path / "b" / "summary.json").read_text())
    assert "--- summary: demo / b ---" in capsys.readouterr().out
    # The default exercise; a Row's value is returned, not the Row.
    assert lab.run(out=str(tmp_path / "a"))["value"] == 1.5
    assert lab.parse("a", train_size=3, verbose=2).train_size == 3
    lab.options = (("--sizes", dict(type=int, nargs="+", default=[1])),)
    assert lab.parse("a", sizes=(4, 5)).sizes == [4, 5]


@pytest.mark.parametrize("options, words", [
    (dict(exercise="zzz"), "invalid choice: 'zzz'"),
    (dict(exercise="a", train_size=0), "expected a positive integer"),
    (dict(exercise="a", no_such_option=1), "argparse's message is above"),
])
def test_run_refuses_bad_options_before_running(tmp_path, options, words):
    lab, seen = _lab(tmp_path)
    with pytest.raises(ValueError, match=re.escape(words)) as info:
        lab.run(**options)
    assert "Received: exercise=" in str(info.value) and not seen


def test_the_decorator_returns_the_function_and_records_its_spec():
    @exercise("gan-1", "a GAN", export="saved_models/x", epochs=5, latent_dim=8)
    def gan(args, out):
        return {"args": args, "out": out}

    assert gan("A", "O") == {"args": "A", "out": "O"}  # still a plain function
    assert gan.__doc__.startswith("Exercise ``gan-1``: a GAN")

    @exercise("own", "help text")
    def documented(args, out):
        """Its own docstring."""

    assert documented.__doc__ == "Its own docstring."
    spec = gan.exercise_spec
    assert (spec.name, spec.help, spec.export, spec.epochs, spec.batch_size,
            spec.latent_dim) == ("gan-1", "a GAN", "saved_models/x", 5, None, 8)


def test_include_takes_a_modules_exercises_in_definition_order():
    other = _module("other_exercises", """
from keras_genai.cli import exercise

@exercise("elsewhere", "defined in another module")
def elsewhere(args, out):
    return {}
""")
    module = _module("demo_exercises", """
from keras_genai.cli import exercise

@exercise("zeta", "defined first")
def zeta(args, out):
    return {}

def helper():
    return None

@exercise("alpha", "defined second")
def alpha(args, out):
    return {}
""")
    module.elsewhere = other.elsewhere  # imported there: not this module's own
    lab = Lab("demo", "A demo lab.", default_exercise="alpha").include(module)
    assert list(lab.exercises) == ["zeta", "alpha"]
    assert lab.exercises["zeta"] is module.zeta
    lab.include(other)
    assert list(lab.exercises) == ["zeta", "alpha", "elsewhere"]


def test_per_exercise_latent_size(tmp_path, capsys):
    seen = {}

    @exercise("a", "lab latent")
    def a(args, out):
        seen["a"] = args.latent_dim

    @exercise("b", "own latent", latent_dim=8)
    def b(args, out):
        seen["b"] = args.latent_dim

    lab = Lab("demo", "A demo lab.", default_exercise="a",
              latent_dim=32).include(a, b)
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


@pytest.mark.parametrize("argv", [["--train-size", "0"], ["--exercise", "zzz"],
                                  ["--seed", "-1"]])
def test_bad_options_exit_with_usage(tmp_path, argv):
    lab, seen = _lab(tmp_path)
    with pytest.raises(SystemExit) as info:
        lab.main(argv)
    assert info.value.code == 2 and not seen


def test_each_value_is_printed_once_and_written_once(tmp_path, capsys):
    @exercise("a", "numbers")
    def a(args, out):
        return {
            "test_accuracy": Row(0.98125, "test accuracy", "{:.1%}", at_least=0.97),
            "worst_digit": Row(np.float32(0.625), fmt="{:.1%}", at_least=0.8),
            "grad_error": Row(3e-8, "max |grad error|", "{:.2e}", at_most=1e-5),
            "per_digit": Row({"0": 0.5, "1": 0.75}, "accuracy per digit", "{:.0%}"),
            "final_loss": 0.123456,
            "figure": "curves.png",
        }

    Lab("demo", "A demo lab.", default_exercise="a").include(a).main(
        ["--out", str(tmp_path)])
    printed = capsys.readouterr().out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary) == {"exercise", "test_accuracy", "worst_digit",
                            "grad_error", "per_digit", "final_loss", "figure",
                            "wall_seconds"}
    assert summary["test_accuracy"] == 0.98125
    assert summary["worst_digit"] == 0.625  # a NumPy number, written as a float
    assert summary["per_digit"] == {"0": 0.5, "1": 0.75}
    assert summary["final_loss"] == 0.123456 and summary["figure"] == "curves.png"
    lines = [
        "test accuracy  98.1% (target >= 97%: met)",
        "worst digit  62.5% (target >= 80%: NOT met)",
        "max |grad error|  3.00e-08 (target <= 1e-05: met)",
        "final loss  0.1235",  # a float without a format: 4 significant digits
        "figure  curves.png",
    ]
    for line in lines:
        label, value = line.split("  ")
        assert re.search(rf"^  {re.escape(label)} +{re.escape(value)}$", printed,
                         re.M), (line, printed)
    assert re.search(r"^  accuracy per digit\n    0  50%\n    1  75%$", printed,
                     re.M), printed
    summary_text = printed.split("--- summary")[1]
    for number in ("98.1%", "62.5%", "3.00e-08", "50%", "75%", "0.1235",
                   "curves.png"):
        assert summary_text.count(number) == 1, (number, printed)
    assert re.search(r"^  wall time +\d+ s$", printed, re.M)


def test_row_formats_lists_and_dicts_and_says_none():
    assert Row([0.5, 0.25], fmt="{:.0%}").text == "50%, 25%"
    assert Row({"a": 3, "b": 0.5}).text == ""  # a dict is printed item by item
    assert Row(None, note="not trained").text == "none (not trained)"
    assert Row(7, fmt="{} numbers", note="compression 112.0x").text == \
        "7 numbers (compression 112.0x)"


@pytest.mark.parametrize("make, error, words", [
    (lambda: Row(0.5, fmt=3), TypeError, "fmt=3"),
    (lambda: Row(0.5, fmt="{:.1%"), ValueError, "fmt='{:.1%'"),
    (lambda: Row(0.5, label=["x"]), TypeError, "label=['x']"),
    (lambda: Row("high", at_least=0.5), TypeError, "value='high'"),
    (lambda: Row(0.5, at_most="1"), TypeError, "at_most='1'"),
    (lambda: exercise("Bad Name", "h"), ValueError, "name='Bad Name'"),
    (lambda: exercise("a", ""), ValueError, "help=''"),
    (lambda: exercise("a", "h", epochs=0), ValueError, "epochs=0"),
    (lambda: exercise("a", "h", batch_size=2.0), ValueError, "batch_size=2.0"),
    (lambda: exercise("a", "h", export=5), TypeError, "export=5"),
    (lambda: exercise("a", "h")(print), TypeError, "built-in function print"),
    (lambda: Lab("demo", "d", "a").include(42), TypeError, "Received: 42"),
    (lambda: Lab("demo", "d", "a").include(types.ModuleType("empty")), ValueError,
     "module 'empty'"),
])
def test_bad_arguments_are_refused_naming_the_argument(make, error, words):
    with pytest.raises(error) as info:
        make()
    assert words in str(info.value)


def test_include_refuses_a_name_taken_twice_and_a_latent_without_latents():
    @exercise("a", "first")
    def first(args, out):
        return {}

    @exercise("a", "second")
    def second(args, out):
        return {}

    @exercise("b", "latent", latent_dim=4)
    def latent(args, out):
        return {}

    lab = Lab("demo", "d", default_exercise="a").include(first)
    with pytest.raises(ValueError, match=r"exercise 'a' already \(.*first\). "
                                         r"Received: .*second"):
        lab.include(second)
    with pytest.raises(ValueError, match=r"no latents.*latent_dim=4"):
        lab.include(latent)
    assert list(lab.exercises) == ["a"]


@pytest.mark.parametrize("returned, error, words", [
    (["not", "a", "dict"], TypeError, "Received: ['not', 'a', 'dict']"),
    ({1: 0.5}, TypeError, "Received: {1: 0.5}"),
    ({"wall_seconds": 3}, ValueError, "Received: ['wall_seconds']"),
    ({"nested": [Row(1)]}, TypeError, "Row goes at the top level"),
])
def test_a_malformed_summary_is_refused(tmp_path, returned, error, words):
    @exercise("a", "returns something odd")
    def a(args, out):
        return returned

    lab = Lab("demo", "d", default_exercise="a").include(a)
    with pytest.raises(error) as info:
        lab.main(["--out", str(tmp_path)])
    assert words in str(info.value)


def test_a_default_exercise_that_was_not_included_is_refused(tmp_path):
    lab = Lab("demo", "d", default_exercise="c").include(
        *_lab(tmp_path)[0].exercises.values())
    with pytest.raises(ValueError, match=r"no exercise 'c'.*\['a', 'b'\]"):
        lab.main(["--out", str(tmp_path)])


def test_take():
    assert take(None, [1, 2, 3]) == [1, 2, 3]
    assert take(2, [1, 2, 3], "abc") == ([1, 2], "ab")


@pytest.mark.parametrize("lab, exercises", [
    ("unit1_mlp", ["xor", "backprop", "optimizers", "activations", "digits"]),
    ("unit2_cnn", ["cnn", "architectures", "pooling", "feature-maps",
                   "regularization", "augmentation"]),
    ("unit3_rnn", ["memory", "vanishing", "clipping", "bidirectional",
                   "forecast", "text-generation"]),
    ("unit6_diffusion", ["forward", "train", "samplers", "guidance", "text",
                         "attention", "inpaint", "edit"]),
    ("unit8_likelihood", ["pixelcnn", "flow", "nats", "sampling-cost"]),
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


@pytest.mark.parametrize("lab, option", [
    ("unit3_rnn", "--bptt-lengths"), ("unit3_rnn", "--sample-length"),
    ("unit4_gan", "--ring-steps"), ("unit4_gan", "--classifier-updates"),
    ("unit5_autoencoder", "--probe-epochs"),
])
def test_unit_lab_counts_below_1_are_usage_errors(lab, option, monkeypatch, capsys):
    import importlib

    from conftest import REPO_ROOT

    monkeypatch.syspath_prepend(REPO_ROOT)
    module = importlib.import_module(f"units.{lab}")
    with pytest.raises(SystemExit) as info:
        module.main([option, "0"])
    assert info.value.code == 2
    assert (f"argument {option}: expected a positive integer, got '0'"
            in capsys.readouterr().err)


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

    @exercise("train", "two fits")
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

    return Lab("demo", "A demo lab.", default_exercise="train",
               epochs=3).include(train), seen


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
