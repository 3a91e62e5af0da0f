"""The test suite's own machinery: the other Python processes of the
fresh-process conformance checks."""

import os
import textwrap

import pytest

import conformance

_ECHO = textwrap.dedent("""
    import os, sys

    def run(argv):
        if argv[0] == "fail":
            raise RuntimeError("asked to fail")
        if argv[0] == "die":
            os._exit(3)
        print("noise on stdout")  # must not be taken for the reply
        return {"pid": os.getpid(), "argv": argv,
                "keras_genai": repr(sys.modules.get("keras_genai", "absent"))}
""")


@pytest.fixture(autouse=True)
def _no_tensorflow(monkeypatch):
    """The echo children need no TensorFlow: without this variable,
    ``tests/child_site/sitecustomize.py`` does not import it (seconds each)."""
    monkeypatch.delenv("KERAS_GENAI_TEST_GRAPPLER_OFF", raising=False)


def test_one_child_serves_every_request_in_another_process():
    first = conformance._Child.run(_ECHO, "a", 1)
    second = conformance._Child.run(_ECHO, "b")
    assert first["argv"] == ["a", "1"] and second["argv"] == ["b"]
    assert first["pid"] == second["pid"] != os.getpid()
    assert first["keras_genai"] == repr("absent")
    blocked = conformance._Child.run(_ECHO, "c", block_keras_genai=True)
    assert blocked["pid"] != first["pid"] and blocked["keras_genai"] == "None"


def test_an_error_or_a_dead_child_fails_the_request_and_the_next_one_gets_a_new_child():
    pid = conformance._Child.run(_ECHO, "x")["pid"]
    with pytest.raises(AssertionError, match="asked to fail"):
        conformance._Child.run(_ECHO, "fail")
    assert conformance._Child.run(_ECHO, "x")["pid"] == pid  # survives an error
    with pytest.raises(AssertionError, match="died"):
        conformance._Child.run(_ECHO, "die")
    assert conformance._Child.run(_ECHO, "x")["pid"] != pid
