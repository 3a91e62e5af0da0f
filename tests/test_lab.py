"""units/lab.py: exercises as typed functions, their flags from the signature,
the shared options in the Run, Lab.run calling the function directly with the
command line's checks, and refusals of malformed exercises and bad options."""

import json
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
