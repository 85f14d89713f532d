"""What checking caches costs: the code's identity, fingerprints, checksummed files.

In one run, each measured against the plain operation it adds to:

- ``code_identity``: hashing the package's source files and reading the libraries'
  versions (the first call of a process; later calls are cached), against reading
  the same files without hashing them;
- ``fingerprint`` of a float64 feature matrix, against BLAKE2b over its bytes alone
  (the type-tagged encoding's overhead);
- a task file of a fusion fit's predictions (``TaskCache.save`` + ``load``, with key,
  code identity, checksum and typed rows), against ``json.dumps`` + ``json.loads`` of
  the bare list the previous format wrote;
- a network's cached features (``NetCache.load`` with its checksum file), against
  ``read_arrays`` of the same ``.npz`` without the check.

Run ``PYTHONPATH=. python benchmarks/bench_caches.py`` (a minute); ``--quick`` for
a smoke run with small arrays.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np
from _harness import paired_times, report

from sklearn_ccafusion.study import TaskCache, fingerprint
from sklearn_ccafusion.utils import _code_identity
from sklearn_ccafusion.utils._net_cache import NetCache, read_arrays


def _rows(name, size, checked, plain):
    return {
        "operation": name,
        "size": size,
        "checked_ms": 1e3 * checked,
        "plain_ms": 1e3 * plain,
        "ratio": checked / plain,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small arrays, few repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9
    n_samples = 2_000 if args.quick else 20_000
    rows = []

    package = _code_identity._PACKAGE
    files = _code_identity.code_files(package)
    versions = {name: _code_identity._version(name) for name in _code_identity.DEPENDENCIES}
    size = f"{len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.2f} MB"
    checked, plain = paired_times(
        lambda: _code_identity.digest_of(
            package, {name: _code_identity._version(name) for name in versions}
        ),
        lambda: [p.read_bytes() for p in _code_identity.code_files(package)],
        repeats,
    )
    rows.append(_rows("code_identity (first call)", size, checked, plain))

    X = np.random.default_rng(0).standard_normal((n_samples, 512))
    checked, plain = paired_times(
        lambda: fingerprint(X), lambda: hashlib.blake2b(X.data, digest_size=16), repeats
    )
    rows.append(_rows("fingerprint of features", f"{X.nbytes / 1e6:.0f} MB", checked, plain))

    folder = Path(tempfile.mkdtemp())
    cache = TaskCache(folder / "tasks")
    positions = np.random.default_rng(1).integers(0, 10, n_samples).astype(np.intp)
    old = folder / "old.json"

    def task_file():
        cache.save("k", [{"positions": positions}])
        return cache.load("k")

    def bare_json():
        old.write_text(json.dumps({"format": 1, "rows": [{"predictions": positions.tolist()}]}))
        return json.loads(old.read_text())

    checked, plain = paired_times(task_file, bare_json, repeats)
    rows.append(_rows("task file save + load", f"{n_samples} predictions", checked, plain))

    nets = NetCache(folder / "nets")
    path = nets.save_arrays(nets.path("net", "0" * 32, ".npz"), train=X)
    checked, plain = paired_times(
        lambda: nets.load(path, lambda p: read_arrays(p, ("train",))),
        lambda: read_arrays(path, ("train",)),
        repeats,
    )
    rows.append(_rows("network file load", f"{X.nbytes / 1e6:.0f} MB", checked, plain))
    report("bench_caches", rows)


if __name__ == "__main__":
    main()
