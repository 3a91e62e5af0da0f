"""keras_genai.utils: argument checks and atomic writes."""

import os

import numpy as np
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


def test_interpolate_linear_and_spherical_by_hand():
    from keras_genai.utils import interpolate

    a, b = np.array([2.0, 0.0]), np.array([0.0, 2.0])
    linear = interpolate(a, b, 3)
    np.testing.assert_allclose(linear, [[2, 0], [1, 1], [0, 2]])
    spherical = interpolate(a, b, 3, kind="spherical")
    np.testing.assert_allclose(spherical, [[2, 0], [np.sqrt(2), np.sqrt(2)], [0, 2]],
                               atol=1e-6)
    # Equal norms at the ends: slerp keeps the norm all along the path.
    many = interpolate(np.stack([a, -a + 1e-3]), np.stack([b, a]), 7,
                       kind="spherical")
    assert many.shape == (2, 7, 2)
    np.testing.assert_allclose(np.linalg.norm(many[0], axis=-1), 2.0, rtol=1e-6)
    # Almost opposite latents: the path still starts and ends at them.
    np.testing.assert_allclose(many[1, [0, -1]], [-a + 1e-3, a], atol=1e-6)


def test_interpolate_refuses_bad_arguments():
    from keras_genai.utils import interpolate

    with pytest.raises(ValueError, match="steps"):
        interpolate(np.zeros(2), np.ones(2), 1)
    with pytest.raises(ValueError, match="kind"):
        interpolate(np.zeros(2), np.ones(2), 3, kind="cubic")
    with pytest.raises(ValueError, match="start"):
        interpolate(np.zeros(2), np.ones(3), 3)


def test_file_lock_excludes_a_second_holder_until_the_block_ends(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    path = tmp_path / "cache.lock"

    def try_lock():
        with open(path, "a") as other:  # another open file: another holder
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            fcntl.flock(other, fcntl.LOCK_UN)
            return True

    with utils.file_lock(path):
        assert not try_lock()
    assert try_lock()
    with pytest.raises(RuntimeError):  # released when the block raises, too
        with utils.file_lock(path):
            raise RuntimeError("crash")
    assert try_lock()


def test_file_lock_in_a_missing_folder_runs_the_block_unlocked(tmp_path):
    ran = []
    with utils.file_lock(tmp_path / "missing" / "cache.lock"):
        ran.append(True)
    assert ran and not (tmp_path / "missing").exists()
