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

from sklearn_ccafusion.datasets._npy_cache import load_cached_npy, save_cached_npy
from sklearn_ccafusion.datasets._textio import read_text_matrix

__all__ = ["SHL2018_CLASSES", "count_segments", "load_shl2018"]

#: The eight SHL 2018 modes; file label ``i + 1`` (target ``i``) is ``SHL2018_CLASSES[i]``.
SHL2018_CLASSES = ("Still", "Walk", "Run", "Bike", "Car", "Bus", "Train", "Subway")
_SHL_URL = "http://www.shl-dataset.org/activity-recognition-challenge/"
_ORDER_FILE = "train_order.txt"
_LABEL_FILE = "Label.txt"
_SIGNAL_NAME = re.compile(r"[A-Za-z0-9]+(?:_[A-Za-z0-9]+)?")
_ROW_BLOCK = 1024  # segments gathered at once when assembling signals
_CACHE_SUFFIX = ".chrono.npy"  # chronologically ordered float32 copy of a signal

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
    if base.is_file():
        raise ValueError(
            f"{base} is a file, not a folder: unzip the SHL 2018 train set "
            "(challenge-2018-train.zip) and pass the folder that holds train/."
        )
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


def _read_order(path: Path, n_jobs: int | None) -> NDArray:
    """1-based chronological positions of the lines, checked to be a permutation."""
    order = read_text_matrix(path, n_jobs=n_jobs)
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


def _read_labels(path: Path, n_jobs: int | None) -> NDArray:
    """Per-sample labels as uint8, in file order."""
    matrix = read_text_matrix(path, n_jobs=n_jobs)
    bad = ~np.isfinite(matrix) | (matrix != np.rint(matrix)) | (matrix < 0) | (matrix > 255)
    if np.any(bad):
        line, col = np.unravel_index(int(np.flatnonzero(bad)[0]), matrix.shape)
        raise ValueError(
            f"{path}, line {line + 1}, value {col + 1}: {float(matrix[line, col]):g} is "
            "not a label (an integer, 1..8)."
        )
    return matrix.astype(np.uint8)


def count_segments(data_dir: str | os.PathLike, n_jobs: int | None = None) -> int:
    """Segments of the SHL 2018 train set in ``data_dir``: the lines of its order file.

    Reads only ``train_order.txt`` (checked as :func:`load_shl2018` checks it),
    so that a split can be checked before the signals are read.

    Parameters
    ----------
    data_dir : str or path-like
        As :func:`load_shl2018`'s.
    n_jobs : int or None, default=None
        Workers of the text reader.

    Returns
    -------
    n_segments : int

    Raises
    ------
    FileNotFoundError
        When the folder or its order file is missing.
    ValueError
        When ``data_dir`` is a file or the order file is malformed.
    """
    directory = _resolve_train_dir(data_dir)
    return int(_read_order(directory / _ORDER_FILE, n_jobs).shape[0])


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


def _assemble(
    directory: Path,
    stems: list[str],
    is_norm: bool,
    lines: NDArray,
    out: NDArray,
    order_path: Path,
    n_jobs: int | None,
    n_total: int | None = None,
) -> None:
    """Fill ``out`` (one row per entry of ``lines``) with a signal read from text files.

    A raw signal is copied; a ``_norm`` signal is the square root of the sum of its axes'
    squares, accumulated block by block in float32 to keep memory bounded.
    """
    n_total = lines.shape[0] if n_total is None else n_total
    for k, stem in enumerate(stems):
        path = directory / f"{stem}.txt"
        raw = read_text_matrix(path, n_jobs=n_jobs)
        _check_rows(raw, path, n_total, out.shape[1], order_path)
        _check_finite(raw, path)
        for start in range(0, lines.shape[0], _ROW_BLOCK):
            block = slice(start, start + _ROW_BLOCK)
            rows = raw[lines[block]]
            if not is_norm:
                out[block] = rows
            elif k == 0:
                np.square(rows, out=out[block])
            else:
                out[block] += np.square(rows, out=rows)
        del raw
    if is_norm:
        np.sqrt(out, out=out)


def _check_finite(matrix: NDArray, path: Path) -> None:
    """Raise on the first NaN or infinite value, naming its file, line and position."""
    finite = np.isfinite(matrix)
    if finite.all():
        return
    line, col = np.unravel_index(int(np.flatnonzero(~finite)[0]), matrix.shape)
    raise ValueError(
        f"{path}, line {line + 1}, value {col + 1}: {float(matrix[line, col])} is not a "
        "sensor reading. The SHL 2018 challenge files hold no missing values; a NaN or "
        "infinity means a damaged or edited file: fill or remove those samples (or the "
        "whole line in every file) before loading."
    )


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
        "return_X_y": ["boolean"],
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
    return_X_y=False,
):
    """Load the SHL 2018 challenge train set, split in time as Moreau et al. (2021).

    Reads the official text files (one 60 s segment of 6,000 samples at 100 Hz per line),
    puts the segments in chronological order (``train_order.txt``), labels each with its
    middle sample (``Label.txt``, 1..8 mapped to 0..7) and keeps the requested part of the
    time split. Parsing is vectorised and threaded. Each requested signal (and the labels)
    is saved next to the text files as a chronologically ordered float32 binary copy,
    ``<signal>.chrono.npy``, so a second load only copies the rows it returns.

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
        Read and write the ``.chrono.npy`` copies next to the text files. Each has a key,
        ``<signal>.chrono.json``, holding the size and a SHA-256 digest of the bytes of
        its text files and ``train_order.txt``: a copy is used only while these files
        hold the same bytes (whatever their modification times), and rebuilt when they
        changed or the copy is damaged or of another shape. A file is hashed again only
        when its size, times or inode changed, so a cached load reads no text. The
        copies are plain ``.npy`` arrays, read without pickles. A read-only folder only
        gives a warning. ``False`` parses the text files and keeps only the requested
        rows.
    n_jobs : int or None, default=None
        Threads parsing the text files (``None``: 1, ``-1``: all cores). The parser is
        bound by memory bandwidth: on small machines one thread is as fast.
    return_X_y : bool, default=False
        ``True`` returns ``(data, target)`` instead of the Bunch (scikit-learn's
        loaders' convention); the other attributes are then not returned.

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
    (data, target) : tuple of ndarray
        With ``return_X_y=True``: ``data`` and ``target`` as above.

    Raises
    ------
    FileNotFoundError
        If the folder or a needed file is missing (the message names the path).
    ValueError
        If a file is malformed or holds a NaN or infinite value (the message names the
        file and the line), the files disagree on their number of lines,
        ``validation_size`` exceeds the data, or ``data_dir`` is a file (the archive,
        say) rather than a folder.

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

    # Chronologically ordered binary copies next to the text files, each keyed by the
    # content of its text files and train_order.txt (<name>.chrono.json): a copy whose
    # sources changed, or that is damaged or of another shape, is rebuilt.
    seen: dict = {}

    def cached(name, stems, dtype):
        if not cache:
            return None, None
        sources = [order_path] + [directory / f"{stem}.txt" for stem in stems]
        npy = directory / f"{name}{_CACHE_SUFFIX}"
        return load_cached_npy(npy, sources, dtype=dtype, ndim=2, seen=seen)

    def chronological_lines():
        order = _read_order(order_path, n_jobs)
        lines = np.empty(order.shape[0], dtype=np.int64)
        lines[order - 1] = np.arange(order.shape[0])  # chronological position -> line
        return lines

    label_chrono, label_key = cached("Label", ["Label"], np.uint8)
    signal_cached = [
        cached(name, stems, np.float32) for name, (stems, _) in zip(signal_names, needs)
    ]
    file_line = None
    if label_chrono is None:
        file_line = chronological_lines()
        labels = _read_labels(label_path, n_jobs)
        _check_rows(labels, label_path, file_line.shape[0], None, order_path)
        label_chrono = labels[file_line]
        del labels
        if cache:
            save_cached_npy(directory / f"Label{_CACHE_SUFFIX}", label_chrono, label_key)
    n, n_samples = label_chrono.shape
    signal_chrono = [
        chrono if chrono is not None and chrono.shape == (n, n_samples) else None
        for chrono, _ in signal_cached
    ]
    if file_line is None and any(chrono is None for chrono in signal_chrono):
        file_line = chronological_lines()

    n_val = _validation_count(validation_size, n) if subset != "all" else 0
    rows = {"validation": slice(0, n_val), "train": slice(n_val, n), "all": slice(0, n)}[subset]
    positions = np.arange(n)[rows]
    if positions.size == 0:
        raise ValueError(
            f"The {subset!r} subset is empty: the data holds {n} segments and "
            f"validation_size={validation_size} gives {n_val} to validation."
        )
    middle = np.asarray(label_chrono[rows, n_samples // 2]).astype(np.int64)
    bad = np.flatnonzero((middle < 1) | (middle > len(SHL2018_CLASSES)))
    if bad.size:
        position = int(positions[bad[0]])
        if file_line is not None:
            where = f"{label_path}, line {file_line[position] + 1}"
        else:
            where = f"{label_path} (chronological segment {position})"
        raise ValueError(
            f"{where}: the middle sample's label is {middle[bad[0]]}, expected 1..8 "
            f"({', '.join(SHL2018_CLASSES)})."
        )

    data = np.empty((positions.size, len(signal_names), n_samples), dtype=np.float32)
    for s, (name, (stems, is_norm)) in enumerate(zip(signal_names, needs)):
        chrono = signal_chrono[s]
        if chrono is None and cache:
            # Build the whole chronological signal once, so any later subset is a copy.
            chrono = np.empty((n, n_samples), dtype=np.float32)
            _assemble(directory, stems, is_norm, file_line, chrono, order_path, n_jobs)
            save_cached_npy(directory / f"{name}{_CACHE_SUFFIX}", chrono, signal_cached[s][1])
        if chrono is None:
            _assemble(
                directory,
                stems,
                is_norm,
                file_line[rows],
                data[:, s],
                order_path,
                n_jobs,
                n_total=n,
            )
        else:
            data[:, s] = chrono[rows]
        del chrono

    if return_X_y:
        return data, middle - 1
    return Bunch(
        data=data,
        target=middle - 1,
        target_names=np.array(SHL2018_CLASSES),
        signal_names=signal_names,
        index=positions,
        sampling_rate=100,
        DESCR=_DESCR.format(
            url=_SHL_URL,
            subset=subset,
            n=positions.size,
            split="" if subset == "all" else f", validation = the first {n_val} of {n}",
            signals=", ".join(signal_names),
        ),
    )
