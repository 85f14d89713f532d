"""How fast does the retrained head reach the exact minimiser, against plain L-BFGS?

On the same features, in one run: ``ClassLayerClassifier(retrain=True)`` with
its default solver (preconditioned L-BFGS), with ``solver="lbfgs"`` (the
previous default: scipy's plain L-BFGS at the same ``tol`` and ``max_iter``),
and a plain scipy L-BFGS run to a tight tolerance (``gtol=1e-10``), whose
iterates are recorded so that the time it takes to come within 1e-6
(relative) of the minimum is known. The minimum ``f*`` is the lowest objective
any run reached; ``gap`` is ``(f - f*) / f*``. Accuracy is on held-out samples.

Scales (planted ReLU features of two networks, :func:`make_planted_features`,
warm-started from the planted layer as the study's retrained head is, or from
zero weights):

- digits: 1,347 x 64, 10 classes, weight decay 1e-3;
- SHL: 13,000 x 128, 8 classes, balanced class weights, weight decay 1e-3;
- CIFAR: 10,000 x 64, 10 classes, weight decay 1e-4;
- digits pixels: scikit-learn's digits (1,347 x 64 pixels in 0..16), a real,
  badly scaled feature set, from zero weights.

BLAS is pinned to one thread for every solver (the head pins it itself); each
timing is the median of ``--repeats`` interleaved runs. It also times one
objective evaluation at SHL scale with 1 and 2 BLAS threads.

Run ``python benchmarks/bench_head.py`` (``--quick``: SHL scale only, 1 repeat).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
from _harness import report, time_call
from scipy.optimize import minimize
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sklearn_ccafusion import ClassLayerClassifier
from sklearn_ccafusion.head._softmax_objective import softmax_objective
from sklearn_ccafusion.study import make_planted_features

SCALES = {
    # name: (n_train, n_features, n_classes, weight_decay, class_weight)
    "digits": (1_347, 64, 10, 1e-3, None),
    "SHL": (13_000, 128, 8, 1e-3, "balanced"),
    "CIFAR": (10_000, 64, 10, 1e-4, None),
}


def planted(n_train, n_features, n_classes, seed=0):
    """Train and held-out features of one network with its planted layer."""
    n = n_train + n_train // 4
    X, _, y, ((coef, intercept), _) = make_planted_features(
        n,
        n_classes=n_classes,
        n_features=n_features,
        view_noise=(0.8, 1.0),
        random_state=seed,
    )
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:], coef, intercept


def digits_pixels():
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order].astype(np.float64), y[order]
    n_classes = 10
    return X[:1347], y[:1347], X[1347:], y[1347:], np.zeros((n_classes, 64)), np.zeros(n_classes)


def sample_weights(y, n_classes, class_weight):
    if class_weight is None:
        return np.ones(len(y))
    counts = np.bincount(y, minlength=n_classes)
    return (len(y) / (n_classes * counts))[y]


def objective(coef, intercept, X, y, weights, weight_decay):
    params = np.concatenate([coef.ravel(), intercept])
    return softmax_objective(params, X, y, weights, weight_decay, coef.shape[0])[0]


def scipy_lbfgs(X, y, coef, intercept, weights, weight_decay):
    """Plain scipy L-BFGS to gtol 1e-10, with the time of every iterate."""
    history = []
    start = time.perf_counter()

    def record(xk):
        history.append((time.perf_counter() - start, xk.copy()))

    result = minimize(
        softmax_objective,
        np.concatenate([coef.ravel(), intercept]),
        args=(X, y, weights, weight_decay, coef.shape[0]),
        jac=True,
        method="L-BFGS-B",
        callback=record,
        options={"maxiter": 50_000, "gtol": 1e-10, "ftol": 1e-16},
    )
    return time.perf_counter() - start, result, history


def fit_head(X, y, coef, intercept, solver, weight_decay, class_weight):
    head = ClassLayerClassifier(
        coef,
        intercept,
        retrain=True,
        solver=solver,
        weight_decay=weight_decay,
        class_weight=class_weight,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        head.fit(X, y)
        return time.perf_counter() - start, head


def bench_case(name, start, data, weight_decay, class_weight, repeats):
    X, y, X_val, y_val, coef, intercept = data
    n_classes = coef.shape[0]
    weights = sample_weights(y, n_classes, class_weight)
    heads, times = {}, {"preconditioned-lbfgs": [], "lbfgs": [], "scipy": []}
    scipy_runs = []
    with threadpool_limits(1, user_api="blas"):
        for _ in range(repeats):
            for solver in ("preconditioned-lbfgs", "lbfgs"):
                seconds, heads[solver] = fit_head(
                    X, y, coef, intercept, solver, weight_decay, class_weight
                )
                times[solver].append(seconds)
            seconds, result, history = scipy_lbfgs(X, y, coef, intercept, weights, weight_decay)
            times["scipy"].append(seconds)
            scipy_runs.append(history)
        tight = ClassLayerClassifier(
            coef, intercept, retrain=True, weight_decay=weight_decay,
            class_weight=class_weight, tol=1e-10, max_iter=10_000,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            tight.fit(X, y)
    finals = [objective(h.coef_, h.intercept_, X, y, weights, weight_decay) for h in heads.values()]
    finals += [objective(tight.coef_, tight.intercept_, X, y, weights, weight_decay), result.fun]
    best = min(finals)
    # time for plain L-BFGS to come within 1e-6 of the minimum, in each repeat
    reach, reach_iter = [], None
    for history in scipy_runs:
        for iteration, (seconds, params) in enumerate(history, start=1):
            value = softmax_objective(params, X, y, weights, weight_decay, n_classes)[0]
            if (value - best) / abs(best) <= 1e-6:
                reach.append(seconds)
                reach_iter = iteration
                break
    reach_seconds = statistics.median(reach) if reach else np.nan
    rows = []
    n, d = X.shape
    base = {"scale": name, "shape": f"{n} x {d}, {n_classes} classes", "start": start}
    for solver, head in heads.items():
        value = objective(head.coef_, head.intercept_, X, y, weights, weight_decay)
        seconds = statistics.median(times[solver])
        rows.append(
            {
                **base,
                "solver": f"head {solver} (default tol)",
                "seconds": seconds,
                "iterations": head.n_iter_,
                "converged": head.converged_,
                "gap": (value - best) / abs(best),
                "accuracy": float(np.mean(head.predict(X_val) == y_val)),
                "x_scipy_to_1e-6": seconds / reach_seconds,
            }
        )
    rows.append(
        {
            **base,
            "solver": "scipy L-BFGS, gtol 1e-10 (to 1e-6 gap)",
            "seconds": reach_seconds,
            "iterations": reach_iter,
            "converged": bool(result.success),
            "gap": 1e-6,
            "accuracy": np.nan,
            "x_scipy_to_1e-6": 1.0,
        }
    )
    rows.append(
        {
            **base,
            "solver": "scipy L-BFGS, gtol 1e-10 (to the end)",
            "seconds": statistics.median(times["scipy"]),
            "iterations": int(result.nit),
            "converged": bool(result.success),
            "gap": (result.fun - best) / abs(best),
            "accuracy": np.nan,
            "x_scipy_to_1e-6": statistics.median(times["scipy"]) / reach_seconds,
        }
    )
    return rows


def thread_timing():
    """One objective evaluation at SHL scale with 1 and 2 BLAS threads (milliseconds)."""
    X, y, _, _, coef, intercept = planted(*SCALES["SHL"][:3])
    params = np.concatenate([coef.ravel(), intercept])
    weights = np.ones(len(y))
    out = {}
    for threads in (1, 2):
        with threadpool_limits(threads, user_api="blas"):
            call = lambda: softmax_objective(params, X, y, weights, 1e-3, 8)  # noqa: E731
            out[threads] = 1e3 * time_call(call, repeats=20, warmup=2)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="SHL scale only, 1 repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    scales = {"SHL": SCALES["SHL"]} if args.quick else SCALES
    rows = []
    for name, (n_train, n_features, n_classes, weight_decay, class_weight) in scales.items():
        data = planted(n_train, n_features, n_classes)
        rows += bench_case(name, "planted layer", data, weight_decay, class_weight, repeats)
        X, y, X_val, y_val, coef, intercept = data
        cold = (X, y, X_val, y_val, np.zeros_like(coef), np.zeros_like(intercept))
        rows += bench_case(name, "zeros", cold, weight_decay, class_weight, repeats)
    if not args.quick:
        rows += bench_case("digits pixels", "zeros", digits_pixels(), 1e-3, None, repeats)
    frame = report("bench_head", rows)
    ratios = frame[frame["solver"].str.startswith("head preconditioned")]
    print("\nnew head time / plain L-BFGS time to a 1e-6 gap:")
    print(ratios[["scale", "start", "x_scipy_to_1e-6"]].round(3).to_string(index=False))
    timing = thread_timing()
    print(
        f"\none objective evaluation at SHL scale: {timing[1]:.1f} ms with 1 BLAS thread, "
        f"{timing[2]:.1f} ms with 2"
    )


if __name__ == "__main__":
    main()
