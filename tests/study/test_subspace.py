"""The study function against the user-level composition, determinism and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import Pipeline

from sklearn_ccafusion import ClassLayerClassifier, SubspaceProjector
from sklearn_ccafusion.study import (
    NetworkFeatures,
    cross_sensor_study,
    default_dimensions,
    subspace_study,
    summarize_study,
)
from tests._digits_features import digits_networks

DIMS = [1, 3, 10, 30]


@pytest.fixture(scope="module")
def nets():
    return digits_networks()


def _grid_search(net, partner, y_train, y_val, method, head):
    X = np.vstack(
        [np.hstack([net.train, partner.train]), np.hstack([net.validation, partner.validation])]
    )
    y = np.concatenate([y_train, y_val])
    fold = np.r_[np.full(len(y_train), -1), np.zeros(len(y_val))]
    pipe = Pipeline(
        [
            ("project", SubspaceProjector(method, view_sizes=(64, 64), random_state=0)),
            ("head", ClassLayerClassifier(net.coef, net.intercept, retrain=head == "retrained")),
        ]
    )
    search = GridSearchCV(
        pipe, {"project__n_components": DIMS}, cv=PredefinedSplit(fold), refit=False
    )
    return search.fit(X, y).cv_results_["mean_test_score"]


@pytest.mark.parametrize("head", ["original", "retrained"])
def test_study_equals_grid_search_over_pipeline(nets, head):
    (net, partner), y_train, y_val = nets
    study = subspace_study(
        net,
        partner,
        y_train,
        y_val,
        methods=["cca_highest"],
        dimensions=DIMS,
        heads=[head],
        progress=False,
    )
    expected = _grid_search(net, partner, y_train, y_val, "cca_highest", head)
    tolerance = 0 if head == "original" else 2 / len(y_val)
    np.testing.assert_allclose(study["score"].to_numpy(), expected, atol=tolerance + 1e-12)


def test_reproducible_whatever_the_number_of_workers(nets):
    (net, partner), y_train, y_val = nets
    kwargs = {
        "methods": ["random_projection", "cca_random"],
        "dimensions": [2, 5],
        "repeats": 2,
        "heads": ["original"],
        "random_state": 3,
        "progress": False,
    }
    serial = subspace_study(net, partner, y_train, y_val, **kwargs)
    parallel = subspace_study(net, partner, y_train, y_val, n_jobs=2, **kwargs)
    pd.testing.assert_frame_equal(serial, parallel)
    other = subspace_study(net, partner, y_train, y_val, **{**kwargs, "random_state": 4})
    assert not np.array_equal(serial["seed"], other["seed"])


def test_tidy_output_and_repeats(nets):
    (net, partner), y_train, y_val = nets
    df = subspace_study(
        [net, partner],
        [partner, net],
        y_train,
        y_val,
        methods=["pca", "random_selection"],
        dimensions=[4],
        repeats=3,
        metric="f1_macro",
        labels=[{"sensor": "digits"}, {"sensor": "digits"}],
        progress=False,
    )
    assert {
        "sensor",
        "pair",
        "method",
        "n",
        "repeat",
        "seed",
        "head",
        "metric",
        "score",
        "n_iter",
    } <= set(df.columns)
    counts = df.groupby(["method", "head"]).size()
    assert counts[("pca", "original")] == 2
    assert counts[("random_selection", "original")] == 6
    assert (df["metric"] == "f1_macro").all()
    assert (df.loc[df["head"] == "retrained", "n_iter"] > 0).all()
    summary = summarize_study(df)
    assert set(summary["count"]) == {2, 6}


def test_cross_sensor_grid(nets):
    (a, b), y_train, y_val = nets
    df = cross_sensor_study(
        {"left": [a, b], "right": [a, b]},
        y_train,
        y_val,
        dimensions=[10],
        repeats=1,
        progress=False,
    )
    assert set(zip(df["sensor"], df["partner"])) == {
        ("left", "left"),
        ("left", "right"),
        ("right", "left"),
        ("right", "right"),
    }
    assert set(df["head"]) == {"original"}
    assert set(df["method"]) == {"cca_highest", "cca_random", "cca_lowest"}
    highest = df[df["method"] == "cca_highest"]["score"]
    lowest = df[df["method"] == "cca_lowest"]["score"]
    assert highest.min() > lowest.max()


def test_default_dimensions():
    assert default_dimensions(10, 64) == list(range(1, 21)) + [32, 64]
    assert default_dimensions(8, 100) == list(range(1, 17)) + [32, 64, 100]
    assert default_dimensions(4, 6) == [1, 2, 3, 4, 5, 6]


class TestBadInput:
    def test_unknown_method(self, nets):
        (net, partner), y_train, y_val = nets
        with pytest.raises(ValueError, match="valid methods are .*cca_highest"):
            subspace_study(net, partner, y_train, y_val, methods=["cca_best"], progress=False)

    def test_sample_counts_differ(self, nets):
        (net, partner), y_train, y_val = nets
        short = NetworkFeatures(
            partner.train[:-1], partner.validation, partner.coef, partner.intercept
        )
        with pytest.raises(ValueError, match="same number of samples"):
            subspace_study(net, short, y_train, y_val, progress=False)

    def test_layer_width(self, nets):
        (net, _), _, _ = nets
        with pytest.raises(ValueError, match="same number of features"):
            NetworkFeatures(net.train, net.validation, net.coef[:, :10], net.intercept)

    def test_partner_count(self, nets):
        (net, partner), y_train, y_val = nets
        with pytest.raises(ValueError, match="one CCA partner"):
            subspace_study([net, net], [partner], y_train, y_val, progress=False)

    def test_too_few_networks_for_pairs(self, nets):
        (a, b), y_train, y_val = nets
        with pytest.raises(ValueError, match="2 \\* n_pairs"):
            cross_sensor_study({"x": [a], "y": [a, b]}, y_train, y_val, n_pairs=1)

    @pytest.mark.parametrize(
        "dimensions, error, match",
        [
            ([2.5], TypeError, r"dimensions\[0\] must be an int, got 2.5"),
            ([2, True], TypeError, r"dimensions\[1\] must be an int, got True"),
            ([3, 0], ValueError, r"dimensions\[1\] must be at least 1, got 0"),
            (3, TypeError, "dimensions must be a list of ints"),
            ("12", TypeError, "dimensions must be a list of ints"),
        ],
    )
    def test_dimensions_are_positive_ints(self, nets, dimensions, error, match):
        (net, partner), y_train, y_val = nets
        with pytest.raises(error, match=match):
            subspace_study(net, partner, y_train, y_val, dimensions=dimensions, progress=False)

    def test_integer_dimensions_of_any_int_type(self, nets):
        (net, partner), y_train, y_val = nets
        study = {"methods": ["cca_highest"], "heads": ["original"], "progress": False}
        study["random_state"] = 0
        numpy_ints = subspace_study(
            net, partner, y_train, y_val, dimensions=np.array([2, 5]), **study
        )
        plain = subspace_study(net, partner, y_train, y_val, dimensions=[2, 5], **study)
        pd.testing.assert_frame_equal(numpy_ints, plain)


def test_cached_study_equals_uncached_and_keys_read_the_whitener(nets, tmp_path):
    from sklearn_ccafusion import PCAWhitener
    from sklearn_ccafusion.study import TaskCache

    (net, partner), y_train, y_val = nets
    kwargs = {"methods": ["cca_highest"], "dimensions": [2, 5], "random_state": 0}
    kwargs["progress"] = False
    cache = TaskCache(tmp_path)
    plain = subspace_study(net, partner, y_train, y_val, **kwargs)
    cached = subspace_study(net, partner, y_train, y_val, cache=cache, **kwargs)
    again = subspace_study(net, partner, y_train, y_val, cache=cache, **kwargs)
    pd.testing.assert_frame_equal(cached, plain)
    pd.testing.assert_frame_equal(again, plain)  # read back: the same table, the same types
    n_files = len(cache)
    other = PCAWhitener(0.5)
    subspace_study(net, partner, y_train, y_val, cache=cache, whitener=other, **kwargs)
    assert len(cache) == 2 * n_files  # another whitener: other keys

