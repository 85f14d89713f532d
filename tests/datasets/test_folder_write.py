"""FolderWrite: only files the manifest records, unchanged, are replaced; all checked first."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import sklearn_ccafusion.datasets._folder_write as folder_write
from sklearn_ccafusion.datasets import load_shl2018, write_cifar10_folder, write_shl2018_folder
from sklearn_ccafusion.datasets._folder_write import FolderWrite
from sklearn_ccafusion.datasets._write_guard import MAKE_DATA_MARKER, WritePlan

SHL_FILES = ["train/train_order.txt", "train/Label.txt", "train/Acc_x.txt", "train/Gyr_y.txt"]


def _shl(path, **kw):
    kw = {"segment_length": 16, "signals": ("Acc_x", "Gyr_y"), "random_state": 0, **kw}
    return write_shl2018_folder(path, 30, progress=False, **kw)


def _digests(root):
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _same_size_other_content(path):
    data = bytearray(path.read_bytes())
    data[:4] = b"REAL" if data[:4] != b"REAL" else b"real"
    path.write_bytes(bytes(data))


def test_manifest_records_every_file_with_its_digest(tmp_path):
    root = _shl(tmp_path)
    manifest = json.loads((root / MAKE_DATA_MARKER).read_text())
    assert manifest["complete"] is True and "partial" not in manifest
    assert sorted(manifest["files"]) == sorted(SHL_FILES)
    for name, entry in manifest["files"].items():
        content = (root / name).read_bytes()
        assert entry["size"] == len(content)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
    assert not list(root.rglob("*.ccafusion-partial"))


@pytest.mark.parametrize("name", SHL_FILES)
def test_real_file_under_a_marker_is_never_replaced(tmp_path, name):
    # make-data ran here once; the real challenge files were then unzipped over it
    root = _shl(tmp_path)
    _same_size_other_content(root / name)  # same size: only the digest tells
    before = _digests(root)
    with pytest.raises(
        FileExistsError,
        match=rf"{name.split('/')[-1]} is in the way: its "
        "content differs",
    ):
        _shl(root)
    assert _digests(root) == before  # nothing written, not even the marker


def test_real_challenge_folder_without_marker_is_refused(tmp_path):
    (tmp_path / "train").mkdir()
    for name in SHL_FILES:
        (tmp_path / name).write_text(f"recorded {name}")
    before = _digests(tmp_path)
    with pytest.raises(FileExistsError, match="did not write .no ccafusion-make-data.json"):
        _shl(tmp_path)
    assert _digests(tmp_path) == before


def test_unrecorded_file_beside_a_marker_of_another_writer(tmp_path):
    write_cifar10_folder(tmp_path, 20, 10, random_state=0, progress=False)
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "Label.txt").write_text("real labels")
    before = _digests(tmp_path)
    with pytest.raises(FileExistsError, match="Label.txt is in the way: .* does not record it"):
        _shl(tmp_path)
    assert _digests(tmp_path) == before


def test_every_target_is_checked_before_the_first_write(tmp_path):
    root = _shl(tmp_path)
    # the last file written is foreign, the others are the package's own
    (root / "train" / "Gyr_y.txt").write_text("real")
    before = _digests(root)
    with pytest.raises(FileExistsError, match="Gyr_y.txt"):
        _shl(root, mean_run_length=3.0)
    assert _digests(root) == before


def test_rerun_replaces_own_files_and_keeps_other_files(tmp_path):
    root = _shl(tmp_path)
    (root / "notes.txt").write_text("mine")
    load_shl2018(root, "all", signals="Acc_x")  # leaves its binary cache beside the text
    again = write_shl2018_folder(
        root, 12, segment_length=16, signals="Acc_x", random_state=1, progress=False
    )
    assert (again / "notes.txt").read_text() == "mine"
    manifest = json.loads((again / MAKE_DATA_MARKER).read_text())
    assert manifest["files"]["train/Acc_x.txt"]["size"] == 12 * (16 * 16 + 1)
    # Gyr_y.txt of the first write stays, still recorded, so a later write may replace it
    assert "train/Gyr_y.txt" in manifest["files"]
    _shl(root)


def test_changed_file_is_read_again_despite_its_recorded_size(tmp_path, monkeypatch):
    root = _shl(tmp_path)
    reads = []
    real_open = open

    def counting_open(path, *args, **kwargs):
        reads.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(folder_write, "open", counting_open, raising=False)
    _shl(root)  # unchanged stat records: trusted without reading them
    assert not [r for r in reads if r.endswith(".txt")]
    reads.clear()
    _same_size_other_content(root / "train" / "Acc_x.txt")
    with pytest.raises(FileExistsError, match="Acc_x.txt"):
        _shl(root)
    assert any(r.endswith("Acc_x.txt") for r in reads)


def _killed(self, kind, error, traceback):
    """FolderWrite.__exit__ of a process killed outright: no cleanup on failure."""
    for handle in self._open.values():
        handle.close()
    if kind is None:
        self._finish()


def test_a_killed_write_is_replaced_by_the_next(tmp_path, monkeypatch):
    root = _shl(tmp_path)

    def die(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(FolderWrite, "__exit__", _killed)
    monkeypatch.setattr("sklearn_ccafusion.datasets._shl2018_writer._chunk_text", die)
    with pytest.raises(RuntimeError):
        _shl(root)
    manifest = json.loads((root / MAKE_DATA_MARKER).read_text())
    assert manifest["complete"] is False and manifest["partial"]
    assert list(root.rglob("*.ccafusion-partial"))  # half-written, under temporary names
    monkeypatch.undo()
    _shl(root)
    assert not list(root.rglob("*.ccafusion-partial"))
    assert json.loads((root / MAKE_DATA_MARKER).read_text())["complete"] is True


def test_killed_between_renames_is_replaced_by_the_next(tmp_path, monkeypatch):
    root = _shl(tmp_path)
    real_replace = folder_write.os.replace
    calls = {"n": 0}

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 5:  # two markers, two data files renamed, then the process dies
            raise SystemExit("killed")
        return real_replace(src, dst)

    monkeypatch.setattr(FolderWrite, "__exit__", _killed)
    monkeypatch.setattr(folder_write.os, "replace", replace)
    with pytest.raises(SystemExit):
        _shl(root, random_state=5)
    monkeypatch.undo()
    assert len(list(root.rglob("*.ccafusion-partial"))) == 2
    _shl(root)  # the renamed files' digests were recorded before the renames


def test_manifest_is_complete_only_after_every_file_is_in_place(tmp_path, monkeypatch):
    seen = []
    real = FolderWrite._marker

    def spy(self, *, partial, complete):
        in_place = all((self.root / r).is_file() for r in self.writes)
        seen.append((complete, in_place))
        return real(self, partial=partial, complete=complete)

    monkeypatch.setattr(FolderWrite, "_marker", spy)
    _shl(tmp_path)
    assert seen[-1] == (True, True)
    assert all(not complete for complete, _ in seen[:-1])


def test_folder_on_the_way_that_is_a_file(tmp_path):
    (tmp_path / "train").write_text("a file named train")
    write = FolderWrite(
        tmp_path, "w", {}, ["train/a.txt"], WritePlan("", 1, 1, "", ""), progress=False
    )
    (tmp_path / MAKE_DATA_MARKER).write_text(json.dumps({"files": {}}))
    with pytest.raises(FileExistsError, match="train is in the way: a folder is written"):
        write.check()


def test_failed_rewrite_keeps_a_folder_with_other_files_known(tmp_path, monkeypatch):
    root = _shl(tmp_path)
    (root / "notes.txt").write_text("mine")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sklearn_ccafusion.datasets._shl2018_writer._chunk_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _shl(root)  # every earlier file was being replaced
    monkeypatch.undo()
    manifest = json.loads((root / MAKE_DATA_MARKER).read_text())
    assert manifest["files"] == {} and manifest["complete"] is False
    assert (root / "notes.txt").read_text() == "mine"
    _shl(root)  # still the package's folder: the next write goes ahead


def test_interrupted_while_starting(tmp_path, monkeypatch):
    root = _shl(tmp_path)
    real = FolderWrite._marker
    calls = {"n": 0}

    def first_fails(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt
        return real(self, **kwargs)

    monkeypatch.setattr(FolderWrite, "_marker", first_fails)
    with pytest.raises(KeyboardInterrupt):
        _shl(root, signals="Acc_x")
    monkeypatch.undo()
    assert sorted(p.name for p in (root / "train").iterdir()) == ["Gyr_y.txt"]
    _shl(root)
    assert json.loads((root / MAKE_DATA_MARKER).read_text())["complete"] is True


def test_failure_while_recording_cleans_up(tmp_path, monkeypatch):
    root = _shl(tmp_path)
    real = folder_write.os.replace

    def full_disk(src, dst):
        if str(dst).endswith(MAKE_DATA_MARKER) and "sha256" in Path(src).read_text():
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(folder_write.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        _shl(root)
    monkeypatch.undo()
    assert not list(root.rglob("*.ccafusion-partial"))
    _shl(root)
