"""A run's folder: its record, one run's outputs at a time, and what overwrite removes."""

from __future__ import annotations

import json
import logging
import os

import numpy as np
import pytest

from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.runs._run_folder import (
    RECORD,
    RunFolder,
    _process_identity,
    run_fingerprint,
)

SETTINGS = {"dataset": "toy", "seed": 0}


def _record(out):
    return json.loads((out / RECORD).read_text())


def _finished(out, fingerprint="a", outputs=("results.csv", "report.md"), settings=SETTINGS):
    folder = RunFolder(out, fingerprint)
    folder.start(settings)
    for name in outputs:
        folder.output(name).write_text(f"{fingerprint}: {name}")
    folder.complete()
    return folder


def test_the_record_says_incomplete_until_complete(tmp_path):
    folder = RunFolder(tmp_path, "a")
    folder.start(SETTINGS)
    record = _record(tmp_path)
    assert record["state"] == "incomplete" and record["fingerprint"] == "a"
    assert record["pid"] == os.getpid() and record["started"]
    assert record["outputs"] == ["settings.json"]
    assert json.loads((tmp_path / "settings.json").read_text()) == SETTINGS
    path = folder.output("results.csv")  # recorded before it is written
    assert path == tmp_path / "results.csv" and not path.exists()
    assert _record(tmp_path)["outputs"] == ["settings.json", "results.csv"]
    folder.complete()
    assert _record(tmp_path)["state"] == "complete" and _record(tmp_path)["finished"]


def test_a_run_of_other_inputs_removes_only_the_outputs_of_the_earlier(tmp_path, caplog):
    _finished(tmp_path, "a")
    (tmp_path / "mine.txt").write_text("mine")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "net.npz").write_text("kept")
    with caplog.at_level(logging.WARNING, logger="sklearn_ccafusion"):
        RunFolder(tmp_path, "b").start(SETTINGS)
    assert "removing its 3 files" in caplog.text and "cache is kept" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cache",
        "mine.txt",
        RECORD,
        "settings.json",
    ]
    assert (tmp_path / "cache" / "net.npz").read_text() == "kept"
    assert _record(tmp_path)["fingerprint"] == "b"


def test_the_same_run_resumes_and_keeps_its_outputs(tmp_path, caplog):
    folder = RunFolder(tmp_path, "a")
    folder.start(SETTINGS)
    folder.output("results.csv").write_text("a")  # killed here: never complete
    with caplog.at_level(logging.WARNING, logger="sklearn_ccafusion"):
        RunFolder(tmp_path, "a").start(SETTINGS)
    assert "incomplete run of the same inputs and settings" in caplog.text
    assert "resuming" in caplog.text
    assert (tmp_path / "results.csv").read_text() == "a"
    assert _record(tmp_path)["outputs"] == ["settings.json", "results.csv"]
    _finished(tmp_path, "a")
    caplog.clear()
    RunFolder(tmp_path, "a").start(SETTINGS)  # a complete run again: nothing to say
    assert caplog.text == ""


def test_files_left_by_a_run_killed_while_removing_are_removed(tmp_path):
    (tmp_path / "results.csv").write_text("earlier")
    record = {"state": "incomplete", "fingerprint": "b", "outputs": [], "stale": ["results.csv"]}
    (tmp_path / RECORD).write_text(json.dumps(record))
    RunFolder(tmp_path, "b").start(SETTINGS)  # the same run, resumed
    assert not (tmp_path / "results.csv").exists()
    assert "stale" not in _record(tmp_path)


@pytest.mark.parametrize(
    "name", ["../outside.txt", "/tmp/x", "sub/inner.txt", "sub", RECORD, "", 3, None]
)
def test_a_record_never_removes_what_is_not_a_file_of_the_folder(tmp_path, name):
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "inner.txt").write_text("kept")
    (tmp_path / "outside.txt").write_text("kept")
    record = {"state": "complete", "fingerprint": "a", "outputs": [name, "results.csv"]}
    (out / RECORD).write_text(json.dumps(record))
    (out / "results.csv").write_text("a")
    RunFolder(out, "b").start(SETTINGS)
    assert (tmp_path / "outside.txt").read_text() == "kept"
    assert (out / "sub" / "inner.txt").read_text() == "kept"
    assert not (out / "results.csv").exists()


def test_other_settings_are_refused_unless_overwrite(tmp_path, caplog):
    _finished(tmp_path, "a")
    (tmp_path / "mine.csv").write_text("mine")
    (tmp_path / "cache" / "tasks").mkdir(parents=True)
    (tmp_path / "cache" / "tasks" / "task.json").write_text("[]")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    other = {**SETTINGS, "seed": 1}
    with pytest.raises(ValueError, match="other settings.*overwrite=True"):
        RunFolder(tmp_path, "b").start(other)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    with caplog.at_level(logging.WARNING, logger="sklearn_ccafusion"):
        RunFolder(tmp_path, "b").start(other, overwrite=True)
    assert "run of other settings" in caplog.text and "cache is removed too" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.csv", RECORD, "settings.json"]


def test_a_folder_of_an_older_version_loses_its_outputs_only(tmp_path):
    for name in ("results.csv", "fusion.png", "fusion_a_b.png", "report.md", "settings.json"):
        (tmp_path / name).write_text("earlier")
    (tmp_path / "report.md").write_text("![fusion](fusion.png)\n![a and b](fusion_a_b.png)\n")
    (tmp_path / "settings.json").write_text(json.dumps(SETTINGS))
    (tmp_path / "fusion_mine.png").write_text("not in the report: kept")
    RunFolder(tmp_path, "b").start(SETTINGS)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fusion_mine.png",
        RECORD,
        "settings.json",
    ]


def test_a_record_of_this_process_is_never_a_run_in_use(tmp_path):
    record = {
        "state": "incomplete",
        "fingerprint": "a",
        "pid": os.getpid(),
        "host": os.uname().nodename,
        "process": _process_identity(os.getpid()),
        "outputs": [],
    }
    (tmp_path / RECORD).write_text(json.dumps(record))
    RunFolder(tmp_path, "a").start(SETTINGS)  # an exception ended it: resumed
    assert _record(tmp_path)["state"] == "incomplete"


def _data(shift=0.0):
    rng = np.random.default_rng(0)
    return StudyData(
        name="toy",
        inputs_train={"a": rng.normal(size=(6, 2)) + shift},
        inputs_validation={"a": rng.normal(size=(3, 2))},
        y_train=np.arange(6) % 2,
        y_validation=np.arange(3) % 2,
        classes=np.array([0, 1]),
        metric="accuracy",
        make_net=None,
        net_settings={"hidden": 4},
    )


def test_the_fingerprint_follows_settings_and_content():
    key = run_fingerprint(SETTINGS, _data())
    assert key == run_fingerprint(dict(SETTINGS), _data())
    assert key != run_fingerprint({**SETTINGS, "seed": 1}, _data())
    assert key != run_fingerprint(SETTINGS, _data(shift=1e-9))
    assert key != run_fingerprint(SETTINGS, _data().with_changes(net_settings={"hidden": 5}))
