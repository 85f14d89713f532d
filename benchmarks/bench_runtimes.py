"""How long the commands the docs quote take: ``ccafusion reproduce`` and the examples.

Each run is one fresh process, timed from start to exit, as a user would run it:

- ``ccafusion reproduce`` on the embedded digits (the default), its ``--quick`` mode,
  and ``--dataset synthetic-shl --quick`` (``--long`` adds ``--dataset synthetic-shl``
  in full; ``--cifar-dir DIR`` adds ``--dataset cifar10 --quick`` on the files in
  ``DIR``), each into a fresh output folder, so no cached network is reused;
- every gallery example (``examples/*/plot_*.py``) in its default mode and, with
  ``CCAFUSION_QUICK=1``, in the quick mode the docs build runs.

A run that fails is reported with its exit code, and its time is left empty. The
load average saved with the results says whether other processes shared the cores:
compare runs made on an idle machine.

Run ``python benchmarks/bench_runtimes.py`` (``--only TEXT`` keeps the runs whose
command contains ``TEXT``; ``--list`` prints the runs without running them).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import report

ROOT = Path(__file__).resolve().parents[1]


def runs(long: bool = False, cifar_dir: str | None = None) -> list[dict]:
    """The runs to time: what a user types, the process to start, its environment."""
    reproduce = [
        [],
        ["--quick"],
        ["--dataset", "synthetic-shl", "--quick"],
    ]
    if long:
        reproduce.append(["--dataset", "synthetic-shl"])
    if cifar_dir:
        reproduce.append(["--dataset", "cifar10", "--data-dir", cifar_dir, "--quick"])
    planned = [
        {
            "kind": "reproduce",
            "command": shlex.join(["ccafusion", "reproduce", *args]),
            "argv": [sys.executable, "-m", "sklearn_ccafusion", "reproduce", *args, "--quiet"],
            "env": {},
            "out": True,
        }
        for args in reproduce
    ]
    for script in sorted(ROOT.glob("examples/*/plot_*.py")):
        relative = script.relative_to(ROOT).as_posix()
        for quick in (False, True):
            planned.append(
                {
                    "kind": "example",
                    "command": ("CCAFUSION_QUICK=1 " if quick else "") + f"python {relative}",
                    "argv": [sys.executable, str(script)],
                    "env": {"CCAFUSION_QUICK": "1"} if quick else {},
                    "out": False,
                }
            )
    return planned


def time_run(run: dict) -> dict:
    """Start the run's process in a fresh folder and time it to its exit."""
    env = {k: v for k, v in os.environ.items() if k != "CCAFUSION_QUICK"}
    env.update(MPLBACKEND="agg", **run["env"])
    # the package of this checkout, installed or not
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="bench_runtimes_") as folder:
        argv = list(run["argv"]) + (["--out", str(Path(folder) / "out")] if run["out"] else [])
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        print(f"FAILED ({done.returncode}): {run['command']}\n  " + "\n  ".join(tail))
    return {
        "kind": run["kind"],
        "command": run["command"],
        "seconds": round(seconds, 1) if done.returncode == 0 else None,
        "exit_code": done.returncode,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="keep the runs whose command contains TEXT; repeatable")
    parser.add_argument("--long", action="store_true",
                        help="add the full synthetic-shl reproduction")
    parser.add_argument("--cifar-dir", help="add cifar10 --quick on the CIFAR-10 files here")
    parser.add_argument("--list", action="store_true", help="print the runs and stop")
    args = parser.parse_args()
    planned = [
        run for run in runs(args.long, args.cifar_dir)
        if not args.only or any(text in run["command"] for text in args.only)
    ]
    if args.list:
        print("\n".join(run["command"] for run in planned))
        return
    rows = []
    for index, run in enumerate(planned, 1):
        print(f"[{index}/{len(planned)}] {run['command']}", flush=True)
        rows.append(time_run(run))
    report("bench_runtimes", rows, ["kind", "command", "seconds", "exit_code"])


if __name__ == "__main__":
    main()
