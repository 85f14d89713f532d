"""Loader of the SHL 2018 challenge data (Sussex-Huawei Locomotion-Transportation).

The official train set (``challenge-2018-train.zip``) unpacks to a ``train/`` folder of
text files: ``Acc_x.txt``, ``Acc_y.txt``, ..., ``Gyr_y.txt``, ``Mag_z.txt``,
``Ori_w.txt``, ``Pressure.txt``, ``Label.txt`` and ``train_order.txt``. Line ``l`` of every
file is one 60 s segment of 6,000 samples at 100 Hz; ``Label.txt`` holds one label per
sample (1..8 = Still, Walk, Run, Bike, Car, Bus, Train, Subway); ``train_order.txt`` gives
the chronological position (1-based) of each line, because the segments were shuffled.

The study of Moreau et al. (MobiCASE 2021) reorders the segments chronologically, labels
each with its middle sample, and splits them in time: validation = the first 3,310
segments, train = the last 13,000 (the class distribution drifts over time).
"""

from __future__ import annotations

import os
import re
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._textio import load_cached_matrix

__all__ = ["SHL2018_CLASSES", "load_shl2018"]

SHL2018_CLASSES = ("Still", "Walk", "Run", "Bike", "Car", "Bus", "Train", "Subway")
_SHL_URL = "http://www.shl-dataset.org/activity-recognition-challenge/"
_ORDER_FILE = "train_order.txt"
_LABEL_FILE = "Label.txt"
_SIGNAL_NAME = re.compile(r"[A-Za-z0-9]+(?:_[A-Za-z0-9]+)?")
_ROW_BLOCK = 1024  # segments gathered at once when assembling signals

_DESCR = """\
SHL 2018 challenge, train set (Sussex-Huawei Locomotion-Transportation)
-----------------------------------------------------------------------
Smartphone sensors (hip pocket) sampled at 100 Hz, cut into 60 s segments of 6,000 samples;
16,310 segments labelled with 8 modes of locomotion and transportation: Still, Walk, Run, Bike,
Car, Bus, Train, Subway. Source: SHL Challenge 2018, {url} (Wang et al., "Summary of the
Sussex-Huawei Locomotion-Transportation Recognition Challenge", UbiComp/ISWC 2018 adjunct).

This loader reorders the segments chronologically (train_order.txt), labels each segment with
its middle sample, and splits in time as Moreau et al. (MobiCASE 2021): validation = the first
3,310 chronological segments, train = the last 13,000 (validation_size sets the split).

Subset: {subset} ({n} segments{split}). Signals: {signals}.
"""


def _missing(path: Path) -> FileNotFoundError:
    return FileNotFoundError(
        f"{path} is missing. The SHL 2018 challenge data is not downloaded automatically: "
        f"get the train set (challenge-2018-train.zip) from the SHL Challenge 2018 page, "
        f"{_SHL_URL}, and unzip it so that <data_dir>/train/ holds Acc_x.txt, ..., "
        f"{_LABEL_FILE} and {_ORDER_FILE}."
    )


def _resolve_train_dir(data_dir: str | os.PathLike) -> Path:
    """The folder holding ``train_order.txt``: ``data_dir/train`` or ``data_dir`` itself."""
    base = Path(data_dir).expanduser()
    for candidate in (base / "train", base):
        if (candidate / _ORDER_FILE).is_file():
            return candidate
    if not base.is_dir():
        raise _missing(base)
    raise _missing(base / "train" / _ORDER_FILE)


def _signal_stems(name: str, directory: Path) -> tuple[list[str], bool]:
    """Raw file stems needed by a signal, and whether the signal is their norm."""
    if not isinstance(name, str) or not _SIGNAL_NAME.fullmatch(name):
        raise ValueError(
            f"Invalid signal name {name!r}: use a file stem such as 'Gyr_y' or 'Pressure', "
            "or '<Sensor>_norm' such as 'Acc_norm'."
        )
    if name.endswith("_norm"):
        sensor = name[: -len("_norm")]
        stems = [f"{sensor}_{axis}" for axis in ("x", "y", "z")]
        if (directory / f"{sensor}_w.txt").is_file():
            stems.append(f"{sensor}_w")  # quaternion norm (Ori), as the original code
        return stems, True
    return [name], False


def _read_order(path: Path, n_jobs: int | None, cache: bool) -> NDArray:
    """1-based chronological positions of the lines, checked to be a permutation."""
    order = np.asarray(load_cached_matrix(path, cache=cache, n_jobs=n_jobs))
    if order.shape[1] != 1:
        raise ValueError(f"{path}, line 1: expected one number per line, found {order.shape[1]}.")
    order = order[:, 0]
    n = order.shape[0]
    as_int = np.rint(order).astype(np.int64)
    bad = np.flatnonzero((as_int != order) | (as_int < 1) | (as_int > n))
    if bad.size:
        raise ValueError(
            f"{path}, line {bad[0] + 1}: {float(order[bad[0]]):g} is not a position in 1..{n}."
        )
    counts = np.bincount(as_int, minlength=n + 1)
    if np.any(counts[1:] != 1):
        duplicate = int(np.flatnonzero(counts > 1)[0])
        line = int(np.flatnonzero(as_int == duplicate)[1]) + 1
        raise ValueError(
            f"{path}, line {line}: position {duplicate} appears more than once; the file must "
            f"hold each of 1..{n} exactly once."
        )
    return as_int


def _label_converter(path: Path):
    def convert(matrix: NDArray) -> NDArray:
        bad = ~np.isfinite(matrix) | (matrix != np.rint(matrix)) | (matrix < 0) | (matrix > 255)
        if np.any(bad):
            line, col = np.unravel_index(int(np.flatnonzero(bad)[0]), matrix.shape)
            raise ValueError(
                f"{path}, line {line + 1}, value {col + 1}: {float(matrix[line, col]):g} is "
                "not a label (an integer, 1..8)."
            )
        return matrix.astype(np.uint8)

    return convert


def _validation_count(validation_size: int | float, n: int) -> int:
    if isinstance(validation_size, Integral):
        n_val = int(validation_size)
    else:
        n_val = int(np.ceil(validation_size * n))
    if n_val > n:
        raise ValueError(
            f"validation_size={validation_size} asks for {n_val} validation segments but the "
            f"data holds {n}; pass a smaller count or a fraction in (0, 1)."
        )
    return n_val


def _check_rows(matrix: NDArray, path: Path, n: int, n_samples: int | None, order: Path) -> None:
    if matrix.shape[0] != n:
        raise ValueError(
            f"{path} has {matrix.shape[0]} lines but {order} has {n}: every file of the set "
            "needs one line per segment."
        )
    if n_samples is not None and matrix.shape[1] != n_samples:
        raise ValueError(
            f"{path} has {matrix.shape[1]} samples per line but {_LABEL_FILE} has {n_samples}."
        )


def _write_shl2018(
    data_dir: str | os.PathLike,
    signals: dict[str, NDArray],
    labels: NDArray,
    order: NDArray,
    fmt: str = "%16.7e",
) -> Path:
    """Write arrays as an SHL 2018 ``train/`` folder (for tests, benchmarks, examples).

    ``signals`` maps file stems (``"Acc_x"``) to (n_segments, n_samples) arrays in file
    order, ``labels`` holds the per-sample labels 1..8 and ``order`` the 1-based
    chronological position of each line. Values are written as MATLAB's ``save -ascii``
    does (``fmt="%16.7e"``, no other separator); labels and order as integers.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> folder = _write_shl2018(tempfile.mkdtemp(), {"Gyr_y": np.zeros((2, 3))},
    ...                         np.ones((2, 3), int), np.array([2, 1]))
    >>> sorted(p.name for p in folder.iterdir())
    ['Gyr_y.txt', 'Label.txt', 'train_order.txt']
    >>> (folder / "Gyr_y.txt").read_text().splitlines()[0]
    '   0.0000000e+00   0.0000000e+00   0.0000000e+00'
    """
    folder = Path(data_dir) / "train"
    folder.mkdir(parents=True, exist_ok=True)
    for stem, values in signals.items():
        np.savetxt(folder / f"{stem}.txt", np.asarray(values), fmt=fmt, delimiter="")
    np.savetxt(folder / _LABEL_FILE, np.asarray(labels), fmt="%d")
    np.savetxt(folder / _ORDER_FILE, np.asarray(order).reshape(-1, 1), fmt="%d")
    return folder


@validate_params(
    {
        "data_dir": [str, os.PathLike],
        "subset": [StrOptions({"train", "validation", "all"})],
        "signals": [str, list, tuple],
        "validation_size": [
            Interval(Integral, 0, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
        ],
        "cache": ["boolean"],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=True,
)
def load_shl2018(
    data_dir,
    subset="train",
    signals=("Acc_norm", "Gyr_y", "Mag_norm"),
    *,
    validation_size=3310,
    cache=True,
    n_jobs=None,
):
    """Load the SHL 2018 challenge train set, split in time as Moreau et al. (2021).

    Reads the official text files (one 60 s segment of 6,000 samples at 100 Hz per line),
    puts the segments in chronological order (``train_order.txt``), labels each with its
    middle sample (``Label.txt``, 1..8 mapped to 0..7) and keeps the requested part of the
    time split. Parsing is vectorised and threaded; a ``.npy`` copy of each text file is
    written next to it, so the second load reads binary files only.

    The data is not downloaded: get ``challenge-2018-train.zip`` from the SHL Challenge 2018
    page, http://www.shl-dataset.org/activity-recognition-challenge/, and unzip it.

    Parameters
    ----------
    data_dir : str or path-like
        Folder holding ``train/`` (the unzipped archive), or the ``train/`` folder itself.
    subset : {"train", "validation", "all"}, default="train"
        ``"validation"``: the first ``validation_size`` chronological segments;
        ``"train"``: all the later ones (13,000 on the full data); ``"all"``: every
        segment, in chronological order.
    signals : str or sequence of str, default=("Acc_norm", "Gyr_y", "Mag_norm")
        Signals to return, in this order. A file stem (``"Gyr_y"``, ``"Pressure"``)
        returns that file's samples; ``"<Sensor>_norm"`` returns the Euclidean norm of the
        sensor's ``x``, ``y``, ``z`` axes (and ``w`` when ``<Sensor>_w.txt`` exists, as for
        ``Ori``), e.g. ``"Acc_norm"``, ``"Mag_norm"``, ``"LAcc_norm"``.
    validation_size : int or float, default=3310
        Number of validation segments (int), or their fraction of all segments (float in
        (0, 1), rounded up). 3,310 is the paper's split of the 16,310 segments.
    cache : bool, default=True
        Read and write the ``.npy`` copies next to the text files.
    n_jobs : int or None, default=None
        Threads parsing the text files (``None``: 1, ``-1``: all cores).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        - ``data``: ndarray of shape (n_segments, n_signals, n_samples), float32;
        - ``target``: ndarray of shape (n_segments,), int64 class index 0..7;
        - ``target_names``: ndarray of the 8 class names;
        - ``signal_names``: list of the signal names, the order of ``data``'s axis 1;
        - ``index``: chronological position (0-based) of each returned segment;
        - ``sampling_rate``: 100 (Hz);
        - ``DESCR``: description of the data set and of the split.

    Raises
    ------
    FileNotFoundError
        If the folder or a needed file is missing (the message names the path).
    ValueError
        If a file is malformed (the message names the file and the line), the files
        disagree on their number of lines, or ``validation_size`` exceeds the data.

    Examples
    --------
    Five segments of 600 samples in the official layout:

    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> train = pathlib.Path(tempfile.mkdtemp()) / "train"
    >>> train.mkdir()
    >>> rng = np.random.default_rng(0)
    >>> np.savetxt(train / "Gyr_y.txt", rng.normal(size=(5, 600)), fmt="%15.7e")
    >>> np.savetxt(train / "Label.txt", np.repeat([[1], [2], [2], [5], [8]], 600, axis=1),
    ...            fmt="%d")
    >>> np.savetxt(train / "train_order.txt", [3, 1, 2, 5, 4], fmt="%d")
    >>> shl = load_shl2018(train.parent, "train", signals="Gyr_y", validation_size=2)
    >>> shl.data.shape, shl.data.dtype
    ((3, 1, 600), dtype('float32'))
    >>> shl.index, shl.target, shl.target_names[shl.target]
    (array([2, 3, 4]), array([0, 7, 4]), array(['Still', 'Subway', 'Car'], dtype='<U6'))
    """
    directory = _resolve_train_dir(data_dir)
    signal_names = [signals] if isinstance(signals, str) else list(signals)
    if not signal_names:
        raise ValueError("signals must name at least one signal.")
    needs = [_signal_stems(name, directory) for name in signal_names]
    order_path = directory / _ORDER_FILE
    label_path = directory / _LABEL_FILE
    for stems, _ in needs:
        for stem in stems:
            if not (directory / f"{stem}.txt").is_file():
                raise _missing(directory / f"{stem}.txt")
    if not label_path.is_file():
        raise _missing(label_path)

    order = _read_order(order_path, n_jobs, cache)
    n = order.shape[0]
    file_line = np.empty(n, dtype=np.int64)
    file_line[order - 1] = np.arange(n)  # chronological position -> line of the files
    n_val = _validation_count(validation_size, n) if subset != "all" else 0
    positions = {
        "validation": np.arange(n_val),
        "train": np.arange(n_val, n),
        "all": np.arange(n),
    }[subset]
    if positions.size == 0:
        raise ValueError(
            f"The {subset!r} subset is empty: the data holds {n} segments and "
            f"validation_size={validation_size} gives {n_val} to validation."
        )
    lines = file_line[positions]

    labels = load_cached_matrix(
        label_path, cache=cache, convert=_label_converter(label_path), n_jobs=n_jobs
    )
    _check_rows(labels, label_path, n, None, order_path)
    n_samples = labels.shape[1]
    middle = np.asarray(labels[lines, n_samples // 2]).astype(np.int64)
    bad = np.flatnonzero((middle < 1) | (middle > len(SHL2018_CLASSES)))
    if bad.size:
        raise ValueError(
            f"{label_path}, line {lines[bad[0]] + 1}: the middle sample's label is "
            f"{middle[bad[0]]}, expected 1..8 ({', '.join(SHL2018_CLASSES)})."
        )

    data = np.empty((lines.shape[0], len(signal_names), n_samples), dtype=np.float32)
    for s, (stems, is_norm) in enumerate(needs):
        for k, stem in enumerate(stems):
            path = directory / f"{stem}.txt"
            raw = load_cached_matrix(path, cache=cache, n_jobs=n_jobs)
            _check_rows(raw, path, n, n_samples, order_path)
            for start in range(0, lines.shape[0], _ROW_BLOCK):
                block = slice(start, start + _ROW_BLOCK)
                rows = np.asarray(raw[lines[block]], dtype=np.float32)
                if not is_norm:
                    data[block, s] = rows
                elif k == 0:
                    np.square(rows, out=data[block, s])
                else:
                    data[block, s] += np.square(rows, out=rows)
            del raw
        if is_norm:
            np.sqrt(data[:, s], out=data[:, s])

    return Bunch(
        data=data,
        target=middle - 1,
        target_names=np.array(SHL2018_CLASSES),
        signal_names=signal_names,
        index=positions,
        sampling_rate=100,
        DESCR=_DESCR.format(
            url=_SHL_URL, subset=subset, n=positions.size,
            split="" if subset == "all" else f", validation = the first {n_val} of {n}",
            signals=", ".join(signal_names),
        ),
    )
