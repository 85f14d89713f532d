"""AcceleratedSensorNetClassifier composes skorch's AccelerateMixin with our hooks.

Accelerate itself is not needed here: a stand-in accelerator with Accelerate's
interface checks what skorch hands to it, on one CPU process.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
from numpy.testing import assert_allclose
from sklearn.base import clone

from sklearn_ccafusion.nets import AcceleratedSensorNetClassifier, MLPNet
from tests.nets._helpers import make_mlp


class StandInAccelerator:
    """The part of ``accelerate.Accelerator`` that skorch's AccelerateMixin calls."""

    device_placement = False
    is_main_process = True

    def __init__(self):
        self.prepared = []

    def prepare(self, obj):
        self.prepared.append(type(obj).__name__)
        return obj

    def autocast(self):
        return nullcontext()

    def accumulate(self, model):
        return nullcontext()

    def backward(self, loss):
        loss.backward()

    def gather_for_metrics(self, output):
        return output

    def wait_for_everyone(self):
        pass

    def unwrap_model(self, model, keep_fp32_wrapper=False):
        return model

    def print(self, *args):
        print(*args)


def test_accelerated_net_trains_like_the_dataloader_path(digits):
    X, y = digits
    accelerator = StandInAccelerator()
    net = AcceleratedSensorNetClassifier(
        MLPNet,
        accelerator=accelerator,
        module__n_features=64,
        module__n_classes=10,
        module__hidden=(32,),
        max_epochs=3,
        lr=0.01,
        random_state=0,
    ).fit(X, y)
    assert {"MLPNet", "Adam", "DataLoader", "CrossEntropyLoss"} <= set(accelerator.prepared)
    plain = make_mlp(max_epochs=3, data_on_device=False).fit(X, y)
    assert_allclose(net.class_components_, plain.class_components_, rtol=1e-5, atol=1e-6)
    assert_allclose(net.transform(X), plain.transform(X), rtol=1e-5, atol=1e-5)
    assert net.score(X, y) > 0.9


def test_accelerated_net_clones(digits):
    net = AcceleratedSensorNetClassifier(
        MLPNet, accelerator=StandInAccelerator(), module__n_features=64, module__n_classes=10
    )
    twin = clone(net)
    assert twin.device is None and twin.precision == "fp32" and not twin.data_on_device
    X, y = digits
    twin.set_params(max_epochs=1).fit(X[:100], y[:100])
    assert np.isfinite(twin.transform(X[:5])).all()
