"""Crash-safe files: every write goes to a temporary name beside the target, then is renamed.

A run killed at any point never leaves a truncated file behind, so a cache or a
result that exists is whole.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from sklearn_ccafusion.utils._file_names import inside

__all__ = [
    "atomic_write",
    "discarded_unless_used",
    "remove_unused_folder",
    "save_arrays",
    "write_text",
]


def atomic_write(
    path: str | Path, write: Callable[[Path], None], *, within: str | Path | None = None
) -> Path:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then rename it.

    Parameters
    ----------
    path : str or Path
        Final location; missing parent folders are created.
    write : callable
        Writes the content to the temporary path it is given.
    within : str, Path or None, default=None
        The folder meant to hold ``path`` (a run's output folder, a cache): a
        ``path`` that resolves outside it (through ``..`` or a link) is refused
        before any folder is created.

    Returns
    -------
    path : Path

    Raises
    ------
    ValueError
        If ``path`` lies outside ``within``, or is a folder.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "a.txt", lambda tmp: tmp.write_text("whole")).read_text()
    'whole'
    """
    path = Path(path)
    if within is not None and not inside(within, path):
        raise ValueError(
            f"{path} lies outside {within}, the folder meant to hold it: nothing was written."
        )
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a file: move it away, then run again.")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide results from others
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str, *, within: str | Path | None = None) -> Path:
    """Write text atomically (``within``: as in :func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: tmp.write_text(text), within=within)


def remove_unused_folder(folder: str | Path, kept: frozenset[str] = frozenset()) -> bool:
    """Remove ``folder`` if it holds no file but empty folders and files named in ``kept``.

    Returns whether it was removed. Anything computed (a cached network, a finished
    task) keeps the folder, for resuming.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return False
    if any(p.is_file() and p.name not in kept for p in folder.rglob("*")):
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


@contextmanager
def discarded_unless_used(folder: str | Path, kept: frozenset[str] = frozenset()) -> Iterator[None]:
    """On failure (Ctrl-C included), remove ``folder`` if this block created it and left it unused.

    A run that fails before any result leaves nothing behind; one that cached
    something keeps it (see :func:`remove_unused_folder`).
    """
    existed = Path(folder).exists()
    try:
        yield
    except BaseException:
        if not existed:
            remove_unused_folder(folder, kept)
        raise


def save_arrays(path: str | Path, **arrays: np.ndarray) -> Path:
    """Save arrays to an ``.npz`` file atomically."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as file:
            np.savez(file, **arrays)

    return atomic_write(path, write)
