"""``LogitAverageFusion``: averaged logits or probabilities of one classifier per view."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_ccafusion.fusion import LogitAverageFusion
from sklearn_ccafusion.head import ClassLayerClassifier
from sklearn_ccafusion.study import make_planted_features


# the checks' 3-column tables are split (2, 1) with a warning that the views may be unequal
@pytest.mark.filterwarnings("ignore:.*no view_sizes, which cannot be:UserWarning")
@parametrize_with_checks(
    [
        LogitAverageFusion(),
        LogitAverageFusion(combine="proba", weights=[2.0, 1.0]),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _two_views(n_classes: int, n_samples: int = 300, widths=(4, 6), seed: int = 0):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=sum(widths),
        n_informative=sum(widths) - 2,
        n_redundant=0,
        n_classes=n_classes,
        random_state=seed,
    )
    return X, y


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("weights", [None, [3.0, 1.0]])
def test_logits_equal_manual_average(n_classes, weights):
    X, y = _two_views(n_classes)
    X1, X2 = X[:, :4], X[:, 4:]
    fusion = LogitAverageFusion(
        [("a", LogisticRegression(C=0.5)), ("b", LogisticRegression(C=2.0))],
        view_sizes=(4, 6),
        weights=weights,
    ).fit(X, y)
    d1 = LogisticRegression(C=0.5).fit(X1, y).decision_function(X1)
    d2 = LogisticRegression(C=2.0).fit(X2, y).decision_function(X2)
    w = [1.0, 1.0] if weights is None else weights
    expected = (w[0] * d1 + w[1] * d2) / sum(w)
    np.testing.assert_allclose(fusion.decision_function(X), expected, rtol=1e-10)
    if n_classes == 2:
        np.testing.assert_array_equal(fusion.predict(X), (expected > 0).astype(int))
    else:
        np.testing.assert_array_equal(fusion.predict(X), np.argmax(expected, axis=1))
    assert not hasattr(fusion, "predict_proba")


def test_proba_equal_manual_average():
    X, y = _two_views(3)
    fusion = LogitAverageFusion(view_sizes=(4, 6), combine="proba").fit(X, y)
    p1 = LogisticRegression().fit(X[:, :4], y).predict_proba(X[:, :4])
    p2 = LogisticRegression().fit(X[:, 4:], y).predict_proba(X[:, 4:])
    np.testing.assert_allclose(fusion.predict_proba(X), (p1 + p2) / 2, rtol=1e-10)
    np.testing.assert_array_equal(fusion.predict(X), np.argmax(p1 + p2, axis=1))
    assert not hasattr(fusion, "decision_function")


def test_prefit_views_keep_their_classes():
    """Prefit heads (FrozenEstimator) are used as they are, even on a y lacking a class."""
    X, y = _two_views(3)
    heads = [LogisticRegression().fit(X[:, :4], y), LogisticRegression().fit(X[:, 4:], y)]
    fusion = LogitAverageFusion(
        [("a", FrozenEstimator(heads[0])), ("b", FrozenEstimator(heads[1]))], view_sizes=(4, 6)
    )
    keep = y != 2
    fusion.fit(X[keep], y[keep])
    np.testing.assert_array_equal(fusion.classes_, [0, 1, 2])
    expected = (heads[0].decision_function(X[:, :4]) + heads[1].decision_function(X[:, 4:])) / 2
    np.testing.assert_allclose(fusion.decision_function(X), expected)


@pytest.mark.parametrize("n_classes", [2, 5])
def test_prefit_network_layers_through_class_layer_classifier(n_classes):
    """The networks' own heads: the fusion is the average of X_i W_i^T + b_i."""
    X1, X2, y, ((W1, b1), (W2, b2)) = make_planted_features(
        400, n_classes=n_classes, n_features=(30, 24), n_nuisance=2, random_state=0
    )
    heads = [("acc", ClassLayerClassifier(coef=W1, intercept=b1)),
             ("gyr", ClassLayerClassifier(coef=W2, intercept=b2))]
    X = np.hstack([X1, X2])
    keep = y != 1  # a y lacking a class: the layers still define every class
    logits = LogitAverageFusion(heads, view_sizes=(30, 24)).fit(X[keep], y[keep])
    np.testing.assert_array_equal(logits.classes_, np.arange(n_classes))
    L = (X1 @ W1.T + b1 + X2 @ W2.T + b2) / 2
    expected = L[:, 1] - L[:, 0] if n_classes == 2 else L
    np.testing.assert_allclose(logits.decision_function(X), expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(logits.predict(X), np.argmax(L, axis=1))

    proba = LogitAverageFusion(heads, view_sizes=(30, 24), combine="proba").fit(X, y)

    def softmax(a):
        e = np.exp(a - a.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    expected = (softmax(X1 @ W1.T + b1) + softmax(X2 @ W2.T + b2)) / 2
    np.testing.assert_allclose(proba.predict_proba(X), expected, rtol=1e-10)


def test_views_from_feature_names():
    X, y = _two_views(2)
    columns = [f"acc__f{i}" for i in range(4)] + [f"gyr__f{i}" for i in range(6)]
    fusion = LogitAverageFusion().fit(pd.DataFrame(X, columns=columns), y)
    assert fusion.view_sizes_ == (4, 6)
    assert fusion.named_estimators_["view_1"].n_features_in_ == 4


def test_grid_search_reaches_view_parameters_clone_pickle():
    X, y = _two_views(3)
    fusion = LogitAverageFusion(
        [("acc", LogisticRegression()), ("gyr", LogisticRegression())], view_sizes=(4, 6)
    )
    assert "acc__C" in fusion.get_params()
    search = GridSearchCV(fusion, {"acc__C": [0.01, 1.0], "gyr__C": [0.01, 1.0]}, cv=3)
    search.fit(X, y)
    assert set(search.best_params_) == {"acc__C", "gyr__C"}
    pipe = make_pipeline(StandardScaler(), clone(search.best_estimator_)).fit(X, y)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.predict(X), pipe.predict(X))
    fusion.set_params(acc=KNeighborsClassifier(), combine="proba")
    assert isinstance(fusion.estimators[0][1], KNeighborsClassifier)


def test_bad_input_messages():
    X, y = _two_views(3)
    with pytest.raises(ValueError, match=r"view_sizes=\(4, 5\) sum to 9 but X has 10"):
        LogitAverageFusion(view_sizes=(4, 5)).fit(X, y)
    with pytest.raises(ValueError, match="needs exactly 2 views"):
        LogitAverageFusion(view_sizes=(4, 3, 3)).fit(X, y)
    with pytest.raises(TypeError, match="view 'b' .*has no fit"):
        LogitAverageFusion([("a", LogisticRegression()), ("b", object())]).fit(X, y)
    with pytest.raises(TypeError, match="has no decision_function"):
        LogitAverageFusion([("a", LogisticRegression()), ("b", KNeighborsClassifier())]).fit(
            X, y
        )
    with pytest.raises(InvalidParameterError, match="'combine' parameter"):
        LogitAverageFusion(combine="mean").fit(X, y)
    with pytest.raises(ValueError, match="one value per view"):
        LogitAverageFusion(weights=[1.0, 2.0, 3.0]).fit(X, y)
    with pytest.raises(ValueError, match="not all zero"):
        LogitAverageFusion(weights=[0.0, 0.0]).fit(X, y)
    with pytest.raises(ValueError, match="not unique"):
        LogitAverageFusion([("a", LogisticRegression()), ("a", LogisticRegression())]).fit(X, y)
    with pytest.raises(ValueError, match="at least 2"):
        LogitAverageFusion([("a", LogisticRegression())]).fit(X, y)
    y_other = np.where(y == 2, 5, y)
    head = FrozenEstimator(LogisticRegression().fit(X[:, 5:], y_other))
    with pytest.raises(ValueError, match="disagree on the classes"):
        LogitAverageFusion([("a", LogisticRegression()), ("b", head)]).fit(X, y)
