"""How long does the full subspace study take at SHL scale, and what did it cost before?

SHL-scale synthetic features with planted linear layers (13,000 train and 3,310
validation samples, 128 features, 8 classes; the same generator as the tests),
the full sweep: 7 methods x 19 dimensions x 5 repeats (random methods) x 2 heads,
run with ``n_jobs=1`` and ``n_jobs=2`` (BLAS pinned to one thread per task). The
retrained head runs with its defaults (balanced class weights, weight decay 1e-3);
the table reports its iterations and how many of its fits converged.
In the same run it times the original study's approach on a few points, refit
of the PCA + CCA basis for every point and a 50-epoch Adam retraining of the
head (batch 64, torch ``DataLoader``), and extrapolates it to the full sweep:
the ratio to beat.

Run ``python benchmarks/bench_study.py`` (add ``--quick`` for a smaller sweep).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _harness import report
from scipy import linalg
from sklearn.decomposition import PCA

from sklearn_ccafusion.study import (
    RANDOM_METHODS,
    NetworkFeatures,
    default_dimensions,
    make_planted_features,
    subspace_study,
)
from sklearn_ccafusion.subspace import METHODS

N_TRAIN, N_VAL = 13_000, 3_310


def shl_scale_features(seed=0, n_train=N_TRAIN, n_val=N_VAL):
    """Two networks' features (net projected, CCA partner) with planted layers."""
    n = n_train + n_val
    X1, X2, y, ((W1, b1), (W2, b2)) = make_planted_features(
        n, n_classes=8, n_features=128, view_noise=(0.8, 1.0), random_state=seed
    )
    net = NetworkFeatures(X1[:n_train], X1[n_train:], W1, b1)
    partner = NetworkFeatures(X2[:n_train], X2[n_train:], W2, b2)
    return net, partner, y[:n_train], y[n_train:]


def original_point(net, partner, y_train, n, epochs=50, seed=0):
    """One point of the original code: refit PCA(0.9999) + svcca-style CCA, then Adam."""
    import torch

    pcas = [PCA(0.9999, svd_solver="full").fit(v) for v in (net.train, partner.train)]
    scores = [p.transform(v) for p, v in zip(pcas, (net.train, partner.train))]
    joint = np.cov(np.hstack(scores).T)
    k1 = scores[0].shape[1]
    sxx, syy, sxy = joint[:k1, :k1], joint[k1:, k1:], joint[:k1, k1:]

    def inv_sqrt(s):
        w, v = linalg.eigh(linalg.pinv(s + 1e-10 * np.eye(len(s))))
        return (v * np.sqrt(np.maximum(w, 0))) @ v.T

    u, _, _ = linalg.svd(inv_sqrt(sxx) @ sxy @ inv_sqrt(syy))
    base = pcas[0].components_.T @ inv_sqrt(sxx) @ u
    inverse = linalg.pinv(base)
    mean = net.train.mean(axis=0)
    projected = (net.train - mean) @ base[:, :n] @ inverse[:n] + mean
    generator = torch.Generator().manual_seed(seed)
    layer = torch.nn.Linear(net.n_features, net.n_classes).double()
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(net.coef))
        layer.bias.copy_(torch.as_tensor(net.intercept))
    counts = np.bincount(y_train, minlength=net.n_classes)
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.as_tensor(1.0 / counts))
    optimizer = torch.optim.Adam(layer.parameters(), lr=1e-3, weight_decay=1e-3)
    data = torch.utils.data.TensorDataset(torch.as_tensor(projected), torch.as_tensor(y_train))
    loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True, generator=generator)
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(layer(xb), yb).backward()
            optimizer.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, 6 dimensions")
    parser.add_argument("--original-points", type=int, default=2)
    args = parser.parse_args()
    net, partner, y_train, y_val = shl_scale_features()
    dims = default_dimensions(8, 128)
    repeats = 5
    if args.quick:
        dims, repeats = [1, 4, 8, 16, 64, 128], 3
    n_points = sum(repeats if m in RANDOM_METHODS else 1 for m in METHODS) * len(dims)
    rows, results = [], {}
    for n_jobs in (1, 2):
        start = time.perf_counter()
        frame = subspace_study(
            net,
            partner,
            y_train,
            y_val,
            dimensions=dims,
            repeats=repeats,
            metric="f1_macro",
            head_params={"class_weight": "balanced"},
            n_jobs=n_jobs,
            random_state=0,
            progress=False,
        )
        seconds = time.perf_counter() - start
        results[n_jobs] = frame
        retrained = frame[frame["head"] == "retrained"]
        rows.append(
            {
                "approach": f"subspace_study n_jobs={n_jobs}",
                "points": n_points,
                "seconds": seconds,
                "head_iter_mean": retrained["n_iter"].mean(),
                "head_iter_max": retrained["n_iter"].max(),
                "converged": f"{int(retrained['converged'].sum())}/{len(retrained)}",
                "how": "measured",
            }
        )
    start = time.perf_counter()
    for i in range(args.original_points):
        original_point(net, partner, y_train, n=8, seed=i)
    per_point = (time.perf_counter() - start) / args.original_points
    rows.append(
        {
            "approach": "original code (refit + 50-epoch Adam)",
            "points": n_points,
            "seconds": per_point * n_points,
            "head_iter_mean": np.nan,
            "head_iter_max": np.nan,
            "converged": "",
            "how": f"extrapolated from {args.original_points} points",
        }
    )
    for row in rows:
        row["x_fastest"] = row["seconds"] / min(r["seconds"] for r in rows)
    report("bench_study", rows)
    speedup = rows[0]["seconds"] / rows[1]["seconds"]
    print(f"speed-up n_jobs=1 -> 2: {speedup:.2f}x")
    summary = results[2].groupby(["method", "head", "n"])["score"].mean().unstack("n")
    print("\nmacro F1 at n = 8 (mean):")
    print(summary[8].unstack("head").round(3).to_string())


if __name__ == "__main__":
    main()
