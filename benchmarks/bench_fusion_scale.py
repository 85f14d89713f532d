"""The kernel ELM of the fusion stage at scale: exact against Nystroem, time, memory, agreement.

Data: the CCA-sum features of :func:`~sklearn_ccafusion.study.make_planted_features` (10
classes, 128 ReLU features per view, the first ``K - 1 = 9`` canonical pairs summed), what the
fusion study's ``cca_sum_kelm`` classifies, at several training sizes ``n``; 5,000
validation samples. For each ``n``:

- ``exact``: :class:`~sklearn_ccafusion.KernelELMClassifier` (``solver="exact"``), the
  ``n x n`` kernel and its Cholesky factorisation, run up to ``--max-exact`` samples (the
  kernel's size is given above that);
- ``nystroem``: the same classifier with ``solver="nystroem"`` and ``m`` landmarks
  (1,000, the fusion study's, and 250), seeded.

Columns: fit and predict wall times (BLAS pinned to one thread, as in the study's
workers), the peak of the memory numpy allocated during the fit (Python's tracemalloc,
which sees numpy's arrays but not BLAS's own work space), validation accuracy, and the
share of validation predictions equal to the exact solver's at the same ``n``.

Run ``python benchmarks/bench_fusion_scale.py`` (exact up to 20,000 samples, Nystroem up to
50,000; about 10 minutes on 2 idle cores) or ``--quick`` (up to 4,000; under a minute).
Writes ``benchmarks/results/bench_fusion_scale.csv`` and ``.json``.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
from _harness import report
from threadpoolctl import threadpool_limits

from sklearn_ccafusion.cca import CCAProjector
from sklearn_ccafusion.fusion import KernelELMClassifier
from sklearn_ccafusion.fusion._kelm import exact_kernel_bytes
from sklearn_ccafusion.study import make_planted_features

N_CLASSES = 10
N_VAL = 5000


def make_data(n_max: int, seed: int = 0):
    """CCA-sum features (K - 1 pairs) of planted two-view features: train and validation."""
    X1, X2, y, _ = make_planted_features(
        n_max + N_VAL, n_classes=N_CLASSES, n_features=128, view_noise=(1.0, 1.5),
        random_state=seed,
    )
    X = np.hstack([X1, X2])
    cca = CCAProjector(N_CLASSES - 1, view_sizes=(128, 128), output="sum").fit(X[:n_max])
    Z = cca.transform(X)
    return Z[:n_max], y[:n_max], Z[n_max:], y[n_max:]


def measure(model, X, y, X_val):
    """Fit and predict with one BLAS thread; times, numpy's peak bytes during the fit."""
    with threadpool_limits(limits=1):
        tracemalloc.start()
        start = time.perf_counter()
        model.fit(X, y)
        fit_s = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        start = time.perf_counter()
        pred = model.predict(X_val)
        predict_s = time.perf_counter() - start
    return pred, fit_s, predict_s, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n up to 4,000 (under a minute)")
    parser.add_argument(
        "--max-exact", type=int, default=None, help="largest n of the exact solver (20,000)"
    )
    args = parser.parse_args()
    if args.quick:
        sizes, max_exact = [1000, 2000, 4000], 4000
    else:
        sizes, max_exact = [2000, 5000, 10000, 20000, 50000], 20000
    max_exact = args.max_exact or max_exact
    Z, y, Z_val, y_val = make_data(max(sizes))
    rows = []
    for n in sizes:
        exact_pred = None
        if n <= max_exact:
            exact_pred, fit_s, predict_s, peak = measure(
                KernelELMClassifier(solver="exact"), Z[:n], y[:n], Z_val
            )
            rows.append({
                "n_train": n, "solver": "exact", "landmarks": "-", "fit_s": round(fit_s, 3),
                "predict_s": round(predict_s, 3), "fit_peak_MB": round(peak / 1e6, 1),
                "accuracy": np.mean(exact_pred == y_val), "agreement_with_exact": 1.0,
            })
        else:
            rows.append({
                "n_train": n, "solver": "exact (not run)", "landmarks": "-", "fit_s": np.nan,
                "predict_s": np.nan, "fit_peak_MB": round(exact_kernel_bytes(n) / 1e6, 1),
                "accuracy": np.nan, "agreement_with_exact": np.nan,
            })
        for m in (250, 1000):
            model = KernelELMClassifier(solver="nystroem", n_components=m, random_state=0)
            pred, fit_s, predict_s, peak = measure(model, Z[:n], y[:n], Z_val)
            rows.append({
                "n_train": n, "solver": "nystroem", "landmarks": m, "fit_s": round(fit_s, 3),
                "predict_s": round(predict_s, 3), "fit_peak_MB": round(peak / 1e6, 1),
                "accuracy": np.mean(pred == y_val),
                "agreement_with_exact": np.nan if exact_pred is None
                else np.mean(pred == exact_pred),
            })
        print(f"n = {n} done", flush=True)
    report("bench_fusion_scale", rows)


if __name__ == "__main__":
    main()
