"""Moments of the data: exact against NumPy, chunked, merged batch by batch."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_ccafusion.cca._moments import _chunk_rows, compute_moments, merge_moments


@pytest.mark.parametrize("offset", [0.0, 1e3, 1e8])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_moments_match_numpy(offset, dtype):
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(3000, 7)) * np.arange(1, 8) + offset).astype(dtype)
    moments = compute_moments(X)
    reference = X.astype(np.float64)
    assert moments.count == 3000
    assert_allclose(moments.mean, reference.mean(axis=0), rtol=1e-12)
    expected = np.cov(reference.T) * 2999
    assert_allclose(moments.m2, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())


def test_moments_chunked_path_is_used_and_exact(monkeypatch):
    import sklearn_ccafusion.cca._moments as core

    monkeypatch.setattr(core, "_CHUNK_ENTRIES", 64)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1001, 4)).astype(np.float32)
    assert _chunk_rows(1001, 4) < 1001
    moments = compute_moments(X)
    assert_allclose(moments.m2, np.cov(X.astype(float).T) * 1000, rtol=1e-10)


def test_merge_is_associative_and_exact():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 3)) + 10
    parts = [compute_moments(p) for p in np.array_split(X, 5)]
    left = parts[0]
    for p in parts[1:]:
        left = merge_moments(left, p)
    right = parts[-1]
    for p in parts[-2::-1]:
        right = merge_moments(p, right)
    whole = compute_moments(X)
    for merged in (left, right):
        assert merged.count == 100
        assert_allclose(merged.mean, whole.mean, rtol=1e-14)
        assert_allclose(merged.m2, whole.m2, rtol=1e-12)
