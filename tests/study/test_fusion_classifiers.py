"""The fusion study's default classifiers follow the kernel ELM's solver rule."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.svm import SVC, LinearSVC

from sklearn_ccafusion.fusion import _kelm
from sklearn_ccafusion.study import fusion_study, make_planted_features
from sklearn_ccafusion.study._cache import fingerprint
from sklearn_ccafusion.study._fusion_classifiers import (
    default_fusions,
    linear_svm,
    uses_liblinear,
)


def _spy_svm_fits(monkeypatch) -> list[str]:
    """Record the class name of every SVC and LinearSVC fit."""
    fitted: list[str] = []
    for cls in (SVC, LinearSVC):
        original = cls.fit

        def spy(self, X, y, sample_weight=None, _original=original):
            fitted.append(type(self).__name__)
            return _original(self, X, y, sample_weight=sample_weight)

        monkeypatch.setattr(cls, "fit", spy)
    return fitted


def _study(kelm_solver: str, n_train: int = 160):
    X1, X2, y, layers = make_planted_features(
        n_train + 80, n_classes=3, n_features=16, n_nuisance=2, random_state=2
    )
    return fusion_study(
        (X1[:n_train], X2[:n_train]), y[:n_train], (X1[n_train:], X2[n_train:]),
        y[n_train:], layers, n_components=[2], kelm_solver=kelm_solver, progress=False,
    )


@pytest.mark.parametrize(
    ("kelm_solver", "threshold", "expected"),
    [
        ("auto", 100, "LinearSVC"),  # 160 training samples, above the lowered threshold
        ("auto", None, "SVC"),  # 160 samples, below the default 10,000
        ("exact", 100, "SVC"),
        ("nystroem", None, "LinearSVC"),
    ],
)
def test_svm_solver_follows_the_kernel_rule(kelm_solver, threshold, expected, monkeypatch):
    if threshold is not None:
        monkeypatch.setattr(_kelm, "EXACT_MAX_SAMPLES", threshold)
    fitted = _spy_svm_fits(monkeypatch)
    df = _study(kelm_solver)
    assert fitted == [expected, expected]  # cca_sum_svm and cca_concat_svm, one n each
    assert {"cca_sum_svm", "cca_concat_svm"} <= set(df["method"])


def test_rule_at_the_threshold(monkeypatch):
    monkeypatch.setattr(_kelm, "EXACT_MAX_SAMPLES", 50)
    assert not uses_liblinear("auto", 50) and uses_liblinear("auto", 51)
    assert not uses_liblinear("exact", 10**7) and uses_liblinear("nystroem", 2)
    fusions = default_fusions("auto", 51)
    assert isinstance(fusions["cca_sum_svm"][1], LinearSVC)
    assert isinstance(fusions["cca_concat_svm"][1], LinearSVC)
    assert fusions["cca_sum_kelm"][1].solver == "auto"
    with pytest.raises(ValueError, match="kelm_solver must be"):
        uses_liblinear("Exact", 10)


def test_liblinear_settings_are_deterministic_hinge():
    svm = linear_svm(True)
    params = svm.get_params()
    assert (params["loss"], params["dual"], params["C"], params["multi_class"]) == (
        "hinge", True, 1.0, "ovr",
    )
    assert params["random_state"] == 0 and params["max_iter"] >= 1000
    assert linear_svm(False).get_params()["kernel"] == "linear"


def test_cache_keys_tell_the_solvers_apart():
    task = {"task": "fusion", "method": "cca_sum_svm", "fusion": "sum", "n_components": 2}
    keys = {
        fingerprint(task, linear_svm(False), "data"),
        fingerprint(task, linear_svm(True), "data"),
        fingerprint(task, LinearSVC(loss="hinge", max_iter=10_000, random_state=1), "data"),
    }
    assert len(keys) == 3
    assert fingerprint(task, linear_svm(True), "data") == fingerprint(
        task, linear_svm(True), "data"
    )


def test_liblinear_matches_libsvm_on_separable_classes():
    X, y = make_blobs(600, n_features=4, centers=3, cluster_std=0.5, random_state=0)
    X_train, y_train, X_test, y_test = X[:400], y[:400], X[400:], y[400:]
    exact = linear_svm(False).fit(X_train, y_train).predict(X_test)
    fast = linear_svm(True).fit(X_train, y_train).predict(X_test)
    assert np.mean(exact == y_test) == 1.0  # separable: the SVC makes no mistake
    assert np.mean(fast == y_test) >= 0.99
    assert np.mean(fast == exact) >= 0.99


def test_liblinear_fusion_scores_close_to_libsvm():
    scores = {}
    for solver in ("exact", "nystroem"):
        df = _study(solver, n_train=400)
        rows = df[(df["measure"] == "accuracy") & df["method"].str.endswith("_svm")]
        scores[solver] = rows.set_index("method")["value"]
    assert scores["exact"].min() > 0.8
    assert (scores["nystroem"] - scores["exact"]).abs().max() <= 0.05
