"""The linear SVM of the fusion stage at scale: libsvm's SVC against liblinear's LinearSVC.

Data: the CCA-sum features of :func:`~sklearn_ccafusion.study.make_planted_features` (10
classes, 128 ReLU features per view), what the fusion study's ``cca_sum_svm`` classifies,
with 1 and ``K - 1 = 9`` canonical pairs summed, at several training sizes ``n``; 5,000
validation samples. For each ``n`` and number of pairs: ``SVC(kernel="linear")`` (the
fusion study's exact path) and the study's ``LinearSVC`` (hinge loss, C=1, seeded; used
above 10,000 training samples), each fitted once with BLAS pinned to one thread, as in the
study's workers. Columns: fit wall time, validation accuracy, the share of validation
predictions equal to SVC's, and whether liblinear stopped at ``max_iter``.

Run ``python benchmarks/bench_fusion_svm.py`` (up to 20,000 samples; a few minutes on 2
idle cores) or ``--quick`` (up to 4,000). Writes ``benchmarks/results/bench_fusion_svm.csv``
and ``.json``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from _harness import report
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sklearn_ccafusion.cca import CCAProjector
from sklearn_ccafusion.study import make_planted_features
from sklearn_ccafusion.study._fusion_classifiers import linear_svm

N_CLASSES = 10
N_VAL = 5000


def make_data(n_max: int, pairs: int, seed: int = 0):
    """CCA-sum features (``pairs`` pairs) of planted two-view features: train and validation."""
    X1, X2, y, _ = make_planted_features(
        n_max + N_VAL, n_classes=N_CLASSES, n_features=128, view_noise=(1.0, 1.5),
        random_state=seed,
    )
    X = np.hstack([X1, X2])
    cca = CCAProjector(pairs, view_sizes=(128, 128), output="sum").fit(X[:n_max])
    Z = cca.transform(X)
    return Z[:n_max], y[:n_max], Z[n_max:], y[n_max:]


def measure(model, X, y, X_val):
    """Fit with one BLAS thread: predictions, fit seconds, whether it warned of convergence."""
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        fit_s = time.perf_counter() - start
    stopped = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return model.predict(X_val), fit_s, stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n up to 4,000")
    args = parser.parse_args()
    sizes = [1000, 4000] if args.quick else [5000, 20000]
    rows = []
    for pairs in (1, N_CLASSES - 1):
        Z, y, Z_val, y_val = make_data(max(sizes), pairs)
        for n in sizes:
            reference = None
            for name, liblinear in (("SVC (libsvm)", False), ("LinearSVC (liblinear)", True)):
                pred, fit_s, stopped = measure(linear_svm(liblinear), Z[:n], y[:n], Z_val)
                reference = pred if reference is None else reference
                rows.append({
                    "n_train": n, "pairs": pairs, "classifier": name,
                    "fit_s": round(fit_s, 3), "accuracy": round(np.mean(pred == y_val), 4),
                    "agreement_with_svc": round(np.mean(pred == reference), 4),
                    "hit_max_iter": stopped,
                })
                print(rows[-1], flush=True)
    report("bench_fusion_svm", rows)


if __name__ == "__main__":
    main()
