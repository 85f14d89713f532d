"""File names from names found in data: inside their folder, distinct, the same every run."""

from __future__ import annotations

import re

import pytest

from sklearn_ccafusion.utils._file_names import (
    file_in,
    inside,
    joined_file_names,
    safe_file_name,
    safe_file_names,
)

HOSTILE = [
    "../../planted",
    "..",
    ".",
    "",
    "/any/dir/x",
    "a/b",
    "a\\b",
    "C:\\x",
    "x\0y",
    "CON",
    "con.txt",
    "LPT1",
    "nul",
    "x" * 300,
    "é" * 200,
    "-rf",
    ".hidden",
    "trailing.",
    "space ",
    "tab\tname",
    "new\nline",
    "\u202eevil",
    "😀",
    "\udcff",  # a lone surrogate, as os.fsdecode gives for undecodable bytes
    "acc-0123456789",  # ends like a mapped name
]


@pytest.mark.parametrize("name", ["acc", "acc_x", "Gyr", "sensor.1", "a-b", "9"])
def test_readable_names_are_kept(name):
    assert safe_file_name(name) == name


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_any_name_is_one_plain_file_name_in_its_folder(name, tmp_path):
    mapped = safe_file_name(name)
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", mapped)
    assert mapped != name and len(mapped) <= 64
    assert safe_file_name(name) == mapped  # the same every time
    path = file_in(tmp_path, f"{mapped}.npz")
    path.write_bytes(b"")  # a file the system accepts, right in the folder
    assert path.parent == tmp_path and list(tmp_path.iterdir()) == [path]


def test_different_names_never_share_a_file_name():
    names = HOSTILE + ["acc", "acc_", "acc?", "acc!", "acc-" + safe_file_name("acc?")[-10:]]
    mapped = [safe_file_name(name) for name in names]
    assert len(set(mapped)) == len(names)
    slug_only = [safe_file_name(f"../{n}") for n in ("x", "/x", "x/")]  # one slug, three names
    assert len(set(slug_only)) == 3 and all(m.startswith("x-") for m in slug_only)


def test_names_differing_by_case_get_files_apart_on_any_file_system():
    mapped = safe_file_names(["acc", "Acc", "ACC", "gyr", "x/y", "x_y"])
    assert mapped["gyr"] == "gyr" and mapped["x_y"] == "x_y"
    assert len({name.casefold() for name in mapped.values()}) == 6


def test_joined_names_stay_apart():
    first, second, third = joined_file_names([("a_b", "c"), ("a", "b_c"), ("acc", "gyr")])
    assert third == "acc_gyr" and first != second
    assert joined_file_names([("acc", "gyr"), ("acc", "gyr")]) == ["acc_gyr", "acc_gyr"]


def test_names_must_be_strings():
    with pytest.raises(TypeError, match="must be a string, got int"):
        safe_file_name(3)
    with pytest.raises(TypeError, match="must be a string"):
        safe_file_names(["a", None])


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "a/b", "/abs", "x\0"])
def test_file_in_refuses_what_is_not_a_file_name(name, tmp_path):
    with pytest.raises(ValueError, match="is not a file name in"):
        file_in(tmp_path, name)


def test_file_in_refuses_a_link_leading_out(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path)
    with pytest.raises(ValueError, match="'link' is not a file name in"):
        file_in(tmp_path / "out", "link")
    assert inside(tmp_path, tmp_path / "out" / "link") and not inside(
        tmp_path / "out", tmp_path / "out" / "link"
    )
