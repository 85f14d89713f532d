"""Writer of SHL 2018 challenge folders in the official text layout, at any size.

:func:`write_shl2018_folder` writes what :func:`load_shl2018` reads, as the unzipped
``challenge-2018-train.zip`` holds it: a ``train/`` folder with one text file per signal
(``Acc_x.txt``, ...), ``Label.txt`` and ``train_order.txt``, every line one 60 s segment,
every number in MATLAB's ``save -ascii`` layout (``%16.7e``). The signals come from the
synthetic generator of :func:`make_multisensor_classification`, so a study run on the
folder finds a class signal. The segments are generated and written in chunks, so memory
stays bounded at the full size of the challenge data (16,310 segments, about 1.6 GB of
text per file), and a folder of that size lets a whole run be rehearsed (memory, disk
cache, time) before the real data is at hand.
"""

from __future__ import annotations

import os
import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from joblib import effective_n_jobs
from numpy.typing import NDArray
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from tqdm.auto import tqdm

from sklearn_ccafusion.datasets._folder_write import FolderWrite
from sklearn_ccafusion.datasets._shl2018 import _LABEL_FILE, _ORDER_FILE, SHL2018_CLASSES
from sklearn_ccafusion.datasets._synthetic import _CHUNK, _SHL_COUNTS, _chunk, _class_counts
from sklearn_ccafusion.datasets._textwrite import format_rows
from sklearn_ccafusion.datasets._write_guard import WritePlan, check_count

__all__ = ["write_shl2018_folder"]

_SENSOR_FILE = re.compile(r"(Acc|Gyr|Mag)_(x|y|z)")
_ALL_SIGNALS = tuple(f"{s}_{a}" for s in ("Acc", "Gyr", "Mag") for a in "xyz")
_SAMPLING_RATE = 100.0


def _write_shl2018(
    data_dir: str | os.PathLike,
    signals: dict[str, NDArray],
    labels: NDArray,
    order: NDArray,
) -> Path:
    """Write given arrays as an SHL 2018 ``train/`` folder (for exact-value tests).

    ``signals`` maps file stems (``"Acc_x"``) to (n_segments, n_samples) arrays in file
    order, ``labels`` holds the per-sample labels 1..8 and ``order`` the 1-based
    chronological position of each line; all in the ``%16.7e`` layout.

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
        (folder / f"{stem}.txt").write_bytes(format_rows(values))
    (folder / _LABEL_FILE).write_bytes(format_rows(labels))
    (folder / _ORDER_FILE).write_bytes(format_rows(np.asarray(order).reshape(-1, 1)))
    return folder


def shl2018_folder_size(n_segments: int, segment_length: int, n_signals: int) -> int:
    """Bytes :func:`write_shl2018_folder` writes: exact, every number takes 16 characters.

    Examples
    --------
    >>> round(shl2018_folder_size(16310, 6000, 9) / 1e9, 2)  # the default, in GB
    15.66
    """
    line = 16 * segment_length + 1
    return n_segments * (line * (n_signals + 1) + 17)  # signals, Label.txt, train_order.txt


def shl2018_write_plan(
    n_segments: int, segment_length: int, n_signals: int = 9, n_jobs: int | None = None
) -> WritePlan:
    """What :func:`write_shl2018_folder` takes: exact bytes, peak memory (upper bound).

    Each thread draws and formats a chunk of up to 256 segments: the generator's
    intermediates (about 24 bytes per sample of a segment) and, per signal, the float32
    samples and their text (about 16 bytes per number in all, as measured with
    tracemalloc; 32 and 20 are counted, for the allocator's and the threads' spare
    buffers), for one chunk more than the threads (the one being written); the labels
    and line order take 64 bytes per segment.

    Examples
    --------
    >>> plan = shl2018_write_plan(16310, 6000)
    >>> round(plan.disk / 1e9, 2), round(plan.memory / 1e9, 2)  # GB
    (15.66, 0.65)
    """
    n_segments = check_count(n_segments, "n_segments")
    segment_length = check_count(segment_length, "segment_length", 16)
    if n_jobs == 0:
        raise ValueError(
            "n_jobs must be a positive number of threads or negative (-1: all cores), not 0."
        )
    n_chunks = -(-n_segments // _CHUNK)
    in_flight = min(max(1, effective_n_jobs(n_jobs)), n_chunks) + 1
    chunk_samples = min(_CHUNK, n_segments) * segment_length
    return WritePlan(
        what=f"n_segments={n_segments}, segment_length={segment_length}",
        disk=shl2018_folder_size(n_segments, segment_length, n_signals),
        memory=(32 + 20 * n_signals) * chunk_samples * in_flight + 64 * n_segments,
        disk_options="n_segments or segment_length",
        memory_options="segment_length or n_jobs",
    )


def _chronological_labels(rng, n_segments: int, mean_run_length: float) -> NDArray:
    """Class index 0..7 of each segment in time: runs of one class, SHL proportions.

    Each class gets its share of segments (the proportions of the challenge data,
    rounded as :func:`make_multisensor_classification` does), cut into runs of
    geometric lengths of mean ``mean_run_length``; the runs are shuffled in time.
    """
    counts = _class_counts(n_segments, _SHL_COUNTS / _SHL_COUNTS.sum())
    run_class, run_length = [], []
    for label, count in enumerate(counts):
        done = 0
        while done < count:
            length = min(int(rng.geometric(1.0 / mean_run_length)), count - done)
            run_class.append(label)
            run_length.append(length)
            done += length
    shuffled = rng.permutation(len(run_class))
    return np.repeat(np.asarray(run_class)[shuffled], np.asarray(run_length)[shuffled])


def _chunk_text(seed, target: NDArray, parsed: list, segment_length: int) -> list[bytes]:
    """Text lines of every signal for a chunk of segments of the given classes."""
    by_class = np.argsort(target, kind="stable")
    block = np.empty((target.size, len(parsed), segment_length), dtype=np.float32)
    block[by_class] = _chunk(seed, target[by_class], parsed, segment_length, _SAMPLING_RATE)
    return [format_rows(block[:, s]) for s in range(len(parsed))]


def _check_signals(signals) -> list[str]:
    names = [signals] if isinstance(signals, str) else list(signals)
    if not names:
        raise ValueError("signals must name at least one signal file.")
    for name in names:
        if not isinstance(name, str) or not _SENSOR_FILE.fullmatch(name):
            raise ValueError(
                f"Unknown signal file {name!r}: use <Sensor>_x, _y or _z with Sensor in Acc, "
                "Gyr, Mag (load_shl2018 computes the _norm signals from the three axes)."
            )
    if len(set(names)) != len(names):
        raise ValueError(f"signals names a file twice: {names}.")
    return names


@validate_params(
    {
        "path": [str, os.PathLike],
        "n_segments": [Interval(Integral, 1, None, closed="left")],
        "segment_length": [Interval(Integral, 16, None, closed="left")],
        "signals": [str, list, tuple],
        "mean_run_length": [Interval(Real, 1, None, closed="left")],
        "random_state": ["random_state"],
        "progress": ["boolean"],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=True,
)
def write_shl2018_folder(
    path,
    n_segments=16310,
    *,
    segment_length=6000,
    signals=_ALL_SIGNALS,
    mean_run_length=1.0,
    random_state=None,
    progress=True,
    n_jobs=None,
):
    """Write a synthetic SHL 2018 challenge folder in the official text layout.

    Writes ``<path>/train/`` as the unzipped ``challenge-2018-train.zip`` holds it, so
    that :func:`load_shl2018` (and the command line) read it as the real data: one text
    file per signal, ``<Sensor>_<axis>.txt``, plus ``Label.txt`` (one label 1..8 per
    sample) and ``train_order.txt`` (the 1-based chronological position of each line,
    the lines being shuffled as in the challenge files). Every line is one segment of
    ``segment_length`` samples at 100 Hz, every number in MATLAB's ``save -ascii``
    layout (``%16.7e``). The signals are those of
    :func:`make_multisensor_classification`, so accelerometer, gyrometer and
    magnetometer carry the class as they do there; the classes follow the proportions
    of the challenge data. Segments are generated and written in chunks of 256, so
    memory stays bounded at any size (about 300 MB per thread with the nine signals
    at 6,000 samples).

    At the full size (16,310 segments of 6,000 samples) each signal file holds about
    1.6 GB of text, like the real files: the nine default signals and the labels take
    about 16 GB.

    Parameters
    ----------
    path : str or path-like
        Folder to write into: new, empty, or written by this function or
        :func:`write_cifar10_folder` before. ``<path>/train/`` is created, and the marker
        ``<path>/ccafusion-make-data.json`` says the data is synthetic and records every
        file written with its size and SHA-256 digest, last. Only files it records, with
        their content unchanged, are ever replaced: a real challenge file in the way (or
        a written file changed since) is refused before anything is written.
    n_segments : int, default=16310
        Number of segments (lines of every file); 16,310 is the challenge's train set.
    segment_length : int, default=6000
        Samples per segment (6,000 = 60 s at 100 Hz as in the challenge data).
    signals : str or sequence of str, default=all nine axes
        Signal files to write, among ``Acc_x``, ``Acc_y``, ``Acc_z``, ``Gyr_x``,
        ``Gyr_y``, ``Gyr_z``, ``Mag_x``, ``Mag_y``, ``Mag_z``. :func:`load_shl2018`'s
        default signals (``Acc_norm``, ``Gyr_y``, ``Mag_norm``) need seven of them.
    mean_run_length : float, default=1.0
        Mean number of consecutive segments (in time) of one class. Recordings hold a
        mode of transport for many minutes, so the real data has long runs and its time
        split gives validation class proportions unlike the train ones; 1 draws the
        class of every segment independently (each class still gets its share).
    random_state : int, RandomState instance or None, default=None
        Seed of the labels, the line order and the signals. Pass an int for the same
        files on every call.
    progress : bool, default=True
        Show a tqdm progress bar over the segments written.
    n_jobs : int or None, default=None
        Threads generating and formatting chunks (``None``: 1, ``-1``: all cores); the
        files do not depend on it.

    Returns
    -------
    data_dir : pathlib.Path
        ``path``, ready for ``load_shl2018(data_dir, ...)``.

    Raises
    ------
    TypeError, ValueError
        If a size is not a whole number in range (``n_segments=1e12`` is refused as a
        float, before any work).
    FileExistsError
        If ``path`` holds files this function did not write, or a file it would replace
        is not the one its manifest records (the message names the file; a subclass of
        ValueError too). Nothing is written then.
    ValueError
        If the disk lacks the space the files need or the memory the writing needs
        (estimated first with :func:`shl2018_folder_size`; the message gives both and
        the parameter to lower; a subclass of OSError too), or a folder on the way is
        not writable. When the writing fails or is interrupted (Ctrl-C), the files it
        was writing are removed.

    See Also
    --------
    load_shl2018 : Read the folder (or the real challenge data).
    make_multisensor_classification : The same signals as arrays, in memory.
    write_cifar10_folder : The same for CIFAR-10's python batches.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_ccafusion.datasets import load_shl2018
    >>> folder = write_shl2018_folder(tempfile.mkdtemp(), 40, segment_length=600,
    ...                               random_state=0, progress=False)
    >>> sorted(p.name for p in (folder / "train").iterdir())[:4]
    ['Acc_x.txt', 'Acc_y.txt', 'Acc_z.txt', 'Gyr_x.txt']
    >>> shl = load_shl2018(folder, "train", validation_size=10)
    >>> shl.data.shape, shl.target_names[:2].tolist()
    ((30, 3, 600), ['Still', 'Walk'])
    """
    n_segments = check_count(n_segments, "n_segments")
    names = _check_signals(signals)
    plan = shl2018_write_plan(n_segments, segment_length, len(names), n_jobs)
    parameters = {
        "dataset": "shl2018",
        "n_segments": int(n_segments),
        "segment_length": int(segment_length),
        "signals": names,
        "mean_run_length": float(mean_run_length),
        "random_state": random_state if isinstance(random_state, Integral) else None,
    }
    root = Path(path).expanduser()
    files = [f"train/{name}" for name in (_ORDER_FILE, _LABEL_FILE)]
    files += [f"train/{name}.txt" for name in names]
    write = FolderWrite(root, "write_shl2018_folder", parameters, files, plan, progress=progress)
    write.check()  # before any work: nothing in the way, room on the disk and in memory

    parsed = [tuple(name.split("_")) for name in names]
    rng = check_random_state(random_state)
    generator = np.random.default_rng(rng.randint(0, 2**31 - 1, size=4))
    chrono = _chronological_labels(generator, n_segments, float(mean_run_length))
    order = generator.permutation(n_segments) + 1  # chronological position of each line
    target = chrono[order - 1]  # class of each line, in file order
    n_chunks = len(range(0, n_segments, _CHUNK))
    seeds = np.random.SeedSequence(generator.integers(0, 2**31 - 1, size=4)).spawn(n_chunks)
    with write:
        _write_files(write, names, parsed, order, target, seeds, segment_length, n_jobs, progress)
    return root


def _write_files(write, names, parsed, order, target, seeds, segment_length, n_jobs, progress):
    """The text files, chunk by chunk, in order, from worker threads."""
    n_segments = target.size
    starts = range(0, n_segments, _CHUNK)
    with write.open(f"train/{_ORDER_FILE}") as order_file:
        order_file.write(format_rows(order.reshape(-1, 1)))
    label_lines = {
        label: format_rows(np.full((1, segment_length), label + 1))
        for label in range(len(SHL2018_CLASSES))
    }
    n_workers = min(max(1, effective_n_jobs(n_jobs)), len(starts))
    files = {name: write.open(f"train/{name}.txt") for name in names}
    try:
        with (
            write.open(f"train/{_LABEL_FILE}") as labels,
            ThreadPoolExecutor(n_workers) as pool,
            tqdm(
                total=n_segments, disable=not progress, unit="segment", desc="SHL 2018 files"
            ) as bar,
        ):
            pending = deque()  # chunks in flight, written in order as they complete

            def write_next():
                chunk_target, future = pending.popleft()
                for name, text in zip(names, future.result()):
                    files[name].write(text)
                labels.write(b"".join(label_lines[label] for label in chunk_target))
                bar.update(chunk_target.size)

            for start, seed in zip(starts, seeds):
                chunk_target = target[start : start + _CHUNK]
                future = pool.submit(_chunk_text, seed, chunk_target, parsed, segment_length)
                pending.append((chunk_target, future))
                if len(pending) > n_workers:
                    write_next()
            while pending:
                write_next()
    finally:
        for fh in files.values():
            fh.close()
