"""Crash-safe files: every write goes to a temporary name beside the target, then is renamed.

A run killed at any point never leaves a truncated file behind, so a cache or a
result that exists is whole.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["atomic_write", "save_arrays", "write_text"]


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then rename it.

    Parameters
    ----------
    path : str or Path
        Final location.
    write : callable
        Writes the content to the temporary path it is given.

    Returns
    -------
    path : Path

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path

import numpy as np
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "a.txt", lambda tmp: tmp.write_text("whole")).read_text()
    'whole'
    """
    path = Path(path)
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


def write_text(path: str | Path, text: str) -> Path:
    """Write text atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text))


def save_arrays(path: str | Path, **arrays: np.ndarray) -> Path:
    """Save arrays to an ``.npz`` file atomically."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as file:
            np.savez(file, **arrays)

    return atomic_write(path, write)
