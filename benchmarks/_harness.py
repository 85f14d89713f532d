"""A small benchmark harness: time callables, print a table, save CSV and JSON.

Every benchmark script compares the package with its peers in the same run, on
the same data, and writes its rows to ``benchmarks/results/<name>.csv`` and what
produced them (the command, the date, the machine) to ``<name>.json``. The docs
show the copies of those two files committed in ``docs/benchmarks/``.
"""

from __future__ import annotations

import datetime
import json
import platform
import shlex
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"


def time_call(fn: Callable[[], object], repeats: int = 3, warmup: int = 0) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_times(
    first: Callable[[], object], second: Callable[[], object], repeats: int = 7
) -> tuple[float, float]:
    """Median times of two callables run alternately, so both see the same machine state."""
    times: tuple[list[float], list[float]] = ([], [])
    first()
    second()
    for _ in range(repeats):
        for fn, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes allocated (traced by Python's tracemalloc, numpy included) while ``fn()`` runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    """A short description of where the benchmark ran."""
    import os

    import numpy as np
    from threadpoolctl import threadpool_info

    blas = [f"{i.get('internal_api')} {i.get('version')}" for i in threadpool_info()]
    info = {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": sorted(set(blas)),
    }
    if "torch" in sys.modules:
        info["torch"] = sys.modules["torch"].__version__
    if hasattr(os, "getloadavg"):
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return info


def provenance() -> dict:
    """What produced a result: the command line, the UTC date and time, the machine."""
    script = Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(Path.cwd())
    except ValueError:
        script = Path("benchmarks") / script.name
    return {
        "command": shlex.join(["python", str(script), *sys.argv[1:]]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
    }


def report(name: str, rows: Sequence[dict], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Print ``rows`` as a table, save them as CSV under ``results/`` and their
    :func:`provenance` as JSON beside them."""
    frame = pd.DataFrame(list(rows))
    if columns is not None:
        frame = frame[list(columns)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / f"{name}.csv", index=False)
    (RESULTS / f"{name}.json").write_text(json.dumps(provenance(), indent=2, default=str))
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print(frame.to_string(index=False))
    print(f"\nsaved {RESULTS / name}.csv and .json (copy both to docs/benchmarks/ for the docs)")
    return frame
