"""SubspaceProjector: projection algebra, the seven methods, and the paper's claim on digits."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.metrics import accuracy_score

from sklearn_ccafusion import CCAProjector, SubspaceProjector
from sklearn_ccafusion.subspace import METHODS
from tests._digits_features import digits_networks
from tests._two_views import make_deep_views

RANDOM = {"cca_random", "random_selection", "random_projection"}


@pytest.fixture(scope="module")
def nets():
    return digits_networks()


@pytest.fixture(scope="module")
def views():
    X1, X2 = make_deep_views(n_samples=500, n_features=(18, 12), rng=21, dead=2)
    return np.hstack([X1, X2]), (X1.shape[1], X2.shape[1])


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("n", [1, 3, 7])
def test_is_a_projection_of_rank_n_about_the_mean(views, method, n):
    X, sizes = views
    projector = SubspaceProjector(method, n, view_sizes=sizes, random_state=0).fit(X)
    P = projector.projection_matrix()
    assert_allclose(P @ P, P, atol=1e-8)
    assert np.linalg.matrix_rank(P, tol=1e-8) == n
    X1 = X[:, :20]
    assert_allclose(projector.transform(X), (X1 - X1.mean(0)) @ P + X1.mean(0), atol=1e-9)
    # the training mean is a fixed point
    mean_row = np.hstack([X1.mean(0), X[:, 20:].mean(0)])[None, :]
    assert_allclose(projector.transform(mean_row), X1.mean(0)[None, :], atol=1e-9)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_at_or_above_the_rank_returns_the_input(views, method):
    X, sizes = views
    projector = SubspaceProjector(method, 500, view_sizes=sizes, random_state=0).fit(X)
    assert_allclose(projector.transform(X), X[:, :20])
    default = SubspaceProjector(method, view_sizes=sizes, random_state=0).fit(X)
    assert_allclose(default.transform(X), X[:, :20])


def test_cca_subspaces_nest(views):
    X, sizes = views
    projector = SubspaceProjector("cca_highest", view_sizes=sizes).fit(X)
    for n in range(1, projector.basis_size_ - 1):
        small, large = projector.projection_matrix(n), projector.projection_matrix(n + 1)
        assert_allclose(small @ large, small, atol=1e-8)


def test_cca_highest_keeps_the_most_correlated_variates(views):
    X, sizes = views
    projector = SubspaceProjector("cca_highest", 3, view_sizes=sizes).fit(X)
    cca = CCAProjector(n_components=3, view_sizes=sizes).fit(X)
    # projecting view 1 first leaves its first three canonical variates unchanged
    projected = np.hstack([projector.transform(X), X[:, 20:]])
    assert_allclose(cca.transform(projected), cca.transform(X), atol=1e-8)
    assert_allclose(projector.canonical_correlations_, cca.canonical_correlations_)


def test_cca_lowest_is_the_reverse_order(views):
    X, sizes = views
    highest = SubspaceProjector("cca_highest", view_sizes=sizes).fit(X)
    k1 = highest.basis_size_
    lowest = SubspaceProjector("cca_lowest", 4, view_sizes=sizes).fit(X)
    low, high = lowest.projection_matrix(), highest.projection_matrix(k1 - 4)
    # complementary pieces of the same canonical basis
    assert_allclose(low @ high, 0.0, atol=1e-8)
    assert_allclose(high @ low, 0.0, atol=1e-8)
    basis = highest._basis
    assert_allclose(low + high, basis.forward @ basis.inverse, atol=1e-8)


def test_basis_is_completed_to_the_retained_rank(views):
    X, sizes = views
    projector = SubspaceProjector("cca_lowest", view_sizes=sizes).fit(X)
    cca = CCAProjector(view_sizes=sizes).fit(X)
    k1, k2 = (w.n_components_ for w in cca.whiteners_)
    assert k1 > k2
    assert projector.basis_size_ == k1


def test_pca_matches_sklearn(views):
    X, sizes = views
    X1 = X[:, :20]
    projector = SubspaceProjector("pca", 4, view_sizes=sizes).fit(X)
    pca = PCA(4, svd_solver="full").fit(X1)
    assert_allclose(projector.transform(X), pca.inverse_transform(pca.transform(X1)), atol=1e-8)


def test_max_activation_keeps_top_units(views):
    X, sizes = views
    projector = SubspaceProjector("max_activation", 5, view_sizes=sizes).fit(X)
    X1 = X[:, :20]
    top = np.argsort(-X1.max(axis=0), kind="stable")[:5]
    out = projector.transform(X)
    assert_allclose(out[:, top], X1[:, top])
    rest = np.setdiff1d(np.arange(20), top)
    assert_allclose(out[:, rest], np.broadcast_to(X1[:, rest].mean(0), (500, 15)))


@pytest.mark.parametrize("method", sorted(RANDOM))
def test_random_methods_follow_random_state(views, method):
    X, sizes = views
    a = SubspaceProjector(method, 3, view_sizes=sizes, random_state=1).fit(X).transform(X)
    b = SubspaceProjector(method, 3, view_sizes=sizes, random_state=1).fit(X).transform(X)
    c = SubspaceProjector(method, 3, view_sizes=sizes, random_state=2).fit(X).transform(X)
    assert_allclose(a, b)
    assert not np.allclose(a, c)


def test_float32_clone_pickle(views):
    X, sizes = views
    projector = SubspaceProjector("cca_highest", 3, view_sizes=sizes).fit(X.astype(np.float32))
    assert projector.transform(X.astype(np.float32)).dtype == np.float32
    restored = pickle.loads(pickle.dumps(projector))
    assert_allclose(restored.transform(X), projector.transform(X))
    assert clone(projector).get_params() == projector.get_params()


def test_feature_names_are_view_one_names(views):
    import pandas as pd

    X, sizes = views
    columns = [f"a__{i}" for i in range(20)] + [f"b__{i}" for i in range(14)]
    projector = SubspaceProjector("pca", 2).fit(pd.DataFrame(X, columns=columns))
    assert projector.view_sizes_ == (20, 14)
    assert list(projector.get_feature_names_out()) == columns[:20]


class TestBadInput:
    def test_unknown_method_lists_valid_ones(self, views):
        X, sizes = views
        with pytest.raises(ValueError, match="cca_highest"):
            SubspaceProjector("cca_best", view_sizes=sizes).fit(X)

    def test_n_components_below_one(self, views):
        X, sizes = views
        with pytest.raises(ValueError, match="n_components"):
            SubspaceProjector("pca", 0, view_sizes=sizes).fit(X)

    def test_wrong_width_at_transform(self, views):
        X, sizes = views
        projector = SubspaceProjector("pca", 2, view_sizes=sizes).fit(X)
        with pytest.raises(ValueError, match="features"):
            projector.transform(X[:, :20])


class TestPaperClaimOnDigits:
    """Two MLPs on digits: the n_classes most correlated directions carry the classes."""

    def _score(self, nets, method, n, extra=None):
        (net, partner), _, y_val = nets
        X = np.hstack([net.train, partner.train])
        sizes = (net.n_features, partner.n_features)
        projector = SubspaceProjector(method, n, view_sizes=sizes, random_state=0).fit(X)
        logits = projector._project(net.validation, n) @ net.coef.T + net.intercept
        return accuracy_score(y_val, logits.argmax(axis=1))

    def test_cca_highest_keeps_the_score_and_lowest_loses_it(self, nets):
        full = self._score(nets, "cca_highest", 10_000)
        assert full > 0.9
        assert self._score(nets, "cca_highest", 10) >= 0.95 * full
        assert self._score(nets, "cca_lowest", 10) < 0.3
        assert self._score(nets, "random_projection", 10) < 0.95 * full

    def test_negative_control_nuisance_correlates_more(self, nets):
        """A class-free factor shared more strongly than the logits takes the top directions."""
        (net, partner), y_train, y_val = nets
        rng = np.random.default_rng(0)

        def with_nuisance(features, nuisance, scale):
            noise = 0.01 * rng.normal(size=nuisance.shape)
            return np.hstack([features, scale * (nuisance + noise)])

        nuisance_train = rng.normal(size=(len(y_train), 10))
        nuisance_val = rng.normal(size=(len(y_val), 10))
        X1 = with_nuisance(net.train, nuisance_train, 5.0)
        X2 = with_nuisance(partner.train, nuisance_train, 3.0)
        V1 = with_nuisance(net.validation, nuisance_val, 5.0)
        coef = np.hstack([net.coef, np.zeros((10, 10))])
        sizes = (X1.shape[1], X2.shape[1])
        projector = SubspaceProjector("cca_highest", 10, view_sizes=sizes).fit(np.hstack([X1, X2]))
        assert projector.canonical_correlations_[9] > 0.99
        logits = projector._project(V1, 10) @ coef.T + net.intercept
        assert accuracy_score(y_val, logits.argmax(axis=1)) < 0.3
