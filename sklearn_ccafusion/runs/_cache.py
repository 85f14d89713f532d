"""The files of a study run: CSV results, written atomically, and the ``.npz`` files it reads.

Every file is written to a temporary name in the same folder, then renamed: a
crash never leaves a truncated file behind. The networks' cache under
``<out>/cache/`` follows the one convention of trained networks
(:mod:`sklearn_ccafusion.utils._net_cache`).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_ccafusion.utils._files import atomic_write, save_arrays, write_text

__all__ = [
    "atomic_write",
    "read_npz",
    "save_arrays",
    "write_csv",
    "write_text",
]


def write_csv(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV atomically."""
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def read_npz(path: Path, *, how_to_save: str) -> dict[str, np.ndarray]:
    """Every array of a user's ``.npz`` file, read without pickles, or a named error.

    Parameters
    ----------
    path : Path
        The file (the ``path`` parameter of the reader that calls this).
    how_to_save : str
        A sentence on how to write the file right, for the errors.

    Returns
    -------
    arrays : dict of str to ndarray

    Raises
    ------
    ValueError
        If the file is missing, not an ``.npz`` archive, damaged, or holds an
        object array (read only through pickle, which could run code).
    """
    if not path.is_file():
        raise ValueError(f"path {path}: no such file.")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not an .npz file (the zip archive of arrays that numpy.savez "
            f"writes); {how_to_save}"
        )
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except ValueError as error:
        if "pickle" in str(error):
            raise ValueError(
                f"{path} holds an object array, which is read only through pickle (it could "
                f"run code): {how_to_save}"
            ) from None
        raise ValueError(f"{path} is not a readable .npz file: {error}") from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a readable .npz file: {error}") from None
