"""Similarity measures against their published formulas, recomputed independently."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from sklearn_ccafusion.similarity import class_subspace_alignment, linear_cka, pwcca, svcca
from tests._two_views import make_deep_views


@pytest.fixture(scope="module")
def pair():
    X1, X2 = make_deep_views(n_samples=400, n_features=(15, 10), rng=31, condition=10)
    return X1, X2


def _centre(X):
    return X - X.mean(axis=0)


def _qr_cca(X, Y):
    """CCA by QR of each centred view: canonical correlations and X's variates."""
    qx, _ = linalg.qr(_centre(X), mode="economic")
    qy, _ = linalg.qr(_centre(Y), mode="economic")
    u, s, _ = linalg.svd(qx.T @ qy, full_matrices=False)
    return s, qx @ u


def test_linear_cka_equals_gram_formula(pair):
    X, Y = pair
    n = len(X)
    H = np.eye(n) - 1 / n
    K, L = X @ X.T, Y @ Y.T
    hsic = np.trace(K @ H @ L @ H)
    expected = hsic / np.sqrt(np.trace(K @ H @ K @ H) * np.trace(L @ H @ L @ H))
    assert linear_cka(X, Y) == pytest.approx(expected, rel=1e-10)
    assert linear_cka(X, X) == pytest.approx(1.0)


def test_svcca_equals_svd_then_cca(pair):
    X, Y = pair
    reduced = []
    for view in (X, Y):
        u, s, _ = linalg.svd(_centre(view), full_matrices=False)
        keep = int(np.searchsorted(np.cumsum(s**2) / np.sum(s**2), 0.99, side="right")) + 1
        reduced.append(u[:, :keep] * s[:keep])
    rho, _ = _qr_cca(*reduced)
    assert svcca(X, Y) == pytest.approx(rho.mean(), abs=1e-10)
    assert svcca(X, Y, n_components=3) == pytest.approx(rho[:3].mean(), abs=1e-10)


def test_svcca_refuses_more_components_than_pairs():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(50, 5)), rng.normal(size=(50, 7))
    everything = svcca(X, Y, keep=5)
    assert svcca(X, Y, keep=5, n_components=5) == everything
    with pytest.raises(ValueError, match="n_components=50 is more than the 5 canonical pairs"):
        svcca(X, Y, keep=5, n_components=50)
    with pytest.raises(ValueError, match="n_components=6 is more than the 5 canonical pairs"):
        svcca(X, Y, keep=5, n_components=6)


def test_pwcca_equals_projection_weighted_mean(pair):
    X, Y = pair
    rho, variates = _qr_cca(X, Y)
    q, _ = linalg.qr(variates, mode="economic")
    weights = np.abs(q.T @ _centre(X)).sum(axis=1)
    expected = np.sum(weights / weights.sum() * rho)
    assert pwcca(X, Y) == pytest.approx(expected, abs=1e-10)
    assert pwcca(X, Y) != pytest.approx(pwcca(Y, X), abs=1e-6)


def _planted(where, n=3000, n_classes=5, seed=0):
    """View 1 holds class logits and a factor shared with view 2; W reads the logits only."""
    rng = np.random.default_rng(seed)
    k = n_classes - 1
    shared = rng.normal(size=(n, k))
    logits = rng.normal(size=(n, k))
    if where == "top":  # the class directions are the shared ones
        shared, logits = logits, logits
    X1 = (
        np.hstack([logits, shared, rng.normal(size=(n, 3))])
        if where != "top"
        else np.hstack([logits, rng.normal(size=(n, 3))])
    )
    X2 = np.hstack([shared + 0.1 * rng.normal(size=(n, k)), rng.normal(size=(n, 4))])
    basis = np.vstack([np.eye(k), -np.ones((1, k))])  # centred rows: span the k logit axes
    W = np.hstack([basis, np.zeros((n_classes, X1.shape[1] - k))])
    return X1, X2, W


def test_alignment_is_one_when_class_components_are_most_correlated():
    X1, X2, W = _planted("top")
    cosines = class_subspace_alignment(X1, X2, W)
    assert cosines.shape == (4,)
    assert cosines.min() > 0.99


def test_alignment_is_zero_when_class_components_are_least_correlated():
    X1, X2, W = _planted("bottom")
    assert class_subspace_alignment(X1, X2, W).max() < 0.1


def test_alignment_ignores_the_mean_row_of_w():
    X1, X2, W = _planted("top")
    shifted = W + np.random.default_rng(1).normal(size=W.shape[1])
    np.testing.assert_allclose(
        class_subspace_alignment(X1, X2, W), class_subspace_alignment(X1, X2, shifted)
    )


class TestBadInput:
    def test_sample_mismatch(self, pair):
        X, Y = pair
        with pytest.raises(ValueError, match="same number of samples"):
            linear_cka(X, Y[:-1])

    def test_layer_width(self, pair):
        X, Y = pair
        with pytest.raises(ValueError, match=r"shape \(n_classes, 15\)"):
            class_subspace_alignment(X, Y, np.ones((3, 4)))

    def test_nan(self, pair):
        X, Y = pair
        X = X.copy()
        X[0, 0] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            svcca(X, Y)


def _unbiased_hsic_loops(K, L):
    """Song et al. (2012), eq. 5, written with explicit sums over index pairs."""
    n = len(K)
    trace = sum(K[i, j] * L[j, i] for i in range(n) for j in range(n) if i != j)
    k_sum = sum(K[i, j] for i in range(n) for j in range(n) if i != j)
    l_sum = sum(L[i, j] for i in range(n) for j in range(n) if i != j)
    cross = sum(
        K[i, j] * L[j, q]
        for i in range(n)
        for j in range(n)
        for q in range(n)
        if i != j and j != q
    )
    value = trace + k_sum * l_sum / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * cross
    return value / (n * (n - 3))


@pytest.mark.parametrize("shape", [(12, 3, 5), (7, 20, 9)])
def test_debiased_cka_equals_unbiased_hsic_formula(shape):
    n, d1, d2 = shape
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, d1)) + 5.0  # uncentred: the estimator must not care
    Y = X[:, :1] @ rng.normal(size=(1, d2)) + rng.normal(size=(n, d2)) - 1.0
    K, L = X @ X.T, Y @ Y.T
    expected = _unbiased_hsic_loops(K, L) / np.sqrt(
        _unbiased_hsic_loops(K, K) * _unbiased_hsic_loops(L, L)
    )
    assert linear_cka(X, Y, debiased=True) == pytest.approx(expected, abs=1e-10)


def test_debiased_cka_removes_the_small_sample_bias():
    rng = np.random.default_rng(0)
    biased, debiased = [], []
    for _ in range(200):
        X, Y = rng.normal(size=(8, 50)), rng.normal(size=(8, 50))
        biased.append(linear_cka(X, Y))
        debiased.append(linear_cka(X, Y, debiased=True))
    assert np.mean(biased) > 0.7  # independent views look alike to the plug-in estimate
    assert abs(np.mean(debiased)) < 0.05
    with pytest.raises(ValueError, match="at least 4 samples"):
        linear_cka(X[:3], Y[:3], debiased=True)
