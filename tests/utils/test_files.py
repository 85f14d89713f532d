"""Crash-safe writes: whole files only, and only inside the folder meant for them."""

from __future__ import annotations

import pytest

from sklearn_ccafusion.utils._files import atomic_write, save_arrays, write_text


@pytest.mark.parametrize("target", ["../planted.txt", "a/../../planted.txt", "/tmp/../x"])
def test_write_outside_its_folder_is_refused_before_anything_is_made(tmp_path, target):
    out = tmp_path / "run" / "out"
    with pytest.raises(ValueError, match="lies outside .*out.*nothing was written"):
        write_text(out / target, "x", within=out)
    assert not (tmp_path / "run").exists() and not (tmp_path / "planted.txt").exists()


def test_write_inside_its_folder_makes_the_parents(tmp_path):
    path = write_text(tmp_path / "out" / "cache" / "a.txt", "whole", within=tmp_path / "out")
    assert path.read_text() == "whole"
    assert [p.name for p in path.parent.iterdir()] == ["a.txt"]  # no temporary file left


def test_failed_write_leaves_the_old_file(tmp_path):
    path = write_text(tmp_path / "a.txt", "old")

    def fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic_write(path, fail)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_save_arrays_writes_an_npz(tmp_path):
    import numpy as np

    path = save_arrays(tmp_path / "a.npz", x=np.arange(3))
    with np.load(path) as stored:
        assert stored["x"].tolist() == [0, 1, 2]


def test_a_folder_in_place_of_the_file_is_named(tmp_path):
    (tmp_path / "a.npz").mkdir()
    with pytest.raises(ValueError, match=r"a\.npz is a folder, not a file"):
        write_text(tmp_path / "a.npz", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]
