"""The sentence ``ccafusion make-data`` prints before it writes: what, where, how big."""

from __future__ import annotations

import shutil
from pathlib import Path

from sklearn_ccafusion.datasets._cifar10_writer import cifar10_folder_size
from sklearn_ccafusion.datasets._shl2018_writer import _ALL_SIGNALS, shl2018_folder_size
from sklearn_ccafusion.datasets._write_guard import format_bytes

__all__ = ["make_data_plan"]


def make_data_plan(
    dataset: str,
    out,
    *,
    n_segments: int = 16310,
    segment_length: int = 6000,
    n_train: int = 50000,
    n_test: int = 10000,
) -> str:
    """What a synthetic-folder write will take, and the free space where it goes.

    Examples
    --------
    >>> text = make_data_plan("shl", ".", n_segments=100, segment_length=600)
    >>> text.split(" (")[0]
    'shl: writing 100 segments of 600 samples, 9 signal files and the labels, 9.6 MB, to .'
    """
    path = Path(out).expanduser()
    if dataset == "shl":
        size = shl2018_folder_size(n_segments, segment_length, len(_ALL_SIGNALS))
        what = (
            f"{n_segments} segments of {segment_length} samples, {len(_ALL_SIGNALS)} signal "
            f"files and the labels, {format_bytes(size)}"
        )
    else:
        size = cifar10_folder_size(n_train, n_test)
        what = f"{n_train} training and {n_test} test images, at most {format_bytes(size)}"
    existing = path
    while not existing.exists():
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    return f"{dataset}: writing {what}, to {path} ({format_bytes(free)} free there)"
