"""ChannelStandardizer: statistics against numpy on the training side, and the contract."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_ccafusion.preprocessing import ChannelStandardizer


@pytest.fixture
def windows():
    rng = np.random.default_rng(0)
    means, stds = np.array([1.0, -3.0, 50.0]), np.array([0.5, 2.0, 10.0])
    X = rng.normal(size=(40, 3, 25)) * stds[:, None] + means[:, None]
    return X


def test_statistics_match_numpy_on_the_train_side(windows):
    train, val = windows[:30], windows[30:] + 7.0
    scaler = ChannelStandardizer().fit(train)
    assert_allclose(scaler.mean_, train.mean(axis=(0, 2)), rtol=1e-12)
    assert_allclose(scaler.var_, train.var(axis=(0, 2)), rtol=1e-12)
    assert_allclose(scaler.scale_, train.std(axis=(0, 2)), rtol=1e-12)
    Z = scaler.transform(val)  # validation uses the training statistics
    expected = (val - train.mean(axis=(0, 2))[:, None]) / train.std(axis=(0, 2))[:, None]
    assert_allclose(Z, expected, rtol=1e-10, atol=1e-12)
    assert_allclose(scaler.transform(train).mean(axis=(0, 2)), 0.0, atol=1e-12)
    assert_allclose(scaler.inverse_transform(Z), val, rtol=1e-12)


def test_four_d_and_two_d_inputs(windows):
    images = windows.reshape(40, 3, 5, 5)
    scaler = ChannelStandardizer().fit(images)
    assert_allclose(scaler.mean_, images.mean(axis=(0, 2, 3)))
    table = windows[:, :, 0]
    assert_allclose(
        ChannelStandardizer().fit_transform(table), StandardScaler().fit_transform(table)
    )


def test_float32_is_kept_and_accumulated_in_float64():
    rng = np.random.default_rng(1)
    X = (1e4 + rng.normal(size=(200, 2, 50))).astype(np.float32)
    scaler = ChannelStandardizer().fit(X)
    Z = scaler.transform(X)
    assert Z.dtype == np.float32
    assert_allclose(scaler.mean_, X.astype(np.float64).mean(axis=(0, 2)), rtol=1e-10)
    assert_allclose(scaler.scale_, X.astype(np.float64).std(axis=(0, 2)), rtol=1e-8)


def test_constant_channel_and_switches(windows):
    X = windows.copy()
    X[:, 1] = 4.0
    scaler = ChannelStandardizer().fit(X)
    assert scaler.scale_[1] == 1.0
    assert_array_equal(scaler.transform(X)[:, 1], 0.0)
    off = ChannelStandardizer(with_mean=False, with_std=False).fit(X)
    assert_array_equal(off.transform(X), X)
    only_scale = ChannelStandardizer(with_mean=False).fit(X)
    assert_allclose(only_scale.transform(X)[:, 0], X[:, 0] / X[:, 0].std())


def test_shape_and_nan_errors(windows):
    scaler = ChannelStandardizer().fit(windows)
    with pytest.raises(ValueError, match=r"samples of shape \(3, 20\).*fitted on samples of "):
        scaler.transform(windows[:, :, :20])
    with pytest.raises(ValueError, match="X has 2 features, but ChannelStandardizer"):
        scaler.transform(windows[:, :2])
    bad = windows.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ChannelStandardizer().fit(bad)


def test_clone_pickle_pipeline_and_grid_search(windows):
    y = (windows[:, 0].mean(axis=1) > 1.0).astype(int)
    fitted = ChannelStandardizer().fit(windows)
    assert not hasattr(clone(fitted), "mean_")
    loaded = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(loaded.transform(windows), fitted.transform(windows))
    flatten = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    pipe = make_pipeline(ChannelStandardizer(), flatten, LogisticRegression())
    search = GridSearchCV(pipe, {"channelstandardizer__with_std": [True, False]}, cv=2)
    search.fit(windows, y)
    assert search.best_estimator_[0].mean_.shape == (3,)
