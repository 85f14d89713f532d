"""Builders shared by the network tests."""

from __future__ import annotations

import pytest
import torch

from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier

requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def make_mlp(**params):
    """A small digits MLP; any parameter overrides the defaults."""
    defaults = {
        "module": MLPNet,
        "module__n_features": 64,
        "module__n_classes": 10,
        "module__hidden": (32,),
        "max_epochs": 8,
        "lr": 0.01,
        "random_state": 0,
    }
    defaults.update(params)
    return SensorNetClassifier(**defaults)
