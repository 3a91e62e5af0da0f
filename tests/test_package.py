"""Package-level promises: light import, the README's commands, the public API."""

import json
import os
import re
import subprocess
import sys

import keras_genai

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_import_has_no_side_effects_and_imports_heavy_modules_lazily(tmp_path):
    code = (
        "import json, os, sys; import keras_genai; "
        "print(json.dumps({m: m in sys.modules for m in "
        "('tensorflow_datasets', 'mlxtend')}))"
    )
    env = dict(os.environ, KERAS_HOME=str(tmp_path / "home"), PYTHONPATH=REPO_ROOT)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=str(tmp_path), check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {
        "tensorflow_datasets": False, "mlxtend": False}
    # Nothing was written by keras_genai: no cache folder (Keras itself writes
    # keras.json at import), no files in the working directory.
    assert not (tmp_path / "home" / "keras_genai").exists()
    assert sorted(os.listdir(tmp_path)) == ["home"]


def _quick_start_commands():
    text = open(os.path.join(REPO_ROOT, "README.md")).read()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(?:bash|sh)\n(.*?)\n```", section, flags=re.S)


def test_readme_quick_start_has_exactly_two_commands_and_ci_runs_the_second():
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    assert "python -m units.unit4_gan" in commands[0]
    assert "pytest" in commands[1]
    ci = open(os.path.join(REPO_ROOT, ".ci", "run")).read()
    assert "Quick start" in ci  # .ci/run reads the command from the README
    # ... then runs the main job's acceptance test, which the default tier skips.
    assert "-m slow" in ci and "test_default_run_meets_the_quality_targets" in ci


def test_public_api():
    assert re.fullmatch(r"\d+\.\d+\.\d+", keras_genai.__version__)
    for module in (keras_genai.data, keras_genai.builders, keras_genai.models,
                   keras_genai.losses, keras_genai.layers, keras_genai.regularizers,
                   keras_genai.diffusion):
        for name in module.__all__:
            obj = getattr(module, name)
            assert obj.__doc__, f"{module.__name__}.{name} has no docstring"
    import inspect

    for name, fn in inspect.getmembers(keras_genai.gradients, inspect.isfunction):
        if not name.startswith("_"):
            assert fn.__doc__, f"keras_genai.gradients.{name} has no docstring"


def _lower_bounds():
    """``{package: lower bound}`` of setup.cfg's install_requires."""
    import configparser

    config = configparser.ConfigParser()
    config.read(os.path.join(REPO_ROOT, "setup.cfg"))
    bounds = {}
    for line in config["options"]["install_requires"].split("\n"):
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)>=([0-9.]+)\s*", line)
        if match:
            bounds[match.group(1)] = match.group(2)
    return bounds


def test_the_oldest_versions_are_the_lower_bounds_everywhere():
    """.ci/oldest.txt pins what setup.cfg allows at the least, and each
    notebook's install keeps a runtime's TensorFlow and Keras from those
    versions on."""
    bounds = _lower_bounds()
    assert {"tensorflow", "keras", "tensorflow-datasets", "tensorboard"} <= set(bounds)
    pins = {}
    for line in open(os.path.join(REPO_ROOT, ".ci", "oldest.txt")):
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name] = version
    for name, bound in bounds.items():
        assert pins[name].startswith(bound), (name, pins[name], bound)
    for name in ("tensorflow", "keras"):
        oldest = tuple(int(p) for p in bounds[name].split(".")[:2])
        for notebook in sorted(os.listdir(os.path.join(REPO_ROOT, "notebooks"))):
            cells = json.load(open(os.path.join(REPO_ROOT, "notebooks", notebook)))
            assert f'("{name}", {oldest})' in "".join(cells["cells"][1]["source"]), (
                notebook, name)
