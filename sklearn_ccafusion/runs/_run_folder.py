"""The output folder of a study run: one run's outputs at a time, and a record of the run.

A run keeps ``run.json`` in its folder, written atomically at every change:

- at start, ``"state": "incomplete"`` with what the run is (a fingerprint of its
  settings and of the content of its inputs), when and by which process it
  started, and the outputs it has begun to write (each name is recorded before
  its file is written);
- once every output is written, ``"state": "complete"`` with the time it finished.

When a run starts in a folder whose outputs came from other inputs or settings,
their files (the names the earlier record lists, never any other file) are
removed before the first new output is written, so the folder never holds the
outputs of two runs side by side. The caches under ``cache/`` stay: they are
keyed by content, so a run of the earlier inputs rebuilds its outputs from them,
and a failed run loses nothing it computed. A run of the same inputs and settings
as an incomplete one resumes it, and writes the same bytes as an uninterrupted run.
``overwrite=True`` replaces a run of other settings: its outputs and its
``cache/`` folder are removed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.utils._files import write_text
from sklearn_ccafusion.utils._fingerprint import fingerprint

__all__ = [
    "RECORD",
    "RunFolder",
    "other_settings",
    "refuse_other_settings",
    "run_fingerprint",
]

#: The run's record in its output folder.
RECORD = "run.json"
#: What runs of versions without a record wrote: the outputs of their folders.
_EARLIER_OUTPUTS = (
    "settings.json",
    "features.npz",
    "results.csv",
    "cross_sensor.csv",
    "fusion.csv",
    "alignment.csv",
    "bands.csv",
    "claims.csv",
    "figure4_subspace.png",
    "figure5_cross_sensor.png",
    "fusion.png",
    "report.md",
)
_LOGGER = logging.getLogger("sklearn_ccafusion")


def other_settings(out: Path, settings: dict, every: bool = True) -> bool:
    """Whether ``out`` holds a run whose settings differ (``every=False``: on these keys)."""
    settings_path = out / "settings.json"
    if not settings_path.exists():
        return False
    previous = _previous_settings(settings_path)
    if previous is None:  # damaged: the run it describes is unknown
        return True
    settings = json.loads(json.dumps(settings, default=str))
    if every:
        return previous != settings
    return any(previous.get(key) != value for key, value in settings.items())


def _previous_settings(path: Path) -> dict | None:
    """The settings of the run in a folder, or ``None`` when the file is damaged."""
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return previous if isinstance(previous, dict) else None


def refuse_other_settings(out: Path) -> None:
    """Raise the error of a folder that holds the results of a run with other settings."""
    settings_path = out / "settings.json"
    if _previous_settings(settings_path) is None:
        raise ValueError(
            f"{settings_path} is damaged (not the JSON settings a run writes), so it cannot "
            f"say which run {out} holds; choose another out folder, or pass overwrite=True "
            "to replace that run."
        )
    raise ValueError(
        f"{out} holds the results of a run with other settings ({settings_path}); "
        "choose another out folder, or pass overwrite=True to replace them (its outputs and "
        "its cache)."
    )


def _process_identity(pid: int) -> str | None:
    """What tells a process from a later one with the same id (Linux), else ``None``."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # a zombie has ended
        return None
    return f"{boot}:{fields[19]}"  # field 22 of stat: the start time since boot


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _own_names(names: Any) -> list[str]:
    """The plain file names of a record's list (anything else is never touched)."""
    if not isinstance(names, list):
        return []
    return [
        name
        for name in names
        if isinstance(name, str)
        and name
        and name not in (".", "..", RECORD)
        and "/" not in name
        and "\\" not in name
        and "\0" not in name
    ]


def _read_record(out: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((out / RECORD).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _earlier_outputs(out: Path) -> list[str]:
    """The outputs of a run without a record: the fixed names and the report's figures."""
    try:
        report = (out / "report.md").read_text(errors="replace")
    except OSError:
        report = ""
    figures = re.findall(r"!\[[^\]]*\]\(([^)\s/\\]+\.png)\)", report)
    return list(dict.fromkeys([*_EARLIER_OUTPUTS, *figures]))


class RunFolder:
    """The output folder of one run: its record, its outputs, and the earlier run's removal.

    Parameters
    ----------
    out : Path
        The folder.
    fingerprint : str
        What the run is: a fingerprint of its settings and of its inputs' content.
    """

    def __init__(self, out: Path, fingerprint: str) -> None:
        self.out = Path(out)
        self.fingerprint = fingerprint
        self._record: dict[str, Any] = {}

    def start(self, settings: dict[str, Any], *, overwrite: bool = False) -> None:
        """Mark the run incomplete, and remove the outputs of an earlier, other run.

        Parameters
        ----------
        settings : dict
            The run's settings, written to ``settings.json``.
        overwrite : bool, default=False
            Replace a run of other settings (its outputs and its cache).

        Raises
        ------
        ValueError
            If the folder holds a run of other settings and ``overwrite`` is
            false, or a run that is still going on in another process.
        """
        out = self.out
        previous = _read_record(out)
        earlier = previous is None and (out / "settings.json").is_file()
        if previous is not None:
            self._refuse_live(previous)
        changed = other_settings(out, settings)
        if changed and not overwrite:
            refuse_other_settings(out)
        same = previous is not None and previous.get("fingerprint") == self.fingerprint
        kept = _own_names(previous.get("outputs")) if same else []
        stale: list[str] = []
        if previous is not None:  # "stale": what a run killed while removing them left
            stale = _own_names(previous.get("stale"))
            stale += [] if same else _own_names(previous.get("outputs"))
        elif earlier:
            stale = _earlier_outputs(out)
        stale = [
            name for name in dict.fromkeys(stale) if name not in kept and (out / name).is_file()
        ]
        drop_cache = overwrite and not same and (changed or previous is not None or earlier)
        if same and previous.get("state") != "complete":
            _LOGGER.warning(
                "%s holds an incomplete run of the same inputs and settings (started %s, "
                "process %s): resuming it; its finished work is reused.",
                out,
                previous.get("started", "at an unknown time"),
                previous.get("pid", "unknown"),
            )
        elif not same and (stale or drop_cache):
            self._say_removed(previous, stale, drop_cache, changed)
        self._record = self._new_record(kept, stale=stale)
        out.mkdir(parents=True, exist_ok=True)
        self._write()  # the folder is marked incomplete before anything is removed
        for name in stale:
            (out / name).unlink(missing_ok=True)
        if drop_cache:
            shutil.rmtree(out / "cache", ignore_errors=True)
        del self._record["stale"]
        self._write()
        self.output("settings.json")
        write_text(out / "settings.json", json.dumps(settings, indent=2, default=str))

    def output(self, *names: str) -> Path:
        """Record files as this run's before they are written; the path of the first.

        Parameters
        ----------
        *names : str
            File names in the folder.

        Returns
        -------
        path : Path
            ``out / names[0]``.
        """
        outputs = self._record["outputs"]
        new = [name for name in names if name not in outputs]
        if new:
            outputs.extend(new)
            self._write()
        return self.out / names[0]

    def complete(self) -> None:
        """Record that every output is written."""
        self._record.update(state="complete", finished=_now())
        self._write()

    def _new_record(self, outputs: list[str], **extra: Any) -> dict[str, Any]:
        return {
            "state": "incomplete",
            "fingerprint": self.fingerprint,
            "started": _now(),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "process": _process_identity(os.getpid()),
            "outputs": list(outputs),
            **extra,
        }

    def _write(self) -> None:
        write_text(self.out / RECORD, json.dumps(self._record, indent=2) + "\n")

    def _refuse_live(self, previous: dict[str, Any]) -> None:
        """Refuse a folder whose run is still going on in another process."""
        pid = previous.get("pid")
        if previous.get("state") == "complete" or not isinstance(pid, int):
            return
        if pid == os.getpid() or previous.get("host") != socket.gethostname():
            return
        identity = previous.get("process")
        if identity is not None and identity == _process_identity(pid):
            raise ValueError(
                f"{self.out} is in use: a run started {previous.get('started')} by process "
                f"{pid} is still writing there; wait for it to end, or choose another out "
                "folder."
            )

    def _say_removed(
        self, previous: dict[str, Any] | None, stale: list[str], drop_cache: bool, changed: bool
    ) -> None:
        other = "other settings" if changed else "other inputs"
        if previous is None:
            what = f"the outputs of an earlier run (of {other}, or of inputs it did not record)"
        else:
            state = "a complete" if previous.get("state") == "complete" else "an incomplete"
            what = (
                f"the outputs of {state} run of {other} (started "
                f"{previous.get('started', 'at an unknown time')})"
            )
        kept = "its cache is removed too" if drop_cache else "its cache is kept"
        _LOGGER.warning(
            "%s holds %s: removing its %d files (%s) before this run writes any; %s.",
            self.out,
            what,
            len(stale),
            ", ".join(stale) if stale else "none",
            kept,
        )


def run_fingerprint(settings: dict[str, Any], data: StudyData, networks: Any = None) -> str:
    """What a run is: its settings and the content of its inputs, as one fingerprint.

    Parameters
    ----------
    settings : dict
        The run's settings (``settings.json``).
    data : StudyData
        Its data; the content of every sensor's inputs and of the labels counts.
    networks : mapping of str to list of NetworkFeatures, or None
        Networks given instead of trained (their features and last layers count).

    Returns
    -------
    key : str
    """
    given = None
    if networks is not None:
        given = {
            sensor: [(n.train, n.validation, n.coef, n.intercept) for n in nets]
            for sensor, nets in networks.items()
        }
    return fingerprint(
        json.loads(json.dumps(settings, default=str)),
        {sensor: data.sensor_key(sensor) for sensor in data.sensors},
        data.name,
        data.metric,
        data.net_settings,
        data.head_params,
        given,
    )
