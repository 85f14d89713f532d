"""Numerical edges, each against an exact Bjorck-Golub reference.

The reference centres each view in float64, takes an orthonormal basis of its
leading left singular vectors (the retained subspace) and returns the singular
values of ``Q1.T @ Q2`` (Bjorck and Golub 1973): no covariance is ever formed.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from sklearn_ccafusion import CCAProjector, PCAWhitener, SubspaceProjector
from sklearn_ccafusion.cca._moments import compute_moments, rounding_variance

EXACT = {"whitener": PCAWhitener(n_components=None)}


def bjorck_golub(X1, X2, ranks):
    bases = []
    for X, rank in zip((X1, X2), ranks):
        centred = np.asarray(X, dtype=np.float64)
        centred = centred - centred.mean(axis=0)
        u, _, _ = linalg.svd(centred, full_matrices=False)
        bases.append(u[:, :rank])
    return linalg.svdvals(bases[0].T @ bases[1])


def _rank_deficient(rng, n=500, rank=18, shared=9):
    """Two views of rank 18 (30 and 25 columns), 9 shared signals, offsets 100 and -50."""
    Z = rng.normal(size=(n, shared))
    X1 = np.hstack([Z, rng.normal(size=(n, rank - shared))]) @ rng.normal(size=(rank, 30))
    X2 = np.hstack([Z, rng.normal(size=(n, rank - shared))]) @ rng.normal(size=(rank, 25))
    return X1 + 100.0, X2 - 50.0


def _near_collinear(rng, cond, n=2000, widths=(10, 8)):
    """Views whose singular values span ``cond`` (covariance condition cond**2)."""
    Z = rng.normal(size=(n, 3))
    views = []
    for d in widths:
        B = rng.normal(size=(n, d))
        B[:, :3] = Z + 0.5 * rng.normal(size=(n, 3))
        Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        views.append((B * np.logspace(0, -np.log10(cond), d)) @ Q)
    return views


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rank_deficient_views_with_offset_keep_their_rank(dtype):
    # float32 rounding of the offset spreads variance of about 1e-12 of the largest
    # over the 12 and 7 null directions: noise, not directions to correlate.
    X1, X2 = (X.astype(dtype) for X in _rank_deficient(np.random.default_rng(0)))
    X = np.hstack([X1, X2])
    cca = CCAProjector(view_sizes=(30, 25), **EXACT).fit(X)
    assert [w.rank_ for w in cca.whiteners_] == [18, 18]
    expected = bjorck_golub(X1, X2, (18, 18))
    assert cca.canonical_correlations_.shape == (18,)
    np.testing.assert_allclose(cca.canonical_correlations_, expected, rtol=0, atol=1e-6)
    assert PCAWhitener(n_components=None).fit(X1).n_components_ == 18
    assert SubspaceProjector("pca", view_sizes=(30, 25)).fit(X).basis_size_ == 18


def test_rounding_variance_bounds_the_rounding_noise():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 6)) * [1, 10, 0.1, 1, 1, 1] + [1e3, -5, 0, 7, 1e4, 2]
    X32 = X.astype(np.float32)
    noise = X32.astype(np.float64) - X
    largest = np.linalg.eigvalsh(np.cov(noise.T)).max()
    bound = rounding_variance(compute_moments(X32))
    assert largest <= bound < 1e3 * largest
    ratio = (np.finfo(np.float64).eps / np.finfo(np.float32).eps) ** 2
    assert rounding_variance(compute_moments(X)) == pytest.approx(ratio * bound, rel=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_components", [None, 3])
@pytest.mark.parametrize("cond", [1e5, 1e6])
def test_near_collinear_views_correlations_are_exact(cond, n_components, dtype):
    X1, X2 = (V.astype(dtype) for V in _near_collinear(np.random.default_rng(2), cond))
    cca = CCAProjector(n_components, view_sizes=(10, 8), **EXACT).fit(np.hstack([X1, X2]))
    ranks = [w.n_components_ for w in cca.whiteners_]
    assert ranks == [10, 8]
    expected = bjorck_golub(X1, X2, ranks)
    np.testing.assert_allclose(cca.canonical_correlations_, expected, rtol=0, atol=1e-6)
    # and they are the correlations the training variates have
    U = (X1.astype(np.float64) - cca.means_[0]) @ cca.x_weights_
    V = (X2.astype(np.float64) - cca.means_[1]) @ cca.y_weights_
    k = U.shape[1]
    own = [np.corrcoef(U[:, i], V[:, i])[0, 1] for i in range(k)]
    np.testing.assert_allclose(cca.canonical_correlations_[:k], own, rtol=0, atol=1e-9)


def test_regularised_correlations_are_not_replaced():
    X1, X2 = _near_collinear(np.random.default_rng(3), 1e6)
    X = np.hstack([X1, X2])
    cca = CCAProjector(view_sizes=(10, 8), reg=0.1, **EXACT).fit(X)
    streamed = CCAProjector(view_sizes=(10, 8), reg=0.1, **EXACT).partial_fit(X)
    np.testing.assert_array_equal(cca.canonical_correlations_, streamed.canonical_correlations_)


@pytest.mark.parametrize(
    "estimator",
    [
        PCAWhitener(),
        CCAProjector(view_sizes=(2, 2)),
        SubspaceProjector("cca_highest", view_sizes=(2, 2)),
        SubspaceProjector("pca", view_sizes=(2, 2)),
    ],
    ids=lambda e: repr(e),
)
@pytest.mark.parametrize(
    "scale, message", [(1e200, "overflow float64"), (1e-200, "underflows float64")]
)
def test_values_beyond_float64_squares_are_named(estimator, scale, message):
    X = np.random.default_rng(4).normal(size=(50, 4)) * scale
    with pytest.raises(ValueError, match=rf"{message}.*Rescale X"):
        estimator.fit(X)
    estimator.fit(X / scale)  # the same data at a sane scale fit


@pytest.mark.parametrize("method", ["cca_highest", "cca_lowest"])
def test_subspace_projector_correlations_are_exact(method):
    X1, X2 = _near_collinear(np.random.default_rng(5), 1e6)
    projector = SubspaceProjector(method, view_sizes=(10, 8), **EXACT).fit(np.hstack([X1, X2]))
    expected = bjorck_golub(X1, X2, (10, 8))
    np.testing.assert_allclose(projector.canonical_correlations_, expected, rtol=0, atol=1e-6)


def _tall(rng, n=400, widths=(8, 6)):
    Z = rng.normal(size=(n, 3))
    return [Z @ rng.normal(size=(3, d)) + rng.normal(size=(n, d)) for d in widths]


def _wide(rng, n=30, widths=(40, 35)):
    """More features than samples: the centred views have rank n - 1."""
    return _tall(rng, n, widths)


def _offset(rng):
    return [V + offset for V, offset in zip(_tall(rng), (1e4, -3e3))]


CONFORMANCE = {
    "tall": _tall,
    "wide": _wide,
    "offset": _offset,
    "rank_deficient": lambda rng: _rank_deficient(rng, n=300),
    "near_collinear": lambda rng: _near_collinear(rng, 1e4, n=600),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", sorted(CONFORMANCE))
def test_correlations_match_the_exact_reference(case, dtype):
    X1, X2 = (V.astype(dtype) for V in CONFORMANCE[case](np.random.default_rng(7)))
    widths = (X1.shape[1], X2.shape[1])
    if case == "wide":  # n - 1 directions per view: every correlation is 1, and flagged
        with pytest.warns(UserWarning, match="not meaningful"):
            cca = CCAProjector(view_sizes=widths, **EXACT).fit(np.hstack([X1, X2]))
    else:
        cca = CCAProjector(view_sizes=widths, **EXACT).fit(np.hstack([X1, X2]))
    ranks = [w.n_components_ for w in cca.whiteners_]
    # the retained subspaces are the views' whole column spaces (their numerical rank)
    expected_ranks = [
        np.linalg.matrix_rank(
            V.astype(np.float64) - V.astype(np.float64).mean(axis=0),
            tol=None if dtype == np.float64 else 1e-4 * np.abs(V).max(),
        )
        for V in (X1, X2)
    ]
    assert ranks == expected_ranks
    expected = bjorck_golub(X1, X2, ranks)
    np.testing.assert_allclose(cca.canonical_correlations_, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", ["tall", "offset"])
def test_first_correlation_matches_scikit_learn_cca(case, dtype):
    from sklearn.cross_decomposition import CCA

    X1, X2 = (V.astype(dtype) for V in CONFORMANCE[case](np.random.default_rng(8)))
    ours = CCAProjector(view_sizes=(8, 6), **EXACT).fit(np.hstack([X1, X2]))
    theirs = CCA(n_components=1, scale=False, max_iter=5000, tol=1e-14).fit(
        X1.astype(np.float64), X2.astype(np.float64)
    )
    assert theirs.n_iter_[0] < 5000  # converged: its answer is a reference
    u, v = theirs.transform(X1.astype(np.float64), X2.astype(np.float64))
    reference = abs(np.corrcoef(u[:, 0], v[:, 0])[0, 1])
    assert ours.canonical_correlations_[0] == pytest.approx(reference, abs=1e-6)
