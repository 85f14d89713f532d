"""The default whitening's sample-size cap, its justification, and the warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_ccafusion import CCAProjector, PCAWhitener, SubspaceProjector
from sklearn_ccafusion.cca._cca_whitening import default_max_rank, noise_correlation_edge
from sklearn_ccafusion.fusion import CCASumFusion
from sklearn_ccafusion.study import make_planted_features

SPURIOUS = r"canonical correlations are above 0\.999.*PCAWhitener\(10\).*reg=0\.1"


@pytest.fixture(scope="module")
def small():
    """40 training rows of 128-wide features, as a small user data set."""
    X1, X2, y, layers = make_planted_features(40, n_classes=4, random_state=0)
    return np.hstack([X1, X2]), y, layers


def _independent(n, k, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, k)), rng.standard_normal((n, k))


@pytest.mark.parametrize("k", [25, 50, 100])
def test_noise_edge_is_wachter_limit(k):
    # independent Gaussian views: the largest sample canonical correlation sits at
    # Wachter's edge, which the default cap (k1 + k2 <= n / 2) holds near 0.87
    n = 400
    tops = []
    for seed in range(5):
        X1, X2 = _independent(n, k, seed)
        cca = CCAProjector(view_sizes=(k, k), whitener=PCAWhitener(None))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            tops.append(cca.fit(np.hstack([X1, X2])).canonical_correlations_[0])
    assert abs(np.mean(tops) - noise_correlation_edge(k, k, n)) < 0.03
    assert noise_correlation_edge(n // 4, n // 4, n + 1) == pytest.approx(np.sqrt(3) / 2)


def test_exactly_one_beyond_the_samples():
    X1, X2 = _independent(30, 20, 0)
    cca = CCAProjector(view_sizes=(20, 20), whitener=PCAWhitener(None))
    with pytest.warns(UserWarning, match="Independent noise alone reaches .* up to 1.000"):
        cca.fit(np.hstack([X1, X2]))
    # 29 centred degrees of freedom: 20 + 20 - 29 = 11 correlations are 1
    assert np.sum(cca.canonical_correlations_ > 1 - 1e-8) == 11


def test_default_caps_rank_by_samples(small):
    X, _, _ = small
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        cca = CCAProjector(view_sizes=(128, 128)).fit(X)
    assert [w.n_components_ for w in cca.whiteners_] == [10, 10]
    assert cca.whiteners_[0].get_params()["n_components"] == default_max_rank(40) == 10
    assert cca.canonical_correlations_.max() < 0.999
    # the cap is that of an explicit PCAWhitener(10), exactly
    capped = CCAProjector(view_sizes=(128, 128), whitener=PCAWhitener(10)).fit(X)
    assert_allclose(cca.canonical_correlations_, capped.canonical_correlations_, atol=1e-12)


def test_cap_leaves_large_samples_alone():
    X1, X2, _, _ = make_planted_features(600, n_classes=4, n_features=64, random_state=1)
    X = np.hstack([X1, X2])
    default = CCAProjector(view_sizes=(64, 64)).fit(X)
    explicit = CCAProjector(view_sizes=(64, 64), whitener=PCAWhitener(0.9999)).fit(X)
    assert_allclose(default.canonical_correlations_, explicit.canonical_correlations_)
    assert default.whiteners_[0].n_components_ > 10


def test_partial_fit_equals_fit_with_cap(small):
    X, _, _ = small
    streamed = CCAProjector(view_sizes=(128, 128))
    for batch in np.array_split(X, 4):
        streamed.partial_fit(batch)
    whole = CCAProjector(view_sizes=(128, 128)).fit(X)
    assert_allclose(streamed.canonical_correlations_, whole.canonical_correlations_, atol=1e-10)


def test_reg_keeps_every_direction_without_warning(small):
    X, _, _ = small
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        cca = CCAProjector(view_sizes=(128, 128), reg=0.1).fit(X)
    assert cca.whiteners_[0].n_components_ > 10  # no cap: the shrinkage is the guard


@pytest.mark.parametrize(
    "make",
    [
        lambda: CCAProjector(view_sizes=(128, 128), whitener=PCAWhitener(0.9999)),
        lambda: SubspaceProjector(view_sizes=(128, 128), whitener=PCAWhitener(0.9999)),
    ],
)
def test_explicit_wide_whitener_warns_naming_fix(small, make):
    X, _, _ = small
    with pytest.warns(UserWarning, match=SPURIOUS):
        make().fit(X)


def test_reg_passes_through_subspace_projector_and_fusion(small):
    X, y, _ = small
    projector = SubspaceProjector(view_sizes=(128, 128), whitener=PCAWhitener(0.9999), reg=0.1)
    cca = CCAProjector(view_sizes=(128, 128), whitener=PCAWhitener(0.9999), reg=0.1).fit(X)
    assert_allclose(projector.fit(X).canonical_correlations_, cca.canonical_correlations_)
    fusion = CCASumFusion(view_sizes=(128, 128), reg=0.1).fit(X, y)
    assert fusion.cca_.reg == 0.1
    assert_allclose(fusion.cca_.canonical_correlations_, cca.canonical_correlations_)
    with pytest.raises(ValueError, match="reg must be a float in"):
        SubspaceProjector(view_sizes=(128, 128), reg=(0.1, 2.0)).fit(X)


def test_cca_methods_need_whitened_views(small):
    X, _, _ = small
    with pytest.raises(ValueError, match="pass a PCAWhitener with whiten=True"):
        SubspaceProjector(view_sizes=(128, 128), whitener=PCAWhitener(whiten=False)).fit(X)
    # the other methods do not whiten
    SubspaceProjector("pca", view_sizes=(128, 128), whitener=PCAWhitener(whiten=False)).fit(X)
