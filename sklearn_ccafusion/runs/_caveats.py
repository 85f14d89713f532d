"""Caveats of a run: every warning raised while it ran, collected once, for the report.

A warning raised during a study (too few samples, a class without validation
samples, a degenerate CCA, an unconverged fit) qualifies its verdicts, so it
belongs in ``report.md``, not between progress bars on stderr. Inside
:func:`collect_caveats`:

- warnings raised in this process (including joblib's sequential and threading
  backends) are recorded instead of printed;
- joblib's process workers (the ``loky`` backend, joblib's default) are started
  with an initializer that appends each warning to a file of a private folder
  instead of printing it; the parent reads the files back. Other joblib
  backends (dask, ray) keep their own handling of warnings.

The caveats are deduplicated by category and message, in the order first seen.
Calls nest: an inner :func:`collect_caveats` (the pipeline's) joins the outer
one (the command line's), so warnings raised while loading the data reach the
same report.
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from sklearn_ccafusion.utils._worker_warnings import record_in_worker as _record_in_worker
from sklearn_ccafusion.utils._workers import chained_loky_initializer

__all__ = ["Caveats", "collect_caveats", "current_caveats", "format_caveats", "records_caveats"]

_ACTIVE: ContextVar[Caveats | None] = ContextVar("ccafusion_caveats", default=None)


@dataclass(frozen=True)
class _Caveat:
    category: str
    message: str


def _clean(message: str) -> str:
    """One line, no trailing punctuation duplicates: how a caveat is listed."""
    return " ".join(str(message).split())


class Caveats:
    """The warnings of one run, as they arrive: this process's and the workers' files.

    Parameters
    ----------
    folder : Path
        Where the workers append their warnings (one JSON line each).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._records: list[_Caveat] = []
        self._live: list[warnings.WarningMessage] = []  # this process's, while recording

    def _from_workers(self) -> list[_Caveat]:
        found: list[_Caveat] = []
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.glob("*.jsonl")):
            for line in path.read_text(errors="replace").splitlines():
                try:
                    item = json.loads(line)
                except json.JSONDecodeError:  # a line a killed worker left half written
                    continue
                found.append(_Caveat(item["category"], _clean(item["message"])))
        return found

    def messages(self) -> list[str]:
        """Deduplicated caveats, ``"<Category>: <message>"``, in the order first seen."""
        live = [_Caveat(w.category.__name__, _clean(w.message)) for w in self._live]
        every = [*self._records, *live, *self._from_workers()]
        return list(dict.fromkeys(f"{c.category}: {c.message}" for c in every))

    def _close(self) -> None:
        """Keep what was recorded once the block ends (its folder is then removed)."""
        live = [_Caveat(w.category.__name__, _clean(w.message)) for w in self._live]
        self._records += [*live, *self._from_workers()]
        self._live = []


@contextmanager
def _workers_record(folder: Path) -> Iterator[None]:
    """Start joblib's loky workers with :func:`_record_in_worker` (after any initializer)."""
    with chained_loky_initializer(_record_in_worker, str(folder)):
        yield


@contextmanager
def collect_caveats() -> Iterator[Caveats]:
    """Record every warning raised inside, here and in joblib's workers.

    Yields
    ------
    caveats : Caveats
        Grows while the block runs; :meth:`Caveats.messages` lists them.

    Examples
    --------
    >>> import warnings
    >>> with collect_caveats() as caveats:
    ...     warnings.warn("only 10 validation samples")
    ...     warnings.warn("only 10 validation samples")
    >>> caveats.messages()
    ['UserWarning: only 10 validation samples']
    """
    active = _ACTIVE.get()
    if active is not None:  # nested: the outer block records (workers started since too)
        with _workers_record(active.folder):
            yield active
        return
    folder = Path(tempfile.mkdtemp(prefix="ccafusion-caveats-"))
    caveats = Caveats(folder)
    token = _ACTIVE.set(caveats)
    try:
        with warnings.catch_warnings(record=True) as caught, _workers_record(folder):
            caveats._live = caught
            yield caveats
    finally:
        caveats._close()
        _ACTIVE.reset(token)
        shutil.rmtree(folder, ignore_errors=True)


def records_caveats(function):
    """Run ``function`` inside :func:`collect_caveats` (joining an active one)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with collect_caveats():
            return function(*args, **kwargs)

    return wrapper


def current_caveats() -> list[str]:
    """The caveats recorded so far by the active :func:`collect_caveats` (``[]`` if none)."""
    active = _ACTIVE.get()
    if active is None:
        return []
    return active.messages()


def format_caveats(messages: list[str]) -> str:
    """The caveats as a numbered list, one per line (empty string when there are none).

    Examples
    --------
    >>> print(format_caveats(["UserWarning: few samples", "ConvergenceWarning: lbfgs"]))
    Caveats (warnings raised during the run):
      1. UserWarning: few samples
      2. ConvergenceWarning: lbfgs
    """
    if not messages:
        return ""
    lines = ["Caveats (warnings raised during the run):"]
    lines += [f"  {i}. {message}" for i, message in enumerate(messages, start=1)]
    return "\n".join(lines)
