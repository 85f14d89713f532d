"""The pure functions of the CCA core."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_ccafusion.cca._linalg import (
    canonical_basis,
    select_n_components,
    shrink_covariance,
    whitening_basis,
)


def test_select_n_components_rule():
    eig = np.array([5.0, 3.0, 1.5, 0.5])
    # cumulative ratios: 0.5, 0.8, 0.95, 1.0; keep the smallest k whose ratio is > fraction
    assert select_n_components(eig, 0.4, 4) == 1
    assert select_n_components(eig, 0.5, 4) == 2
    assert select_n_components(eig, 0.79, 4) == 2
    assert select_n_components(eig, 0.81, 4) == 3
    assert select_n_components(eig, 2, 4) == 2
    assert select_n_components(eig, 9, 3) == 3
    assert select_n_components(eig, None, 3) == 3


def test_whitening_basis_signs_and_rank():
    cov = np.array([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    basis = whitening_basis(cov, n_components=None)
    assert basis.rank == 2
    assert_allclose(basis.explained_variance, [3.0, 1.0])
    biggest = np.abs(basis.components).argmax(axis=1)
    assert np.all(basis.components[np.arange(2), biggest] > 0)
    assert_allclose(basis.weights.T @ cov @ basis.weights, np.eye(2), atol=1e-12)
    assert_allclose(basis.inverse_weights @ basis.weights, np.eye(2), atol=1e-12)


def test_shrinkage_keeps_trace():
    cov = np.diag([4.0, 1.0, 1.0])
    for reg in (0.0, 0.3, 1.0):
        assert np.trace(shrink_covariance(cov, reg)) == pytest.approx(6.0)
    assert_allclose(shrink_covariance(cov, 1.0), 2.0 * np.eye(3))


def test_canonical_basis_full_completion():
    rng = np.random.default_rng(3)
    cross = rng.normal(size=(5, 3)) * 0.1
    basis = canonical_basis(np.eye(5), np.eye(3), cross, full_x_basis=True)
    assert basis.x_rotation.shape == (5, 5)
    assert_allclose(basis.x_rotation.T @ basis.x_rotation, np.eye(5), atol=1e-12)
    # the completion directions carry no correlation with view 2
    assert_allclose(basis.x_rotation[:, 3:].T @ cross, 0.0, atol=1e-12)
    assert_allclose(np.linalg.svd(cross, compute_uv=False), basis.correlations)
