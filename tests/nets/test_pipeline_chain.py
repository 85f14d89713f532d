"""The full chain NetFeatures -> SubspaceProjector -> ClassLayerClassifier on digits.

Written against the documented API of ``SubspaceProjector`` and
``ClassLayerClassifier``: the three compose as a user would chain them.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, PredefinedSplit, train_test_split
from sklearn.pipeline import Pipeline

from sklearn_ccafusion import ClassLayerClassifier, SubspaceProjector
from sklearn_ccafusion.nets import NetFeatures
from tests.nets._helpers import make_mlp


@pytest.fixture(scope="module")
def split(digits):
    X, y = digits
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def prefit_pair(split):
    """Two digits MLPs differing only by their seed (same sensor); do not refit them."""
    X_train, _, y_train, _ = split
    return [make_mlp(max_epochs=15, random_state=s).fit(X_train, y_train) for s in (0, 1)]


def _chain(nets, head, n_components=10):
    return Pipeline(
        [
            ("feat", NetFeatures(nets)),
            ("proj", SubspaceProjector(method="cca_highest", n_components=n_components)),
            ("head", head),
        ]
    )


def test_chain_trains_and_scores(split):
    X_train, X_test, y_train, y_test = split
    nets = [
        ("a", make_mlp(max_epochs=10, random_state=0)),
        ("b", make_mlp(max_epochs=10, random_state=1)),
    ]
    chain = _chain(nets, ClassLayerClassifier()).fit(X_train, y_train)
    assert chain.score(X_test, y_test) > 0.9
    assert chain["feat"].view_sizes_ == (32, 32)


def test_chain_in_grid_search(split):
    X_train, _, y_train, _ = split
    nets = [
        ("a", make_mlp(max_epochs=2, random_state=0)),
        ("b", make_mlp(max_epochs=2, random_state=1)),
    ]
    fold = np.where(np.arange(len(y_train)) % 3 == 0, 0, -1)
    grid = GridSearchCV(
        _chain(nets, ClassLayerClassifier()),
        {"feat__a__module__hidden": [(8,), (32,)], "feat__b__max_epochs": [2, 6]},
        cv=PredefinedSplit(fold),
    ).fit(X_train, y_train)
    assert len(grid.cv_results_["params"]) == 4
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert grid.best_score_ > 0.85
    best = grid.best_estimator_["feat"]
    assert best.view_sizes_[0] == grid.best_params_["feat__a__module__hidden"][0]
    assert best.named_nets_.b.max_epochs == grid.best_params_["feat__b__max_epochs"]


def test_original_head_of_prefit_nets(split, prefit_pair):
    X_train, X_test, y_train, y_test = split
    net_a, net_b = prefit_pair
    frozen = [("a", FrozenEstimator(net_a)), ("b", FrozenEstimator(net_b))]
    # all directions kept: the projection is the identity and the head is the net's own
    full = _chain(frozen, ClassLayerClassifier.from_net(net_a), n_components=32)
    full.fit(X_train, y_train)
    assert_array_equal(full.predict(X_test), net_a.predict(X_test))
    # the 10 (= n_classes) most correlated directions keep the net's score (the paper's claim)
    top = _chain(frozen, ClassLayerClassifier.from_net(net_a)).fit(X_train, y_train)
    assert top.score(X_test, y_test) > net_a.score(X_test, y_test) - 0.05
    assert len(net_a.history) == 15  # frozen nets were not retrained


def test_retrained_head_with_adam(split, prefit_pair):
    X_train, X_test, y_train, y_test = split
    net_a, net_b = prefit_pair
    frozen = [("a", FrozenEstimator(net_a)), ("b", FrozenEstimator(net_b))]
    head = ClassLayerClassifier.from_net(net_a).set_params(retrain=True, solver="adam")
    chain = _chain(frozen, head).fit(X_train, y_train)
    assert chain.score(X_test, y_test) > 0.9


def test_views_found_from_pandas_names(split):
    X_train, X_test, y_train, y_test = split
    nets = [
        ("a", make_mlp(max_epochs=10, random_state=0)),
        ("b", make_mlp(max_epochs=10, random_state=1, module__hidden=(16,))),
    ]
    chain = _chain(nets, ClassLayerClassifier()).set_output(transform="pandas")
    chain.fit(X_train, y_train)
    assert chain[:-1].transform(X_test).shape == (len(X_test), 32)
    assert chain.score(X_test, y_test) > 0.9
