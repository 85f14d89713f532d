"""CCAProjector: exactness against an independent reference, streaming, composition, errors."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import linalg
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ccafusion import CCAProjector, PCAWhitener
from tests._two_views import make_deep_views

TOL = {np.float64: 1e-8, np.float32: 1e-4}


def reference_correlations(X1, X2, n_components=0.9999, max_rank=None):
    """Rank-revealing CCA by QR: project each centred view on its retained
    principal directions (chosen by scikit-learn's PCA, at most ``max_rank``),
    orthonormalise, SVD."""
    bases = []
    for X in (X1, X2):
        X = np.asarray(X, dtype=np.float64)
        Xc = X - X.mean(axis=0)
        pca = PCA(n_components=n_components, svd_solver="full").fit(X)
        if max_rank is not None and pca.n_components_ > max_rank:
            pca = PCA(n_components=max_rank, svd_solver="full").fit(X)
        q, _ = linalg.qr(Xc @ pca.components_.T, mode="economic")
        bases.append(q)
    return linalg.svdvals(bases[0].T @ bases[1])


def plain_reference(X1, X2):
    """Textbook CCA by QR of the centred views, nothing dropped."""
    q1, _ = linalg.qr(X1 - X1.mean(axis=0), mode="economic")
    q2, _ = linalg.qr(X2 - X2.mean(axis=0), mode="economic")
    return linalg.svdvals(q1.T @ q2)


CASES = {
    "tall": {"n_samples": 800, "n_features": (24, 18)},
    "wide": {"n_samples": 40, "n_features": (60, 50)},
    "rank_deficient": {"n_samples": 500, "n_features": (20, 15), "dead": 3, "duplicated": 4},
    "different_widths": {"n_samples": 400, "n_features": (30, 7)},
}


class TestExactness:
    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    @pytest.mark.parametrize("case", sorted(CASES))
    def test_matches_rank_revealing_reference(self, case, dtype):
        X1, X2 = make_deep_views(rng=1, **CASES[case])
        X1, X2 = X1.astype(dtype), X2.astype(dtype)
        cca = CCAProjector(view_sizes=(X1.shape[1], X2.shape[1])).fit(np.hstack([X1, X2]))
        # the default whitening: 0.9999 of the variance, at most n_samples // 4 directions
        expected = reference_correlations(X1, X2, max_rank=len(X1) // 4)
        assert cca.canonical_correlations_.shape == expected.shape
        assert_allclose(cca.canonical_correlations_, expected, atol=TOL[dtype])

    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    def test_explicit_whitener_is_not_capped(self, dtype):
        X1, X2 = make_deep_views(rng=1, **CASES["wide"])
        X1, X2 = X1.astype(dtype), X2.astype(dtype)
        cca = CCAProjector(view_sizes=(60, 50), whitener=PCAWhitener(0.9999))
        with pytest.warns(UserWarning, match=r"canonical correlations are above 0.999"):
            cca.fit(np.hstack([X1, X2]))
        expected = reference_correlations(X1, X2)
        assert cca.canonical_correlations_.shape == expected.shape == (26,)
        assert_allclose(cca.canonical_correlations_, expected, atol=TOL[dtype])

    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    def test_nothing_dropped_matches_plain_reference(self, dtype):
        X1, X2 = make_deep_views(n_samples=700, n_features=(12, 9), rng=2, condition=10)
        X = np.hstack([X1, X2]).astype(dtype)
        cca = CCAProjector(view_sizes=(12, 9), whitener=PCAWhitener(n_components=None)).fit(X)
        expected = plain_reference(X1.astype(dtype).astype(float), X2.astype(dtype).astype(float))
        assert_allclose(cca.canonical_correlations_, expected, atol=TOL[dtype])
        assert cca.n_components_ == 9

    @pytest.mark.parametrize("case", sorted(CASES))
    @pytest.mark.filterwarnings("ignore:CCAProjector.*canonical correlations are above")
    def test_retained_ranks_match_sklearn_pca(self, case):
        X1, X2 = make_deep_views(rng=3, **CASES[case])
        for fraction in (0.9, 0.99, 0.9999):
            cca = CCAProjector(
                view_sizes=(X1.shape[1], X2.shape[1]), whitener=PCAWhitener(fraction)
            ).fit(np.hstack([X1, X2]))
            ranks = [w.n_components_ for w in cca.whiteners_]
            expected = [PCA(fraction, svd_solver="full").fit(X).n_components_ for X in (X1, X2)]
            assert ranks == expected

    def test_large_offset_is_centred_exactly(self):
        X1, X2 = make_deep_views(n_samples=500, n_features=(10, 8), rng=4, condition=10)
        X = np.hstack([X1, X2])
        shifted = CCAProjector(view_sizes=(10, 8)).fit(X + 1e6)
        plain = CCAProjector(view_sizes=(10, 8)).fit(X)
        assert_allclose(shifted.canonical_correlations_, plain.canonical_correlations_, atol=1e-8)

    def test_truncated_path_matches_full_svd(self):
        X1, X2 = make_deep_views(n_samples=1500, n_features=(300, 280), rng=5, condition=10)
        X = np.hstack([X1, X2])
        few = CCAProjector(n_components=5, view_sizes=(300, 280)).fit(X)
        every = CCAProjector(view_sizes=(300, 280)).fit(X)
        assert_allclose(few.canonical_correlations_, every.canonical_correlations_, atol=1e-10)
        assert_allclose(few.x_weights_, every.x_weights_[:, :5], atol=1e-7)
        assert_allclose(few.y_weights_, every.y_weights_[:, :5], atol=1e-7)


class TestVariates:
    def test_unit_variance_uncorrelated_and_paired(self, deep_views):
        X1, X2 = deep_views
        X = np.hstack([X1, X2])
        cca = CCAProjector(output="both", view_sizes=(20, 16)).fit(X)
        k = cca.n_components_
        Z = cca.transform(X)
        U, V = Z[:, :k], Z[:, k:]
        assert_allclose(np.cov(U.T), np.eye(k), atol=1e-9)
        assert_allclose(np.cov(V.T), np.eye(k), atol=1e-9)
        cross = np.cov(U.T, V.T)[:k, k:]
        assert_allclose(cross, np.diag(cca.canonical_correlations_[:k]), atol=1e-9)

    def test_correlations_descending_in_unit_interval(self, deep_views):
        cca = CCAProjector(view_sizes=(20, 16)).fit(np.hstack(deep_views))
        rho = cca.canonical_correlations_
        assert np.all(np.diff(rho) <= 1e-12)
        assert rho.min() >= 0 and rho.max() <= 1

    def test_outputs_agree(self, deep_views):
        X = np.hstack(deep_views)
        both = CCAProjector(n_components=3, output="both", view_sizes=(20, 16)).fit(X)
        first = clone(both).set_params(output="first").fit(X)
        summed = clone(both).set_params(output="sum").fit(X)
        Z = both.transform(X)
        assert_allclose(first.transform(X), Z[:, :3])
        assert_allclose(summed.transform(X), Z[:, :3] + Z[:, 3:])

    def test_weights_are_original_coordinate_directions(self, deep_views):
        X1, X2 = deep_views
        cca = CCAProjector(output="both", view_sizes=(20, 16)).fit(np.hstack(deep_views))
        k = cca.n_components_
        Z = cca.transform(np.hstack(deep_views))
        assert_allclose(Z[:, :k], (X1 - X1.mean(0)) @ cca.x_weights_, atol=1e-10)
        assert_allclose(Z[:, k:], (X2 - X2.mean(0)) @ cca.y_weights_, atol=1e-10)

    def test_float32_preserved(self, deep_views):
        X = np.hstack(deep_views).astype(np.float32)
        cca = CCAProjector(view_sizes=(20, 16)).fit(X)
        assert cca.transform(X).dtype == np.float32

    def test_score_equals_train_correlations(self, deep_views):
        X = np.hstack(deep_views)
        cca = CCAProjector(n_components=4, view_sizes=(20, 16)).fit(X)
        assert cca.score(X) == pytest.approx(cca.canonical_correlations_[:4].mean(), abs=1e-10)

    def test_held_out_score_below_train(self):
        X1, X2 = make_deep_views(n_samples=200, n_features=(40, 40), rng=6)
        X = np.hstack([X1, X2])
        cca = CCAProjector(view_sizes=(40, 40)).fit(X[:100])
        assert cca.score(X[100:]) < cca.score(X[:100])

    def test_reg_one_gives_pls_directions(self, deep_views):
        X1, X2 = deep_views
        cca = CCAProjector(n_components=3, view_sizes=(20, 16), reg=1.0).fit(np.hstack(deep_views))
        cross = np.cov(X1.T, X2.T)[:20, 20:]
        u, _, vt = linalg.svd(cross)
        for j in range(3):
            cos = abs(cca.x_weights_[:, j] @ u[:, j]) / np.linalg.norm(cca.x_weights_[:, j])
            assert cos == pytest.approx(1.0, abs=1e-8)

    def test_reg_per_view(self, deep_views):
        X = np.hstack(deep_views)
        paired = CCAProjector(view_sizes=(20, 16), reg=(0.3, 0.3)).fit(X)
        single = CCAProjector(view_sizes=(20, 16), reg=0.3).fit(X)
        assert_allclose(paired.canonical_correlations_, single.canonical_correlations_)
        lopsided = CCAProjector(view_sizes=(20, 16), reg=(0.0, 0.9)).fit(X)
        assert not np.allclose(
            lopsided.canonical_correlations_[:5], single.canonical_correlations_[:5]
        )


class TestStreaming:
    @pytest.mark.parametrize("seed", range(4))
    def test_partial_fit_equals_fit(self, seed):
        rng = np.random.default_rng(seed)
        X = np.hstack(make_deep_views(n_samples=700, n_features=(15, 12), rng=seed))
        X = X + rng.normal(scale=50, size=X.shape[1])
        whole = CCAProjector(view_sizes=(15, 12)).fit(X)
        cuts = np.sort(rng.choice(np.arange(1, 700), size=rng.integers(1, 12), replace=False))
        streamed = CCAProjector(view_sizes=(15, 12))
        for batch in np.split(X, cuts):
            streamed.partial_fit(batch)
        assert streamed.n_samples_seen_ == 700
        assert_allclose(streamed.canonical_correlations_, whole.canonical_correlations_, atol=1e-10)
        assert_allclose(streamed.x_weights_, whole.x_weights_, atol=1e-10)
        assert_allclose(streamed.y_weights_, whole.y_weights_, atol=1e-10)
        assert_allclose(streamed.means_[0], whole.means_[0], atol=1e-10)

    def test_partial_fit_single_rows(self):
        X = np.hstack(make_deep_views(n_samples=60, n_features=(4, 3), rng=7))
        streamed = CCAProjector(view_sizes=(4, 3))
        for row in X:
            streamed.partial_fit(row[None, :])
        whole = CCAProjector(view_sizes=(4, 3)).fit(X)
        assert_allclose(streamed.canonical_correlations_, whole.canonical_correlations_, atol=1e-10)

    def test_partial_fit_rejects_new_width(self, deep_views):
        cca = CCAProjector(view_sizes=(20, 16)).partial_fit(np.hstack(deep_views))
        with pytest.raises(ValueError, match="features"):
            cca.partial_fit(np.hstack(deep_views)[:, :30])


class TestComposition:
    def test_pipeline_with_scaler(self, deep_views):
        X = np.hstack(deep_views)
        pipe = Pipeline([("scale", StandardScaler()), ("cca", CCAProjector(view_sizes=(20, 16)))])
        Z = pipe.fit_transform(X)
        direct = CCAProjector(view_sizes=(20, 16)).fit(StandardScaler().fit_transform(X))
        assert_allclose(pipe[-1].canonical_correlations_, direct.canonical_correlations_)
        assert Z.shape == (600, direct.n_components_)

    def test_grid_search_over_whitener(self):
        X = np.hstack(make_deep_views(n_samples=300, n_features=(30, 30), rng=8))
        search = GridSearchCV(
            CCAProjector(n_components=2, view_sizes=(30, 30), whitener=PCAWhitener()),
            {"whitener__n_components": [3, 10, 29]},
            cv=3,
        ).fit(X)
        assert search.best_params_["whitener__n_components"] in (3, 10, 29)
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))

    def test_clone_and_pickle(self, deep_views):
        X = np.hstack(deep_views)
        cca = CCAProjector(n_components=3, view_sizes=(20, 16)).fit(X)
        restored = pickle.loads(pickle.dumps(cca))
        assert_allclose(restored.transform(X), cca.transform(X))
        assert clone(cca).get_params() == cca.get_params()

    def test_signs_deterministic_across_row_orders(self, deep_views):
        X = np.hstack(deep_views)
        order = np.random.default_rng(9).permutation(len(X))
        a = CCAProjector(view_sizes=(20, 16)).fit(X)
        b = CCAProjector(view_sizes=(20, 16)).fit(X[order])
        assert_allclose(a.x_weights_, b.x_weights_, atol=1e-8)
        assert_allclose(a.y_weights_, b.y_weights_, atol=1e-8)

    def test_views_from_feature_names(self, deep_views):
        X1, X2 = deep_views
        columns = [f"left__f{i}" for i in range(20)] + [f"right__f{i}" for i in range(16)]
        frame = pd.DataFrame(np.hstack(deep_views), columns=columns)
        cca = CCAProjector().fit(frame)
        assert cca.view_sizes_ == (20, 16)
        names = cca.set_params(output="both").fit(frame).get_feature_names_out()
        assert names[0] == "ccaprojector_x0" and names[-1].startswith("ccaprojector_y")

    def test_set_output_pandas(self, deep_views):
        cca = CCAProjector(n_components=2, view_sizes=(20, 16)).set_output(transform="pandas")
        out = cca.fit_transform(np.hstack(deep_views))
        assert list(out.columns) == ["ccaprojector0", "ccaprojector1"]


class TestBadInput:
    def test_nan(self, deep_views):
        X = np.hstack(deep_views)
        X[3, 4] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            CCAProjector(view_sizes=(20, 16)).fit(X)

    def test_inf(self, deep_views):
        X = np.hstack(deep_views)
        X[3, 4] = np.inf
        with pytest.raises(ValueError, match="infinity"):
            CCAProjector(view_sizes=(20, 16)).fit(X)

    def test_one_dimensional(self):
        with pytest.raises(ValueError, match="2D array"):
            CCAProjector().fit(np.arange(10.0))

    def test_single_sample(self):
        with pytest.raises(ValueError, match="at least 2 samples, got 1"):
            CCAProjector().fit(np.ones((1, 4)))

    def test_view_sizes_do_not_sum(self, deep_views):
        with pytest.raises(ValueError, match=r"sum to 30 but X has 36 features"):
            CCAProjector(view_sizes=(20, 10)).fit(np.hstack(deep_views))

    def test_three_views(self, deep_views):
        with pytest.raises(ValueError, match="exactly 2 views, got 3"):
            CCAProjector(view_sizes=(20, 10, 6)).fit(np.hstack(deep_views))

    def test_n_components_above_rank(self, deep_views):
        cca = CCAProjector(n_components=50, view_sizes=(20, 16))
        message = r"n_components=50 is larger than the number of canonical pairs, \d+ = min"
        with pytest.raises(ValueError, match=message):
            cca.fit(np.hstack(deep_views))

    def test_constant_view(self, deep_views):
        X = np.hstack([deep_views[0], np.full((600, 5), 3.0)])
        with pytest.raises(ValueError, match="View 2 has no variance"):
            CCAProjector(view_sizes=(20, 5)).fit(X)

    def test_unwhitened_whitener(self, deep_views):
        cca = CCAProjector(view_sizes=(20, 16), whitener=PCAWhitener(whiten=False))
        with pytest.raises(ValueError, match="whiten=True"):
            cca.fit(np.hstack(deep_views))

    def test_bad_reg_pair(self, deep_views):
        with pytest.raises(ValueError, match="reg must be"):
            CCAProjector(view_sizes=(20, 16), reg=(0.1, 2.0)).fit(np.hstack(deep_views))

    def test_transform_before_fit(self, deep_views):
        from sklearn.exceptions import NotFittedError

        with pytest.raises(NotFittedError):
            CCAProjector().transform(np.hstack(deep_views))

    def test_single_column(self):
        with pytest.raises(ValueError, match=r"1 feature\(s\)"):
            CCAProjector().fit(np.ones((5, 1)))


def test_whitener_parameters_are_validated(deep_views):
    cca = CCAProjector(view_sizes=(20, 16), whitener=PCAWhitener(n_components=2.0))
    with pytest.raises(ValueError, match="n_components"):
        cca.fit(np.hstack(deep_views))
