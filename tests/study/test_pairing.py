"""The pairing rule: network i is projected, network i + n_pairs is its CCA partner."""

from __future__ import annotations

import pytest

from sklearn_ccafusion.study._pairing import network_pairs


def test_same_sensor_pairs_are_halves():
    nets = [f"n{i}" for i in range(6)]
    assert network_pairs(nets, n_pairs=3) == [("n0", "n3"), ("n1", "n4"), ("n2", "n5")]
    assert network_pairs(nets, n_pairs=1) == [("n0", "n1")]
    # never a network with itself
    assert all(a != b for a, b in network_pairs(nets, n_pairs=3))


def test_across_sensors():
    a, b = ["a0", "a1", "a2", "a3"], ["b0", "b1", "b2", "b3"]
    assert network_pairs(a, b, n_pairs=2) == [("a0", "b2"), ("a1", "b3")]


def test_too_few_networks_are_named():
    with pytest.raises(ValueError, match="2 pairs need 2 networks and 4 partners"):
        network_pairs(["a0", "a1", "a2"], n_pairs=2)
    with pytest.raises(ValueError, match="at least 1"):
        network_pairs(["a0", "a1"], n_pairs=0)
    for count in (True, 1.5):
        with pytest.raises(TypeError, match=f"n_pairs must be an int, got {count}"):
            network_pairs(["a0", "a1"], n_pairs=count)
