"""The task cache's load-or-compute and the network key."""

from __future__ import annotations

import numpy as np

from sklearn_ccafusion.study import NetworkFeatures, TaskCache
from sklearn_ccafusion.study._cache import load_or_compute, network_key


def test_load_or_compute_computes_only_what_is_missing(tmp_path):
    cache = TaskCache(tmp_path)
    cache.save("b", [{"v": 2}])
    asked = []

    def compute(todo):
        asked.append(list(todo))
        for position in reversed(todo):  # any order
            yield position, [{"v": position}]

    got = dict(load_or_compute(cache, ["a", "b", None, "d"], compute))
    assert asked == [[0, 2, 3]]
    assert got == {0: [{"v": 0}], 1: [{"v": 2}], 2: [{"v": 2}], 3: [{"v": 3}]}
    assert cache.load("a") == [{"v": 0}] and cache.load("d") == [{"v": 3}]
    assert len(cache) == 3  # the task without a key is not stored
    # rows the caller refuses are computed again
    again = dict(load_or_compute(cache, ["a"], compute, accept=lambda rows: rows[0]["v"] > 0))
    assert asked[-1] == [0] and again == {0: [{"v": 0}]}


def test_single_task(tmp_path):
    cache = TaskCache(tmp_path)
    calls = []
    compute = lambda: calls.append(1) or [{"n": 1}]  # noqa: E731
    assert cache.load_or_compute("k", compute) == [{"n": 1}]
    assert cache.load_or_compute("k", compute) == [{"n": 1}]
    assert len(calls) == 1


def test_network_key_hashes_the_classes():
    rng = np.random.default_rng(0)
    parts = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), np.zeros(2)
    codes = NetworkFeatures(*parts)
    labels = NetworkFeatures(*parts, classes=np.array(["sit", "walk"]))
    assert network_key(codes) == network_key(NetworkFeatures(*parts))
    assert network_key(codes) != network_key(labels)
