"""The head's shared problem: a 4-class softmax layer on 6 features and its labels."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(4, 6))
    b = rng.normal(size=4)
    X = rng.normal(size=(300, 6))
    y = np.argmax(X @ W.T + b + 0.5 * rng.gumbel(size=(300, 4)), axis=1)
    return X, y, W, b
