"""Shared data and fitted nets for the network tests.

Fitted nets are module- or session-scoped fixtures: never refit or mutate them in
a test; clone them first.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from tests.nets._helpers import make_mlp


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    """Tiny nets run fastest on one thread, and CI machines are shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def digits():
    """Digits scaled to [0, 1], float64, with their labels."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="session")
def digits_halves(digits):
    """Left and right halves of each digit image as two 32-column "sensors", stacked."""
    X, y = digits
    images = X.reshape(-1, 8, 8)
    left = images[:, :, :4].reshape(-1, 32)
    right = images[:, :, 4:].reshape(-1, 32)
    return np.hstack([left, right]), y


@pytest.fixture(scope="session")
def fitted_mlp(digits):
    """A digits MLP trained once; do not refit or mutate it."""
    X, y = digits
    return make_mlp().fit(X, y)


@pytest.fixture(scope="session")
def sensor_stack():
    """Tiny SHL-like stack: (n, 2 signals, 48, 48) float64 with 3 classes."""
    rng = np.random.default_rng(0)
    n = 48
    y = np.arange(n) % 3
    X = rng.normal(size=(n, 2, 48, 48))
    for k in range(3):
        X[y == k, :, 10 * k : 10 * k + 10, :] += 2.0
    return X, y
