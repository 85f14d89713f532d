"""The files of a study run: CSV results, written atomically, and the ``.npz`` files it reads.

Every file is written to a temporary name in the same folder, then renamed: a
crash never leaves a truncated file behind. The ``.npz`` files a user gives are read by
:func:`~sklearn_ccafusion.runs._npz_file.read_npz`. The networks' cache under
``<out>/cache/`` follows the one convention of trained networks
(:mod:`sklearn_ccafusion.utils._net_cache`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sklearn_ccafusion.runs._npz_file import read_npz
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
