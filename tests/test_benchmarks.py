"""The benchmark scripts run (tiny settings; their figures are in
benchmarks/README.md)."""

import os
import sys

import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "benchmarks")


@pytest.mark.slow
def test_precision_xla_benchmark_reports_every_variant(monkeypatch, capsys):
    monkeypatch.syspath_prepend(BENCHMARKS)
    import precision_xla

    results = precision_xla.main(["--models", "vae", "--steps", "2", "--warmup", "1",
                                  "--rounds", "1", "--batch-size", "8"])
    assert list(results) == ["vae"] and len(results["vae"]) == 8
    assert all(v > 0 for v in results["vae"].values())
    text = capsys.readouterr().out
    assert "mixed_bfloat16" in text and "speed-up x1.00" in text
    sys.modules.pop("precision_xla", None)


@pytest.mark.slow
def test_first_fit_benchmark_reports_the_ratio_and_equal_weights(monkeypatch, capsys):
    monkeypatch.syspath_prepend(BENCHMARKS)
    import first_fit

    results = first_fit.main(["--models", "simple_cnn", "--rounds", "1",
                              "--train-size", "64"])
    assert list(results) == ["simple_cnn"] and results["simple_cnn"] > 0
    assert "same weights: yes" in capsys.readouterr().out
    sys.modules.pop("first_fit", None)


@pytest.mark.slow
def test_lazy_r1_benchmark_reports_every_variant(monkeypatch, capsys):
    monkeypatch.syspath_prepend(BENCHMARKS)
    import lazy_r1

    results = lazy_r1.main(["--steps", "2", "--warmup", "1", "--rounds", "1",
                            "--batch-size", "8"])
    assert list(results) == ["r1 every step", "r1 every 16", "no r1"]
    assert all(v > 0 for v in results.values())
    assert "ratio to r1 every step 1.000" in capsys.readouterr().out
    sys.modules.pop("lazy_r1", None)
