"""Resumable, crash-safe storage of a reproduction run.

Trained networks and extracted features are cached under ``<out>/cache/``, in a
folder keyed by a hash of everything that determines them (data set, sensor,
network index and seed, training settings, package version), so an interrupted
run resumes where it stopped. Every file is written to a temporary name in the
same folder, then renamed: a crash never leaves a truncated file behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["atomic_write", "cache_key", "load_pickle", "save_pickle", "write_csv", "write_text"]


def cache_key(settings: dict[str, Any]) -> str:
    """A short stable hash of JSON-serialisable settings.

    Examples
    --------
    >>> cache_key({"a": 1, "b": [2, 3]}) == cache_key({"b": [2, 3], "a": 1})
    True
    """
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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


def write_csv(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV atomically."""
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def save_pickle(path: str | Path, obj: Any) -> Path:
    """Pickle an object atomically."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as file:
            pickle.dump(obj, file, protocol=pickle.HIGHEST_PROTOCOL)

    return atomic_write(path, write)


def load_pickle(path: str | Path) -> Any:
    """Unpickle a file this package wrote."""
    with open(path, "rb") as file:
        return pickle.load(file)


def save_arrays(path: str | Path, **arrays: np.ndarray) -> Path:
    """Save arrays to an ``.npz`` file atomically."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as file:
            np.savez(file, **arrays)

    return atomic_write(path, write)
