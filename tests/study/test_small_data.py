"""Small training sets (40 rows, wide features): a meaningful study, or a warning naming the fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_ccafusion import CCAProjector, PCAWhitener
from sklearn_ccafusion.study import (
    NetworkFeatures,
    cross_sensor_study,
    fusion_study,
    make_planted_features,
    subspace_study,
    summarize_study,
)
from tests._digits_features import digits_networks

N_TRAIN = 40
STUDY = {"methods": ["cca_highest", "cca_lowest"], "heads": ["original"], "progress": False,
         "random_state": 0}


def _scores(df, n_classes, width):
    mean = summarize_study(df).set_index(["method", "n"])["mean"]
    return mean["cca_highest", n_classes], mean["cca_lowest", n_classes], mean[
        "cca_highest", width]


@pytest.fixture(scope="module")
def planted_small():
    """4 classes, 128-wide features, 40 training rows, 1000 validation rows."""
    X1, X2, y, ((W1, b1), (W2, b2)) = make_planted_features(
        N_TRAIN + 1000, n_classes=4, random_state=0
    )
    tr, va = slice(0, N_TRAIN), slice(N_TRAIN, None)
    nets = (NetworkFeatures(X1[tr], X1[va], W1, b1), NetworkFeatures(X2[tr], X2[va], W2, b2))
    return nets, y[tr], y[va]


@pytest.fixture(scope="module")
def digits_small():
    """10 classes, 64-wide MLP features, 40 training rows."""
    (a, b), y_train, y_val = digits_networks()
    rows = np.random.default_rng(0).choice(len(y_train), N_TRAIN, replace=False)
    nets = tuple(
        NetworkFeatures(n.train[rows], n.validation, n.coef, n.intercept) for n in (a, b)
    )
    return nets, y_train[rows], y_val


def test_defaults_give_a_meaningful_study(planted_small):
    nets, y_train, y_val = planted_small
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        df = subspace_study(*nets, y_train, y_val, dimensions=[4, 128], **STUDY)
    highest, lowest, full = _scores(df, 4, 128)
    assert full - highest < 0.1
    assert lowest < 0.25 + 0.1  # chance is 1 / 4


def test_uncapped_whitener_warns_and_is_degenerate(planted_small):
    # the old default: 0.9999 of the variance of 40 rows keeps 39 directions per view
    nets, y_train, y_val = planted_small
    with pytest.warns(UserWarning, match=r"subspace_study: \d+ of \d+ canonical correlations "
                                         r"are above 0\.999.*PCAWhitener\(10\).*reg=0\.1"):
        df = subspace_study(*nets, y_train, y_val, dimensions=[4, 128],
                            whitener=PCAWhitener(0.9999), **STUDY)
    highest, _, full = _scores(df, 4, 128)
    assert full - highest > 0.3  # what the warning is about


def test_too_few_rows_for_the_classes_warns_and_reg_fixes_it(digits_small):
    nets, y_train, y_val = digits_small
    match = (r"keeps k1 = 10 directions .*whitener=None keeps at most n_train // 4.* 40 "
             r"training rows, fewer than 2 \* n_classes - 1 = 19.*reg=0\.1, "
             r"whitener=PCAWhitener\(0\.9999\)")
    with pytest.warns(UserWarning, match=match):
        subspace_study(*nets, y_train, y_val, dimensions=[10, 64], **STUDY)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        df = subspace_study(*nets, y_train, y_val, dimensions=[10, 64], reg=0.1,
                            whitener=PCAWhitener(0.9999), **STUDY)
    highest, lowest, full = _scores(df, 10, 64)
    assert full - highest < 0.1
    assert lowest < 0.1 + 0.1  # chance is 1 / 10


def test_reg_and_whitener_reach_every_study(planted_small):
    (a, b), y_train, y_val = planted_small
    X = np.hstack([a.train, b.train])
    reference = CCAProjector(view_sizes=(128, 128), reg=0.1).fit(X).canonical_correlations_
    fusion = fusion_study((a.train, b.train), y_train, (a.validation, b.validation), y_val,
                          ((a.coef, a.intercept), (b.coef, b.intercept)), reg=0.1,
                          n_components=[3], fusions={}, progress=False)
    measured = fusion.query("method == 'view_1_vs_view_2'")["value"].to_numpy()
    assert_allclose(measured, reference)
    params = {**STUDY, "dimensions": [4], "progress": False}
    sensors = {"a": [a, b]}
    plain = cross_sensor_study(sensors, y_train, y_val, **params)
    shrunk = cross_sensor_study(sensors, y_train, y_val, reg=0.1,
                                whitener=PCAWhitener(0.9999), **params)
    capped = cross_sensor_study(sensors, y_train, y_val, whitener=PCAWhitener(10), **params)
    assert not np.allclose(plain["score"], shrunk["score"])
    assert_allclose(plain["score"], capped["score"])  # the default is the n // 4 cap
