"""Per-task results on disk, keyed by a fingerprint of everything that determines them.

A study is a map over independent tasks. :class:`TaskCache` stores each finished
task's rows as a JSON file named by a hash of the task's description (method,
seed, dimensions, parameters) and of the content of its input arrays, so a run
killed at any point resumes without redoing finished tasks, and a change of data
or parameters can never be answered by a stale result. JSON holds data only:
reading a cache runs no code, and Python floats round-trip exactly through it,
so resumed results are bit-identical to uninterrupted ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sklearn_ccafusion.utils._files import atomic_write
from sklearn_ccafusion.utils._fingerprint import fingerprint

__all__ = ["TaskCache", "fingerprint", "load_or_compute", "network_key"]

_FORMAT = 1


def network_key(network: Any) -> str:
    """Fingerprint of one network's part in a study: features, layer and its labels.

    Parameters
    ----------
    network : NetworkFeatures

    Returns
    -------
    key : str
        Equal for two networks exactly when their features, layers and classes are.
    """
    return fingerprint(
        network.train, network.validation, network.coef, network.intercept, network.classes
    )


def _plain(value: Any) -> Any:
    """numpy scalars to the Python values JSON writes exactly."""
    if isinstance(value, np.generic):
        return value.item()
    return value


class TaskCache:
    """A folder of finished study tasks, one JSON file per task.

    Pass one to :func:`~sklearn_ccafusion.study.subspace_study`,
    :func:`~sklearn_ccafusion.study.cross_sensor_study` or
    :func:`~sklearn_ccafusion.study.fusion_study` (``cache=``): tasks found
    in it are read instead of computed, and each task is written as soon as it
    finishes (atomically), so an interrupted study resumes where it stopped.

    Parameters
    ----------
    folder : str or Path
        Where the task files live (created on first write).

    Notes
    -----
    A task's key hashes the content of its input arrays and every parameter
    that changes its result, so a cache never answers for other data. Files
    that cannot be read (truncated, edited, another format) are ignored and
    recomputed. The files are JSON: loading them runs no code.

    Examples
    --------
    >>> import tempfile
    >>> cache = TaskCache(tempfile.mkdtemp())
    >>> key = fingerprint({"method": "pca", "seed": 3})
    >>> cache.load(key) is None
    True
    >>> _ = cache.save(key, [{"n": 1, "score": 0.5}])
    >>> cache.load(key)
    [{'n': 1, 'score': 0.5}]
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"TaskCache({str(self.folder)!r})"

    def path(self, key: str) -> Path:
        """The file of a task.

        Parameters
        ----------
        key : str
            The task's key (a :func:`fingerprint` of its inputs and parameters).

        Returns
        -------
        path : Path
        """
        return self.folder / f"task-{key}.json"

    def load(self, key: str) -> list[dict] | None:
        """The rows of a finished task, or None when it is not (readably) cached.

        Parameters
        ----------
        key : str
            The task's key (a :func:`fingerprint` of its inputs and parameters).

        Returns
        -------
        rows : list of dict or None
        """
        path = self.path(key)
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(stored, dict) or stored.get("format") != _FORMAT:
            return None
        rows = stored.get("rows")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            return None
        return rows

    def save(self, key: str, rows: list[Mapping]) -> Path:
        """Store a finished task's rows atomically.

        Parameters
        ----------
        key : str
            The task's key (a :func:`fingerprint` of its inputs and parameters).
        rows : list of mappings
            The task's result rows (numpy scalars are stored as plain values).

        Returns
        -------
        path : Path
            The file written.
        """
        plain = [{name: _plain(value) for name, value in row.items()} for row in rows]
        text = json.dumps({"format": _FORMAT, "rows": plain})
        return atomic_write(self.path(key), lambda tmp: tmp.write_text(text))

    def load_or_compute(
        self, key: str, compute: Callable[[], list[Mapping]]
    ) -> list[Mapping]:
        """The rows of a task: read when cached, else computed and stored.

        Parameters
        ----------
        key : str
            The task's key (a :func:`fingerprint` of its inputs and parameters).
        compute : callable
            ``compute()`` returns the task's rows.

        Returns
        -------
        rows : list of dict
        """
        tasks = load_or_compute(self, [key], lambda todo: [(i, compute()) for i in todo])
        return next(rows for _, rows in tasks)

    def __len__(self) -> int:
        return len(list(self.folder.glob("task-*.json"))) if self.folder.exists() else 0


def as_cache(cache: TaskCache | str | Path | None) -> TaskCache | None:
    """``None``, a folder or a TaskCache, as a TaskCache (or None)."""
    if cache is None or isinstance(cache, TaskCache):
        return cache
    return TaskCache(cache)


def load_or_compute(
    cache: TaskCache | None,
    keys: Sequence[str | None],
    compute: Callable[[list[int]], Iterable[tuple[int, list[Mapping]]]],
    *,
    accept: Callable[[list[dict]], bool] | None = None,
) -> Iterator[tuple[int, list[Mapping]]]:
    """Each task's rows: the cached ones first, then the others as they are computed.

    Parameters
    ----------
    cache : TaskCache or None
        Where finished tasks are; ``None`` computes every task.
    keys : sequence of str or None
        One key per task (``None``: that task is not cached).
    compute : callable
        ``compute(todo)`` takes the positions of the tasks to compute and yields
        ``(position, rows)`` pairs, in any order; each is stored as it arrives,
        so a run stopped midway keeps what it finished.
    accept : callable or None, default=None
        ``accept(rows)`` tells whether cached rows are usable (else recomputed).

    Yields
    ------
    position, rows : int and list of dict
        Every task once.
    """
    todo = []
    for position, key in enumerate(keys):
        stored = None if cache is None or key is None else cache.load(key)
        if stored is not None and (accept is None or accept(stored)):
            yield position, stored
        else:
            todo.append(position)
    for position, rows in compute(todo):
        if cache is not None and keys[position] is not None:
            cache.save(keys[position], rows)
        yield position, rows
