"""The stacked-views contract."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.svm import SVC

from sklearn_ccafusion import CCAProjector, CCASumFusion, LogitAverageFusion, SubspaceProjector
from sklearn_ccafusion.study import fusion_study, make_planted_features
from sklearn_ccafusion.utils._views import resolve_view_sizes, split_views


def test_even_split_first_view_takes_extra():
    with pytest.warns(UserWarning, match=r"7 columns and no view_sizes.*split as \(4, 3\)"):
        assert resolve_view_sizes(None, 7) == (4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_view_sizes(None, 8) == (4, 4)
        assert resolve_view_sizes((4, 3), 7) == (4, 3)
        assert resolve_view_sizes(None, 3, np.array(["a__p", "b__q", "b__r"])) == (1, 2)


def _eight_plus_three(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X1, X2 = rng.normal(size=(n, 8)), rng.normal(size=(n, 3))
    y = (X1[:, 0] + X2[:, 0] > 0).astype(int)
    return np.hstack([X1, X2]), y


@pytest.mark.parametrize(
    "estimator",
    [
        CCAProjector(n_components=2),
        SubspaceProjector("pca", n_components=2),
        CCASumFusion(n_components=2),
        LogitAverageFusion(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_unequal_views_without_sizes_are_not_split_silently(estimator):
    # 8 + 3 columns stacked as a bare array: the even split (6, 5) cuts view 1 in two.
    X, y = _eight_plus_three()
    with pytest.warns(
        UserWarning, match=r"11 columns and no view_sizes.*view_sizes=\(d1, d2\)"
    ) as record:
        fitted = clone(estimator).fit(X, y)
    assert [w.filename for w in record] == [__file__]  # points at the caller
    assert fitted.view_sizes_ == (6, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert clone(estimator).set_params(view_sizes=(8, 3)).fit(X, y).view_sizes_ == (8, 3)
        names = [f"acc__f{i}" for i in range(8)] + [f"gyr__f{i}" for i in range(3)]
        frame = pd.DataFrame(X, columns=names)
        assert clone(estimator).fit(frame, y).view_sizes_ == (8, 3)


def test_names_define_views():
    names = np.array(["a__x", "a__y", "b__x", "b__y", "b__z"], dtype=object)
    assert resolve_view_sizes(None, 5, names) == (2, 3)


def test_names_without_prefix_fall_back_to_even_split():
    assert resolve_view_sizes(None, 4, np.array(["p", "q", "r", "s"])) == (2, 2)
    assert resolve_view_sizes(None, 4, np.array(["a__p", "a__q", "a__r", "a__s"])) == (2, 2)


def test_interleaved_names_raise():
    names = np.array(["a__x", "b__x", "a__y"])
    with pytest.raises(ValueError, match="not contiguous"):
        resolve_view_sizes(None, 3, names)


def test_explicit_sizes_checked():
    assert resolve_view_sizes([3, 2], 5) == (3, 2)
    with pytest.raises(ValueError, match="sum to 4 but X has 5"):
        resolve_view_sizes([2, 2], 5)
    with pytest.raises(ValueError, match="at least one column"):
        resolve_view_sizes([5, 0], 5)
    with pytest.raises(TypeError, match="ints"):
        resolve_view_sizes([2.5, 2.5], 5)
    with pytest.raises(TypeError, match="sequence"):
        resolve_view_sizes(5, 5)


def test_any_number_of_views():
    assert resolve_view_sizes([1, 2, 3], 6, n_views=None) == (1, 2, 3)


def test_split_views_are_views():
    X = np.arange(12.0).reshape(2, 6)
    left, right = split_views(X, (4, 2))
    assert np.shares_memory(left, X)
    assert right.tolist() == [[4.0, 5.0], [10.0, 11.0]]


def test_fusion_study_fuses_the_views_it_was_given():
    # views of 30 and 20 columns: an even split would fuse (25, 25)
    X1, X2, y, layers = make_planted_features(
        900, n_classes=4, n_features=(30, 20), n_nuisance=3, view_noise=(0.6, 0.9),
        random_state=3,
    )
    train, val = slice(0, 600), slice(600, None)
    svm = SVC(kernel="linear")
    df = fusion_study(
        (X1[train], X2[train]), y[train], (X1[val], X2[val]), y[val], layers,
        n_components=[3], fusions={"cca_sum_svm": ("sum", svm)}, progress=False,
    )
    fused = df[(df["method"] == "cca_sum_svm") & (df["measure"] == "accuracy")]
    direct = CCASumFusion(3, view_sizes=(30, 20), classifier=svm).fit(
        np.hstack([X1[train], X2[train]]), y[train]
    )
    expected = direct.score(np.hstack([X1[val], X2[val]]), y[val])
    assert float(fused["value"].iloc[0]) == pytest.approx(expected, abs=1e-12)
