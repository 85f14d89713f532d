"""The kernel ELM on a Nystroem approximation of its kernel: linear in the number of samples.

With ``m`` landmark samples ``L`` drawn from the training samples, the Nystroem
feature map is ``phi(x) = k(x, L) V S^{-1/2}``, where ``K_LL = V S V^T`` is the
kernel of the landmarks (directions of ``K_LL`` with a numerically zero eigenvalue
are dropped, a pseudo-inverse). Inner products of ``phi`` approximate the kernel,
``K ~ K_nL K_LL^+ K_Ln``, exactly so on the landmarks (Williams & Seeger 2001). The
kernel ELM of the approximated kernel is ridge regression without intercept on
``phi`` in the primal, ``W = (Phi^T Phi + I / C)^{-1} Phi^T T``, and its outputs are
``f(x) = phi(x)^T W = k(x, L) A`` with ``A = V S^{-1/2} W``: only the kernel against
the landmarks is ever needed.

``Phi^T Phi`` and ``Phi^T T`` are accumulated over blocks of rows, so the memory is
O(m^2 + block * m) and the time O(n m^2 + n m d), instead of the exact kernel
ELM's O(n^2) and O(n^3). With the landmarks all the samples, ``A`` equals the exact
``(K + I / C)^{-1} T`` up to the dropped directions (both are ``V (S + I / C)^{-1}
V^T T`` on the kept ones).

Reference: C. K. I. Williams, M. Seeger, "Using the Nystroem method to speed up kernel
machines", NIPS 2001.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy import linalg
from sklearn.utils import check_random_state

__all__ = ["BLOCK_BYTES", "landmark_indices", "nystroem_solve"]

#: Bytes of one block of kernel rows against the landmarks (float64), the unit of work.
BLOCK_BYTES = 64 * 2**20


def landmark_indices(n_samples: int, n_components: int, random_state) -> NDArray:
    """Sorted indices of ``min(n_components, n_samples)`` distinct samples, drawn uniformly.

    All the samples, in order, when ``n_components >= n_samples``; otherwise a draw
    without replacement that depends only on ``random_state`` and ``n_samples``.
    """
    if n_components >= n_samples:
        return np.arange(n_samples)
    rng = check_random_state(random_state)
    return np.sort(rng.choice(n_samples, size=n_components, replace=False))


def _dense(K) -> NDArray:
    return np.asarray(K.toarray() if sp.issparse(K) else K, dtype=np.float64)


def nystroem_solve(
    kernel: Callable[[object, object], NDArray],
    X,
    landmarks,
    T: NDArray,
    ridge: float,
    *,
    landmark_columns: NDArray | None = None,
) -> NDArray:
    """Coefficients ``A`` of the Nystroem kernel ELM, ``f(x) = k(x, landmarks) A``.

    Parameters
    ----------
    kernel : callable
        ``kernel(A, B)`` returns the float64 kernel matrix between the rows of ``A``
        and ``B``.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training samples; with ``landmark_columns``, the precomputed
        ``(n_samples, n_samples)`` kernel instead.
    landmarks : {ndarray, sparse matrix} of shape (m, n_features)
        The landmark samples (ignored with ``landmark_columns``).
    T : ndarray of shape (n_samples, n_outputs)
        Targets.
    ridge : float
        ``1 / C``, added to the diagonal of ``Phi^T Phi``.
    landmark_columns : ndarray of int or None, default=None
        For a precomputed kernel: the landmarks' indices, so that ``k(x, L)`` is the
        columns ``X[:, landmark_columns]`` and ``K_LL`` their rows too.

    Returns
    -------
    coef : ndarray of shape (m, n_outputs)
        ``V S^{-1/2} (Phi^T Phi + ridge I)^{-1} Phi^T T``.
    """
    if landmark_columns is not None:
        K_ll = _dense(X[landmark_columns][:, landmark_columns])
        m = len(landmark_columns)

        def block(start: int, stop: int) -> NDArray:
            return _dense(X[start:stop][:, landmark_columns])
    else:
        K_ll = kernel(landmarks, landmarks)
        m = K_ll.shape[0]

        def block(start: int, stop: int) -> NDArray:
            return kernel(X[start:stop], landmarks)

    K_ll = (K_ll + K_ll.T) / 2.0
    eigenvalues, eigenvectors = linalg.eigh(K_ll, check_finite=False)
    # numerically zero or negative directions of K_LL are dropped (pseudo-inverse,
    # numpy's matrix_rank threshold): the feature map of an indefinite kernel keeps
    # its positive part, and Phi^T Phi + ridge I is always positive definite
    keep = eigenvalues > max(eigenvalues.max(), 0.0) * m * np.finfo(np.float64).eps
    if not keep.any():
        raise ValueError(
            "The kernel matrix of the landmark samples has no positive eigenvalue, so the "
            "Nystroem approximation has no direction (a zero or indefinite kernel?)."
        )
    # map = V S^{-1/2}: phi(x) = k(x, L) @ map
    feature_map = eigenvectors[:, keep] / np.sqrt(eigenvalues[keep])
    r = feature_map.shape[1]
    gram = np.zeros((r, r))
    cross = np.zeros((r, T.shape[1]))
    n = X.shape[0]
    rows = max(1, BLOCK_BYTES // (8 * max(m, 1)))
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        phi = block(start, stop) @ feature_map
        gram += phi.T @ phi
        cross += phi.T @ T[start:stop]
    gram.flat[:: r + 1] += ridge
    factor = linalg.cho_factor(gram, lower=True, check_finite=False)
    weights = linalg.cho_solve(factor, cross, check_finite=False)
    return feature_map @ weights
