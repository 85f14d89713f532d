"""Non-finite inputs are refused before a network trains on them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sklearn_ccafusion.nets import NetFeatures
from tests.nets._helpers import make_mlp


def _with(X, value, row=5, col=3):
    X = X.copy()
    X[row, col] = value
    return X


@pytest.mark.parametrize(
    "value, kind",
    [
        (np.nan, "NaN"),
        (np.inf, "infinity"),
        (-np.inf, "infinity"),
        (1e300, r"infinity \(or a value beyond float32\)"),
    ],
)
def test_fit_refuses_non_finite_inputs(digits, value, kind):
    X, y = digits
    with pytest.raises(ValueError, match=rf"Input X contains {kind}.*first at index 5"):
        make_mlp(max_epochs=1).fit(_with(X, value), y)


def test_tensor_input_is_checked(digits):
    X, y = digits
    with pytest.raises(ValueError, match="Input X contains NaN"):
        make_mlp(max_epochs=1).fit(torch.from_numpy(_with(X, np.nan)).float(), y)


def test_fitted_net_refuses_non_finite_inputs(fitted_mlp, digits):
    X, _ = digits
    bad = _with(X[:20], np.nan, row=7)
    for method in (fitted_mlp.transform, fitted_mlp.predict, fitted_mlp.predict_proba):
        with pytest.raises(ValueError, match=r"contains NaN \(1 sample\(s\).*index 7"):
            method(bad)
    assert np.isfinite(fitted_mlp.transform(X[:20])).all()


def test_net_features_refuse_non_finite_inputs(digits_halves):
    X, y = digits_halves
    net = make_mlp(module__n_features=32, module__hidden=(8,), max_epochs=1)
    feats = NetFeatures(
        [("left", net), ("right", net)],
        inputs={"left": slice(0, 32), "right": slice(32, 64)},
    )
    with pytest.raises(ValueError, match="Input X contains NaN"):
        feats.fit(_with(X, np.nan, col=40), y)


def test_integer_images_need_no_check(digits):
    X, y = digits
    images = (X * 16).astype(np.uint8)
    assert make_mlp(max_epochs=1).fit(images, y).predict(images[:3]).shape == (3,)
