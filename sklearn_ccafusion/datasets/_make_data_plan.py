"""The sentence ``ccafusion make-data`` prints before it writes: what, where, how big.

The sizes are checked as they are read (whole numbers in range); the writers then
compare the estimates with the free disk space and the available memory before any
work (:class:`~sklearn_ccafusion.datasets._folder_write.FolderWrite`).
"""

from __future__ import annotations

from pathlib import Path

from sklearn_ccafusion.datasets._cifar10_writer import cifar10_write_plan
from sklearn_ccafusion.datasets._shl2018_writer import _ALL_SIGNALS, shl2018_write_plan
from sklearn_ccafusion.datasets._write_guard import available_memory, format_bytes, free_space

__all__ = ["make_data_plan"]


def make_data_plan(
    dataset: str,
    out,
    *,
    n_segments: int = 16310,
    segment_length: int = 6000,
    n_train: int = 50000,
    n_test: int = 10000,
    n_jobs: int | None = None,
) -> str:
    """What a synthetic-folder write will take, and the free space and memory it has.

    Raises TypeError or ValueError, naming the parameter, when a size is not a whole
    number in range.

    Examples
    --------
    >>> text = make_data_plan("shl", ".", n_segments=100, segment_length=600)
    >>> text.split(" (")[0]
    'shl: writing 100 segments of 600 samples, 9 signal files and the labels, 9.6 MB, to .'
    """
    path = Path(out).expanduser()
    if dataset == "shl":
        plan = shl2018_write_plan(n_segments, segment_length, len(_ALL_SIGNALS), n_jobs)
        what = (
            f"{n_segments} segments of {segment_length} samples, {len(_ALL_SIGNALS)} signal "
            f"files and the labels, {format_bytes(plan.disk)}"
        )
    else:
        plan = cifar10_write_plan(n_train, n_test)
        what = f"{n_train} training and {n_test} test images, at most {format_bytes(plan.disk)}"
    memory = available_memory()
    available = "" if memory is None else f", {format_bytes(memory)} available"
    return (
        f"{dataset}: writing {what}, to {path} ({format_bytes(free_space(path))} free there; "
        f"needs about {format_bytes(plan.memory)} of memory{available})"
    )
