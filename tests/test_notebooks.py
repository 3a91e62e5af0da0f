"""The notebooks of ``notebooks/``: one per lab, stored without outputs, running
exercises their lab has with options it takes; the Unit IV notebook executed on
its quick preset (and, marked slow, every notebook).

The Unit IV notebook's run is also the smoke run of the exercises it walks
through that no other test runs (``mode-collapse``, ``interpolation``,
``stylegan``, ``optimal-discriminator``, ``feature-matching``,
``colorization``, ``edges``, ``latent-arithmetic``, ``precision-recall``):
their summaries are checked here."""

import glob
import json
import os
import re

import pytest

from conformance import python_env
from conftest import REPO_ROOT

NOTEBOOKS = os.path.join(REPO_ROOT, "notebooks")
LABS = sorted(os.path.basename(os.path.dirname(p))
              for p in glob.glob(os.path.join(REPO_ROOT, "units", "unit*_*",
                                              "__init__.py")))


def _read(lab):
    import nbformat

    return nbformat.read(os.path.join(NOTEBOOKS, f"{lab}.ipynb"), as_version=4)


def _code(notebook):
    return [c.source for c in notebook.cells if c.cell_type == "code"]


def test_every_lab_has_a_notebook_stored_without_outputs():
    import nbformat

    stored = sorted(os.path.basename(p)[:-6]
                    for p in glob.glob(os.path.join(NOTEBOOKS, "*.ipynb")))
    assert stored == LABS
    for lab in LABS:
        notebook = _read(lab)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (
                    f"{lab}: a cell was stored with its outputs")
        assert notebook.cells[0].cell_type == "markdown"
        assert "REPOSITORY_URL" in _code(notebook)[0], f"{lab}: no setup cell"


@pytest.mark.parametrize("lab", LABS)
def test_a_notebook_runs_its_labs_exercises_with_options_the_lab_takes(
        lab, monkeypatch):
    """The settings cell, run here, gives each exercise's quick options; every
    `LAB.run` call names an exercise of the lab, and the lab parses its quick
    options, so a renamed exercise or option fails here and not in a class."""
    import importlib

    monkeypatch.syspath_prepend(REPO_ROOT)
    notebook = _read(lab)
    cells = _code(notebook)
    settings = next(c for c in cells if "PRESET = " in c)
    assert re.search(r'^PRESET = "quick"$', settings, re.M), (
        f"{lab}: the stored preset must be quick")
    namespace = {"os": os}
    exec(settings, namespace)
    module = importlib.import_module(f"units.{lab}")
    assert namespace["lab"] is module
    called = [m for c in cells for m in re.findall(r'LAB\.run\("([a-z0-9-]+)"', c)]
    assert called and len(called) == len(set(called)), (lab, called)
    assert called == list(namespace["QUICK"]), (
        f"{lab}: QUICK must list the exercises the notebook runs, in order")
    for name in called:
        assert name in module.LAB.exercises, (lab, name)
        module.LAB.check(name, **namespace["options"](name))
    assert namespace["options"](called[0], seed=5)["seed"] == 5
    namespace["PRESET"] = "full"
    assert namespace["options"](called[0]) == dict(verbose=2)


@pytest.fixture
def execute_notebook(tmp_path, monkeypatch, quick_digit_classifier):
    """Executes ``notebooks/<lab>.ipynb`` on its stored (quick) preset in a
    Jupyter kernel whose working folder is a temporary one; returns the executed
    notebook and that folder. The kernel inherits this run's Keras cache (and
    so its digit classifier) and finds the labs through PYTHONPATH
    (`conformance.python_env`)."""
    from nbclient import NotebookClient

    monkeypatch.setenv("PYTHONPATH", python_env()["PYTHONPATH"])

    def run(lab):
        notebook = _read(lab)
        NotebookClient(notebook, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
        return notebook, tmp_path

    return run


def _check_every_cell_ran_and_showed_its_figures(notebook, folder, monkeypatch):
    """Every code cell ran without an error, and the notebook shows as many
    images as its exercises' summaries name PNG files (the summaries of a
    quick run are under ``quick/`` of the kernel's folder)."""
    from keras_genai import viz

    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None
            assert not [o for o in cell.outputs if o.output_type == "error"]
    shown = sum("image/png" in o.get("data", {}) for c in notebook.cells
                if c.cell_type == "code" for o in c.outputs)
    monkeypatch.chdir(folder)  # the summaries' paths are relative to it
    figures = [p for path in sorted(folder.glob("quick/**/summary.json"))
               for p in viz.figure_paths(json.loads(path.read_text()))]
    runs = sum(len(re.findall(r"LAB\.run\(", c)) for c in _code(notebook))
    assert len(list(folder.glob("quick/**/summary.json"))) == runs
    assert figures and shown == len(figures), (shown, figures)


def test_the_unit4_notebook_runs_on_its_quick_preset(execute_notebook,
                                                     monkeypatch):
    notebook, folder = execute_notebook("unit4_gan")
    _check_every_cell_ran_and_showed_its_figures(notebook, folder, monkeypatch)
    outputs = folder / "quick" / "outputs" / "unit4_gan"

    def summary(exercise):
        return json.loads((outputs / exercise / "summary.json").read_text())

    assert 0 <= json.loads((outputs / "summary.json").read_text())[
        "confident_fraction"] <= 1
    modes = summary("mode-collapse")["modes_covered"]
    assert set(modes) == {"minimax, k=1", "minimax, k=5", "non_saturating, k=5",
                          "wasserstein_gp, k=5"}
    assert all(0 <= v <= 8 for v in modes.values())
    norms = summary("interpolation")["walk_norms"]
    assert min(norms["linear"]) < min(norms["spherical"])
    style = summary("stylegan")
    training = style["training"]
    assert training["stylegan"]["seconds"] >= training["dcgan"]["seconds"]
    assert training["stylegan"]["generator steps"] >= 1
    assert set(style["quality"]) == {"dcgan", "stylegan psi=1.0",
                                     "stylegan psi=0.7", "stylegan psi=0.5"}
    for name in ("mode-collapse/ring.png", "interpolation/walks_linear.png",
                 "interpolation/walks_spherical.png", "stylegan/style_mixing.png",
                 "stylegan/samples.png"):
        assert (outputs / name).exists(), name
    # Theorem 1 holds on every row, and D* is the best D.
    for row in summary("optimal-discriminator")["table"].values():
        assert row["V(D*, G)"] == pytest.approx(row["2 JS - log 4"], abs=1e-6)
        assert row["V(trained D, G)"] <= row["V(D*, G)"] + 1e-6
    game = summary("optimal-discriminator")["pure_strategy_game"]
    assert game["min_G max_D V"] > game["max_D min_G V"]
    matching = summary("feature-matching")
    assert set(matching["quality"]) == {"non_saturating", "matching down1_lrelu",
                                        "matching down2_lrelu", "matching features"}
    assert {r["generator steps"] for r in matching["training"].values()} == {2}
    assert 0 <= summary("colorization")["colour_accuracy"] <= 1
    assert set(summary("edges")["judged"]) == {"edge maps", "restored", "original"}
    # Sections 10 and 11 use the DCGAN that section 1 exported.
    arithmetic = summary("latent-arithmetic")
    assert arithmetic["generator"].startswith("exported: ")
    assert set(arithmetic["directions"]) == {"thickness", "slant",
                                             "thickness + slant",
                                             "random (control)"}
    assert arithmetic["directions"]["random (control)"] == pytest.approx(
        arithmetic["directions"]["thickness"], rel=1e-4)
    measured = summary("precision-recall")
    assert measured["sources"]["dcgan"].startswith("exported: ")
    assert measured["sources"]["vae"].startswith("stand-in trained here")
    assert set(measured["table"]) == {"dcgan", "dcgan z x 0.8", "dcgan z x 0.6",
                                      "vae"}
    for row in measured["table"].values():
        assert all(0 <= row[k] <= 1 for k in ("precision", "recall", "coverage"))
    assert set(measured["diagnosis"]["dcgan"]["recall_per_digit"]) == set(
        "0123456789")
    for name in ("colorization/colorization.png", "edges/edges.png",
                 "latent-arithmetic/latent_arithmetic.png",
                 "precision-recall/closest_pairs.png",
                 "optimal-discriminator/discriminator_1.png"):
        assert (outputs / name).exists(), name


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_every_notebook_runs_on_its_quick_preset(execute_notebook, lab,
                                                 monkeypatch):
    notebook, folder = execute_notebook(lab)
    _check_every_cell_ran_and_showed_its_figures(notebook, folder, monkeypatch)
