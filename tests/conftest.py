"""Shared fixtures: seeded generators and small two-view data sets."""

from __future__ import annotations

import numpy as np
import pytest
from _two_views import make_deep_views


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def deep_views():
    return make_deep_views(rng=0)
