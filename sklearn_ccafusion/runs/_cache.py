"""Crash-safe files of a study run: CSV results and cached arrays.

Each network's extracted features are cached under ``<out>/cache/`` as ``.npz``
files read without pickles (loading one runs no code), named by a fingerprint of
everything that determines them (the data's content, the sensor, the seed, the
recipe, the device and precision, the package version). Every file is written to
a temporary name in the same folder, then renamed: a crash never leaves a
truncated file behind.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_ccafusion.utils._files import atomic_write, write_text

__all__ = ["atomic_write", "load_arrays", "save_arrays", "write_csv", "write_text"]


def write_csv(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV atomically."""
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def save_arrays(path: str | Path, **arrays: np.ndarray) -> Path:
    """Save arrays to an ``.npz`` file atomically."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as file:
            np.savez(file, **arrays)

    return atomic_write(path, write)


def load_arrays(path: str | Path, names: tuple[str, ...]) -> dict[str, np.ndarray] | None:
    """Read the named arrays of an ``.npz`` cache file, without pickles.

    Returns None when the file is missing, damaged or lacks an array, so the
    caller recomputes it instead of failing.
    """
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in names}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
