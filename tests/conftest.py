"""Shared fixtures: seeded generators and small two-view data sets."""

from __future__ import annotations

import numpy as np
import pytest

from tests._two_views import make_deep_views


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def deep_views():
    return make_deep_views(rng=0)


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``slow`` unless the run selects them (``-m slow``)."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
