"""PCAWhitener against scikit-learn's PCA, streaming and edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.decomposition import PCA

from sklearn_ccafusion import PCAWhitener
from tests._two_views import make_deep_views


@pytest.fixture
def features():
    X, _ = make_deep_views(n_samples=500, n_features=(25, 3), rng=11, dead=2, duplicated=3)
    return X


@pytest.mark.parametrize("n_components", [0.5, 0.9, 0.999, 0.9999, 3, 10])
def test_matches_sklearn_pca(features, n_components):
    ours = PCAWhitener(n_components).fit(features)
    pca = PCA(n_components, svd_solver="full", whiten=True).fit(features)
    assert ours.n_components_ == pca.n_components_
    assert_allclose(ours.explained_variance_, pca.explained_variance_, rtol=1e-9)
    assert_allclose(ours.explained_variance_ratio_, pca.explained_variance_ratio_, rtol=1e-9)
    signs = np.sign(np.sum(ours.components_ * pca.components_, axis=1))
    assert_allclose(ours.components_, pca.components_ * signs[:, None], atol=1e-8)
    assert_allclose(ours.transform(features), pca.transform(features) * signs, atol=1e-7)


def test_whitened_output_has_identity_covariance(features):
    Z = PCAWhitener().fit_transform(features)
    assert_allclose(np.cov(Z.T), np.eye(Z.shape[1]), atol=1e-9)


def test_unwhitened_scores(features):
    whitener = PCAWhitener(5, whiten=False).fit(features)
    Z = whitener.transform(features)
    assert_allclose(Z.var(axis=0, ddof=1), whitener.explained_variance_, rtol=1e-9)


def test_null_directions_are_dropped(features):
    whitener = PCAWhitener(n_components=None).fit(features)
    assert whitener.rank_ == 25
    assert whitener.n_components_ == 25
    capped = PCAWhitener(n_components=28).fit(features)
    assert capped.n_components_ == 25


@pytest.mark.parametrize("whiten", [True, False])
def test_inverse_transform_round_trip(features, whiten):
    whitener = PCAWhitener(n_components=None, whiten=whiten).fit(features)
    assert_allclose(whitener.inverse_transform(whitener.transform(features)), features, atol=1e-9)


def test_partial_fit_equals_fit(features):
    whole = PCAWhitener().fit(features)
    streamed = PCAWhitener()
    for batch in np.array_split(features, 7):
        streamed.partial_fit(batch)
    assert_allclose(streamed.components_, whole.components_, atol=1e-10)
    assert_allclose(streamed.explained_variance_, whole.explained_variance_, rtol=1e-10)
    assert streamed.n_samples_seen_ == whole.n_samples_seen_ == 500


def test_float32_preserved(features):
    X = features.astype(np.float32)
    whitener = PCAWhitener().fit(X)
    assert whitener.transform(X).dtype == np.float32
    assert whitener.inverse_transform(whitener.transform(X)).dtype == np.float32


def test_constant_input_raises():
    with pytest.raises(ValueError, match="every feature is constant"):
        PCAWhitener().fit(np.ones((10, 3)))


def test_inverse_transform_shape_checked(features):
    whitener = PCAWhitener(3).fit(features)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 3\)"):
        whitener.inverse_transform(np.ones((2, 4)))


def test_feature_names_out(features):
    names = PCAWhitener(3).fit(features).get_feature_names_out()
    assert list(names) == ["pcawhitener0", "pcawhitener1", "pcawhitener2"]
