"""Tests of the kernel extreme learning machine against its closed form."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.kernel_ridge import KernelRidge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_ccafusion.fusion import KernelELMClassifier, _kelm, _kelm_nystroem, make_nystroem_kelm
from sklearn_ccafusion.utils._memory import MemoryBudgetError


@parametrize_with_checks(
    [
        KernelELMClassifier(),
        KernelELMClassifier(C=100.0, kernel="linear"),
        KernelELMClassifier(kernel="precomputed"),
        KernelELMClassifier(solver="nystroem", n_components=20, random_state=0),
        KernelELMClassifier(solver="nystroem", kernel="precomputed", n_components=20),
        KernelELMClassifier(solver="auto"),
    ]
)
@pytest.mark.filterwarnings(
    # check_positive_only_tag_during_fit feeds a random, non-kernel matrix to "precomputed"
    "ignore:I / C \\+ K is not positive definite:RuntimeWarning"
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _data(n_classes: int, n_samples: int = 120, seed: int = 0):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=6,
        n_informative=4,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=seed,
    )
    return X[:90], y[:90], X[90:], y[90:]


def _rbf(A, B, gamma):
    """Gaussian kernel written out, independent of scikit-learn."""
    sq = (A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2.0 * A @ B.T
    return np.exp(-gamma * sq)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("C", [0.1, 10.0])
def test_equals_closed_form(n_classes, C):
    X, y, X_test, _ = _data(n_classes)
    gamma = 0.3
    clf = KernelELMClassifier(C=C, gamma=gamma).fit(X, y)

    K = _rbf(X, X, gamma)
    T = (y[:, None] == np.arange(n_classes)).astype(float)
    A = np.linalg.solve(K + np.eye(len(X)) / C, T)  # (K + I/C)^-1 T, Huang 2012
    F = _rbf(X_test, X, gamma) @ A

    scores = clf.decision_function(X_test)
    if n_classes == 2:
        assert scores.shape == (len(X_test),)
        np.testing.assert_allclose(scores, F[:, 1] - F[:, 0], rtol=1e-9, atol=1e-10)
    else:
        np.testing.assert_allclose(scores, F, rtol=1e-9, atol=1e-10)
    np.testing.assert_array_equal(clf.predict(X_test), np.argmax(F, axis=1))


def test_huang_pm1_coding_has_same_argmax():
    X, y, X_test, _ = _data(4)
    K = _rbf(X, X, 0.5)
    T_pm = 2.0 * (y[:, None] == np.arange(4)) - 1.0
    F_pm = _rbf(X_test, X, 0.5) @ np.linalg.solve(K + np.eye(len(X)), T_pm)
    clf = KernelELMClassifier(C=1.0, gamma=0.5).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X_test), np.argmax(F_pm, axis=1))


def test_equals_kernel_ridge_on_one_hot():
    X, y, X_test, _ = _data(3)
    T = (y[:, None] == np.arange(3)).astype(float)
    ridge = KernelRidge(alpha=1 / 5.0, kernel="laplacian", gamma=0.2).fit(X, T)
    clf = KernelELMClassifier(C=5.0, kernel="laplacian", gamma=0.2).fit(X, y)
    np.testing.assert_allclose(clf.decision_function(X_test), ridge.predict(X_test), atol=1e-10)


def test_precomputed_and_sparse_match_rbf():
    X, y, X_test, _ = _data(3)
    ref = KernelELMClassifier(C=3.0, gamma=0.2).fit(X, y)
    pre = KernelELMClassifier(C=3.0, kernel="precomputed").fit(_rbf(X, X, 0.2), y)
    np.testing.assert_allclose(
        pre.decision_function(_rbf(X_test, X, 0.2)), ref.decision_function(X_test), atol=1e-10
    )
    sparse = KernelELMClassifier(C=3.0, gamma=0.2).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(
        sparse.decision_function(sp.csr_matrix(X_test)), ref.decision_function(X_test),
        atol=1e-10,
    )


def test_precomputed_kernel_is_not_modified():
    X, y, _, _ = _data(2)
    K = _rbf(X, X, 0.2)
    K_before = K.copy()
    KernelELMClassifier(kernel="precomputed").fit(K, y)
    np.testing.assert_array_equal(K, K_before)


def test_indefinite_kernel_falls_back_to_least_squares():
    y = np.array([0, 1, 2, 0, 1, 2])
    K = -5.0 * np.eye(6)  # K + I/C = -4 I: not positive definite
    with pytest.warns(RuntimeWarning, match="not positive definite"):
        clf = KernelELMClassifier(C=1.0, kernel="precomputed").fit(K, y)
    T = (y[:, None] == np.arange(3)).astype(float)
    np.testing.assert_allclose(clf.dual_coef_, -T / 4.0)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_nystroem_path_reproduces_kelm_with_all_landmarks(n_classes):
    X, y, X_test, _ = _data(n_classes)
    exact = KernelELMClassifier(C=2.0, gamma=0.1).fit(X, y)
    approx = make_nystroem_kelm(C=2.0, gamma=0.1, n_components=len(X), random_state=0)
    approx.fit(X, y)
    np.testing.assert_array_equal(approx.predict(X_test), exact.predict(X_test))
    if n_classes == 2:  # both are the +-1 coded problem
        np.testing.assert_allclose(
            approx.decision_function(X_test), exact.decision_function(X_test), atol=1e-6
        )


def test_make_nystroem_kelm_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_components must be a positive int"):
        make_nystroem_kelm(n_components=0)
    with pytest.raises(ValueError, match="C must be > 0"):
        make_nystroem_kelm(C=0.0)


def test_no_predict_proba():
    X, y, _, _ = _data(3)
    clf = KernelELMClassifier().fit(X, y)
    assert not hasattr(clf, "predict_proba")


def test_bad_input_messages():
    X, y, _, _ = _data(3)
    with pytest.raises(InvalidParameterError, match="'C' parameter"):
        KernelELMClassifier(C=0.0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'kernel' parameter"):
        KernelELMClassifier(kernel="gaussian").fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        KernelELMClassifier().fit(X, np.zeros(len(X)))


def test_pipeline_grid_search_clone_pickle():
    X, y, X_test, y_test = _data(3, n_samples=200)
    pipe = make_pipeline(StandardScaler(), KernelELMClassifier())
    search = GridSearchCV(
        pipe, {"kernelelmclassifier__C": [0.1, 10.0], "kernelelmclassifier__gamma": [0.05, 0.5]},
        cv=3,
    ).fit(X, y)
    assert search.best_score_ > 0.7
    assert clone(search.best_estimator_).get_params()["kernelelmclassifier__C"] in (0.1, 10.0)
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(restored.predict(X_test), search.predict(X_test))


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("C", [0.1, 100.0])
def test_nystroem_solver_with_all_samples_as_landmarks_equals_exact(n_classes, C):
    # landmarks = all samples: phi(x)^T phi(x') is the kernel itself, so the solution is
    # the exact one; guaranteed to 1e-8 in decision values (measured: ~1e-11 at C = 100)
    X, y, X_test, _ = _data(n_classes)
    exact = KernelELMClassifier(C=C, gamma=0.1).fit(X, y)
    approx = KernelELMClassifier(C=C, gamma=0.1, solver="nystroem", n_components=len(X))
    approx.fit(X, y)
    assert approx.solver_ == "nystroem" and len(approx.landmark_indices_) == len(X)
    np.testing.assert_allclose(
        approx.decision_function(X_test), exact.decision_function(X_test), rtol=0, atol=1e-8
    )
    # more landmarks asked than samples: all of them, the same model
    more = KernelELMClassifier(C=C, gamma=0.1, solver="nystroem", n_components=10 * len(X))
    np.testing.assert_allclose(more.fit(X, y).dual_coef_, approx.dual_coef_, atol=1e-12)


def test_nystroem_solver_precomputed_and_sparse_match_dense():
    X, y, X_test, _ = _data(3)
    params = {"C": 3.0, "solver": "nystroem", "n_components": 40, "random_state": 1}
    dense = KernelELMClassifier(gamma=0.2, **params).fit(X, y)
    pre = KernelELMClassifier(kernel="precomputed", **params).fit(_rbf(X, X, 0.2), y)
    sparse = KernelELMClassifier(gamma=0.2, **params).fit(sp.csr_matrix(X), y)
    np.testing.assert_array_equal(pre.landmark_indices_, dense.landmark_indices_)
    expected = dense.decision_function(X_test)
    np.testing.assert_allclose(pre.decision_function(_rbf(X_test, X, 0.2)), expected, atol=1e-8)
    np.testing.assert_allclose(sparse.decision_function(sp.csr_matrix(X_test)), expected,
                               atol=1e-8)


def test_nystroem_solver_close_to_exact_on_a_known_problem():
    # 8 Gaussian classes in 10 dimensions, 3,000 training samples: 1,000 landmarks lose at
    # most 1 point of accuracy (measured: 0.948 vs 0.951) and agree with the exact solution
    # on >= 95 % of the test samples (measured 96.9 %); 200 landmarks agree less
    X, y = make_classification(
        n_samples=4000, n_features=10, n_informative=10, n_redundant=0, n_classes=8,
        n_clusters_per_class=1, class_sep=1.5, random_state=0,
    )
    X_train, y_train, X_test, y_test = X[:3000], y[:3000], X[3000:], y[3000:]
    exact = KernelELMClassifier(C=10.0).fit(X_train, y_train)
    agreement = {}
    for m in (200, 1000):
        approx = KernelELMClassifier(C=10.0, solver="nystroem", n_components=m, random_state=0)
        approx.fit(X_train, y_train)
        agreement[m] = np.mean(approx.predict(X_test) == exact.predict(X_test))
    assert exact.score(X_test, y_test) > 0.9  # the problem is learnable
    assert approx.score(X_test, y_test) >= exact.score(X_test, y_test) - 0.01
    assert agreement[1000] >= 0.95
    assert agreement[200] < agreement[1000]
    # the landmarks are 1,000 rows of the training samples
    assert approx.X_fit_.shape == (1000, 10)
    np.testing.assert_array_equal(approx.X_fit_, X_train[approx.landmark_indices_])


def test_nystroem_solver_deterministic_given_random_state():
    X, y, X_test, _ = _data(3)
    make = lambda seed: KernelELMClassifier(  # noqa: E731
        solver="nystroem", n_components=30, random_state=seed
    ).fit(X, y)
    first, again, other = make(7), make(7), make(8)
    np.testing.assert_array_equal(first.landmark_indices_, again.landmark_indices_)
    np.testing.assert_array_equal(first.decision_function(X_test), again.decision_function(X_test))
    assert not np.array_equal(first.landmark_indices_, other.landmark_indices_)


def test_nystroem_blocks_do_not_change_the_solution(monkeypatch):
    # the normal equations are accumulated over row blocks; blocks of 1 row give the
    # same coefficients (to round-off of the summation order)
    X, y, _, _ = _data(3)
    params = {"solver": "nystroem", "n_components": 25, "random_state": 0}
    whole = KernelELMClassifier(**params).fit(X, y)
    monkeypatch.setattr(_kelm_nystroem, "BLOCK_BYTES", 1)
    blocked = KernelELMClassifier(**params).fit(X, y)
    np.testing.assert_allclose(blocked.dual_coef_, whole.dual_coef_, rtol=1e-9, atol=1e-10)


def test_auto_solver_switches_at_the_threshold(monkeypatch):
    X, y, _, _ = _data(3)
    assert KernelELMClassifier(solver="auto").fit(X, y).solver_ == "exact"
    monkeypatch.setattr(_kelm, "EXACT_MAX_SAMPLES", len(X) - 1)
    clf = KernelELMClassifier(solver="auto", n_components=20, random_state=0).fit(X, y)
    assert clf.solver_ == "nystroem" and clf.X_fit_.shape[0] == 20
    monkeypatch.setattr(_kelm, "EXACT_MAX_SAMPLES", len(X))
    assert KernelELMClassifier(solver="auto").fit(X, y).solver_ == "exact"


def test_exact_solver_refuses_a_kernel_larger_than_memory(monkeypatch):
    X, y, _, _ = _data(3)
    monkeypatch.setenv("CCAFUSION_MEMORY_BYTES", str(8 * len(X) ** 2 - 1))
    with pytest.raises(MemoryBudgetError, match='solver="nystroem"'):
        KernelELMClassifier().fit(X, y)
    # the approximation needs no n x n matrix: it fits
    KernelELMClassifier(solver="nystroem", n_components=10).fit(X, y)
    monkeypatch.setenv("CCAFUSION_MEMORY_BYTES", str(8 * len(X) ** 2))
    KernelELMClassifier().fit(X, y)


def test_nystroem_solver_negative_kernel_named():
    # a kernel whose landmark block has no positive eigenvalue has no Nystroem feature map
    X, y, _, _ = _data(3)
    K = -(X @ X.T) - np.eye(len(X))
    clf = KernelELMClassifier(kernel="precomputed", solver="nystroem", n_components=20)
    with pytest.raises(ValueError, match="no positive eigenvalue"):
        clf.fit(K, y)
