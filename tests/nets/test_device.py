"""Device checks: a device this machine lacks is named, with the ones it has."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sklearn_ccafusion.nets import LayerFeatures, MLPNet, fit_jointly
from sklearn_ccafusion.nets._classifier._device import available_devices, check_device
from sklearn_ccafusion.nets._head import fit_linear_layer_adam
from tests.nets._helpers import make_mlp

X = np.random.default_rng(0).normal(size=(12, 64)).astype(np.float32)
Y = np.arange(12) % 10

NO_CUDA = "CUDA is not available here"
ABSENT = [
    ("cuda", NO_CUDA),
    ("cuda:7", NO_CUDA),
    ("mps", "MPS .*not available here"),
    ("nonsense", "'nonsense' is not a device name"),
    ("CUDA", "'CUDA' is not a device name"),
    ("", "'' is not a device name"),
]


@pytest.fixture
def no_gpu(monkeypatch):
    """A machine without CUDA or MPS, whatever this one has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.mark.parametrize("device, match", ABSENT)
def test_absent_devices_are_named_with_the_available_ones(no_gpu, device, match):
    with pytest.raises(ValueError, match=match) as error:
        check_device(device)
    assert "the devices available here are ['cpu']" in str(error.value)


def test_present_devices_pass_unchanged(no_gpu):
    assert available_devices() == ["cpu"]
    assert check_device("cpu") == "cpu"
    assert check_device("auto") == "cpu"
    assert check_device(None) is None
    assert check_device(torch.device("cpu")) == torch.device("cpu")
    with pytest.raises(TypeError, match="got int"):
        check_device(0)


def test_a_cuda_index_beyond_the_gpus_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert check_device("cuda:0") == "cuda:0"
    with pytest.raises(ValueError, match=r"'cuda:7', but this machine has 1 CUDA device") as e:
        check_device("cuda:7")
    assert "['cpu', 'cuda', 'cuda:0']" in str(e.value)


@pytest.mark.parametrize("device, match", ABSENT)
def test_fit_starts_by_checking_the_device(no_gpu, device, match):
    net = make_mlp(device=device, max_epochs=1)
    with pytest.raises(ValueError, match=match):
        net.fit(X, Y)
    assert not net.initialized_  # nothing was built on the way
    with pytest.raises(ValueError, match=match):
        make_mlp(device=device, max_epochs=1).partial_fit(X, Y)


@pytest.mark.parametrize("device, match", ABSENT[:3])
def test_other_entry_points_check_the_device(no_gpu, device, match):
    with pytest.raises(ValueError, match=match):
        LayerFeatures(MLPNet(64, 10), ["classifier"], device=device).fit(X)
    with pytest.raises(ValueError, match=match):
        fit_linear_layer_adam(X, Y, np.zeros((10, 64)), np.zeros(10), device=device)
    nets = [make_mlp(device=device, max_epochs=1, random_state=seed) for seed in (0, 1)]
    with pytest.raises(ValueError, match=match):
        fit_jointly(nets, X, Y)
    assert not any(net.initialized_ for net in nets)
