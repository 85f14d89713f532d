"""The preconditioned L-BFGS solver: the exact minimiser, against independent references."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from sklearn_ccafusion import ClassLayerClassifier
from sklearn_ccafusion.head._softmax_objective import softmax_objective


def _gradient_max(head, X, y, weights, weight_decay):
    params = np.concatenate([head.coef_.ravel(), head.intercept_])
    _, grad = softmax_objective(params, X, y, weights[y], weight_decay, head.coef_.shape[0])
    return np.abs(grad).max()


class TestPreconditionedSolver:
    """The default solver: the exact minimiser, checked against independent references."""

    def test_is_the_default(self):
        assert ClassLayerClassifier().solver == "preconditioned-lbfgs"

    def test_matches_tight_scipy_minimum_with_class_weights(self, problem):
        from scipy.optimize import minimize

        X, y, W, b = problem
        weights = np.array([1.0, 2.0, 0.5, 3.0])
        head = ClassLayerClassifier(
            W, b, retrain=True, weight_decay=1e-2, class_weight=dict(enumerate(weights))
        ).fit(X, y)
        assert head.converged_
        reference = minimize(
            softmax_objective,
            np.zeros(4 * 7),
            args=(X, y, weights[y], 1e-2, 4),
            jac=True,
            method="L-BFGS-B",
            options={"gtol": 1e-10, "ftol": 1e-16, "maxiter": 10_000},
        )
        params = np.concatenate([head.coef_.ravel(), head.intercept_])
        assert_allclose(params, reference.x, atol=1e-5)
        value = softmax_objective(params, X, y, weights[y], 1e-2, 4)[0]
        assert value - reference.fun <= 1e-9 * abs(reference.fun)

    def test_gradient_below_tol_at_the_solution(self, problem):
        X, y, W, b = problem
        for tol in (1e-6, 1e-10):
            head = ClassLayerClassifier(W, b, retrain=True, weight_decay=1e-3, tol=tol).fit(X, y)
            assert head.converged_
            assert _gradient_max(head, X, y, np.ones(4), 1e-3) <= tol

    def test_weighted_logistic_regression_equivalence(self, problem):
        """sum_i w_i CE_i / S + (wd/2)||theta||^2 is LogisticRegression with C = 1 / (wd S)."""
        X, y, _, _ = problem
        weights = {0: 1.0, 1: 2.0, 2: 0.5, 3: 3.0}
        total = sum(weights[c] for c in y)
        head = ClassLayerClassifier(weight_decay=0.05, class_weight=weights, tol=1e-10).fit(X, y)
        reference = LogisticRegression(
            C=1 / (0.05 * total), fit_intercept=False, class_weight=weights, tol=1e-12,
            max_iter=10_000,
        ).fit(np.hstack([X, np.ones((len(y), 1))]), y)  # fmt: skip
        assert_allclose(head.coef_, reference.coef_[:, :-1], atol=1e-6)
        assert_allclose(head.intercept_, reference.coef_[:, -1], atol=1e-6)

    def test_binary_matches_logistic_regression(self, problem):
        """Two rows +-w/2 at the optimum: logistic regression with (wd/4)||w||^2."""
        X, y, W, b = problem
        binary = (y >= 2).astype(int)
        n = len(binary)
        head = ClassLayerClassifier(W[:2], b[:2], retrain=True, weight_decay=0.1, tol=1e-10)
        head.fit(X, binary)
        with_ones = np.hstack([X, np.ones((n, 1))])
        reference = LogisticRegression(C=2 / (0.1 * n), fit_intercept=False, tol=1e-12)
        reference.fit(with_ones, binary)
        assert_allclose(
            head.decision_function(X), reference.decision_function(with_ones), atol=1e-6
        )
        assert_allclose(head.coef_.sum(axis=0), 0.0, atol=1e-12)

    def test_warm_start_at_the_minimum_stays(self, problem):
        X, y, W, b = problem
        first = ClassLayerClassifier(W, b, retrain=True, tol=1e-10).fit(X, y)
        again = ClassLayerClassifier(first.coef_, first.intercept_, retrain=True).fit(X, y)
        assert again.n_iter_ == 0
        assert_allclose(again.coef_, first.coef_, atol=1e-12)
        cold = ClassLayerClassifier(tol=1e-10).fit(X, y)
        assert_allclose(cold.coef_, first.coef_, atol=1e-7)
        assert first.n_iter_ < 40

    def test_same_minimiser_as_plain_lbfgs(self, problem):
        X, y, W, b = problem
        fast = ClassLayerClassifier(W, b, retrain=True, class_weight="balanced", tol=1e-9)
        plain = clone(fast).set_params(solver="lbfgs")
        fast.fit(X, y)
        plain.fit(X, y)
        assert plain.converged_ and fast.converged_
        assert_allclose(fast.coef_, plain.coef_, atol=1e-6)
        assert fast.n_iter_ < plain.n_iter_

    def test_no_weight_decay_keeps_the_mean_row(self, problem):
        """Without weight decay the row added to every class cannot change the objective."""
        X, y, W, b = problem
        head = ClassLayerClassifier(W, b, retrain=True, weight_decay=0.0, tol=1e-8).fit(X, y)
        assert head.converged_
        assert_allclose(head.coef_.mean(axis=0), W.mean(axis=0), atol=1e-12)
        assert _gradient_max(head, X, y, np.ones(4), 0.0) <= 1e-8

    def test_badly_scaled_features(self, problem):
        """Feature scales over five decades: still converged, same minimiser as scaled back."""
        X, y, _, _ = problem
        scales = np.logspace(-2, 3, X.shape[1])
        head = ClassLayerClassifier(weight_decay=1e-3, tol=1e-9).fit(X * scales, y)
        assert head.converged_
        assert _gradient_max(head, X * scales, y, np.ones(4), 1e-3) <= 1e-9
        assert head.n_iter_ < 200
