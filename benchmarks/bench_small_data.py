"""Small training sets: does the subspace study still say something with 40 training rows?

With ``n_train`` rows and wide features, a CCA that keeps most directions of each view
finds canonical correlations of 1 between independent noise, and its ordering of the
directions (``cca_highest`` against ``cca_lowest``) becomes arbitrary. This script runs the
CCA methods of :func:`~sklearn_ccafusion.study.subspace_study` (original head) on 40
training rows, over five draws each, with three CCAs:

- ``PCAWhitener(0.9999)``: the whitener as the original study sets it, uncapped;
- the default (``whitener=None``, ``reg=0``): at most ``n_train // 4`` directions per view;
- ``reg=0.1`` with ``PCAWhitener(0.9999)``: a regularised CCA that keeps every direction.

Data: :func:`~sklearn_ccafusion.study.make_planted_features` (128-wide ReLU features, 4
and 8 classes, 40 training and 1,000 validation rows, seeds 0-4), and the hidden layers of
two scikit-learn MLPs trained on the digits (64 wide, 10 classes; 40 training rows drawn at
random, seeds 0-4, validated on the usual 30 % split). Each row: the mean over the draws of
``cca_highest`` and ``cca_lowest`` at ``n = n_classes``, of all the features, the rank the
CCA keeps in view 1, and the warnings raised. The bar: the default either gives
``cca_highest`` within 0.1 of all the features and ``cca_lowest`` near chance, or warns.

Run ``python benchmarks/bench_small_data.py`` (under a minute); the table is saved as
``benchmarks/results/small_data.csv``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

from sklearn_ccafusion import PCAWhitener, SubspaceProjector
from sklearn_ccafusion.study import (
    NetworkFeatures,
    make_planted_features,
    subspace_study,
    summarize_study,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import report  # noqa: E402

from tests._digits_features import digits_networks  # noqa: E402

N_TRAIN = 40
SEEDS = range(5)
CCAS = {
    "PCAWhitener(0.9999)": {"whitener": PCAWhitener(0.9999)},
    "default": {},
    "reg=0.1, PCAWhitener(0.9999)": {"whitener": PCAWhitener(0.9999), "reg": 0.1},
}


def planted(n_classes: int, seed: int):
    X1, X2, y, ((W1, b1), (W2, b2)) = make_planted_features(
        N_TRAIN + 1000, n_classes=n_classes, random_state=seed
    )
    tr, va = slice(0, N_TRAIN), slice(N_TRAIN, None)
    nets = NetworkFeatures(X1[tr], X1[va], W1, b1), NetworkFeatures(X2[tr], X2[va], W2, b2)
    return nets, y[tr], y[va]


def digits(seed: int):
    (a, b), y_train, y_val = digits_networks()
    rows = np.random.default_rng(seed).choice(len(y_train), N_TRAIN, replace=False)
    nets = tuple(NetworkFeatures(n.train[rows], n.validation, n.coef, n.intercept) for n in (a, b))
    return nets, y_train[rows], y_val


def run_one(nets, y_train, y_val, params):
    net, partner = nets
    K, width = net.n_classes, net.n_features
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        df = subspace_study(net, partner, y_train, y_val, methods=["cca_highest", "cca_lowest"],
                            dimensions=[K, width], heads=["original"], progress=False,
                            random_state=0, **params)
    kinds = sorted({"spurious" if "above 0.999" in str(w.message) else "too few rows"
                    for w in caught if issubclass(w.category, UserWarning)})
    projector = SubspaceProjector(view_sizes=(width, partner.n_features), **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        projector.fit(np.hstack([net.train, partner.train]))
    mean = summarize_study(df).set_index(["method", "n"])["mean"]
    return {
        "k1": projector.basis_size_,
        "highest_at_K": mean["cca_highest", K],
        "lowest_at_K": mean["cca_lowest", K],
        "all_features": mean["cca_highest", width],
        "warnings": "+".join(kinds) or "none",
    }


def main() -> None:
    cases = {
        "planted, 4 classes": lambda seed: planted(4, seed),
        "planted, 8 classes": lambda seed: planted(8, seed),
        "digits MLP, 10 classes": digits,
    }
    rows = []
    for data, make in cases.items():
        draws = [make(seed) for seed in SEEDS]
        for name, params in CCAS.items():
            results = [run_one(*draw, params) for draw in draws]
            K = draws[0][0][0].n_classes
            rows.append({
                "data": data,
                "cca": name,
                "k1": float(np.mean([r["k1"] for r in results])),
                "highest_at_K": float(np.mean([r["highest_at_K"] for r in results])),
                "lowest_at_K": float(np.mean([r["lowest_at_K"] for r in results])),
                "all_features": float(np.mean([r["all_features"] for r in results])),
                "chance": 1 / K,
                "warnings": ", ".join(sorted({r["warnings"] for r in results})),
            })
    frame = report("small_data", rows)
    del frame


if __name__ == "__main__":
    main()
