"""What drawing bootstrap resamples in batches costs and saves: time and peak memory.

``bootstrap_scores`` draws its resamples in batches of at most 64 MiB of row
indices. In one run, for growing ``n_resamples`` on the same validation rows, it is
measured against the single draw it replaces (all ``n_resamples x n_rows`` indices at
once, then each classifier's accuracy per resample), and the bands of both are
checked to be equal. Peak memory is Python's tracemalloc peak (numpy included).

Run ``PYTHONPATH=. python benchmarks/bench_resampling.py`` (under a minute);
``--quick`` for a smoke run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _harness import peak_memory, report

from sklearn_ccafusion.study import bootstrap_scores


def _single_draw(y, predictions, n_resamples, seed):
    """Every resample drawn at once: the previous computation, accuracy only."""
    rows_of = np.random.RandomState(seed).randint(0, y.size, size=(n_resamples, y.size))
    return {
        name: np.quantile((p == y).astype(np.float64)[rows_of].mean(axis=1), [0.025, 0.975])
        for name, p in predictions.items()
    }


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and resamples")
    args = parser.parse_args()
    n_rows = 500 if args.quick else 2_000
    sizes = (1_000, 5_000) if args.quick else (2_000, 10_000, 40_000)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, n_rows)
    predictions = {
        "a": np.where(rng.random(n_rows) < 0.8, y, 0),
        "b": np.where(rng.random(n_rows) < 0.6, y, 1),
    }
    rows = []
    bootstrap_scores(y, predictions, n_resamples=10, progress=False)  # first-call costs
    for n_resamples in sizes:

        def batched(n_resamples=n_resamples):
            return bootstrap_scores(
                y, predictions, n_resamples=n_resamples, random_state=0, progress=False
            )

        def single(n_resamples=n_resamples):
            return _single_draw(y, predictions, n_resamples, 0)

        bands, batched_s = _timed(batched)
        reference, single_s = _timed(single)
        same = all(
            np.allclose(bands.set_index("name").loc[name, ["low", "high"]], reference[name])
            for name in predictions
        )
        rows.append(
            {
                "n_rows": n_rows,
                "n_resamples": n_resamples,
                "batched_s": batched_s,
                "single_draw_s": single_s,
                "batched_peak_mb": peak_memory(batched) / 2**20,
                "single_draw_peak_mb": peak_memory(single) / 2**20,
                "same_bands": same,
            }
        )
    report("bench_resampling", rows)


if __name__ == "__main__":
    main()
