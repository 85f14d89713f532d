"""Hostile make-data: real files in the way, tampered manifests, an archive beside a folder,
absurd sizes, read-only or nearly full disks.

Every case expects the right result, or a ``ValueError``, ``TypeError`` or
``FileExistsError`` whose message names the problem, and then every file that was
there before (inside the target folder or not) byte-identical; no other exception may
escape, and no case may run past its deadline.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import tarfile
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest

import sklearn_ccafusion.datasets._folder_write as folder_write
import sklearn_ccafusion.datasets._write_guard as guard
from sklearn_ccafusion.cli import main
from sklearn_ccafusion.datasets import load_cifar10, write_cifar10_folder, write_shl2018_folder
from sklearn_ccafusion.datasets._write_guard import MAKE_DATA_MARKER

NAMED = (ValueError, TypeError, FileExistsError)
SIGNALS = ("Acc_x", "Gyr_y")
MARKER_ONLY = {"synthetic": True, "files": {}}


class Hang(BaseException):
    """Raised when a case runs past its deadline."""


@pytest.fixture(autouse=True)
def deadline():
    def hang(signum, frame):
        raise Hang("the case ran past its 30 s deadline")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def snapshot(top: Path) -> dict[str, str]:
    """Every file and link under ``top``: its SHA-256 digest, or where the link points."""
    found = {}
    for folder, names, files in os.walk(top):
        for name in names + files:
            path = Path(folder) / name
            key = path.relative_to(top).as_posix()
            if path.is_symlink():
                found[key] = "link to " + os.readlink(path)
            elif path.is_file():
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def shl(root, **kw):
    kw = {"segment_length": 16, "signals": SIGNALS, "random_state": 0, **kw}
    return write_shl2018_folder(root, kw.pop("n_segments", 30), progress=False, **kw)


def cifar(root, **kw):
    kw = {"n_train": 20, "n_test": 10, "random_state": 0, **kw}
    return write_cifar10_folder(root, progress=False, **kw)


def edit_manifest(root, edit):
    path = root / MAKE_DATA_MARKER
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))


def same_size_other_content(path):
    data = bytearray(path.read_bytes())
    data[:4] = b"REAL"
    path.write_bytes(bytes(data))


def real_shl_files(root):
    (root / "train").mkdir(parents=True, exist_ok=True)
    for name in ("Acc_x.txt", "Gyr_y.txt", "Label.txt", "train_order.txt"):
        (root / "train" / name).write_text(f"   1.0000000e+00 recorded {name}\n")


def real_cifar_folder(root):
    (root / "cifar-10-batches-py").mkdir(parents=True, exist_ok=True)
    for name in ("data_batch_1", "test_batch", "batches.meta"):
        (root / "cifar-10-batches-py" / name).write_bytes(b"real pickles " + name.encode())


# ---- setups: each prepares tmp_path and returns the folder written into -------------------


def own_shl(tmp):
    return shl(tmp / "d")


def own_cifar(tmp):
    return cifar(tmp / "d")


def own_archive(tmp):
    return cifar(tmp / "d", archive=True)


def _then(setup, *edits):
    def prepared(tmp):
        root = setup(tmp)
        for edit in edits:
            edit(root, tmp)
        return root

    return prepared


def _real_shl_no_marker(tmp):
    real_shl_files(tmp / "d")
    return tmp / "d"


def _real_cifar_no_marker(tmp):
    real_cifar_folder(tmp / "d")
    return tmp / "d"


def _root_is_a_file(tmp):
    (tmp / "d").write_text("a file")
    return tmp / "d"


def _marker_and_train_link(tmp):
    (tmp / "d").mkdir()
    (tmp / "d" / MAKE_DATA_MARKER).write_text(json.dumps(MARKER_ONLY))
    real_shl_files(tmp / "elsewhere")
    (tmp / "d" / "train").symlink_to(tmp / "elsewhere" / "train")
    return tmp / "d"


def _replace_by_folder(root, tmp):
    (root / "train" / "Acc_x.txt").unlink()
    (root / "train" / "Acc_x.txt").mkdir()
    (root / "train" / "Acc_x.txt" / "inside.txt").write_text("kept")


def _replace_by_link(root, tmp):
    (tmp / "outside").mkdir()
    (tmp / "outside" / "real.txt").write_text("real labels elsewhere")
    (root / "train" / "Label.txt").unlink()
    (root / "train" / "Label.txt").symlink_to(tmp / "outside" / "real.txt")


def _marker_link(root, tmp):
    (root / MAKE_DATA_MARKER).rename(tmp / "moved.json")
    (root / MAKE_DATA_MARKER).symlink_to(tmp / "moved.json")


SHL_REFUSED = {
    "real challenge folder, no marker": (_real_shl_no_marker, "did not write .no "),
    "real file of the same size under a marker": (
        _then(own_shl, lambda r, t: same_size_other_content(r / "train" / "Acc_x.txt")),
        "Acc_x.txt is in the way: its content differs",
    ),
    "real file of another size under a marker": (
        _then(own_shl, lambda r, t: (r / "train" / "Label.txt").write_text("1 1 1\n")),
        r"Label.txt is in the way: its size \(6 bytes\)",
    ),
    "real SHL files beside a CIFAR marker": (
        _then(own_cifar, lambda r, t: real_shl_files(r)),
        r"is in the way \(and \d more files\): ccafusion-make-data.json does not record it",
    ),
    "a folder where a file is written": (_then(own_shl, _replace_by_folder), "not a regular"),
    "a link to a real file elsewhere": (_then(own_shl, _replace_by_link), "not a regular"),
    "train/ a link to a real folder elsewhere": (_marker_and_train_link, "it is a file or a link"),
    "the folder is a file": (_root_is_a_file, "is not a folder"),
    "an unlisted temporary name": (
        _then(
            own_shl,
            lambda r, t: (r / "train" / ".Acc_x.txt.ccafusion-partial").write_text("real"),
        ),
        "ccafusion-partial is in the way: ccafusion-make-data.json does not list it",
    ),
    "manifest not JSON": (
        _then(own_shl, lambda r, t: (r / MAKE_DATA_MARKER).write_text("{")),
        "ccafusion-make-data.json is unreadable",
    ),
    "manifest a list": (
        _then(own_shl, lambda r, t: (r / MAKE_DATA_MARKER).write_text("[]")),
        "lists no files with their digests",
    ),
    "manifest of an older version, no digests": (
        _then(own_shl, lambda r, t: edit_manifest(r, lambda m: m.pop("files"))),
        "lists no files with their digests",
    ),
    "manifest a link": (_then(own_shl, _marker_link), "is a link"),
    "manifest digest changed, stat forgotten": (
        _then(
            own_shl,
            lambda r, t: edit_manifest(
                r, lambda m: m["files"]["train/Gyr_y.txt"].update(sha256="0" * 64, stat=None)
            ),
        ),
        "Gyr_y.txt is in the way: its content differs",
    ),
    "manifest entry not a record": (
        _then(
            own_shl,
            lambda r, t: edit_manifest(r, lambda m: m["files"].update({"train/Label.txt": "ok"})),
        ),
        "Label.txt is in the way: ccafusion-make-data.json does not record it",
    ),
    "manifest size a string": (
        _then(
            own_shl,
            lambda r, t: edit_manifest(
                r, lambda m: m["files"]["train/Acc_x.txt"].update(size="5140")
            ),
        ),
        "Acc_x.txt is in the way: its size",
    ),
    "manifest lists a real file as partial": (
        _then(
            own_shl,
            lambda r, t: edit_manifest(
                r,
                lambda m: (
                    m["files"].pop("train/Acc_x.txt"),
                    m.update(partial=["train/Acc_x.txt"]),
                ),
            ),
        ),
        "Acc_x.txt is in the way: ccafusion-make-data.json does not record it",
    ),
}


@pytest.mark.parametrize("case", sorted(SHL_REFUSED))
def test_shl_write_refused(tmp_path, case):
    setup, message = SHL_REFUSED[case]
    root = setup(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(FileExistsError, match=message):
        shl(root, mean_run_length=2.0)
    assert snapshot(tmp_path) == before


CIFAR_REFUSED = {
    "real extracted folder, no marker": (_real_cifar_no_marker, {}, "did not write .no "),
    "archive would remove a changed folder file": (
        _then(
            own_cifar,
            lambda r, t: same_size_other_content(r / "cifar-10-batches-py" / "data_batch_1"),
        ),
        {"archive": True},
        "data_batch_1 is in the way: its content differs",
    ),
    "folder would remove a real archive": (
        _then(
            own_archive,
            lambda r, t: (r / "cifar-10-python.tar.gz").write_bytes(b"a real download"),
        ),
        {},
        "cifar-10-python.tar.gz is in the way: its size",
    ),
    "real batches beside its marker": (
        _then(own_archive, lambda r, t: real_cifar_folder(r)),
        {},
        r"is in the way \(and \d more files\): ccafusion-make-data.json does not record it",
    ),
}


@pytest.mark.parametrize("case", sorted(CIFAR_REFUSED))
def test_cifar_write_refused(tmp_path, case):
    setup, options, message = CIFAR_REFUSED[case]
    root = setup(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(FileExistsError, match=message):
        cifar(root, random_state=1, **options)
    assert snapshot(tmp_path) == before


def _touch(root, tmp):
    path = root / "train" / "Acc_x.txt"
    os.utime(path, ns=(10**18, 10**18))  # content unchanged: read again, digest agrees


ACCEPTED = {
    "rerun": (own_shl, shl),
    "rerun with fewer signals": (own_shl, lambda r: shl(r, signals="Acc_x")),
    "rerun after a touch": (_then(own_shl, _touch), shl),
    "manifest with unknown keys": (
        _then(own_shl, lambda r, t: edit_manifest(r, lambda m: m.update(extra=[1, 2]))),
        shl,
    ),
    "user's notes beside the data": (
        _then(own_shl, lambda r, t: (r / "notes.txt").write_text("mine")),
        shl,
    ),
    "SHL beside own CIFAR": (own_cifar, shl),
    "archive after own folder": (own_cifar, lambda r: cifar(r, archive=True, random_state=2)),
    "folder after own archive": (own_archive, lambda r: cifar(r, random_state=2)),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_own_data_is_rewritten(tmp_path, case):
    setup, write = ACCEPTED[case]
    root = setup(tmp_path)
    kept = {k: v for k, v in snapshot(root).items() if k == "notes.txt" or k.endswith(".npy")}
    write(root)
    after = snapshot(root)
    assert {k: after[k] for k in kept} == kept  # files it did not write stay
    manifest = json.loads((root / MAKE_DATA_MARKER).read_text())
    assert manifest["complete"] is True
    for name, entry in manifest["files"].items():
        assert after[name] == entry["sha256"]
    assert not [k for k in after if k.endswith(".ccafusion-partial")]
    if "CIFAR" not in case and manifest["parameters"]["dataset"] == "cifar10":
        # the two layouts never lie side by side: the loader reads the new one
        layouts = {"cifar-10-python.tar.gz", "cifar-10-batches-py/test_batch"} & set(after)
        assert len(layouts) == 1
        load_cifar10(root, "test")


# ---- the CIFAR loader: an archive beside a folder -----------------------------------------


def _archive_beside(root, tmp, same=False):
    source = root / "cifar-10-batches-py" if same else cifar(tmp / "new", random_state=9)
    source = source if same else source / "cifar-10-batches-py"
    with tarfile.open(root / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(source, arcname="cifar-10-batches-py")


LOADS = {
    "newer archive beside an older folder": (
        _then(own_cifar, _archive_beside),
        r"differ \(data_batch_1 differs .*the archive is the newer.*to read the archive, delete",
    ),
    "folder lacks a batch the archive holds": (
        _then(
            own_cifar,
            lambda r, t: _archive_beside(r, t, same=True),
            lambda r, t: (r / "cifar-10-batches-py" / "test_batch").unlink(),
        ),
        "test_batch is only in the archive",
    ),
    "damaged archive beside a folder": (
        _then(own_cifar, lambda r, t: (r / "cifar-10-python.tar.gz").write_bytes(b"\x1f\x8b")),
        "not a complete tar.gz archive",
    ),
    "identical archive and folder": (
        _then(own_cifar, lambda r, t: _archive_beside(r, t, True)),
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(LOADS))
def test_archive_beside_folder(tmp_path, case):
    setup, message = LOADS[case]
    root = setup(tmp_path)
    before = snapshot(tmp_path)
    if message is None:
        expected = load_cifar10(root / "cifar-10-batches-py", "test")
        np.testing.assert_array_equal(load_cifar10(root, "test").data, expected.data)
    else:
        with pytest.raises(ValueError, match=message):
            load_cifar10(root, "test")
    assert snapshot(tmp_path) == before


# ---- sizes: checked first, in the units given ---------------------------------------------

SIZES = [
    ("shl", {"n_segments": 1e12}, "n_segments"),
    ("shl", {"n_segments": "1e12"}, "n_segments"),
    ("shl", {"n_segments": -5}, "n_segments"),
    ("shl", {"n_segments": 0}, "n_segments"),
    ("shl", {"n_segments": 2.5}, "n_segments"),
    ("shl", {"n_segments": True}, "n_segments"),
    ("shl", {"n_segments": None}, "n_segments"),
    ("shl", {"n_segments": np.float64(30)}, "n_segments"),
    ("shl", {"n_segments": 10**12}, r"788.0 TB .*Lower n_segments or segment_length"),
    ("shl", {"n_segments": 10**40}, r"Lower n_segments or segment_length"),
    ("shl", {"segment_length": 15}, "segment_length"),
    ("shl", {"segment_length": 1e4}, "segment_length"),
    ("shl", {"segment_length": 10**13}, r"not enough free space .*segment_length=10{13}"),
    ("shl", {"n_jobs": 0}, "n_jobs must be a positive"),
    ("shl", {"n_jobs": 2.5}, "n_jobs"),
    ("shl", {"mean_run_length": float("inf")}, "mean_run_length"),
    ("shl", {"mean_run_length": float("nan")}, "mean_run_length"),
    ("shl", {"mean_run_length": "2"}, "mean_run_length"),
    ("cifar", {"n_train": 1e12}, "n_train"),
    ("cifar", {"n_train": "10"}, "n_train"),
    ("cifar", {"n_train": -1}, "n_train"),
    ("cifar", {"n_test": 0}, "n_test"),
    ("cifar", {"n_test": False}, "n_test"),
    ("cifar", {"n_train": 10**12}, r"3.1 PB .*Lower n_train or n_test"),
    ("cifar", {"n_test": 10**10}, r"not enough free space|of memory"),
]


@pytest.mark.parametrize("writer, options, message", SIZES)
def test_sizes(tmp_path, writer, options, message):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.txt").write_text("mine")
    (tmp_path / "d" / MAKE_DATA_MARKER).write_text(json.dumps(MARKER_ONLY))
    before = snapshot(tmp_path)
    with pytest.raises((ValueError, TypeError), match=message):
        (shl if writer == "shl" else cifar)(tmp_path / "d", **options)
    assert snapshot(tmp_path) == before


CLI_SIZES = [
    (["shl", "--segments", "1e12"], 2, "Lower --segments or --segment-length"),
    (["shl", "--segments", "1E12"], 2, "--segments=1000000000000"),
    (["shl", "--segments", "1e30"], 2, "beyond any disk or memory"),
    (["shl", "--segments", "-1"], 2, "must be at least 1"),
    (["shl", "--segments", "2.5"], 2, "must be a whole number"),
    (["shl", "--segments", "nan"], 2, "must be a whole number"),
    (["shl", "--segments", "inf"], 2, "must be a whole number"),
    (["shl", "--segments", ""], 2, "must be a whole number"),
    (["shl", "--segment-length", "1e13"], 2, "Lower --segments or --segment-length"),
    (["shl", "--segment-length", "15"], 2, "--segment-length must be at least 16"),
    (["shl", "--n-jobs", "0"], 2, "--n-jobs must be a positive number"),
    (["shl", "--seed", "-1"], 2, "must be at least 0"),
    (["cifar10", "--train", "1e12"], 2, "Lower --train or --test"),
    (["cifar10", "--test", "0"], 2, "must be at least 1"),
    (["cifar10", "--segments", "10"], 2, "not an option of make-data cifar10"),
]


@pytest.mark.parametrize("argv, code, message", CLI_SIZES)
def test_cli_sizes(tmp_path, capsys, argv, code, message):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.txt").write_text("mine")
    (tmp_path / "d" / MAKE_DATA_MARKER).write_text(json.dumps(MARKER_ONLY))
    before = snapshot(tmp_path)
    try:
        got = main(["make-data", *argv[:1], "--out", str(tmp_path / "d"), "--quiet", *argv[1:]])
    except SystemExit as exit_:  # argparse's refusal of the value
        got = exit_.code
    assert got == code
    assert message in capsys.readouterr().err
    assert snapshot(tmp_path) == before


# ---- read-only and nearly full ------------------------------------------------------------

Usage = namedtuple("Usage", "total used free")


def test_nearly_full_disk_refuses_a_new_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(guard.shutil, "disk_usage", lambda _: Usage(10**9, 10**9 - 5000, 5000))
    with pytest.raises(ValueError, match=r"to write [\d.]+ kB in .*5.0 kB free there. Lower n_"):
        shl(tmp_path / "d")
    assert snapshot(tmp_path) == {}


def test_nearly_full_disk_counts_the_files_a_rerun_replaces(tmp_path, monkeypatch):
    root = own_shl(tmp_path)
    size = sum(
        (root / name).stat().st_size
        for name in json.loads((root / MAKE_DATA_MARKER).read_text())["files"]
    )
    free = size // 2  # the new files fit only once the earlier ones are removed
    monkeypatch.setattr(guard.shutil, "disk_usage", lambda _: Usage(10**9, 10**9 - free, free))
    shl(root, random_state=3)
    with pytest.raises(ValueError, match="counting its earlier files"):
        shl(root, n_segments=90)
    # a nearly full disk and a real file: the real file is named first, nothing written
    same_size_other_content(root / "train" / "Gyr_y.txt")
    before = snapshot(tmp_path)
    with pytest.raises(FileExistsError, match="Gyr_y.txt is in the way"):
        shl(root)
    assert snapshot(tmp_path) == before


def test_memory_short(tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "available_memory", lambda: 1000)
    for write in (shl, cifar):
        with pytest.raises(ValueError, match=r"of memory while writing, 1.0 kB available"):
            write(tmp_path / "d")
    assert snapshot(tmp_path) == {}


def test_read_only_folder(tmp_path, monkeypatch):
    root = own_shl(tmp_path)
    before = snapshot(tmp_path)
    real_access = os.access
    monkeypatch.setattr(
        folder_write.os,
        "access",
        lambda p, mode: False if Path(p) == root else real_access(p, mode),
    )
    with pytest.raises(PermissionError, match="is not writable"):
        shl(root)
    with pytest.raises(ValueError, match="is not writable"):
        cifar(root)
    assert snapshot(tmp_path) == before


def test_folder_under_a_file(tmp_path):
    (tmp_path / "file").write_text("mine")
    before = snapshot(tmp_path)
    for write in (shl, cifar):
        with pytest.raises(ValueError, match="is a file, not a folder"):
            write(tmp_path / "file" / "sub")
    assert snapshot(tmp_path) == before


def test_interrupted_write_restores_the_folder(tmp_path, monkeypatch):
    root = own_shl(tmp_path)
    (root / "notes.txt").write_text("mine")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sklearn_ccafusion.datasets._shl2018_writer._chunk_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        shl(root, signals="Acc_x")
    monkeypatch.undo()
    # the files being replaced are gone, the others and their records stay
    assert sorted(p.name for p in (root / "train").iterdir()) == ["Gyr_y.txt"]
    assert (root / "notes.txt").read_text() == "mine"
    manifest = json.loads((root / MAKE_DATA_MARKER).read_text())
    assert list(manifest["files"]) == ["train/Gyr_y.txt"] and not manifest["complete"]
    shl(root)
    shutil.rmtree(root / "train")


def test_unreadable_recorded_file(tmp_path, monkeypatch):
    root = _then(own_shl, _touch)(tmp_path)  # its stat changed: it must be read again
    before = snapshot(tmp_path)

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(folder_write, "open", refuse, raising=False)
    with pytest.raises(FileExistsError, match="Acc_x.txt is in the way: it cannot be read"):
        shl(root)
    assert snapshot(tmp_path) == before
