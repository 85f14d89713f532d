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


class _InPlaceBlock(nn.Module):
    """torchvision's BasicBlock order: in-place ReLU after bn1, ``out += identity``."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class _InPlaceNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(_InPlaceBlock(4), _InPlaceBlock(4))
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = self.layer1(self.relu(self.bn1(self.conv1(x))))
        return self.fc(x.mean(dim=(2, 3)))


def _copied_outputs(module, layers, x, pooling):
    """Reference: plain hooks that copy each layer's output (its last call) at once."""
    kept = {}
    submodules = dict(module.named_modules())

    def keeper(name):
        def hook(_module, _inputs, output):
            out = output.detach().clone()
            if out.ndim > 2:
                out = out.mean(dim=(2, 3)) if pooling == "avg" else out.reshape(len(out), -1)
            kept[name] = out

        return hook

    handles = [submodules[name].register_forward_hook(keeper(name)) for name in layers]
    try:
        with torch.no_grad():
            module.eval()(x)
    finally:
        for handle in handles:
            handle.remove()
    return [kept[name].numpy() for name in layers]


def test_in_place_relu_does_not_change_what_is_kept():
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(5, 8), nn.ReLU(inplace=True), nn.Linear(8, 2))
    X = np.random.default_rng(0).normal(size=(40, 5)).astype(np.float32)
    got = LayerFeatures(module, ["0", "1"], batch_size=16).fit(X).layer_features(X)
    expected = _copied_outputs(module, ["0"], torch.from_numpy(X), "avg")[0]
    assert expected.min() < 0  # the linear layer's output has negative values
    np.testing.assert_array_equal(got["0"], expected)
    np.testing.assert_array_equal(got["1"], np.maximum(expected, 0))


@pytest.mark.parametrize("pooling", ["avg", "flatten"])
def test_residual_in_place_ops_match_copying_hooks(pooling):
    torch.manual_seed(0)
    module = _InPlaceNet().eval()
    for m in module.modules():  # non-trivial batch-norm statistics
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.normal_()
            m.running_var.uniform_(0.5, 2.0)
    layers = [
        "bn1",
        "layer1.0.conv1",
        "layer1.0.bn1",
        "layer1.0.bn2",
        "layer1.0",
        "layer1.1.bn2",
        "layer1",
    ]
    X = np.random.default_rng(1).normal(size=(12, 1, 5, 5)).astype(np.float32)
    features = LayerFeatures(module, layers, pooling=pooling, batch_size=5).fit(X)
    got = features.layer_features(X)
    expected = _copied_outputs(features.module_, layers, torch.from_numpy(X), pooling)
    for name, reference in zip(layers, expected):
        np.testing.assert_allclose(got[name], reference, rtol=1e-6, atol=1e-6, err_msg=name)
    # bn outputs are taken before the in-place ReLU: they keep their negative values
    assert got["layer1.0.bn1"].min() < 0 and got["layer1.0.bn2"].min() < 0


def test_matches_torchvision_feature_extractor():
    models = pytest.importorskip("torchvision.models")
    extraction = pytest.importorskip("torchvision.models.feature_extraction")
    torch.manual_seed(0)
    module = models.resnet18(num_classes=10).eval()
    layers = ["bn1", "layer1.0.bn1", "layer1.0.bn2", "layer4.1.bn2", "layer4"]
    X = torch.randn(4, 3, 32, 32)
    extractor = extraction.create_feature_extractor(module, {name: name for name in layers})
    with torch.no_grad():
        expected = extractor(X)
    got = LayerFeatures(module, layers, pooling="flatten", batch_size=4).fit(X).layer_features(X)
    for name in layers:
        np.testing.assert_allclose(
            got[name], expected[name].reshape(4, -1).numpy(), rtol=1e-5, atol=1e-5
        )


class _BatchMean(nn.Module):
    """A layer that averages over the batch: one row whatever the number of samples."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)
        self.pool = nn.Identity()

    def forward(self, x):
        return self.pool(self.linear(x).mean(dim=0, keepdim=True))


class _Recurrent(nn.Module):
    """Inputs ``(n, sequence, 4)``; an LSTM, sequence-first unless ``batch_first``."""

    def __init__(self, batch_first):
        super().__init__()
        self.batch_first = batch_first
        self.lstm = nn.LSTM(4, 5, batch_first=batch_first)
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        out, _ = self.lstm(x if self.batch_first else x.transpose(0, 1))
        return self.head(out[:, -1] if self.batch_first else out[-1])


SEQUENCES = np.random.default_rng(0).normal(size=(10, 7, 4)).astype(np.float32)


def test_a_layer_that_reduces_over_the_batch_is_refused():
    X = np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32)
    features = LayerFeatures(_BatchMean(), ["pool"])
    with pytest.raises(ValueError, match=r"'pool' \(Identity\) returned a tensor of shape "
                                         r"\(1, 3\) for a batch of 2 sample\(s\)") as error:
        features.fit(X)
    assert "reduces over the batch" in str(error.value)
    assert LayerFeatures(_BatchMean(), ["linear"]).fit_transform(X).shape == (10, 3)


def test_the_first_axis_is_checked_on_every_batch():
    # one row per batch whatever its size: fit's two samples pass only when n is 1
    X = np.random.default_rng(0).normal(size=(9, 4)).astype(np.float32)
    features = LayerFeatures(_BatchMean(), ["pool"], batch_size=1).fit(X[:1])
    assert features.transform(X).shape == (9, 3)  # one sample a batch: one row each
    with pytest.raises(ValueError, match=r"shape \(1, 3\) for a batch of 4 sample"):
        features.set_params(batch_size=4).transform(X)


@pytest.mark.parametrize("pooling", ["avg", "flatten"])
def test_a_sequence_first_lstm_gets_the_batch_first_advice(pooling):
    features = LayerFeatures(_Recurrent(batch_first=False), ["lstm"], pooling=pooling)
    with pytest.raises(ValueError, match=r"'lstm' \(LSTM\) returned a tensor of shape "
                                         r"\(7, 2, 5\) .*sequence-first.*batch_first=True"):
        features.fit(SEQUENCES)


def test_samples_fed_to_a_sequence_first_lstm_are_named():
    class SamplesAsSteps(_Recurrent):
        def forward(self, x):
            out, _ = self.lstm(x)  # (n, sequence, 4) read as (sequence, batch, 4)
            return self.head(out[-1])

    features = LayerFeatures(SamplesAsSteps(batch_first=False), ["lstm"])
    with pytest.raises(ValueError, match="runs over the samples as if they were time steps"):
        features.fit(SEQUENCES)


def test_a_batch_first_lstm_is_pooled_over_its_steps():
    torch.manual_seed(0)
    module = _Recurrent(batch_first=True)
    with torch.no_grad():
        outputs, _ = module.lstm(torch.from_numpy(SEQUENCES))  # (10, 7, 5)
    avg = LayerFeatures(module, ["lstm"]).fit_transform(SEQUENCES)
    np.testing.assert_allclose(avg, outputs.mean(dim=1).numpy(), rtol=1e-6, atol=1e-7)
    flat = LayerFeatures(module, ["lstm"], pooling="flatten").fit_transform(SEQUENCES)
    np.testing.assert_allclose(flat, outputs.reshape(10, 35).numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "layers", [0, None, {"0": 1}, ["0", 1]], ids=["int", "none", "map", "mixed"]
)
def test_layers_that_are_not_names_are_a_type_error(layers):
    with pytest.raises(TypeError, match="layers must (be a layer name or a list|hold layer names)"):
        LayerFeatures(nn.Sequential(nn.Linear(4, 3)), layers).fit(np.zeros((3, 4), np.float32))


@pytest.mark.parametrize("X", [np.zeros((5, 7), np.float32), torch.zeros(5, 4, dtype=torch.long)])
def test_an_input_the_module_cannot_take_is_named(X):
    layers = LayerFeatures(nn.Sequential(nn.Linear(4, 3), nn.ReLU()), ["0"])
    with pytest.raises(ValueError, match=r"Sequential cannot run on a batch of shape \(2, \d\)"):
        layers.fit(X)
    fitted = layers.fit(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"cannot run on a batch of shape \(5, 7\).*mat1"):
        fitted.transform(np.zeros((5, 7), np.float32))
