"""The folder writers: size stated and checked first, no foreign data replaced, nothing
half-written left behind, a marker saying the data is synthetic."""

from __future__ import annotations

import json
from collections import namedtuple

import pytest

import sklearn_ccafusion.datasets._cifar10_writer as cifar_writer
import sklearn_ccafusion.datasets._shl2018_writer as shl_writer
import sklearn_ccafusion.datasets._write_guard as guard
from sklearn_ccafusion.cli import main
from sklearn_ccafusion.datasets import load_shl2018, write_cifar10_folder, write_shl2018_folder
from sklearn_ccafusion.datasets._cifar10_writer import cifar10_folder_size
from sklearn_ccafusion.datasets._shl2018_writer import shl2018_folder_size
from sklearn_ccafusion.datasets._write_guard import MAKE_DATA_MARKER, read_make_data_marker

WRITERS = {
    "shl": lambda path, **kw: write_shl2018_folder(
        path,
        300,
        segment_length=32,
        signals=("Acc_x", "Gyr_y"),
        random_state=0,
        progress=False,
        **kw,
    ),
    "cifar10": lambda path, **kw: write_cifar10_folder(
        path, 1200, 30, random_state=0, progress=False, **kw
    ),
}


def _data_bytes(root):
    return sum(
        p.stat().st_size for p in root.rglob("*") if p.is_file() and p.name != MAKE_DATA_MARKER
    )


def test_shl_size_is_predicted_exactly(tmp_path):
    root = WRITERS["shl"](tmp_path / "shl")
    assert _data_bytes(root) == shl2018_folder_size(300, 32, 2)


@pytest.mark.parametrize("archive", [False, True])
def test_cifar_size_is_a_close_upper_bound(tmp_path, archive):
    root = WRITERS["cifar10"](tmp_path / "cifar", archive=archive)
    written, bound = _data_bytes(root), cifar10_folder_size(1200, 30)
    assert written <= bound
    if not archive:
        assert written > 0.98 * bound


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_marker_says_synthetic_and_complete(tmp_path, name):
    root = WRITERS[name](tmp_path / name)
    marker = json.loads((root / MAKE_DATA_MARKER).read_text())
    assert marker["synthetic"] is True and marker["complete"] is True
    assert marker["parameters"]["random_state"] == 0
    inner = root / ("train" if name == "shl" else "cifar-10-batches-py")
    for where in (root, inner, inner / "Label.txt"):
        assert read_make_data_marker(where) == marker
    assert read_make_data_marker(tmp_path) is None


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_foreign_data_is_never_replaced(tmp_path, name):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "Acc_x.txt").write_text("real recordings")
    with pytest.raises(ValueError, match="did not write .no ccafusion-make-data.json"):
        WRITERS[name](tmp_path)
    assert (tmp_path / "train" / "Acc_x.txt").read_text() == "real recordings"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["Acc_x.txt", "train"]


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_own_folder_is_rewritten(tmp_path, name):
    first = WRITERS[name](tmp_path / "d")
    before = {p.name: p.read_bytes() for p in first.rglob("*") if p.is_file()}
    again = WRITERS[name](tmp_path / "d")
    after = {p.name: p.read_bytes() for p in again.rglob("*") if p.is_file()}
    marker = [json.loads(files.pop(MAKE_DATA_MARKER))["files"] for files in (before, after)]
    assert after == before
    # the same sizes and digests recorded; the stat records are the new files'
    assert [{k: (v["size"], v["sha256"]) for k, v in m.items()} for m in marker][0] == {
        k: (v["size"], v["sha256"]) for k, v in marker[1].items()
    }


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_not_enough_space_writes_nothing(tmp_path, name, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(guard.shutil, "disk_usage", lambda _: usage(10**6, 10**6 - 1000, 1000))
    with pytest.raises(OSError, match=r"not enough free space to write .* 1.0 kB free there"):
        WRITERS[name](tmp_path / "new")
    assert not (tmp_path / "new").exists()


def _interrupt_after(function, calls):
    state = {"n": 0}

    def wrapped(*args, **kwargs):
        state["n"] += 1
        if state["n"] > calls:
            raise KeyboardInterrupt
        return function(*args, **kwargs)

    return wrapped


INTERRUPTS = {"shl": (shl_writer, "_chunk_text"), "cifar10": (cifar_writer, "_images")}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_interrupted_write_leaves_nothing(tmp_path, name, monkeypatch):
    module, function = INTERRUPTS[name]
    monkeypatch.setattr(module, function, _interrupt_after(getattr(module, function), 1))
    with pytest.raises(KeyboardInterrupt):
        WRITERS[name](tmp_path / "new")
    assert not (tmp_path / "new").exists()  # created by the write, so removed
    (tmp_path / "empty").mkdir()
    monkeypatch.setattr(module, function, _interrupt_after(getattr(module, function), 1))
    with pytest.raises(KeyboardInterrupt):
        WRITERS[name](tmp_path / "empty")
    assert list((tmp_path / "empty").iterdir()) == []  # the user's folder stays, empty


def test_interrupted_rewrite_keeps_the_folder_known_as_own(tmp_path, monkeypatch):
    write_shl2018_folder(
        tmp_path, 20, segment_length=16, signals=("Acc_x", "Acc_y"), random_state=0, progress=False
    )
    monkeypatch.setattr(shl_writer, "_chunk_text", _interrupt_after(shl_writer._chunk_text, 0))
    with pytest.raises(KeyboardInterrupt):
        write_shl2018_folder(tmp_path, 20, segment_length=16, signals="Acc_x", progress=False)
    # Acc_x.txt, Label.txt and train_order.txt were being replaced: removed; Acc_y.txt stays
    assert sorted(p.name for p in (tmp_path / "train").iterdir()) == ["Acc_y.txt"]
    assert read_make_data_marker(tmp_path)["complete"] is False
    monkeypatch.undo()
    write_shl2018_folder(tmp_path, 20, segment_length=16, signals="Acc_x", progress=False)
    assert load_shl2018(tmp_path, "all", signals="Acc_x", cache=False).data.shape == (20, 1, 16)


def test_make_data_states_the_size_before_writing(tmp_path, capsys):
    out = tmp_path / "shl"
    code = main(
        [
            "make-data",
            "shl",
            "--out",
            str(out),
            "--segments",
            "12",
            "--segment-length",
            "20",
            "--quiet",
        ]
    )
    assert code == 0
    first = capsys.readouterr().out.splitlines()[0]
    size = shl2018_folder_size(12, 20, 9)
    assert first.startswith(
        f"shl: writing 12 segments of 20 samples, 9 signal files and the "
        f"labels, {size / 1000:.1f} kB, to {out}"
    )
    assert "free there" in first
    assert _data_bytes(out) == size
    # a folder of someone else's data is refused, with the reason
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    assert (
        main(
            [
                "make-data",
                "cifar10",
                "--out",
                str(foreign),
                "--train",
                "10",
                "--test",
                "5",
                "--quiet",
            ]
        )
        == 2
    )
    assert "did not write" in capsys.readouterr().err
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]


def _no_work(*args, **kwargs):
    raise AssertionError("work began before the sizes were checked")


GENERATORS = {"shl": (shl_writer, "_chronological_labels"), "cifar10": (cifar_writer, "_images")}
HUGE = {
    "shl": lambda path: write_shl2018_folder(path, 10**12, progress=False),
    "cifar10": lambda path: write_cifar10_folder(path, 10**12, 10, progress=False),
}


@pytest.mark.parametrize("name", sorted(HUGE))
def test_absurd_size_is_refused_before_any_work(tmp_path, name, monkeypatch):
    module, function = GENERATORS[name]
    monkeypatch.setattr(module, function, _no_work)
    monkeypatch.setattr(cifar_writer, "_balanced_labels", _no_work)
    with pytest.raises(OSError, match=r"not enough free space to write [\d.]+ PB .*Lower n_"):
        HUGE[name](tmp_path / "new")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_not_enough_memory_is_refused_before_any_work(tmp_path, name, monkeypatch):
    monkeypatch.setattr(guard, "available_memory", lambda: 10**5)
    with pytest.raises(
        ValueError,
        match=r"needs about .* of memory while writing, 100.0 kB "
        "available. Lower ",
    ):
        WRITERS[name](tmp_path / "new")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("value", [1e12, "1e12", 2.5, True, None])
def test_sizes_must_be_whole_numbers(tmp_path, value):
    with pytest.raises((TypeError, ValueError), match="n_segments"):
        write_shl2018_folder(tmp_path / "x", value, progress=False)
    with pytest.raises((TypeError, ValueError), match="n_test"):
        write_cifar10_folder(tmp_path / "x", 10, value, progress=False)
    assert not (tmp_path / "x").exists()


def test_threads_are_checked_and_counted_in_the_memory(tmp_path):
    with pytest.raises(ValueError, match="n_jobs must be a positive number"):
        write_shl2018_folder(tmp_path / "x", 10, n_jobs=0, progress=False)
    one = shl_writer.shl2018_write_plan(10**5, 6000, 9, n_jobs=1).memory
    four = shl_writer.shl2018_write_plan(10**5, 6000, 9, n_jobs=4).memory
    assert four > 2 * one  # one chunk in flight per thread, plus the one being written
    # threads beyond the chunks to write take no memory
    assert shl_writer.shl2018_write_plan(10, 6000, 9, n_jobs=10**6).memory < one


def test_memory_estimate_bounds_the_measured_peak(tmp_path):
    import tracemalloc

    plan = shl_writer.shl2018_write_plan(600, 2000, 2, n_jobs=1)
    tracemalloc.start()
    try:
        write_shl2018_folder(
            tmp_path, 600, segment_length=2000, signals=("Acc_x", "Mag_z"), progress=False
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < plan.memory < 6 * peak  # an upper bound, of the right order
