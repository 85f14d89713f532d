"""Run a command and report the peak memory of its whole process tree (workers included).

Every ``--interval`` seconds the resident set sizes of the command and of all its
descendants (joblib/loky workers, their resource trackers) are read from ``/proc`` and
summed: the peak of that sum is the run's peak memory. Pages shared between processes
(memory-mapped arrays that joblib hands to its workers) are counted once per process that
maps them in the RSS sum, an upper bound of the physical memory used; the proportional set
size (PSS, ``/proc/<pid>/smaps_rollup``) divides each shared page among the processes that
map it, so its sum is the tree's physical memory. The largest single process is reported
too; ``/usr/bin/time -v``'s "Maximum resident set size" gives only that
one (the largest of the parent and of each waited-for child, never their sum).

Usage::

    python benchmarks/peak_memory.py --json out.json -- python -m sklearn_ccafusion study ...

Prints ``wall_s``, ``cpu_s``, ``peak_tree_rss_gb``, ``peak_tree_pss_gb``, ``peak_single_rss_gb`` and
the most processes seen at once, and writes them as JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def tree_rss(root: int) -> tuple[int, int, int, int]:
    """Summed RSS, largest single RSS, number of processes and summed PSS of a tree."""
    tree = _children()
    todo, seen = [root], []
    while todo:
        pid = todo.pop()
        seen.append(pid)
        todo += tree.get(pid, [])
    sizes = [_rss(pid) for pid in seen]
    return sum(sizes), max(sizes, default=0), len(seen), sum(_pss(pid) for pid in seen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between samples")
    parser.add_argument("--json", default=None, help="write the numbers to this file")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    start = time.perf_counter()
    process = subprocess.Popen(command)
    peak = single = most = peak_pss = 0
    while process.poll() is None:
        total, largest, count, pss = tree_rss(process.pid)
        peak, single, most = max(peak, total), max(single, largest), max(most, count)
        peak_pss = max(peak_pss, pss)
        time.sleep(args.interval)
    numbers = {
        "command": command,
        "returncode": process.returncode,
        "wall_s": round(time.perf_counter() - start, 1),
        # user + system CPU seconds of the tree (waited-for descendants included): the
        # measure of work that other processes sharing the cores do not inflate
        "cpu_s": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime,
            1,
        ),
        "peak_tree_rss_gb": round(peak / 1e9, 2),
        "peak_tree_pss_gb": round(peak_pss / 1e9, 2),
        "peak_single_rss_gb": round(single / 1e9, 2),
        "most_processes": most,
    }
    print(json.dumps(numbers, indent=2), file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=2) + "\n")
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
