"""ClassLayerClassifier: the original head, the retrained head and its exact objective."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ccafusion import ClassLayerClassifier
from sklearn_ccafusion.head._softmax_objective import softmax_objective


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(4, 6))
    b = rng.normal(size=4)
    X = rng.normal(size=(300, 6))
    y = np.argmax(X @ W.T + b + 0.5 * rng.gumbel(size=(300, 4)), axis=1)
    return X, y, W, b


def torch_objective(X, y, W, b, class_weight, weight_decay):
    """The training loss as torch computes it: weighted mean CE + coupled L2 (wd/2 ||.||^2)."""
    Wt = torch.tensor(W, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    logits = torch.tensor(X) @ Wt.T + bt
    loss = torch.nn.CrossEntropyLoss(weight=torch.tensor(class_weight))(logits, torch.tensor(y))
    loss = loss + weight_decay / 2 * (Wt.pow(2).sum() + bt.pow(2).sum())
    loss.backward()
    return loss.item(), np.concatenate([Wt.grad.numpy().ravel(), bt.grad.numpy()])


@pytest.mark.parametrize("weight_decay", [0.0, 1e-3, 0.1])
def test_objective_and_gradient_match_torch(problem, weight_decay):
    X, y, W, b = problem
    class_weight = np.array([1.0, 2.0, 0.5, 3.0])
    params = np.concatenate([W.ravel(), b])
    loss, grad = softmax_objective(params, X, y, class_weight[y], weight_decay, 4)
    expected_loss, expected_grad = torch_objective(X, y, W, b, class_weight, weight_decay)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-12)


def test_original_head_applies_the_layer(problem):
    X, _, W, b = problem
    head = ClassLayerClassifier(W, b).fit(X)
    assert_allclose(head.decision_function(X), X @ W.T + b)
    assert_array = np.argmax(X @ W.T + b, axis=1)
    assert np.array_equal(head.predict(X), assert_array)
    assert head.n_iter_ == 0
    assert_allclose(head.predict_proba(X).sum(axis=1), 1.0)


def test_classes_come_from_the_layer_not_y(problem):
    X, y, W, b = problem
    labels = np.array(["bike", "bus", "car", "walk"])
    head = ClassLayerClassifier(W, b, classes=labels).fit(X[:5], labels[y[:5]])
    assert list(head.classes_) == list(labels)
    only_two = ClassLayerClassifier(W, b).fit(X[y < 2], y[y < 2])
    assert list(only_two.classes_) == [0, 1, 2, 3]


def test_retrained_head_reaches_the_optimum(problem):
    X, y, W, b = problem
    head = ClassLayerClassifier(W, b, retrain=True, weight_decay=1e-2, tol=1e-9).fit(X, y)
    params = np.concatenate([head.coef_.ravel(), head.intercept_])
    _, grad = softmax_objective(params, X, y, np.ones(300), 1e-2, 4)
    assert np.abs(grad).max() < 1e-7
    assert head.n_iter_ > 0
    # a unique optimum: the cold start finds the same layer
    cold = ClassLayerClassifier(weight_decay=1e-2, tol=1e-9).fit(X, y)
    assert_allclose(cold.coef_, head.coef_, atol=1e-5)


def test_plain_classifier_matches_logistic_regression(problem):
    """Same objective: sklearn's (1/2C)||theta||^2 + sum CE with the bias as a feature."""
    X, y, _, _ = problem
    n = len(y)
    head = ClassLayerClassifier(weight_decay=0.1, tol=1e-10).fit(X, y)
    with_ones = np.hstack([X, np.ones((n, 1))])
    reference = LogisticRegression(C=1 / (0.1 * n), fit_intercept=False, tol=1e-12, max_iter=10_000)
    reference.fit(with_ones, y)
    assert_allclose(head.coef_, reference.coef_[:, :-1], atol=1e-5)
    assert_allclose(head.intercept_, reference.coef_[:, -1], atol=1e-5)


def test_balanced_class_weight_is_inverse_frequency(problem):
    X, y, _, _ = problem
    head = ClassLayerClassifier(class_weight="balanced")
    head.classes_ = np.arange(4)
    weights = head._class_weights(y, 4)
    counts = np.bincount(y, minlength=4)
    assert_allclose(weights * counts, weights[0] * counts[0])


def test_convergence_warning_and_n_iter(problem):
    X, y, W, b = problem
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        head = ClassLayerClassifier(retrain=True, max_iter=2).fit(X, y)
    assert head.n_iter_ == 2
    assert not head.converged_
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        plain = ClassLayerClassifier(retrain=True, solver="lbfgs", max_iter=2).fit(X, y)
    assert plain.n_iter_ == 2 and not plain.converged_


def test_binary_layer_gives_logit_difference(problem):
    X, _, W, b = problem
    head = ClassLayerClassifier(W[:2], b[:2]).fit(X)
    logits = X @ W[:2].T + b[:2]
    assert_allclose(head.decision_function(X), logits[:, 1] - logits[:, 0])


def test_composes_clones_pickles(problem):
    X, y, W, b = problem
    search = GridSearchCV(
        make_pipeline(StandardScaler(), ClassLayerClassifier()),
        {"classlayerclassifier__weight_decay": [1e-3, 1e-1]},
        cv=3,
    ).fit(X, y)
    assert search.best_score_ > 0.5
    head = ClassLayerClassifier(W, b, retrain=True).fit(X, y)
    restored = pickle.loads(pickle.dumps(head))
    assert_allclose(restored.decision_function(X), head.decision_function(X))
    assert clone(head).get_params()["retrain"] is True


class TestBadInput:
    def test_width_mismatch(self, problem):
        X, _, W, b = problem
        with pytest.raises(ValueError, match="reads 6 features but X has 5"):
            ClassLayerClassifier(W, b).fit(X[:, :5])

    def test_unknown_label(self, problem):
        X, y, W, b = problem
        with pytest.raises(ValueError, match="labels the layer does not know"):
            ClassLayerClassifier(W, b, retrain=True).fit(X, y + 10)

    def test_intercept_shape(self, problem):
        X, _, W, _ = problem
        with pytest.raises(ValueError, match="intercept has 3 entries but coef has 4 rows"):
            ClassLayerClassifier(W, np.zeros(3)).fit(X)

    def test_nan_layer(self, problem):
        X, _, W, b = problem
        W = W.copy()
        W[0, 0] = np.nan
        with pytest.raises(ValueError, match="finite"):
            ClassLayerClassifier(W, b).fit(X)

    def test_retrain_needs_y(self, problem):
        X, _, W, b = problem
        with pytest.raises(ValueError, match="requires y"):
            ClassLayerClassifier(W, b, retrain=True).fit(X)


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


class TestParameterChecks:
    @pytest.mark.parametrize(
        "class_weight, match",
        [
            ({0: -1.0}, "finite and non-negative"),
            ({0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0}, "weight 0 to every class present"),
            ({7: 2.0}, "labels the layer does not know"),
            ([1.0, 2.0], "one weight per class"),
            ([1.0, np.nan, 1.0, 1.0], "finite and non-negative"),
        ],
    )
    def test_bad_class_weight(self, problem, class_weight, match):
        X, y, W, b = problem
        with pytest.raises(ValueError, match=match):
            ClassLayerClassifier(W, b, retrain=True, class_weight=class_weight).fit(X, y)

    def test_zero_weight_on_every_present_class(self, problem):
        X, y, W, b = problem
        present = y < 2
        with pytest.raises(ValueError, match="weight 0 to every class present"):
            ClassLayerClassifier(W, b, retrain=True, class_weight={0: 0, 1: 0}).fit(
                X[present], y[present]
            )

    def test_duplicated_classes(self, problem):
        X, _, W, b = problem
        with pytest.raises(ValueError, match=r"classes must name each.*\['a'\]"):
            ClassLayerClassifier(W, b, classes=["a", "b", "a", "c"]).fit(X)

    @pytest.mark.parametrize("schedule", [(20,), (0, 0.5), (20, -1.0), (2.5, 0.1), (20, 0.5, 1)])
    def test_bad_lr_schedule(self, problem, schedule):
        X, y, W, b = problem
        with pytest.raises(ValueError, match="lr_schedule must be a pair"):
            ClassLayerClassifier(W, b, retrain=True, solver="adam", lr_schedule=schedule).fit(X, y)

    def test_max_iter_zero_is_rejected(self, problem):
        X, y, W, b = problem
        with pytest.raises(ValueError, match="max_iter"):
            ClassLayerClassifier(W, b, retrain=True, max_iter=0).fit(X, y)
