"""What does a real-size data folder cost: generation, disk, load time and peak memory?

Writes SHL 2018 and CIFAR-10 folders in their official layouts with
``write_shl2018_folder`` and ``write_cifar10_folder`` at the real sizes (16,310 segments
of 6,000 samples; 50,000 + 10,000 images) or a fraction of them, then loads them as a
run would:

1. SHL: writing the nine axis files, ``Label.txt`` and ``train_order.txt``;
   ``load_shl2018`` of the default signals (Acc_norm, Gyr_y, Mag_norm), train part then
   validation part: first load (parses the text, writes the ``.chrono.npy`` copies) and
   cached load; disk before and after the copies.
2. CIFAR-10: writing the batches folder and the archive; ``load_cifar10`` train and test
   from each.

Every step runs in its own process, so its peak resident memory (``ru_maxrss``, which
counts the pages of memory-mapped text files it touched) is its own. At a fraction
below 1 the last columns project time and disk linearly to the real size.

Run ``python benchmarks/bench_data_folders.py --fraction 0.1 --dir /tmp/folders``
(``--quick`` for a smoke run). The folder is deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import report

SHL_SEGMENTS, SHL_VALIDATION = 16310, 3310
CIFAR_TRAIN, CIFAR_TEST = 50000, 10000


def _step(name: str, folder: Path, fraction: float) -> dict:
    """Run one step in this process; return its result (called in the child)."""
    from sklearn_ccafusion.datasets import (
        load_cifar10,
        load_shl2018,
        write_cifar10_folder,
        write_shl2018_folder,
    )

    n_shl = max(16, round(SHL_SEGMENTS * fraction))
    n_train, n_test = max(10, round(CIFAR_TRAIN * fraction)), max(10, round(CIFAR_TEST * fraction))
    split = SHL_VALIDATION if fraction == 1 else SHL_VALIDATION / SHL_SEGMENTS
    start = time.perf_counter()
    shape = None
    if name == "write SHL":
        write_shl2018_folder(folder / "shl", n_shl, random_state=0, progress=False)
    elif name.startswith("load_shl2018"):
        subset = name.split()[1]
        shape = load_shl2018(folder / "shl", subset, validation_size=split).data.shape
    elif name == "write CIFAR folder":
        write_cifar10_folder(folder / "cifar", n_train, n_test, random_state=0, progress=False)
    elif name == "write CIFAR archive":
        write_cifar10_folder(
            folder / "cifar_tar", n_train, n_test, archive=True, random_state=0, progress=False
        )
    elif name.startswith("load_cifar10"):
        _, subset, source = name.split()
        where = folder / ("cifar" if source == "folder" else "cifar_tar")
        shape = load_cifar10(where, subset).data.shape
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak), "shape": str(shape)}


def _disk(path: Path, pattern: str = "*") -> float:
    return sum(p.stat().st_size for p in path.rglob(pattern) if p.is_file()) / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.1, help="of the real sizes")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke run")
    parser.add_argument("--dir", type=Path, default=None, help="where to write (a new folder)")
    parser.add_argument("--keep", action="store_true", help="keep the folders")
    parser.add_argument("--only", choices=["shl", "cifar"], default=None)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    fraction = 0.002 if args.quick else args.fraction
    if args.step:
        print(json.dumps(_step(args.step, args.dir, fraction)))
        return

    folder = Path(tempfile.mkdtemp(prefix="data_folders_", dir=args.dir))
    steps = []
    if args.only in (None, "shl"):
        steps += [
            "write SHL",
            "load_shl2018 train (first: parse text, write copies)",
            "load_shl2018 train (cached)",
            "load_shl2018 validation (cached)",
        ]
    if args.only in (None, "cifar"):
        steps += ["write CIFAR folder", "write CIFAR archive"]
        steps += [f"load_cifar10 {s} {w}" for w in ("folder", "archive") for s in ("train", "test")]
    rows = []
    try:
        for step in steps:
            key = step.split(" (")[0] if step.startswith("load_shl2018") else step
            out = subprocess.run(
                [sys.executable, __file__, "--step", key, "--dir", str(folder),
                 "--fraction", str(fraction)],
                check=True, capture_output=True, text=True,
            )
            row = {"step": step, "fraction": fraction, **json.loads(out.stdout.splitlines()[-1])}
            if step == "write SHL":
                row["disk_mb"] = round(_disk(folder / "shl", "*.txt"), 1)
            elif step.startswith("load_shl2018 train (first"):
                row["disk_mb"] = round(_disk(folder / "shl", "*.npy"), 1)
            elif step.startswith("write CIFAR"):
                written = folder / ("cifar" if "folder" in step else "cifar_tar")
                row["disk_mb"] = round(_disk(written), 1)
            if fraction < 1:
                row["projected_seconds"] = round(row["seconds"] / fraction)
                if "disk_mb" in row:
                    row["projected_disk_mb"] = round(row["disk_mb"] / fraction)
            rows.append(row)
            print(row, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    columns = ["step", "fraction", "shape", "seconds", "peak_rss_mb", "disk_mb"]
    columns += ["projected_seconds", "projected_disk_mb"] if fraction < 1 else []
    name = "bench_data_folders" + ("" if fraction == 1 else f"_{fraction:g}")
    report(name, rows, [c for c in columns if any(c in r for r in rows)])


if __name__ == "__main__":
    main()
