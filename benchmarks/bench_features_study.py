"""How long the whole study takes on networks trained already: ``ccafusion study --features``.

The default ``ccafusion reproduce`` (digits, 3 pairs of networks per sensor, 5
repeats) runs once into a fresh folder and writes its networks' ``features.npz``;
then ``ccafusion study --features`` re-runs every stage on that file, with the
same settings and nothing trained, in fresh processes and fresh output folders,
with 1 and 2 joblib workers. Each run is timed from start to exit (wall) and by
the CPU time of its processes (user + system, workers included), beside the time
of each stage from its ``report.md``. Its numbers are checked equal to the
reproduction's (the round trip). The load average saved with the results says
whether other processes shared the cores: the CPU time is the number to compare
across machines states.

Run ``python benchmarks/bench_features_study.py`` (``--features FILE`` skips the
reproduction and times the study on ``FILE``; ``--repeats N`` runs each setting
``N`` times).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from _harness import report

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("results", "cross_sensor", "fusion", "alignment", "bands")


def _run(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -m sklearn_ccafusion ARGS`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sklearn_ccafusion", *args, "--quiet"],
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _stages(out: Path) -> dict[str, float]:
    section = (out / "report.md").read_text().split("## Time by stage", 1)[1]
    stages = {}
    for line in section.splitlines():
        if line.startswith("- ") and line.endswith(" s"):
            name, seconds = line[2:].rsplit(":", 1)
            stages[name] = float(seconds[:-2])
    return stages


def _same_numbers(first: Path, second: Path) -> bool:
    for name in TABLES:
        a, b = pd.read_csv(first / f"{name}.csv"), pd.read_csv(second / f"{name}.csv")
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
        except AssertionError:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", default=None, help="time the study on this file")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each setting (1)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-features-"))
    rows = []
    reference = None
    if args.features is None:
        reference = folder / "reproduce"
        wall, cpu = _run(["reproduce", "--out", str(reference), "--n-jobs", "2"])
        stages = _stages(reference)
        rows.append(
            {"run": "reproduce (trains)", "n_jobs": 2, "wall_s": wall, "cpu_s": cpu, **stages}
        )
        features = reference / "features.npz"
    else:
        features = Path(args.features).resolve()
    for n_jobs in (1, 2):
        for repeat in range(args.repeats):
            out = folder / f"features-{n_jobs}-{repeat}"
            command = ["study", "--features", str(features), "--out", str(out)]
            wall, cpu = _run([*command, "--n-jobs", str(n_jobs)])
            row = {"run": "study --features", "n_jobs": n_jobs, "wall_s": wall, "cpu_s": cpu}
            row.update(_stages(out))
            if reference is not None:
                row["same_numbers"] = _same_numbers(reference, out)
            rows.append(row)
    report("features_study", rows)
    print(f"load average at the end: {[round(x, 2) for x in os.getloadavg()]}")


if __name__ == "__main__":
    main()
