"""Builders shared by the network tests."""

from __future__ import annotations

import pytest
import torch

from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier

requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")

#: What two code paths that train the same float32 network from the same seed (alone,
#: jointly in one vectorised model, in a worker process) guarantee: the same network up
#: to float32 rounding, which training amplifies to about 1e-6 of values of order 1.
#: Summation order differs between the paths and between CPUs, so the bits may differ.
FLOAT32_TRAINING = {"rtol": 1e-4, "atol": 1e-4}


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


class PlainModule(torch.nn.Module):
    """A user's module of the package's convention that checks nothing of its input."""

    def __init__(self):
        super().__init__()
        self.body = torch.nn.Linear(4, 3)
        self.classifier = torch.nn.Linear(3, 2)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.classifier(self.features(x))
