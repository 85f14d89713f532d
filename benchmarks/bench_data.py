"""How fast is the SHL data path: spectrograms, text parsing, cached loads?

In one run, on the same data:

1. ``Spectrogram`` (only the STFT frames and bins the 48 x 48 resampling reads) with 1 and
   2 workers, beside the original path, full ``scipy.signal.spectrogram`` then
   ``RegularGridInterpolator`` (and ``scipy.signal.spectrogram`` alone), on SHL-like
   60 s segments; throughput in segments/s and the projected time for the full SHL set
   (16,310 segments x 3 signals). Bar: <= 60 s on 2 cores.
2. Parsing one SHL text file (MATLAB ``save -ascii`` layout, 6,000 values per line):
   the package's vectorised parser (1 and 2 threads) beside ``numpy.loadtxt`` and
   pandas' C parser (``read_csv(engine="c")``), in MB/s. Bar: at least pandas' speed.
3. ``load_shl2018`` of Acc_norm, Gyr_y, Mag_norm: first load (parses the text files and
   writes the binary copies) and second load (binary copies). Bar: >= 50x faster.

Run ``python benchmarks/bench_data.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.signal
from _harness import report, time_call

from sklearn_ccafusion.datasets import load_shl2018, make_multisensor_classification
from sklearn_ccafusion.datasets._shl2018_writer import _write_shl2018
from sklearn_ccafusion.datasets._textio import read_text_matrix
from sklearn_ccafusion.preprocessing import Spectrogram
from sklearn_ccafusion.preprocessing._stft import reference_spectrogram

FULL_SHL = 16310 * 3  # segments x signals of the paper's data


def bench_spectrogram(n_segments, n_reference, repeats):
    shl = make_multisensor_classification(n_segments, random_state=0)
    segments = shl.data  # (n, 3, 6000) float32
    n_signals = segments.shape[0] * segments.shape[1]
    rows = []
    for n_jobs in (1, 2):
        spectrogram = Spectrogram(n_jobs=n_jobs).fit(segments)
        seconds = time_call(lambda s=spectrogram: s.transform(segments), repeats, warmup=1)
        rows.append(("Spectrogram (touched frames only)", n_jobs, n_signals, seconds))
    flat = segments.reshape(-1, segments.shape[-1])[:n_reference]
    seconds = time_call(lambda: reference_spectrogram(flat), 1)
    rows.append(("scipy.signal.spectrogram + RegularGridInterpolator", 1, len(flat), seconds))
    seconds = time_call(
        lambda: scipy.signal.spectrogram(flat, fs=100, nperseg=500, noverlap=490), 1
    )
    rows.append(("scipy.signal.spectrogram alone (no resampling)", 1, len(flat), seconds))
    out = []
    for method, workers, count, seconds in rows:
        rate = count / seconds
        out.append(
            {
                "benchmark": "spectrogram",
                "method": method,
                "workers": workers,
                "segments": count,
                "seconds": round(seconds, 4),
                "segments_per_s": round(rate, 1),
                "full_shl_projection_s": round(FULL_SHL / rate, 1),
            }
        )
    return out


def _write_signal_file(path, n_lines, n_values=6000, seed=0):
    rng = np.random.default_rng(seed)
    values = 9.81 + rng.standard_normal((n_lines, n_values)) * 3.0
    np.savetxt(path, values, fmt="%16.7e", delimiter="")


def bench_parsing(folder, n_lines, repeats):
    path = folder / "Acc_x.txt"
    _write_signal_file(path, n_lines)
    megabytes = path.stat().st_size / 1e6
    reference = np.loadtxt(path, dtype=np.float32)
    candidates = [
        ("sklearn_ccafusion read_text_matrix", 1, lambda: read_text_matrix(path, n_jobs=1)),
        ("sklearn_ccafusion read_text_matrix", 2, lambda: read_text_matrix(path, n_jobs=2)),
        ("numpy.loadtxt", 1, lambda: np.loadtxt(path, dtype=np.float32)),
        (
            'pandas.read_csv(engine="c")',
            1,
            lambda: pd.read_csv(
                path, sep=r"\s+", header=None, engine="c", dtype=np.float32
            ).to_numpy(),
        ),
    ]
    out = []
    for method, workers, fn in candidates:
        result = fn()
        assert np.array_equal(result, reference), method
        seconds = time_call(fn, repeats)
        out.append(
            {
                "benchmark": "parse one SHL file",
                "method": method,
                "workers": workers,
                "megabytes": round(megabytes, 1),
                "seconds": round(seconds, 4),
                "MB_per_s": round(megabytes / seconds, 1),
            }
        )
    return out


def bench_cached_load(folder, n_segments, repeats):
    rng = np.random.default_rng(0)
    stems = ["Acc_x", "Acc_y", "Acc_z", "Gyr_y", "Mag_x", "Mag_y", "Mag_z"]
    signals = {stem: 9.81 + rng.standard_normal((n_segments, 6000)) for stem in stems}
    labels = np.repeat(rng.integers(1, 9, size=(n_segments, 1)), 6000, axis=1)
    order = rng.permutation(n_segments) + 1
    train = _write_shl2018(folder, signals, labels, order)
    megabytes = sum(p.stat().st_size for p in train.glob("*.txt")) / 1e6
    validation_size = n_segments // 5

    def load():
        return load_shl2018(folder, "train", validation_size=validation_size)

    def first_load():
        for cache in train.glob("*.npy"):
            cache.unlink()
        return load()

    def touched_load():
        # same bytes, new times (a copy or a restore): the copies' keys are re-hashed
        stamp = time.time_ns()
        for text in train.glob("*.txt"):
            os.utime(text, ns=(stamp, stamp))
        return load()

    first = time_call(first_load, max(1, repeats - 1))
    first_load()
    second = time_call(load, repeats + 2, warmup=1)
    touched = time_call(touched_load, repeats)
    n_train = n_segments - validation_size
    common = {
        "benchmark": "load_shl2018 (Acc_norm, Gyr_y, Mag_norm)",
        "workers": 1,
        "megabytes": round(megabytes, 1),
        "segments": n_train,
    }
    return [
        {
            **common,
            "method": "first load: parse text, write .chrono.npy",
            "seconds": round(first, 4),
            "speedup": 1.0,
        },
        {
            **common,
            "method": "second load: binary copies",
            "seconds": round(second, 4),
            "speedup": round(first / second, 1),
        },
        {
            **common,
            "method": "load after touching the text: SHA-256 of its bytes, binary copies",
            "seconds": round(touched, 4),
            "speedup": round(first / touched, 1),
        },
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        sizes = {"spec": 64, "ref": 16, "lines": 40, "load": 40, "repeats": 1}
    else:
        sizes = {"spec": 600, "ref": 60, "lines": 500, "load": 400, "repeats": 3}
    start = time.perf_counter()
    rows = bench_spectrogram(sizes["spec"], sizes["ref"], sizes["repeats"])
    folder = Path(tempfile.mkdtemp(prefix="bench_data_"))
    try:
        rows += bench_parsing(folder, sizes["lines"], sizes["repeats"])
        shutil.rmtree(folder)
        folder.mkdir()
        rows += bench_cached_load(folder, sizes["load"], sizes["repeats"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    columns = [
        "benchmark",
        "method",
        "workers",
        "segments",
        "megabytes",
        "seconds",
        "segments_per_s",
        "full_shl_projection_s",
        "MB_per_s",
        "speedup",
    ]
    frame = report("bench_data", rows, columns)

    spec = frame[frame.benchmark == "spectrogram"]
    best = spec[spec.method.str.startswith("Spectrogram")].full_shl_projection_s.min()
    parse = frame[frame.benchmark == "parse one SHL file"].set_index(["method", "workers"])
    ours = parse.loc[("sklearn_ccafusion read_text_matrix", 1), "MB_per_s"]
    pandas_c = parse.loc[('pandas.read_csv(engine="c")', 1), "MB_per_s"]
    speedup = frame.speedup.dropna().max()
    print(
        f"\ncores available: {os.cpu_count()}; total benchmark time "
        f"{time.perf_counter() - start:.0f} s"
    )
    print(
        f"bar 1, full-SHL spectrogram projection <= 60 s: {best:.1f} s -> "
        f"{'met' if best <= 60 else 'NOT met'}"
    )
    print(
        f"bar 2, parsing >= pandas C parser: {ours:.0f} vs {pandas_c:.0f} MB/s (1 thread) -> "
        f"{'met' if ours >= pandas_c else 'NOT met'}"
    )
    print(
        f"bar 3, cached second load >= 50x faster: {speedup:.0f}x -> "
        f"{'met' if speedup >= 50 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
