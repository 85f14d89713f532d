"""A user's .npz file: members checked from their headers before any array is read."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy_format

from sklearn_ccafusion.runs import _npz_file
from sklearn_ccafusion.runs._npz_file import read_npz

HOW = "write it with np.savez."


def _npz(tmp_path, extra=(), **arrays):
    """An .npz file of ``arrays`` with ``extra`` (member, bytes) written after them."""
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    with zipfile.ZipFile(path, "a") as archive:
        for member, content in extra:
            archive.writestr(member, content)
    return path


def _npy_header(shape, dtype="<f8"):
    """The bytes of an .npy header declaring ``shape`` (no data)."""
    buffer = io.BytesIO()
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    npy_format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def test_reads_every_array_as_numpy_does(tmp_path):
    arrays = {"y": np.array(["a", "b"]), "acc": np.arange(6.0).reshape(2, 3)}
    arrays["fortran"] = np.asfortranarray(np.arange(6).reshape(2, 3))
    stored = read_npz(_npz(tmp_path, **arrays), how_to_save=HOW)
    assert sorted(stored) == sorted(arrays)
    for name, array in arrays.items():
        assert stored[name].dtype == array.dtype
        np.testing.assert_array_equal(stored[name], array)


def test_what_zipping_on_macos_or_windows_adds_is_skipped(tmp_path):
    extra = [
        ("__MACOSX/._acc.npy", b"\0\5\26\7 resource fork"),
        ("__MACOSX/", b""),
        ("._acc.npy", b"\0\5\26\7"),
        (".DS_Store", b"Bud1"),
        ("Thumbs.db", b"\xd0\xcf"),
    ]
    stored = read_npz(_npz(tmp_path, extra, acc=np.ones(3)), how_to_save=HOW)
    assert list(stored) == ["acc"]


@pytest.mark.parametrize(
    "member, content",
    [("README.txt", b"my data"), ("notes.npy", b"not an array"), ("x/readme", b"")],
)
def test_a_member_that_is_not_an_array_is_named(tmp_path, member, content):
    path = _npz(tmp_path, [(member, content)], acc=np.ones(3))
    with pytest.raises(ValueError, match=rf"holds the member '{member}', which is not a numpy"):
        read_npz(path, how_to_save=HOW)


def test_a_header_declaring_more_than_the_file_holds_is_refused_before_reading(tmp_path):
    path = _npz(tmp_path, [("big.npy", _npy_header((60, 10**9)) + b"\0" * 100)], y=np.ones(3))
    with pytest.raises(ValueError, match=r"'big' declares shape \(60, 1000000000\) of float64 "
                       r"\(480.0 GB\), but the file holds 100 B"):
        read_npz(path, how_to_save=HOW)


def test_arrays_beyond_the_memory_available_are_refused_before_reading(tmp_path, monkeypatch):
    path = _npz(tmp_path, a=np.zeros(1000), b=np.zeros(500))
    monkeypatch.setattr(_npz_file, "available_memory", lambda: 10_000)
    with pytest.raises(ValueError, match=r"arrays of 12.0 kB in all \(the largest, 'a', "
                       r"8.0 kB\), more than the 10.0 kB of memory available"):
        read_npz(path, how_to_save=HOW)
    monkeypatch.setattr(_npz_file, "available_memory", lambda: None)  # unknown: read
    assert read_npz(path, how_to_save=HOW)["a"].shape == (1000,)


@pytest.mark.parametrize(
    "content, match",
    [
        (b"\x93NUMPY\x01\x00\x10\x00{'descr': 'zz'}", "header of the array 'bad' is damaged"),
        (b"\x93NUMPY\x01", "member 'bad.npy', which is not a numpy array"),
        (_npy_header((3,), "|O"), "object array 'bad'"),
        (_npy_header((4,)) + b"\0" * 20, "array 'bad' declares shape"),
    ],
)
def test_damaged_arrays_are_named(tmp_path, content, match):
    path = _npz(tmp_path, [("bad.npy", content)], y=np.ones(3))
    with pytest.raises(ValueError, match=match):
        read_npz(path, how_to_save=HOW)


def test_two_members_of_one_name_are_refused(tmp_path):
    path = _npz(tmp_path, y=np.ones(3))
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as archive:
        archive.writestr("y.npy", _npy_header((1,)) + b"\0" * 8)
    with pytest.raises(ValueError, match=r"several arrays named \['y'\]"):
        read_npz(path, how_to_save=HOW)


def test_a_folder_is_named_as_a_folder(tmp_path):
    (tmp_path / "x.npz").mkdir()
    with pytest.raises(ValueError, match=r"x\.npz is a folder, not a file"):
        read_npz(tmp_path / "x.npz", how_to_save=HOW)
    with pytest.raises(ValueError, match="no such file"):
        read_npz(tmp_path / "y.npz", how_to_save=HOW)
