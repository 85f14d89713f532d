"""``LayerFeatures``: activations of named layers through forward hooks."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline
from torch import nn

from sklearn_ccafusion import CCAProjector
from sklearn_ccafusion.nets import LayerFeatures, SHLConvNet


class _Block(nn.Module):
    """A residual block in torchvision's style: conv1, bn1, relu (called twice), conv2."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.relu(x + self.conv2(self.relu(self.bn1(self.conv1(x)))))


class _NestedNet(nn.Module):
    """Nested names as torchvision's ResNets: layer1.0.conv1, ..., fc."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.layer1 = nn.Sequential(_Block(4), _Block(4))
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = self.layer1(self.conv1(x))
        return self.fc(x.mean(dim=(2, 3)))


@pytest.fixture(scope="module")
def nested():
    torch.manual_seed(0)
    return _NestedNet().train()  # left in training mode on purpose


def test_penultimate_layer_equals_transform(fitted_mlp, digits):
    X, _ = digits
    expected = fitted_mlp.transform(X)
    for name in ("hidden_layers", "hidden_layers.1"):  # the block and its last ReLU
        got = LayerFeatures(fitted_mlp, name).fit_transform(X)
        np.testing.assert_array_equal(got, expected)
    frozen = LayerFeatures(FrozenEstimator(fitted_mlp), ["hidden_layers.0", "hidden_layers"])
    F = clone(frozen).fit_transform(X)
    np.testing.assert_array_equal(F[:, 32:], expected)
    weight = fitted_mlp.module_.hidden_layers[0].weight.detach().numpy()
    bias = fitted_mlp.module_.hidden_layers[0].bias.detach().numpy()
    np.testing.assert_allclose(F[:, :32], X @ weight.T + bias, atol=1e-5)


def test_nested_names_match_a_manual_forward(nested):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 1, 6, 6)).astype(np.float32)
    layers = ["layer1.0.conv1", "layer1.1.relu", "layer1", "fc"]
    features = LayerFeatures(nested, layers, batch_size=3).fit(X)
    assert features.view_sizes_ == (4, 4, 4, 3)
    F = features.transform(X)
    assert nested.training  # the given module is left as it was
    module = features.module_
    with torch.no_grad():
        x = torch.from_numpy(X)
        h = module.conv1(x)
        conv = module.layer1[0].conv1(h)
        out = module.layer1(h)
        logits = module(x)
    np.testing.assert_allclose(F[:, :4], conv.mean(dim=(2, 3)).numpy(), atol=1e-5)
    # a module called twice gives its last call's output: the block's output
    np.testing.assert_allclose(F[:, 4:8], out.mean(dim=(2, 3)).numpy(), atol=1e-5)
    np.testing.assert_allclose(F[:, 8:12], out.mean(dim=(2, 3)).numpy(), atol=1e-5)
    np.testing.assert_allclose(F[:, 12:], logits.numpy(), atol=1e-5)
    flat = LayerFeatures(nested, ["layer1.0.conv1"], pooling="flatten").fit_transform(X)
    np.testing.assert_allclose(flat, conv.reshape(10, -1).numpy(), atol=1e-5)


def test_bad_layer_names_list_the_available_ones(nested, fitted_mlp, digits):
    X = np.zeros((2, 1, 6, 6), dtype=np.float32)
    with pytest.raises(
        ValueError, match=r"Unknown layer name\(s\) \['layer1.2'\].*'layer1.0.conv1'"
    ):
        LayerFeatures(nested, ["layer1", "layer1.2"]).fit(X)
    with pytest.raises(ValueError, match="available names.*'hidden_layers.1', 'dropout', "):
        LayerFeatures(fitted_mlp, "hidden_layers.7").fit(digits[0])
    with pytest.raises(ValueError, match="is not a fitted SensorNetClassifier"):
        LayerFeatures(clone(fitted_mlp), "hidden_layers").fit(digits[0])
    with pytest.raises(
        TypeError, match="module must be a fitted SensorNetClassifier .* got CCAProjector"
    ):
        LayerFeatures(CCAProjector(), "x").fit(X)
    with pytest.raises(ValueError, match="pooling must be one of"):
        LayerFeatures(nested, "fc", pooling="max").fit(X)


def test_views_compose_with_cca_and_pickle(fitted_mlp, digits):
    X, _ = digits
    features = LayerFeatures(FrozenEstimator(fitted_mlp), ["hidden_layers.0", "hidden_layers"])
    features.set_output(transform="pandas")
    pipe = make_pipeline(features, CCAProjector(n_components=2)).fit(X)
    assert pipe[-1].view_sizes_ == (32, 32)
    frame = features.transform(X[:5])
    assert isinstance(frame, pd.DataFrame)
    assert frame.columns[0] == "hidden_layers.0__f0"
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_allclose(restored.transform(X[:7]), pipe.transform(X[:7]))


def test_state_dict_from_a_local_file_and_conv_net(tmp_path, sensor_stack):
    X, _ = sensor_stack
    torch.manual_seed(1)
    trained = SHLConvNet(n_classes=3, in_channels=2)
    torch.save(trained.state_dict(), tmp_path / "weights.pt")
    module = SHLConvNet(n_classes=3, in_channels=2)
    module.load_state_dict(torch.load(tmp_path / "weights.pt", weights_only=True))
    features = LayerFeatures(module, ["conv.2", "conv.8", "fc"]).fit(X)
    assert features.view_sizes_ == (16, 64, 128)
    with torch.no_grad():
        expected = trained.eval().features(torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(features.layer_features(X)["fc"], expected, atol=1e-5)
