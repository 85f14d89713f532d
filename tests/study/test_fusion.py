"""Tests of the fusion study, its synthetic features and its figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.metrics import f1_score
from sklearn.svm import SVC

from sklearn_ccafusion.fusion import CCASumFusion, LogitAverageFusion
from sklearn_ccafusion.head import ClassLayerClassifier
from sklearn_ccafusion.plotting import plot_fusion
from sklearn_ccafusion.study import fusion_study, make_planted_features

SVM_ONLY = {"cca_sum_svm": ("sum", SVC(kernel="linear"))}


def _split(shared="logits", n_classes=4, seed=0, **kwargs):
    X1, X2, y, layers = make_planted_features(
        2500, n_classes=n_classes, n_features=40, n_nuisance=4, view_noise=0.3,
        shared=shared, random_state=seed, **kwargs,
    )
    train, val = slice(0, 1500), slice(1500, None)
    return (X1[train], X2[train]), y[train], (X1[val], X2[val]), y[val], layers


@pytest.fixture(scope="module")
def planted_study():
    """One default study on planted features (module scope: computed once, never mutate)."""
    case = _split()
    return case, fusion_study(*case, n_components=[1, 3, None], progress=False)


def test_table_layout_and_reference_scores(planted_study):
    (train, y_train, val, y_val, layers), df = planted_study
    assert list(df.columns) == ["method", "n_components", "measure", "component", "value"]
    assert str(df["n_components"].dtype) == "Int64"
    methods = set(df["method"])
    assert {"view_1", "view_2", "logit_average", "proba_average", "cca_sum_svm",
            "cca_sum_kelm", "cca_concat_svm", "cca_sum_vs_logit_sum",
            "view_1_vs_view_2"} == methods

    logits = [X @ W.T + b for X, (W, b) in zip(val, layers)]

    def value(method, measure, n=None):
        rows = df[(df["method"] == method) & (df["measure"] == measure)]
        rows = rows[rows["n_components"].isna()] if n is None else rows[rows["n_components"] == n]
        assert len(rows) == 1
        return rows["value"].iloc[0]

    averaged = np.argmax(logits[0] + logits[1], axis=1)
    assert value("logit_average", "accuracy") == pytest.approx(np.mean(averaged == y_val))
    view_1 = np.argmax(logits[0], axis=1)
    assert value("view_1", "accuracy") == pytest.approx(np.mean(view_1 == y_val))
    assert value("view_1", "agreement") == pytest.approx(np.mean(view_1 == averaged))

    fused = CCASumFusion(3).fit(np.hstack(train), y_train).predict(np.hstack(val))
    assert value("cca_sum_svm", "accuracy", 3) == pytest.approx(np.mean(fused == y_val))
    assert value("cca_sum_svm", "agreement", 3) == pytest.approx(np.mean(fused == averaged))
    # None means all canonical pairs: the largest n_components of the sweep
    n_all = df.loc[df["method"] == "view_1_vs_view_2", "component"].max()
    swept = df.loc[df["method"] == "cca_sum_kelm", "n_components"]
    assert sorted(swept.unique()) == [1, 3, n_all]


def test_late_fusions_equal_logit_average_fusion_of_class_layers(planted_study):
    (train, y_train, val, y_val, layers), df = planted_study
    heads = [(f"v{i}", ClassLayerClassifier(coef=W, intercept=b))
             for i, (W, b) in enumerate(layers)]
    X_train, X_val = np.hstack(train), np.hstack(val)
    for combine, method in (("logits", "logit_average"), ("proba", "proba_average")):
        fusion = LogitAverageFusion(heads, combine=combine).fit(X_train, y_train)
        score = df.query(f"method == '{method}' and measure == 'accuracy'")["value"].iloc[0]
        assert score == pytest.approx(fusion.score(X_val, y_val))


def test_equivalence_measure_holds_on_shared_layers(planted_study):
    _, df = planted_study
    corr = df[df["method"] == "cca_sum_vs_logit_sum"]
    assert list(corr["component"]) == [1, 2, 3]  # K - 1 = 3 class-centred directions
    assert corr["value"].min() > 0.99
    agreement = df.query("method == 'cca_sum_svm' and measure == 'agreement' and n_components == 3")
    assert agreement["value"].iloc[0] > 0.95


def test_equivalence_measure_fails_on_negative_control():
    df = fusion_study(*_split("nuisance"), n_components=[3], fusions=SVM_ONLY, progress=False)
    corr = df.loc[df["method"] == "cca_sum_vs_logit_sum", "value"]
    assert corr.max() < 0.5
    agreement = df.query("method == 'cca_sum_svm' and measure == 'agreement'")["value"]
    assert agreement.iloc[0] < 0.5


def test_parallel_equals_sequential_and_f1_metric():
    case = _split(n_classes=3)
    kwargs = {
        "n_components": [1, 2, 8], "fusions": SVM_ONLY, "metric": "f1_macro", "progress": False,
    }
    sequential = fusion_study(*case, n_jobs=1, **kwargs)
    parallel = fusion_study(*case, n_jobs=2, **kwargs)
    pd.testing.assert_frame_equal(sequential, parallel)
    _, _, val, y_val, layers = case
    pred = np.argmax(val[1] @ layers[1][0].T + layers[1][1], axis=1)
    expected = f1_score(y_val, pred, average="macro")
    got = sequential.query("method == 'view_2' and measure == 'f1_macro'")["value"].iloc[0]
    assert got == pytest.approx(expected)


def test_default_sweep_and_class_labels():
    train, y_train, val, y_val, layers = _split(n_classes=3)
    labels = np.array([10, 20, 30])
    df = fusion_study(train, labels[y_train], val, labels[y_val], layers, classes=labels,
                      fusions=SVM_ONLY, progress=False)
    n_all = int(df.loc[df["method"] == "view_1_vs_view_2", "component"].max())
    swept = sorted(df.loc[df["method"] == "cca_sum_svm", "n_components"].unique())
    expected = sorted({*[2**i for i in range(int(np.log2(n_all)) + 1)], 2, 3, n_all})
    assert swept == expected
    assert df.query("method == 'logit_average'")["value"].iloc[0] > 0.9


def test_bad_inputs():
    train, y_train, val, y_val, layers = _split()
    with pytest.raises(ValueError, match="metric must be one of"):
        fusion_study(train, y_train, val, y_val, layers, metric="auc")
    with pytest.raises(ValueError, match="must hold two views"):
        fusion_study(train[:1], y_train, val, y_val, layers)
    with pytest.raises(ValueError, match="View 2: train features have 40 columns, validation"):
        fusion_study(train, y_train, (val[0], val[1][:, :39]), y_val, layers)
    with pytest.raises(ValueError, match="disagree on the number of classes"):
        fusion_study(train, y_train, val, y_val, (layers[0], (layers[1][0][:3], layers[1][1][:3])))
    with pytest.raises(ValueError, match="y_train has"):
        fusion_study(train, y_train[:-1], val, y_val, layers)
    with pytest.raises(ValueError, match="n_components must hold ints"):
        fusion_study(train, y_train, val, y_val, layers, n_components=[0], progress=False)


def test_planted_features_layers_read_the_logits():
    X1, X2, y, ((W1, b1), (W2, b2)) = make_planted_features(
        300, n_classes=5, n_features=(30, 25), n_nuisance=2, view_noise=(0.1, 0.2),
        random_state=1,
    )
    assert X1.shape == (300, 30) and X2.shape == (300, 25) and W2.shape == (5, 25)
    assert X1.min() >= 0 and 0.3 < np.mean(X1 == 0) < 0.7  # sparse ReLU units
    for X, W, b in ((X1, W1, b1), (X2, W2, b2)):
        assert np.mean(np.argmax(X @ W.T + b, axis=1) == y) > 0.9
    # logits are determined only up to a per-sample shift: centred logits of the views agree
    L1 = X1 @ W1.T + b1
    L2 = X2 @ W2.T + b2
    c1, c2 = L1 - L1.mean(1, keepdims=True), L2 - L2.mean(1, keepdims=True)
    assert np.corrcoef(c1.ravel(), c2.ravel())[0, 1] > 0.95
    again = make_planted_features(300, n_classes=5, n_features=(30, 25), n_nuisance=2,
                                  view_noise=(0.1, 0.2), random_state=1)
    np.testing.assert_array_equal(again[0], X1)
    with pytest.raises(ValueError, match="too small"):
        make_planted_features(100, n_classes=8, n_features=20)


def test_plot_fusion(planted_study):
    _, df = planted_study
    fig = plot_fusion(df)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "cca_sum_svm" in labels and "logit average" in labels
    with pytest.raises(ValueError, match="table of fusion_study"):
        plot_fusion(df.drop(columns="component"))


@pytest.mark.parametrize("solver", ["exact", "nystroem", "auto"])
def test_kelm_solver_reaches_the_kernel_elm(solver, monkeypatch):
    from sklearn_ccafusion.fusion import KernelELMClassifier

    fitted = []
    fit = KernelELMClassifier.fit

    def spy(self, X, y):
        fit(self, X, y)
        fitted.append((self.solver, self.solver_, self.random_state))
        return self

    monkeypatch.setattr(KernelELMClassifier, "fit", spy)
    X1, X2, y, layers = make_planted_features(
        600, n_classes=3, n_features=16, n_nuisance=2, random_state=1
    )
    fusion_study(
        (X1[:400], X2[:400]), y[:400], (X1[400:], X2[400:]), y[400:], layers,
        n_components=[1, 2], kelm_solver=solver, progress=False,
    )
    used = "exact" if solver == "auto" else solver  # 400 training rows: auto is exact
    assert fitted == [(solver, used, 0)] * 2


def test_unknown_kelm_solver():
    X1, X2, y, layers = make_planted_features(90, n_classes=3, n_features=16, n_nuisance=2)
    with pytest.raises(ValueError, match="kelm_solver must be"):
        fusion_study((X1, X2), y, (X1, X2), y, layers, kelm_solver="fast", progress=False)


def _weighted_svm_accuracy(weight, cache):
    """fusion_study with an SVC whose class weights scikit-learn's repr truncates."""
    X1, X2, y, layers = make_planted_features(
        300, n_classes=3, n_features=12, n_nuisance=2, random_state=0
    )
    names = np.array(["a" * 800, "b", "c" * 800])  # the weight of "a" falls in the "..."
    y = names[y]
    svm = SVC(kernel="linear", class_weight={names[0]: weight, names[1]: 1.0, names[2]: 1.0})
    df = fusion_study(
        (X1[:200], X2[:200]), y[:200], (X1[200:], X2[200:]), y[200:], layers,
        n_components=[2], fusions={"svm": ("sum", svm)}, classes=names, progress=False,
        cache=cache,
    )
    return df.query("method == 'svm' and measure == 'accuracy'")["value"].item()


def test_cache_keys_read_the_classifier_whole_not_its_repr(tmp_path):
    names = ["a" * 800, "b", "c" * 800]
    one, other = (SVC(class_weight={names[0]: w, names[1]: 1, names[2]: 1}) for w in (1, 1e-4))
    assert repr(one) == repr(other)  # the case: scikit-learn elides the differing weight
    expected = _weighted_svm_accuracy(1e-4, None)
    assert _weighted_svm_accuracy(1.0, None) != expected  # the weights matter
    assert _weighted_svm_accuracy(1.0, tmp_path) != expected
    assert _weighted_svm_accuracy(1e-4, tmp_path) == expected  # not the first one's fits


def test_unfingerprintable_classifier_is_computed_uncached(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X1, X2, y, layers = make_planted_features(
        300, n_classes=3, n_features=12, n_nuisance=2, random_state=0
    )
    local = make_pipeline(FunctionTransformer(lambda X: 2 * X), SVC(kernel="linear"))
    args = ((X1[:200], X2[:200]), y[:200], (X1[200:], X2[200:]), y[200:], layers)
    with pytest.warns(UserWarning, match="does not cache the fits of 'local'.*lambda"):
        cached = fusion_study(
            *args, n_components=[2], fusions={"local": ("sum", local)}, progress=False,
            cache=tmp_path,
        )
    plain = fusion_study(
        *args, n_components=[2], fusions={"local": ("sum", local)}, progress=False
    )
    pd.testing.assert_frame_equal(cached, plain)
    assert not list(tmp_path.glob("task-*.json"))


def test_fits_cached_by_other_code_are_computed_again(tmp_path, monkeypatch):
    from sklearn_ccafusion.study import _cache, _fusion

    X1, X2, y, layers = make_planted_features(
        300, n_classes=3, n_features=12, n_nuisance=2, random_state=0
    )
    args = ((X1[:200], X2[:200]), y[:200], (X1[200:], X2[200:]), y[200:], layers)
    kwargs = {"n_components": [1, 2], "progress": False, "cache": tmp_path}
    fits = []
    real = _fusion._fit_predict
    monkeypatch.setattr(_fusion, "_fit_predict", lambda *a: fits.append(a[1]) or real(*a))
    first = fusion_study(*args, **kwargs)
    assert len(fits) == 6  # 3 fusions x 2 sizes
    pd.testing.assert_frame_equal(fusion_study(*args, **kwargs), first)
    assert len(fits) == 6  # all read from the cache
    monkeypatch.setattr(_cache, "code_identity", lambda: "an edited source file")
    pd.testing.assert_frame_equal(fusion_study(*args, **kwargs), first)
    assert len(fits) == 12  # computed again, not answered by the old code's files
