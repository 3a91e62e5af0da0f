"""The minimal model of ``docs/architecture.md`` ("## A minimal model"), run
as written: the section's two ``python`` blocks (the model, then its
conformance spec) are executed, and the spec passes `conformance.check_fit`,
`check_bad_arguments` and `check_save_load_fresh_process`.

The other process of the last check loads the ``.keras`` file with
``keras_genai`` imported; like a user's program, it must also define the
documented class, so it runs the model block before the check's own script.
"""

import os
import re

import pytest

import conformance
from conftest import REPO_ROOT

SECTION = "## A minimal model"


def _python_blocks():
    """The ``python`` blocks of the section, in order."""
    with open(os.path.join(REPO_ROOT, "docs", "architecture.md"),
              encoding="utf-8") as f:
        text = f.read()
    assert SECTION in text, f"docs/architecture.md has no {SECTION!r} section"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


@pytest.fixture(scope="module")
def example():
    """``(model_code, namespace)``: the namespace holds the model class and
    ``SPEC``, defined by executing the section's blocks."""
    blocks = _python_blocks()
    assert len(blocks) == 2, (
        f"{SECTION} must have 2 python blocks (the model, its spec); found "
        f"{len(blocks)}")
    model_code, spec_code = blocks
    assert 'register_keras_serializable(package="docs_example")' in model_code
    namespace = {"__name__": "docs_example"}
    exec(compile(model_code, "docs/architecture.md (model)", "exec"), namespace)
    exec(compile(spec_code, "docs/architecture.md (spec)", "exec"), namespace)
    return model_code, namespace


@pytest.mark.parametrize("check", [conformance.check_fit,
                                   conformance.check_bad_arguments],
                         ids=conformance.check_id)
def test_the_documented_model_conforms(check, example, tmp_path):
    check(example[1]["SPEC"], tmp_path, None)  # neither check uses a strategy


def test_the_documented_model_loads_in_a_fresh_process(example, tmp_path,
                                                       monkeypatch):
    model_code, namespace = example
    monkeypatch.setattr(conformance, "_LOAD_SCRIPT",
                        model_code + "\n" + conformance._LOAD_SCRIPT)
    conformance.check_save_load_fresh_process(namespace["SPEC"], tmp_path, None)
