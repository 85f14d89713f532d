"""What the folder writers promise: sizes checked first, in the units given, against the
free disk space and the available memory; no data replaced that they did not write; a
marker saying the data is synthetic.

A folder written by :func:`~sklearn_ccafusion.datasets.write_shl2018_folder` or
:func:`~sklearn_ccafusion.datasets.write_cifar10_folder` holds a marker file,
``ccafusion-make-data.json``, beside the data: what wrote it, with which parameters,
whether it finished, and the manifest of the files it wrote (their sizes and SHA-256
digests). The writers replace only files that manifest records with their content
unchanged (see :mod:`~sklearn_ccafusion.datasets._folder_write`), and a report can tell a
rehearsal on synthetic data from a run on real data by reading the marker
(:func:`read_make_data_marker`).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

from sklearn_ccafusion.utils._memory import available_memory, format_bytes

__all__ = [
    "MAKE_DATA_MARKER",
    "DataInTheWayError",
    "NotWritableError",
    "TooLargeError",
    "WritePlan",
    "available_memory",
    "check_count",
    "check_plan",
    "format_bytes",
    "free_space",
    "read_make_data_marker",
    "rehearsal_note",
]

#: Name of the marker file the folder writers put beside the data they write.
MAKE_DATA_MARKER = "ccafusion-make-data.json"


def read_make_data_marker(data_dir) -> dict | None:
    """The marker of a folder written by the package's synthetic-data writers, if any.

    Looks in ``data_dir`` and in its parent and grandparent, since the loaders accept
    the data's own folder (``train/``, ``cifar-10-batches-py/``) or the archive too.

    Parameters
    ----------
    data_dir : str or path-like
        What was given to :func:`load_shl2018` or :func:`load_cifar10`.

    Returns
    -------
    marker : dict or None
        The marker's content (``"synthetic": True``, ``"writer"``, ``"parameters"``,
        ``"complete"``), or ``None`` for data the package did not write.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_ccafusion.datasets import write_cifar10_folder
    >>> folder = write_cifar10_folder(tempfile.mkdtemp(), 10, 5, progress=False)
    >>> marker = read_make_data_marker(folder / "cifar-10-batches-py")
    >>> marker["synthetic"], marker["writer"], marker["complete"]
    (True, 'write_cifar10_folder', True)
    """
    path = Path(data_dir).expanduser()
    for folder in (path, path.parent, path.parent.parent):
        marker = folder / MAKE_DATA_MARKER
        if marker.is_file():
            try:
                content = json.loads(marker.read_text())
            except (OSError, ValueError):
                return None
            return content if isinstance(content, dict) else None
    return None


def rehearsal_note(marker: dict, data_dir) -> str:
    """The sentence a report opens with when its data came from a folder writer.

    Examples
    --------
    >>> marker = {"writer": "write_shl2018_folder",
    ...           "parameters": {"n_segments": 240, "random_state": 0}}
    >>> print(rehearsal_note(marker, "/tmp/shl"))  # doctest: +NORMALIZE_WHITESPACE
    REHEARSAL on synthetic data: /tmp/shl was written by write_shl2018_folder (ccafusion
    make-data; n_segments=240, random_state=0), not recorded; its numbers say nothing about
    the real data set.
    """
    parameters = ", ".join(
        f"{key}={value}"
        for key, value in marker.get("parameters", {}).items()
        if key not in {"dataset", "signals"}
    )
    return (
        f"REHEARSAL on synthetic data: {data_dir} was written by "
        f"{marker.get('writer', 'ccafusion make-data')} (ccafusion make-data; {parameters}), "
        "not recorded; its numbers say nothing about the real data set."
    )


class DataInTheWayError(FileExistsError, ValueError):
    """A file the write would replace, but that the package did not write (or was changed)."""


class TooLargeError(ValueError, OSError):
    """The planned files do not fit on the disk, or their writing would not fit in memory."""


class NotWritableError(ValueError, PermissionError):
    """A folder the write needs cannot be written."""


def check_count(value, name: str, minimum: int = 1) -> int:
    """``value`` as an int of at least ``minimum``, or a ValueError/TypeError naming ``name``.

    Accepts Python and NumPy integers only: a bool, a float (even ``1e12``), a string
    or anything else is refused before any work, in the terms the caller used.

    Examples
    --------
    >>> check_count(12, "n_segments")
    12
    >>> check_count(1e12, "n_segments")
    Traceback (most recent call last):
    ...
    TypeError: n_segments must be a whole number (an int), got 1000000000000.0 (float).
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(
            f"{name} must be a whole number (an int), got {value!r} ({type(value).__name__})."
        )
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)


def free_space(path: Path) -> int:
    """Free bytes on the disk that holds ``path`` (or would, once created)."""
    existing = Path(path).absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return shutil.disk_usage(existing).free


@dataclass(frozen=True)
class WritePlan:
    """What a folder write takes, estimated before any work.

    Attributes
    ----------
    what : str
        The write in the caller's terms (``"n_segments=240, segment_length=6000"``).
    disk : int
        Bytes written (exact or an upper bound).
    memory : int
        Peak bytes of memory the write needs (an upper bound).
    disk_options, memory_options : str
        The parameters that lower ``disk`` and ``memory``, named in the errors.
    """

    what: str
    disk: int
    memory: int
    disk_options: str
    memory_options: str


def check_plan(plan: WritePlan, path: Path, writer: str, freed: int = 0) -> None:
    """Raise :class:`TooLargeError` before writing when ``plan`` outgrows the machine.

    Parameters
    ----------
    plan : WritePlan
        The estimate.
    path : Path
        Where the files go.
    writer : str
        Named in the errors.
    freed : int, default=0
        Bytes of earlier files of the package that the write removes first.

    Examples
    --------
    >>> plan = WritePlan("n=10**15", 10**18, 10**6, "n", "n")
    >>> try:
    ...     check_plan(plan, Path("."), "writer")
    ... except TooLargeError as error:
    ...     print(str(error)[:62])
    not enough free space to write 1000.0 PB in . (writer, n=10**1
    """
    free = free_space(path) + freed
    if plan.disk > free:
        counted = " (counting its earlier files that the write replaces)" if freed else ""
        raise TooLargeError(
            f"not enough free space to write {format_bytes(plan.disk)} in {path} ({writer}, "
            f"{plan.what}): {format_bytes(free)} free there{counted}. Lower "
            f"{plan.disk_options}, free some space, or choose a folder on another disk."
        )
    memory = available_memory()
    if memory is not None and plan.memory > memory:
        raise TooLargeError(
            f"{writer} ({plan.what}) needs about {format_bytes(plan.memory)} of memory "
            f"while writing, {format_bytes(memory)} available. Lower {plan.memory_options}."
        )

