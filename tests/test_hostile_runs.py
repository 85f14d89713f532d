"""Hostile runs: killed, rerun on other data, overwritten beside a user's files.

Each case asserts what a person finds in the folder afterwards: ``run.json``
says whether the run is complete, the outputs present are all of one run (never
the previous run's beside the new one's), a user's own files are untouched, a
resumed run writes the same bytes as an uninterrupted one, and no process the
run started outlives it.

The runs study a small features file (no network is trained); a run is killed
with ``SIGKILL`` at chosen points by a hook that kills its own process right
after a given output is written.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from sklearn_ccafusion.cli import main

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="kills processes and reads /proc"
)

FAST = ["--quick", "--quiet", "--repeats", "1", "--n-jobs", "1"]
TABLES = ("results.csv", "cross_sensor.csv", "fusion.csv", "alignment.csv", "bands.csv")
OUTPUTS = (
    *TABLES,
    "claims.csv",
    "settings.json",
    "features.npz",
    "figure4_subspace.png",
    "figure5_cross_sensor.png",
    "fusion.png",
    "report.md",
)
TIMEOUT = 240  # seconds a run in a subprocess may take on a loaded machine

#: Runs the command line; ``KILL_AFTER`` names an output after whose writing the
#: process kills itself with SIGKILL (no handler, no cleanup runs).
RUNNER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from sklearn_ccafusion.runs import _pipeline, _report

    kill_after = os.environ.get("KILL_AFTER")

    def killing(module, name, path_of):
        real = getattr(module, name)

        def call(*args, **kwargs):
            result = real(*args, **kwargs)
            if path_of(args, result).name == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
            return result

        setattr(module, name, call)

    if kill_after:
        killing(_pipeline, "write_csv", lambda args, result: Path(args[0]))
        killing(_pipeline, "write_report", lambda args, result: Path(result))
        killing(_report, "save_figure", lambda args, result: Path(result))

    from sklearn_ccafusion.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _features(path: Path, shift: float = 0.0) -> Path:
    """A features file of two sensors, two networks each, three classes."""
    y_train, y_validation = np.arange(90) % 3, np.arange(45) % 3
    arrays = {"y_train": y_train, "y_validation": y_validation}
    for s_index, (sensor, width) in enumerate((("acc", 5), ("gyr", 4))):
        for k in range(2):
            rng = np.random.default_rng(10 * s_index + k)
            centres = rng.normal(size=(3, width)) * 2 + shift
            for part, y in (("train", y_train), ("validation", y_validation)):
                arrays[f"{sensor}.{k}.{part}"] = centres[y] + 0.5 * rng.normal(size=(len(y), width))
            arrays[f"{sensor}.{k}.coef"] = rng.normal(size=(3, width))
            arrays[f"{sensor}.{k}.intercept"] = np.zeros(3)
    np.savez(path, **arrays)
    return path


def _command(features: Path, out: Path, *extra: str) -> list[str]:
    return ["study", "--features", str(features), "--out", str(out), *FAST, *extra]


def _record(out: Path) -> dict:
    return json.loads((out / "run.json").read_text())


def _tagged(tag: str) -> list[tuple[int, str]]:
    """Live processes whose environment carries ``tag`` (a run's and all it started)."""
    marker = f"CCAFUSION_TEST_RUN={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue  # a zombie has ended
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        found.append((int(entry.name), command))
    return found


def _kill_tagged(tag: str) -> None:
    for pid, _ in _tagged(tag):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _start(argv: list[str], tmp_path: Path, tag: str, **env: str) -> subprocess.Popen:
    """A process of its own, its output in files (a survivor never holds a pipe open)."""
    environment = {**os.environ, "CCAFUSION_TEST_RUN": tag, **env}
    with open(tmp_path / f"{tag}.log", "wb") as log:
        return subprocess.Popen(argv, env=environment, stdout=log, stderr=subprocess.STDOUT)


def _killed_run(tmp_path: Path, command: list[str], kill_after: str) -> str:
    """Run the command line in a subprocess killed once ``kill_after`` is written; its log."""
    tag = uuid.uuid4().hex
    process = _start([sys.executable, "-c", RUNNER, *command], tmp_path, tag, KILL_AFTER=kill_after)
    try:
        process.wait(timeout=TIMEOUT)
    finally:
        process.kill()
        _kill_tagged(tag)
    log = (tmp_path / f"{tag}.log").read_text(errors="replace")
    assert process.returncode == -signal.SIGKILL, log
    return log


def _tables(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in TABLES if (out / name).exists()}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """Complete runs on two versions of the data, each in its own folder."""
    root = tmp_path_factory.mktemp("finished")
    runs = {}
    for version, shift in (("old", 0.0), ("new", 1.0)):
        features = _features(root / f"{version}.npz", shift)
        out = root / version
        assert main(_command(features, out)) == 0
        runs[version] = out
    assert _tables(runs["old"])["results.csv"] != _tables(runs["new"])["results.csv"]
    return runs


def _copy_run(source: Path, folder: Path) -> tuple[Path, Path]:
    """The finished run's folder copied (file times kept) and the path of its data."""
    out = folder / "out"
    shutil.copytree(source, out)
    return out, folder / "data.npz"


def _only_new_outputs(out: Path, since: float) -> list[str]:
    """The outputs present, each asserted written after ``since`` (by the new run)."""
    present = [name for name in OUTPUTS if (out / name).exists()]
    for name in present:
        assert (out / name).stat().st_mtime >= since, f"{name} is the previous run's"
    return present


def _old_run(folder: Path) -> tuple[Path, Path]:
    """A finished run on the old data, in ``folder/out``; the data's path."""
    data, out = _features(folder / "data.npz"), folder / "out"
    assert main(_command(data, out)) == 0
    return out, data


@pytest.mark.parametrize("kill_after", ["results.csv", "figure4_subspace.png", "report.md"])
def test_rerun_on_new_data_killed_never_mixes_the_two_runs(finished, tmp_path, kill_after, caplog):
    out, data = _old_run(tmp_path)
    old_record = _record(out)
    _features(data, shift=1.0)  # new data at the path of the old
    since = time.time() - 0.1
    log = _killed_run(tmp_path, _command(data, out), kill_after)
    assert "complete run of other inputs" in log and "removing its 12 files" in log

    record = _record(out)
    assert record["state"] == "incomplete"
    assert record["fingerprint"] != old_record["fingerprint"]
    present = _only_new_outputs(out, since)
    assert kill_after in present
    new_tables = _tables(finished["new"])
    for name, content in _tables(out).items():  # the new data's numbers, none of the old
        assert content == new_tables[name], name
    if kill_after == "results.csv":
        assert "report.md" not in present and "fusion.csv" not in present

    assert main(_command(data, out)) == 0  # resumed: complete, the same bytes
    assert "incomplete run of the same inputs and settings" in caplog.text
    assert _record(out)["state"] == "complete"
    assert _tables(out) == new_tables
    assert set(_only_new_outputs(out, since)) == set(OUTPUTS)


def test_a_run_still_going_on_in_its_folder_is_refused(finished, tmp_path, capsys, caplog):
    out, _ = _copy_run(finished["new"], tmp_path)
    data = finished["new"].parent / "new.npz"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        from sklearn_ccafusion.runs._run_folder import _process_identity

        record = _record(out)
        record.update(state="incomplete", pid=sleeper.pid, process=_process_identity(sleeper.pid))
        (out / "run.json").write_text(json.dumps(record))
        before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
        assert main(_command(data, out)) == 2
        assert "in use" in capsys.readouterr().err
        assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    finally:
        sleeper.kill()
        sleeper.wait()
    assert main(_command(data, out)) == 0  # its process has ended: the run is resumed
    assert f"process {sleeper.pid}): resuming it" in caplog.text
    assert _record(out)["state"] == "complete"
    assert _tables(out) == _tables(finished["new"])


@pytest.mark.parametrize("recorded", [True, False], ids=["recorded", "older-version"])
def test_overwrite_removes_the_runs_outputs_and_cache_but_no_other_file(
    finished, tmp_path, recorded
):
    out, _ = _copy_run(finished["old"], tmp_path)
    data = finished["old"].parent / "old.npz"
    if not recorded:  # a folder an older version wrote: no run.json
        (out / "run.json").unlink()
    mine = {
        "notes.txt": b"my notes",
        "fusion_mine.png": b"my figure",
        "results-2019.csv": b"a,b\n1,2\n",
        "mine/results.csv": b"kept",
    }
    for name, content in mine.items():
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_bytes(content)
    old_cache = {p for p in (out / "cache").rglob("*") if p.is_file()}
    assert old_cache

    assert main(_command(data, out, "--seed", "5")) == 2  # other settings: refused, unchanged
    assert {p for p in (out / "cache").rglob("*") if p.is_file()} == old_cache

    since = time.time() - 0.1
    _killed_run(tmp_path, _command(data, out, "--seed", "5", "--overwrite"), "results.csv")
    assert _record(out)["state"] == "incomplete"
    assert _only_new_outputs(out, since) == ["results.csv", "settings.json", "features.npz"]
    assert not old_cache & {p for p in (out / "cache").rglob("*") if p.is_file()}
    for name, content in mine.items():
        assert (out / name).read_bytes() == content, name

    assert main(_command(data, out, "--seed", "5", "--overwrite")) == 0
    assert _record(out)["state"] == "complete"
    assert set(_only_new_outputs(out, since)) == set(OUTPUTS)
    for name, content in mine.items():
        assert (out / name).read_bytes() == content, name


#: Runs the study from Python, as a notebook would, with two process workers.
PYTHON_RUN = textwrap.dedent(
    """
    import sys
    from sklearn_ccafusion.runs import study_from_features

    study_from_features(sys.argv[1], out=sys.argv[2], quick=True, repeats=1, n_jobs=2,
                        progress=False)
    """
)


def _wait_for(condition, seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


@pytest.mark.parametrize("moment", ["importing", "computing"])
@pytest.mark.parametrize("front", ["python", "cli"])
def test_no_process_outlives_a_killed_run(finished, tmp_path, front, moment):
    data = finished["new"].parent / "new.npz"
    out = tmp_path / "out"
    if front == "python":
        argv = [sys.executable, "-c", PYTHON_RUN, str(data), str(out)]
    else:
        argv = [sys.executable, "-m", "sklearn_ccafusion", *_command(data, out)]
        argv[argv.index("--n-jobs") + 1] = "2"
    tag = uuid.uuid4().hex
    process = _start(argv, tmp_path, tag)
    try:

        def workers() -> list[tuple[int, str]]:
            return [p for p in _tagged(tag) if "loky" in p[1] and "resource_tracker" not in p[1]]

        if moment == "importing":  # as soon as the workers exist, still importing
            reached = _wait_for(lambda: workers() or process.poll() is not None, TIMEOUT)
        else:  # once they have sent back results, the next tasks on their way
            reached = _wait_for(
                lambda: any((out / "cache" / "tasks").glob("*")) or process.poll() is not None,
                TIMEOUT,
            )
        started = _tagged(tag)
        assert reached and process.poll() is None, "the run ended before the moment"
        assert workers(), f"no worker process was started: {started}"
        # the resource trackers have no watch of their own: they end once the run and
        # its workers have closed their pipes, which the check below shows
        assert any("resource_tracker" in command for _, command in started), started
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        ended = _wait_for(lambda: not _tagged(tag), 30, step=0.2)
        assert ended, f"alive 30 s after the run was killed: {_tagged(tag)}"
    finally:
        process.kill()
        _kill_tagged(tag)
