"""How fast is ``CCAProjector.fit``, next to the floor and to its peers?

The float64 floor is the cheaper of (a) one Gram product ``X.T @ X`` of the
stacked uncentred views and (b) the three centred blocks ``X1'X1, X2'X2, X1'X2``:
any exact CCA must at least read the data that way. In the same run, on the same
synthetic "deep feature" pairs (non-negative, about half zeros, ill-conditioned,
a few strongly correlated directions), it times ``CCAProjector.fit`` in float64
and float32, scikit-learn's iterative ``CCA`` (time-capped: above the cap its
time is extrapolated from one component) and cca-zoo's ``CCA`` (from the
``bench`` extra). It reports medians, ratios to the floor, the largest error of
the canonical correlations against an independent QR reference, and the
additional peak memory of ``CCAProjector.fit`` as a fraction of the input.

Run ``python benchmarks/bench_cca_fit.py`` (13,000 x 128 and 50,000 x 64 per
view), add ``--large`` for 200,000 x 512 and 50,000 x 2048 per view.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from _harness import paired_times, peak_memory, report, time_call
from scipy import linalg

from sklearn_ccafusion import CCAProjector, PCAWhitener


def make_deep_feature_pair(n_samples, n_features, n_shared=12, seed=0, dtype=np.float64):
    """Two views of post-ReLU-like features sharing ``n_shared`` latent directions."""
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal((n_samples, n_shared))
    views = []
    for _ in range(2):
        mix = rng.standard_normal((n_shared, n_features)) / np.sqrt(n_shared)
        view = rng.standard_normal((n_samples, n_features))
        view *= 0.8
        view += shared @ mix
        np.maximum(view, 0.0, out=view)
        view *= np.logspace(0, -3, n_features)  # ill-conditioned: scales over 3 decades
        views.append(view)
    X = np.hstack(views).astype(dtype, copy=False)
    return X


def floor_functions(X, d1):
    """The two candidates of the floor: one stacked Gram product, the three centred blocks."""

    def gram():
        return X.T @ X

    def blocks():
        X1 = X[:, :d1] - X[:, :d1].mean(axis=0)
        X2 = X[:, d1:] - X[:, d1:].mean(axis=0)
        return X1.T @ X1, X2.T @ X2, X1.T @ X2

    return gram, blocks


def reference_correlations(X, d1, n_components=0.9999):
    """Rank-revealing reference: retained principal directions, QR, SVD of Q1'Q2."""
    bases = []
    for view in (X[:, :d1], X[:, d1:]):
        centred = view.astype(np.float64) - view.mean(axis=0, dtype=np.float64)
        _, s, vt = linalg.svd(centred, full_matrices=False)
        ratio = np.cumsum(s**2) / np.sum(s**2)
        k = (
            int(np.sum(s**2 > s[0] ** 2 * s.size * np.finfo(float).eps))  # all with variance
            if n_components is None
            else int(np.searchsorted(ratio, n_components, side="right")) + 1
        )
        q, _ = linalg.qr(centred @ vt[:k].T, mode="economic")
        bases.append(q)
    return linalg.svdvals(bases[0].T @ bases[1])


def _max_error(ours, reference):
    """Largest difference over the pairs both have."""
    m = min(ours.size, reference.size)
    return float(np.abs(ours[:m] - reference[:m]).max())


def sklearn_cca(X, d1, k, cap):
    """scikit-learn's NIPALS CCA: time and correlations, extrapolated above ``cap`` s."""
    from sklearn.cross_decomposition import CCA
    from sklearn.exceptions import ConvergenceWarning

    X1, X2 = X[:, :d1], X[:, d1:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one = time_call(lambda: CCA(n_components=1, max_iter=500).fit(X1, X2), 1)
        if one * k > cap:
            return one * k, None, "extrapolated"
        model = CCA(n_components=k, max_iter=500)
        seconds = time_call(lambda: model.fit(X1, X2), 1)
        u, v = model.transform(X1, X2)
    rho = np.array([np.corrcoef(u[:, j], v[:, j])[0, 1] for j in range(k)])
    return seconds, rho, "measured"


def cca_zoo_cca(X, d1, k):
    """cca-zoo's closed-form CCA; None when the package is not installed."""
    try:
        from cca_zoo.linear import CCA
    except ImportError:
        return None, None
    X1, X2 = X[:, :d1], X[:, d1:]
    model = CCA(n_components=k)
    seconds = time_call(lambda: model.fit([X1, X2]), 1)
    u, v = model.transform([X1, X2])
    rho = np.array([np.corrcoef(u[:, j], v[:, j])[0, 1] for j in range(k)])
    return seconds, rho


def ours32_run(X32, d, k, repeats, reference):
    """Time and error of CCAProjector.fit on float32 input."""
    model = CCAProjector(n_components=k, view_sizes=(d, d))
    seconds = time_call(lambda: model.fit(X32), repeats, warmup=1)
    return seconds, np.abs(model.canonical_correlations_ - reference).max()


def run(shapes, repeats, cap, peers=True):
    rows = []
    for n_samples, d in shapes:
        X = make_deep_feature_pair(n_samples, d)
        X32 = X.astype(np.float32)
        reference = reference_correlations(X, d)
        gram, blocks = floor_functions(X, d)
        blocks_time = time_call(blocks, max(1, repeats // 2))
        all_pairs = reference.size
        for k in (10, all_pairs):
            label = "all" if k == all_pairs else str(k)
            model = CCAProjector(n_components=k, view_sizes=(d, d))
            # the floor and the fit alternate, so both see the same machine state
            gram_time, ours = paired_times(gram, lambda: model.fit(X), repeats)
            floor = min(gram_time, blocks_time)
            error = np.abs(model.canonical_correlations_ - reference).max()
            extra = peak_memory(lambda: CCAProjector(n_components=k, view_sizes=(d, d)).fit(X))
            base = {"n_samples": n_samples, "per_view": d, "k": label, "floor_s": floor}
            ours32, error32 = ours32_run(X32, d, k, repeats, reference)
            # every direction with variance kept (the exact mode): the refinement of
            # ill-conditioned correlations is paid here, and only for the pairs needing it
            exact = CCAProjector(n_components=k, view_sizes=(d, d), whitener=PCAWhitener(None))
            exact_time = time_call(lambda: exact.fit(X), repeats, warmup=1)
            rows.append(
                {
                    **base,
                    "method": "CCAProjector float64 (keep all)",
                    "seconds": exact_time,
                    "max_abs_err": _max_error(
                        exact.canonical_correlations_, reference_correlations(X, d, None)
                    ),
                    "extra_mem_x_input": np.nan,
                }
            )
            rows.append(
                {
                    **base,
                    "method": "CCAProjector float64",
                    "seconds": ours,
                    "max_abs_err": error,
                    "extra_mem_x_input": extra / X.nbytes,
                }
            )
            rows.append(
                {
                    **base,
                    "method": "CCAProjector float32",
                    "seconds": ours32,
                    "max_abs_err": error32,
                    "extra_mem_x_input": np.nan,
                }
            )
            if not peers:
                continue
            seconds, rho, how = sklearn_cca(X, d, k, cap)
            rows.append(
                {
                    **base,
                    "method": f"sklearn CCA ({how})",
                    "seconds": seconds,
                    "max_abs_err": np.nan if rho is None else np.abs(rho - reference[:k]).max(),
                    "extra_mem_x_input": np.nan,
                }
            )
            seconds, rho = cca_zoo_cca(X, d, k)
            if seconds is not None:
                rows.append(
                    {
                        **base,
                        "method": "cca-zoo CCA",
                        "seconds": seconds,
                        "max_abs_err": np.abs(rho - reference[:k]).max(),
                        "extra_mem_x_input": np.nan,
                    }
                )
    for row in rows:
        row["x_floor"] = row["seconds"] / row["floor_s"]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="add 200k x 512 and 50k x 2048")
    parser.add_argument("--only-large", action="store_true", help="run only the large shapes")
    parser.add_argument(
        "--shape",
        action="append",
        default=[],
        metavar="N,D",
        help="run this shape (samples, features per view) instead; repeatable",
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cap", type=float, default=60.0, help="sklearn CCA time cap (s)")
    parser.add_argument("--no-peers", action="store_true", help="skip sklearn and cca-zoo")
    args = parser.parse_args()
    shapes = [] if args.only_large else [(13_000, 128), (50_000, 64)]
    if args.large or args.only_large:
        shapes += [(200_000, 512), (50_000, 2048)]
    if args.shape:
        shapes = [tuple(int(v) for v in shape.split(",")) for shape in args.shape]
    rows = run(shapes, args.repeats, args.cap, peers=not args.no_peers)
    columns = [
        "n_samples",
        "per_view",
        "k",
        "method",
        "seconds",
        "floor_s",
        "x_floor",
        "max_abs_err",
        "extra_mem_x_input",
    ]
    name = "bench_cca_fit" + ("_large" if args.only_large or args.shape else "")
    report(name, rows, columns)


if __name__ == "__main__":
    main()
