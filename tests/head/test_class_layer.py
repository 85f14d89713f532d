"""ClassLayerClassifier: the original head, the retrained head, bad input and parameters."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ccafusion import ClassLayerClassifier
from sklearn_ccafusion.head._softmax_objective import softmax_objective


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

    @pytest.mark.parametrize("retrain", [False, True])
    def test_nan_intercept_is_named_not_the_features(self, problem, retrain):
        X, y, W, b = problem
        b = b.astype(np.float64).copy()
        b[2] = np.nan
        layer = ClassLayerClassifier(W, b, classes=["a", "b", "c", "d"], retrain=retrain)
        match = r"layer's intercept must be finite: .* classes \['c'\]"
        with pytest.raises(ValueError, match=match):
            layer.fit(X, np.array(list("abcd"))[y])
        W = W.copy()
        W[3, 1] = np.inf
        with pytest.raises(ValueError, match=r"layer's coef must be finite: .* classes \[3\]"):
            ClassLayerClassifier(W, np.zeros(len(W))).fit(X)

    def test_retrain_needs_y(self, problem):
        X, _, W, b = problem
        with pytest.raises(ValueError, match="requires y"):
            ClassLayerClassifier(W, b, retrain=True).fit(X)


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
