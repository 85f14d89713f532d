"""Per-task results on disk, keyed by everything that determines them, checked when read.

A study is a map over independent tasks. :class:`TaskCache` stores each finished
task's rows as a JSON file named by a hash of the task's key (a
:func:`fingerprint` of its method, seed, parameters and input arrays), so a run
killed at any point resumes without redoing finished tasks. Each file holds its
key, the identity of the code that computed it
(:func:`~sklearn_ccafusion.utils._code_identity.code_identity`) and a checksum of
its content; a file whose key, code or checksum is not the expected one is
computed again, never used. JSON holds data only: reading a cache runs no code,
and the rows keep their types (:mod:`sklearn_ccafusion.study._task_rows`), so
resumed results are bit-identical to uninterrupted ones.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sklearn_ccafusion.study._task_rows import decode_rows, encode_rows
from sklearn_ccafusion.utils._code_identity import code_identity
from sklearn_ccafusion.utils._files import atomic_write
from sklearn_ccafusion.utils._fingerprint import fingerprint

__all__ = ["TaskCache", "fingerprint", "load_or_compute", "network_key", "shared_key"]

_FORMAT = 2


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


def shared_key(cache: TaskCache | None, caller: str, *values: Any) -> str | None:
    """The fingerprint of what a study's tasks share, or None when they are not cached.

    Parameters
    ----------
    cache : TaskCache or None
        The study's cache; ``None`` gives ``None`` (nothing is cached).
    caller : str
        The study's name, for the warning.
    *values : object
        The inputs and settings every task depends on.

    Returns
    -------
    key : str or None
        ``None`` also when a value cannot be fingerprinted faithfully (a lambda
        among an estimator's parameters): then a warning says why, and the study
        computes every task without caching it.
    """
    if cache is None:
        return None
    try:
        return fingerprint(caller, *values)
    except TypeError as error:
        warnings.warn(f"{caller} caches no task: {error}", UserWarning, stacklevel=3)
        return None


def _checksum(key: str, code: str, rows_text: str) -> str:
    """The digest of what a task file claims: its key, its code and its rows."""
    text = json.dumps([key, code, rows_text])
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _check_key(key: Any) -> str:
    if type(key) is not str:
        raise TypeError(
            f"A TaskCache key must be a str (a fingerprint of the task), got "
            f"{type(key).__name__}."
        )
    return key


class TaskCache:
    """A folder of finished study tasks, one JSON file per task, checked when read.

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
    that changes its result (estimators by their class and all their
    parameters), so a cache never answers for other data or settings. The file
    is named by a hash of the key (any key gives a plain file name inside
    ``folder``) and holds the key, the identity of the code that wrote it and a
    checksum of its content. A file written by other code (another version, an
    edited source file, another NumPy, scikit-learn or PyTorch) is recomputed and
    replaced; a file that cannot be read, claims another key or fails its
    checksum (truncated, edited, an earlier format) is recomputed and replaced
    with a warning naming it. The checksum finds damage and edits, not a forger
    who rewrites it too: a cache holds numbers only, and loading one runs no code.

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
        """The file of a task: ``task-<hash of the key>.json`` inside the folder.

        Parameters
        ----------
        key : str
            The task's key (a :func:`fingerprint` of its inputs and parameters).

        Returns
        -------
        path : Path

        Raises
        ------
        TypeError
            If ``key`` is not a str.
        """
        return self.folder / f"task-{fingerprint('task file', _check_key(key))}.json"

    def _damaged(self, path: Path, why: str) -> None:
        warnings.warn(
            f"Cached task {path} {why}; it is computed again and the file replaced.",
            UserWarning,
            stacklevel=4,
        )

    def load(self, key: str) -> list[dict] | None:
        """The rows of a finished task, or None when it is to be computed.

        Parameters
        ----------
        key : str
            The task's key (a :func:`fingerprint` of its inputs and parameters).

        Returns
        -------
        rows : list of dict or None
            ``None`` when the file is missing, was written by other code, or is
            damaged (then a warning names it).
        """
        path = self.path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            self._damaged(path, f"cannot be read ({error})")
            return None
        try:
            stored = json.loads(text)
        except (ValueError, RecursionError):
            self._damaged(path, "is not JSON (truncated or edited)")
            return None
        if not isinstance(stored, dict) or stored.get("format") != _FORMAT:
            self._damaged(path, "is not a task file of this version's format")
            return None
        rows_text, code = stored.get("rows"), stored.get("code")
        if stored.get("key") != key:
            self._damaged(path, "holds another task's key")
            return None
        if not isinstance(rows_text, str) or not isinstance(code, str) or stored.get(
            "checksum"
        ) != _checksum(key, code, rows_text):
            self._damaged(path, "fails its checksum (its content was changed)")
            return None
        if code != code_identity():
            return None  # computed by other code: recomputed and replaced, quietly
        try:
            return decode_rows(json.loads(rows_text))
        except (ValueError, RecursionError) as error:
            self._damaged(path, f"holds unreadable rows ({error})")
            return None

    def save(self, key: str, rows: Sequence[Mapping]) -> Path:
        """Store a finished task's rows atomically, with its key, code and checksum.

        Parameters
        ----------
        key : str
            The task's key (a :func:`fingerprint` of its inputs and parameters).
        rows : sequence of mappings
            The task's result rows: None, booleans, numbers, strings, bytes,
            NumPy scalars and arrays (of numbers, strings, dates) and lists,
            tuples and dicts of them; :meth:`load` gives them back with their
            types.

        Returns
        -------
        path : Path
            The file written.

        Raises
        ------
        TypeError
            If ``key`` is not a str, or naming the row and column of a value that
            cannot be stored.
        """
        path = self.path(key)
        rows_text = json.dumps(encode_rows(rows), allow_nan=False)
        code = code_identity()
        text = json.dumps(
            {
                "format": _FORMAT,
                "key": key,
                "code": code,
                "checksum": _checksum(key, code, rows_text),
                "rows": rows_text,
            }
        )
        return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))

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
