"""TimeSeriesConvNet: the module convention, any window length, and learning a frequency."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from sklearn_ccafusion.nets import SensorNetClassifier, TimeSeriesConvNet


def make_sinusoids(n, length, seed):
    """Two classes of 3-channel windows: 3 or 6 cycles per 64 samples, random phase."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    t = np.arange(length) / 64.0
    cycles = np.where(y == 1, 6.0, 3.0)[:, None, None]
    phase = rng.uniform(0, 2 * np.pi, size=(n, 3, 1))
    X = np.sin(2 * np.pi * cycles * t + phase) + 0.8 * rng.normal(size=(n, 3, length))
    return X.astype(np.float32), np.where(y == 1, "fast", "slow")


@pytest.fixture(scope="module")
def fitted_sinusoid_net():
    X, y = make_sinusoids(256, 64, seed=0)
    net = SensorNetClassifier(
        TimeSeriesConvNet,
        module__n_channels=3,
        module__n_classes=2,
        module__filters=(16, 32, 64),
        max_epochs=4,
        lr=3e-3,
        batch_size=32,
        random_state=0,
    )
    return net.fit(X, y)


def test_learns_a_planted_frequency(fitted_sinusoid_net):
    X_val, y_val = make_sinusoids(200, 64, seed=1)
    assert fitted_sinusoid_net.score(X_val, y_val) > 0.9
    # global average pooling: longer windows of the same signals are classified too
    X_long, y_long = make_sinusoids(200, 160, seed=2)
    assert fitted_sinusoid_net.score(X_long, y_long) > 0.9


def test_transform_and_class_components_follow_the_convention(fitted_sinusoid_net):
    net = fitted_sinusoid_net
    X, _ = make_sinusoids(20, 64, seed=3)
    F = net.transform(X)
    assert F.shape == (20, 64) and F.dtype == np.float32 and F.min() >= 0.0
    assert net.class_components_.shape == (2, 64)
    assert list(net.classes_) == ["fast", "slow"]
    logits = F @ net.class_components_.T + net.class_bias_
    assert_allclose(net.decision_function(X), logits, rtol=1e-4, atol=1e-5)
    for length in (1, 7, 300):
        assert net.transform(make_sinusoids(4, length, seed=4)[0]).shape == (4, 64)


def test_module_shapes_and_defaults():
    net = TimeSeriesConvNet(n_channels=2, n_classes=5).eval()
    assert net.classifier.in_features == 128
    assert sum(isinstance(m, torch.nn.BatchNorm1d) for m in net.modules()) == 3
    with torch.no_grad():
        x = torch.randn(3, 2, 50)
        assert_allclose(net(x).numpy(), net.classifier(net.features(x)).numpy(), rtol=1e-6)
    one = TimeSeriesConvNet(1, 3, filters=8, kernel_size=4, batch_norm=False, dropout=0.2)
    assert one.blocks[0].kernel_size == (5,)  # even kernels become odd
    assert tuple(one.eval()(torch.zeros(2, 40)).shape) == (2, 3)  # (n, time): one channel


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"filters": ()}, "filters must be a positive int"),
        ({"filters": (8, 0)}, "filters must be a positive int"),
        ({"kernel_size": (3, 3)}, "kernel_size has 2 entries but filters has 3"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"n_channels": 0}, "n_channels must be a positive int"),
    ],
)
def test_bad_parameters(kwargs, match):
    params = {"n_channels": 3, "n_classes": 2} | kwargs
    with pytest.raises(ValueError, match=match):
        TimeSeriesConvNet(**params)


def test_bad_input_shape_names_the_fix():
    net = TimeSeriesConvNet(3, 2)
    with pytest.raises(ValueError, match=r"\(n, 3, time\).*got an input of shape \(4, 64, 3\)"):
        net(torch.zeros(4, 64, 3))
    with pytest.raises(ValueError, match=r"module__n_channels=2"):
        net(torch.zeros(4, 2, 64))
