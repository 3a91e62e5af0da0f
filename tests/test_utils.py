"""keras_genai.utils: argument checks and atomic writes."""

import os

import pytest

from keras_genai import utils


def test_check_positive_int():
    assert utils.check_positive_int("n", 3) == 3
    with pytest.raises(ValueError, match=r"Received: n=0"):
        utils.check_positive_int("n", 0)
    with pytest.raises(TypeError, match="n"):
        utils.check_positive_int("n", True)
    with pytest.raises(TypeError, match="n"):
        utils.check_positive_int("n", 2.0)


def test_check_choice():
    assert utils.check_choice("kind", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match=r"Received: kind='c'"):
        utils.check_choice("kind", "c", ("a", "b"))


def test_atomic_file_replaces_only_on_success(tmp_path):
    target = tmp_path / "model.keras"
    target.write_text("good")
    with pytest.raises(RuntimeError):
        with utils.atomic_file(target) as tmp:
            assert tmp.endswith(".keras")
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("crash mid-write")
    assert target.read_text() == "good"
    assert os.listdir(tmp_path) == ["model.keras"]  # no temporary left behind
    with utils.atomic_file(target) as tmp:
        with open(tmp, "w") as f:
            f.write("new")
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["model.keras"]


def test_atomic_directory_replaces_only_on_success(tmp_path):
    target = tmp_path / "saved"
    target.mkdir()
    (target / "file").write_text("old")
    with pytest.raises(RuntimeError):
        with utils.atomic_directory(target) as tmp:
            os.makedirs(tmp)
            (open(os.path.join(tmp, "file"), "w")).close()
            raise RuntimeError("crash mid-export")
    assert (target / "file").read_text() == "old"
    assert os.listdir(tmp_path) == ["saved"]
    with utils.atomic_directory(target) as tmp:
        os.makedirs(tmp)
        with open(os.path.join(tmp, "file"), "w") as f:
            f.write("new")
    assert (target / "file").read_text() == "new"
    assert os.listdir(tmp_path) == ["saved"]
    with pytest.raises(FileNotFoundError):
        with utils.atomic_directory(tmp_path / "other"):
            pass  # nothing written


def test_cache_dir_honours_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert utils.cache_dir() == os.path.join(str(tmp_path), "keras_genai")
    assert os.path.isdir(utils.cache_dir())
