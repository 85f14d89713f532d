"""Fusion at SHL scale: cost of each fusion, the kernel ELM's O(n^3), and the agreement bar.

Data: :func:`~sklearn_ccafusion.study.make_planted_features` at the SHL 2018 sizes, 13,000
train and 3,310 validation rows of 128 ReLU features per view, 8 classes, and planted
classification layers that both read the same class logits (``shared="logits"``); the views
are of unequal quality (logit noise 0.5 and 0.8), as two different sensors.

Three tables, each saved under ``benchmarks/results/``:

1. ``fusion_methods``: fit + predict time, validation accuracy and agreement with logit
   averaging (the networks' own layers) of every fusion with all canonical pairs (the
   papers' choice) and with ``K - 1``: CCA-sum + linear SVM (Ahmad & Khan), CCA-sum + KELM
   (Imran & Raman), exact and through the Nystroem path, CCA-concat + SVM,
   ``LogitAverageFusion`` on retrained logistic heads, and the SVM's ``C`` chosen by 3-fold
   ``GridSearchCV``. Single runs: the exact KELM alone takes about 30 s.
2. ``fusion_kelm_scaling``: exact KELM fit time against ``n_train`` (its O(n^3) growth, with
   the fitted log-log slope) next to the Nystroem path (``make_nystroem_kelm``), and the
   accuracy the approximation costs.
3. ``fusion_study_shl``: :func:`~sklearn_ccafusion.study.fusion_study` over the default
   ``n_components`` sweep, with CCA-sum + SVM (``C=1``, and ``C`` by 3-fold CV on the fused
   features), CCA-sum + Nystroem KELM and CCA-concat + SVM: the agreement of each with logit
   averaging per ``n_components``, and the canonical correlations between the first
   ``K - 1`` CCA-sum features and the summed class-centred logits. The bar: agreement
   >= 95 %.

Timings are wall times of single runs; the load average printed at the start and end says
whether other processes shared the cores.

Run ``python benchmarks/bench_fusion.py`` (about 8 minutes on 2 idle cores); ``--quick`` runs
at 3,000 train rows.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
from _harness import RESULTS, report
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_ccafusion.fusion import (
    CCASumFusion,
    KernelELMClassifier,
    LogitAverageFusion,
    make_nystroem_kelm,
)
from sklearn_ccafusion.plotting import plot_fusion
from sklearn_ccafusion.study import fusion_study, make_planted_features

N_CLASSES = 8


def make_data(n_train: int, n_val: int = 3310, seed: int = 0):
    X1, X2, y, layers = make_planted_features(
        n_train + n_val, n_classes=N_CLASSES, n_features=128, view_noise=(0.5, 0.8),
        random_state=seed,
    )
    train, val = slice(0, n_train), slice(n_train, None)
    return (X1[train], X2[train]), y[train], (X1[val], X2[val]), y[val], layers


def fit_predict(model, X_train, y_train, X_val):
    """Fit, then predict; return predictions and both wall times."""
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fitted = time.perf_counter()
    pred = model.predict(X_val)
    return pred, fitted - start, time.perf_counter() - fitted


def methods_table(data, kelm_exact: bool):
    train, y_train, val, y_val, layers = data
    X_train, X_val = np.hstack(train), np.hstack(val)
    start = time.perf_counter()
    logits = [X @ W.T + b for X, (W, b) in zip(val, layers)]
    reference = np.argmax(logits[0] + logits[1], axis=1)
    rows = [{
        "method": "logit average (network layers)", "n_components": "-",
        "fit_s": 0.0, "predict_s": time.perf_counter() - start,
        "accuracy": np.mean(reference == y_val), "agreement": 1.0,
    }]
    svm_grid = GridSearchCV(
        CCASumFusion(classifier=SVC(kernel="linear")),
        {"classifier__C": [0.01, 0.1, 1.0]}, cv=3,
    )
    candidates = [
        ("LogitAverageFusion, retrained heads (scaler + logistic)", "-",
         LogitAverageFusion([("v1", make_pipeline(StandardScaler(), LogisticRegression())),
                             ("v2", make_pipeline(StandardScaler(), LogisticRegression()))])),
        ("CCA-sum + linear SVM (C=1)", "all", CCASumFusion()),
        ("CCA-sum + linear SVM (C=1)", N_CLASSES - 1, CCASumFusion(N_CLASSES - 1)),
        ("CCA-sum + linear SVM (C by 3-fold CV)", "all", svm_grid),
        ("CCA-concat + linear SVM (C=1)", "all", CCASumFusion(fusion="concat")),
        ("CCA-sum + KELM (exact)", "all",
         CCASumFusion(classifier=KernelELMClassifier()) if kelm_exact else None),
        ("CCA-sum + KELM (exact)", N_CLASSES - 1,
         CCASumFusion(N_CLASSES - 1, classifier=KernelELMClassifier()) if kelm_exact else None),
        ("CCA-sum + KELM (Nystroem m=1000)", "all",
         CCASumFusion(classifier=make_nystroem_kelm(n_components=1000, random_state=0))),
        ("CCA-sum + KELM (Nystroem m=1000)", N_CLASSES - 1,
         CCASumFusion(N_CLASSES - 1,
                      classifier=make_nystroem_kelm(n_components=1000, random_state=0))),
    ]
    for name, n, model in candidates:
        if model is None:
            continue
        pred, fit_s, predict_s = fit_predict(model, X_train, y_train, X_val)
        if isinstance(model, GridSearchCV):
            name += f" -> C={model.best_params_['classifier__C']}"
        rows.append({
            "method": name, "n_components": n, "fit_s": fit_s, "predict_s": predict_s,
            "accuracy": np.mean(pred == y_val), "agreement": np.mean(pred == reference),
        })
    return rows


def kelm_scaling_table(data, sizes):
    train, y_train, val, y_val, _ = data
    rows = []
    cca = CCASumFusion(N_CLASSES - 1).fit(np.hstack(train), y_train)
    Z_train, Z_val = cca.transform(np.hstack(train)), cca.transform(np.hstack(val))
    for n in sizes:
        exact_pred, fit_s, _ = fit_predict(KernelELMClassifier(), Z_train[:n], y_train[:n], Z_val)
        rows.append({"classifier": "KELM exact", "n_train": n, "kernel_MB": n * n * 8 / 2**20,
                     "fit_s": fit_s,
                     "accuracy": np.mean(exact_pred == y_val), "agreement_with_exact": 1.0})
        for m in (250, 1000):
            if m >= n:
                continue
            model = make_nystroem_kelm(n_components=m, random_state=0)
            pred, fit_s, _ = fit_predict(model, Z_train[:n], y_train[:n], Z_val)
            rows.append({"classifier": f"KELM Nystroem m={m}", "n_train": n,
                         "kernel_MB": n * m * 8 / 2**20, "fit_s": fit_s,
                         "accuracy": np.mean(pred == y_val),
                         "agreement_with_exact": np.mean(pred == exact_pred)})
    exact = pd.DataFrame([r for r in rows if r["classifier"] == "KELM exact"])
    big = exact[exact["n_train"] >= 4000]  # past the fixed costs
    slope = np.polyfit(np.log(big["n_train"]), np.log(big["fit_s"]), 1)[0]
    return rows, slope


def study_table(data, n_jobs):
    train, y_train, val, y_val, layers = data
    start = time.perf_counter()
    df = fusion_study(
        train, y_train, val, y_val, layers,
        fusions={
            "cca_sum_svm": ("sum", SVC(kernel="linear")),
            "cca_sum_svm_cv": ("sum", GridSearchCV(SVC(kernel="linear"),
                                                   {"C": [0.01, 0.1, 1.0]}, cv=3)),
            "cca_sum_kelm_nystroem": ("sum", make_nystroem_kelm(n_components=1000,
                                                                random_state=0)),
            "cca_concat_svm": ("concat", SVC(kernel="linear")),
        },
        n_jobs=n_jobs, progress=False,
    )
    elapsed = time.perf_counter() - start
    swept = df[df["n_components"].notna() & df["measure"].isin(["accuracy", "agreement"])]
    swept = swept[swept["method"] != "cca_sum_vs_logit_sum"]
    table = swept.pivot_table(index="n_components", columns=["method", "measure"],
                              values="value")
    table.columns = [f"{m}:{q}" for m, q in table.columns]
    table = table.reset_index()
    references = df[df["n_components"].isna() & (df["measure"] != "canonical_correlation")]
    equivalence = df[df["method"] == "cca_sum_vs_logit_sum"]["value"].to_numpy()
    RESULTS.mkdir(parents=True, exist_ok=True)
    plot_fusion(df).savefig(RESULTS / "fusion_study_shl.png", dpi=100)
    return table, references, equivalence, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3,000 train rows, no exact KELM")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    n_train = 3000 if args.quick else 13000
    data = make_data(n_train)
    print(f"planted features: {n_train} train / 3310 val rows, 128 + 128 features, "
          f"{N_CLASSES} classes; load average at start {os.getloadavg()}\n")

    print("== 1. each fusion: fit + predict time, accuracy, agreement with logit average ==")
    report("fusion_methods", methods_table(data, kelm_exact=not args.quick))

    print("\n== 2. kernel ELM cost against n_train (CCA-sum features, K - 1 pairs) ==")
    sizes = [1000, 2000, 4000, 8000, 13000] if not args.quick else [500, 1000, 2000, 3000]
    rows, slope = kelm_scaling_table(data, [s for s in sizes if s <= n_train])
    report("fusion_kelm_scaling", rows)
    print(f"exact KELM fit time ~ n^{slope:.2f} (log-log slope over the largest sizes)")

    print("\n== 3. fusion_study at this scale: agreement with logit averaging per n ==")
    table, references, equivalence, elapsed = study_table(data, args.n_jobs)
    report("fusion_study_shl", table.to_dict(orient="records"))
    print(references[["method", "measure", "value"]].to_string(index=False))
    print(f"canonical correlations, first K-1 CCA-sum features vs summed class-centred "
          f"logits (val): {np.array2string(equivalence, precision=4)}")
    print(f"fusion_study took {elapsed:.1f} s (n_jobs={args.n_jobs})")
    for method in ("cca_sum_svm", "cca_sum_svm_cv"):
        agreement = table.set_index("n_components")[f"{method}:agreement"]
        met = [int(n) for n in agreement[agreement >= 0.95].index]
        print(f"bar ({method} agrees >= 95 % with logit averaging): met at n_components = "
              f"{met}; all pairs ({agreement.index.max()}): {agreement.iloc[-1]:.4f}")
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()} on {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
