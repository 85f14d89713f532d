"""The heads and metrics shared by the studies: one check, one score, one retraining."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import f1_score

from sklearn_ccafusion import ClassLayerClassifier, SubspaceProjector
from sklearn_ccafusion.study import (
    NetworkFeatures,
    bootstrap_scores,
    headline_predictions,
    subspace_study,
)
from sklearn_ccafusion.study._heads import predict_heads
from sklearn_ccafusion.study._metrics import score

RNG = np.random.default_rng(0)
Y = RNG.integers(0, 3, 240)


def _net(seed: int) -> NetworkFeatures:
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(3, 6))
    X = np.eye(3)[Y] @ W + 0.7 * rng.normal(size=(240, 6))
    return NetworkFeatures(X[:160], X[160:], W, np.zeros(3))


def test_macro_f1_counts_a_missing_class_as_zero_without_warning():
    y_true, y_pred = np.array([0, 1, 2, 2]), np.array([0, 0, 2, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        value = score("f1_macro", y_true, y_pred)
    assert value == pytest.approx(f1_score(y_true, y_pred, average="macro", zero_division=0))
    assert value == pytest.approx((2 / 3 + 0 + 1) / 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: subspace_study(_net(1), _net(2), Y[:160], Y[160:], metric="auc"),
        lambda: bootstrap_scores(Y, {"net": Y}, metric="auc"),
    ],
    ids=["subspace_study", "bootstrap_scores"],
)
def test_unknown_metric_is_named_with_the_valid_ones(call):
    with pytest.raises(ValueError, match=r"Unknown metric 'auc': .*\['accuracy', 'f1_macro'\]"):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: subspace_study(_net(1), _net(2), Y[:160], Y[160:], heads=["retrain"]),
        lambda: headline_predictions(_net(1), _net(2), Y[:160], heads=["retrain"]),
    ],
    ids=["subspace_study", "headline_predictions"],
)
def test_unknown_head_is_named_with_the_valid_ones(call):
    with pytest.raises(ValueError, match=r"Unknown head\(s\) \['retrain'\]; valid heads"):
        call()


def test_heads_match_the_layers_applied_by_hand():
    # original: the network's layer on the projected features; retrained: the layer
    # retrained on the projected training features in all the coordinates (the span
    # coordinates give the same minimiser)
    network, partner = _net(1), _net(2)
    stacked = np.hstack([network.train, partner.train])
    projector = SubspaceProjector("cca_highest", n_components=2, view_sizes=(6, 6)).fit(stacked)
    got = predict_heads(projector, network, 2, ("original", "retrained"), Y[:160], {"tol": 1e-10})
    projected_val = projector.transform(np.hstack([network.validation, partner.validation]))
    projected_train = projector.transform(stacked)
    original = ClassLayerClassifier(network.coef, network.intercept).fit(projected_val[:1])
    retrained = ClassLayerClassifier(network.coef, network.intercept, retrain=True, tol=1e-10)
    retrained.fit(projected_train, Y[:160])
    np.testing.assert_array_equal(got["original"].predicted, original.predict(projected_val))
    np.testing.assert_array_equal(got["retrained"].predicted, retrained.predict(projected_val))
    assert got["original"].n_iter == 0 and got["retrained"].n_iter > 0
    assert got["retrained"].converged


def test_retrained_head_started_from_its_own_solution_stays_there():
    # the retrained layer, in the features' coordinates, is the minimiser: starting the
    # next retraining there gives the same predictions, in fewer iterations
    network, partner = _net(3), _net(4)
    stacked = np.hstack([network.train, partner.train])
    projector = SubspaceProjector("cca_highest", view_sizes=(6, 6)).fit(stacked)
    params = {"tol": 1e-8}
    first = predict_heads(projector, network, 3, ("retrained",), Y[:160], params)["retrained"]
    assert first.coef.shape == network.coef.shape and first.intercept.shape == (3,)
    again = predict_heads(
        projector, network, 3, ("retrained",), Y[:160], params, start=(first.coef, first.intercept)
    )["retrained"]
    np.testing.assert_array_equal(again.predicted, first.predicted)
    np.testing.assert_allclose(again.coef, first.coef, atol=1e-5)
    assert again.n_iter < first.n_iter
