"""Pure linear-algebra functions behind every estimator of the package.

The pipeline is: accumulate moments in one pass over the rows
(:mod:`sklearn_ccafusion.cca._moments`), turn each view's covariance into a
rank-revealing whitening basis (``eigh``, with scikit-learn PCA's
component-selection rule), then take the SVD of the whitened cross-covariance.
``fit`` and ``partial_fit`` go through exactly the same functions, so streaming
CCA is exact.

References
----------
Hotelling (1936), "Relations between two sets of variates".
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from numpy.typing import NDArray

from sklearn_ccafusion.cca._moments import _CHUNK_ENTRIES

__all__ = [
    "CanonicalBasis",
    "WhiteningBasis",
    "canonical_basis",
    "correlations_need_data",
    "select_n_components",
    "shrink_covariance",
    "variate_correlations",
    "whitening_basis",
]

_EPS64 = float(np.finfo(np.float64).eps)
# Canonical correlations read off the moments are accurate to about eps(float64)
# times the condition number of the retained covariances; above this error, the
# estimators recompute them from the training variates when they have the data.
_CORRELATION_TOLERANCE = 1e-9


def shrink_covariance(cov: NDArray, reg: float) -> NDArray:
    """Shrink a covariance toward a scaled identity: ``(1 - reg) C + reg tr(C)/d I``.

    Examples
    --------
    >>> import numpy as np
    >>> shrink_covariance(np.diag([3.0, 1.0]), 0.5).tolist()
    [[2.5, 0.0], [0.0, 1.5]]
    """
    if reg == 0:
        return cov
    d = cov.shape[0]
    shrunk = (1.0 - reg) * cov
    shrunk[np.diag_indices(d)] += reg * np.trace(cov) / d
    return shrunk


def select_n_components(eigenvalues: NDArray, n_components: int | float | None, rank: int) -> int:
    """Number of leading components to keep, by scikit-learn PCA's rule.

    Parameters
    ----------
    eigenvalues : ndarray, descending, non-negative
        Variances along the principal directions.
    n_components : int, float in (0, 1) or None
        ``int``: that many (at most ``rank``); ``float``: the smallest ``k`` whose
        cumulative explained-variance ratio exceeds the fraction; ``None``: ``rank``.
    rank : int
        Numerical rank: directions past it have no variance to whiten.

    Examples
    --------
    >>> import numpy as np
    >>> select_n_components(np.array([6.0, 3.0, 1.0]), 0.85, 3)
    2
    >>> select_n_components(np.array([6.0, 3.0, 1.0]), 0.9, 3)
    3
    """
    if n_components is None:
        return rank
    if isinstance(n_components, Integral):
        return int(min(n_components, rank))
    if isinstance(n_components, Real):
        ratio_cumsum = np.cumsum(eigenvalues / eigenvalues.sum(), dtype=np.float64)
        k = int(np.searchsorted(ratio_cumsum, n_components, side="right")) + 1
        return int(min(k, rank))
    raise TypeError(f"n_components must be an int, a float or None, got {n_components!r}.")


@dataclass(frozen=True)
class WhiteningBasis:
    """Leading principal directions of one view and their variances.

    Attributes
    ----------
    components : ndarray of shape (n_components, n_features)
        Orthonormal principal directions, as rows, in decreasing variance.
    explained_variance : ndarray of shape (n_components,)
        Variance along each kept direction.
    total_variance : float
        Sum of all the variances (the kept and the dropped ones).
    rank : int
        Numerical rank of the covariance.
    """

    components: NDArray[np.float64]
    explained_variance: NDArray[np.float64]
    total_variance: float
    rank: int

    @property
    def weights(self) -> NDArray[np.float64]:
        """Whitening map, ``components.T / sqrt(variance)``: centred x -> unit variance."""
        return self.components.T / np.sqrt(self.explained_variance)

    @property
    def inverse_weights(self) -> NDArray[np.float64]:
        """Left inverse of :attr:`weights`, ``sqrt(variance)[:, None] * components``."""
        return np.sqrt(self.explained_variance)[:, None] * self.components


def whitening_basis(
    cov: NDArray,
    n_components: int | float | None = 0.9999,
    rtol: float | None = None,
    noise_variance: float = 0.0,
) -> WhiteningBasis:
    """Rank-revealing principal basis of a covariance matrix.

    Parameters
    ----------
    cov : ndarray of shape (n_features, n_features)
        Symmetric positive semi-definite covariance, float64.
    n_components : int, float in (0, 1) or None, default=0.9999
        Component selection, see :func:`select_n_components`.
    rtol : float or None
        Eigenvalues below ``rtol * largest`` count as zero (the error of the
        float64 arithmetic). ``None``: ``n_features * eps(float64)``.
    noise_variance : float, default=0.0
        Eigenvalues at or below it count as zero too: the variance that rounding
        the data to its dtype can put along a direction
        (:func:`rounding_variance`). Rank-deficient float32 data with an offset
        get rounding noise of about ``1e-12`` of the largest variance along their
        null directions, which must not be kept as directions.

    Returns
    -------
    basis : WhiteningBasis
        Components with deterministic signs (largest absolute entry positive).

    Examples
    --------
    >>> import numpy as np
    >>> basis = whitening_basis(np.diag([4.0, 1.0, 0.0]), n_components=None)
    >>> basis.rank, basis.explained_variance
    (2, array([4., 1.]))
    >>> whitening_basis(np.diag([4.0, 1.0, 1e-12]), None).rank  # float64 data: kept
    3
    >>> whitening_basis(np.diag([4.0, 1.0, 1e-12]), None, noise_variance=1e-10).rank
    2
    """
    n_features = cov.shape[0]
    # numpy's LAPACK shares the BLAS threads of the Gram product; scipy's is another
    # OpenBLAS whose threads would contend with numpy's still-spinning ones.
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    eigenvalues = np.clip(eigenvalues[::-1], 0.0, None)
    eigenvectors = eigenvectors[:, ::-1]
    largest = eigenvalues[0] if n_features else 0.0
    if rtol is None:
        rtol = n_features * _EPS64
    cutoff = max(rtol * largest, noise_variance)
    rank = int(np.count_nonzero(eigenvalues > cutoff)) if largest > cutoff else 0
    if rank == 0:
        return WhiteningBasis(np.zeros((0, n_features)), np.zeros(0), float(largest), 0)
    k = select_n_components(eigenvalues, n_components, rank)
    components = eigenvectors[:, :k].T
    signs = np.sign(components[np.arange(k), np.argmax(np.abs(components), axis=1)])
    components = components * signs[:, None]
    return WhiteningBasis(
        np.ascontiguousarray(components),
        eigenvalues[:k].copy(),
        float(eigenvalues.sum()),
        rank,
    )


@dataclass(frozen=True)
class CanonicalBasis:
    """Canonical directions of two whitened views.

    Attributes
    ----------
    correlations : ndarray of shape (min(k1, k2),)
        All canonical correlations, descending, clipped to [0, 1].
    x_rotation : ndarray of shape (k1, n_x)
        Rotation of view 1's whitened coordinates to canonical coordinates.
        ``n_x`` is the number of pairs asked for, or ``k1`` for the full basis
        (correlated directions first, then an orthonormal completion).
    y_rotation : ndarray of shape (k2, n_pairs)
        Rotation of view 2's whitened coordinates.
    """

    correlations: NDArray[np.float64]
    x_rotation: NDArray[np.float64]
    y_rotation: NDArray[np.float64]


def _truncated_svd(T: NDArray, n_pairs: int) -> tuple[NDArray, NDArray] | None:
    """Leading singular vectors by Lanczos (ARPACK), deterministic start; None on failure."""
    from scipy.sparse.linalg import ArpackError, svds

    try:
        u, s, vt = svds(T, k=n_pairs, v0=np.ones(min(T.shape)) / np.sqrt(min(T.shape)), tol=0)
    except ArpackError:
        return None
    order = np.argsort(s)[::-1]
    return u[:, order], vt[order].T


def canonical_basis(
    x_weights: NDArray,
    y_weights: NDArray,
    cross_cov: NDArray,
    n_pairs: int | None = None,
    full_x_basis: bool = False,
) -> CanonicalBasis:
    """SVD of the whitened cross-covariance ``x_weights.T @ cross_cov @ y_weights``.

    Parameters
    ----------
    x_weights, y_weights : ndarray of shape (d1, k1) and (d2, k2)
        Whitening maps of each view (:attr:`WhiteningBasis.weights`).
    cross_cov : ndarray of shape (d1, d2)
        Cross-covariance of the two views.
    n_pairs : int or None
        Number of canonical pairs whose directions are needed; ``None``: all.
        When it is small beside ``min(k1, k2)``, only the leading singular
        vectors are computed (the correlations are always all computed).
    full_x_basis : bool, default=False
        Return view 1's complete canonical basis (``k1`` columns).

    Returns
    -------
    basis : CanonicalBasis
        Signs fixed so that the largest absolute entry of each view-1 canonical
        direction (in original coordinates) is positive; view 2 follows, so each
        pair stays positively correlated.

    Examples
    --------
    >>> import numpy as np
    >>> basis = canonical_basis(np.eye(2), np.eye(2), np.diag([0.3, 0.9]))
    >>> basis.correlations
    array([0.9, 0.3])
    """
    whitened = x_weights.T @ cross_cov @ y_weights
    k1, k2 = whitened.shape
    m = min(k1, k2)
    n_pairs = m if n_pairs is None else min(n_pairs, m)
    vectors = None
    if not full_x_basis and m >= 256 and n_pairs <= m // 8:
        correlations = np.linalg.svd(whitened, compute_uv=False)
        vectors = _truncated_svd(whitened, n_pairs)
    if vectors is None:
        u, correlations, vt = np.linalg.svd(whitened, full_matrices=full_x_basis)
        x_rot = u if full_x_basis else u[:, :n_pairs]
        y_rot = vt[:n_pairs].T
    else:
        x_rot, y_rot = vectors
    correlations = np.clip(correlations[:m], 0.0, 1.0)
    x_dirs = x_weights @ x_rot
    signs = np.sign(x_dirs[np.argmax(np.abs(x_dirs), axis=0), np.arange(x_dirs.shape[1])])
    signs[signs == 0] = 1.0
    x_rot = x_rot * signs
    y_rot = y_rot * signs[: y_rot.shape[1]]
    return CanonicalBasis(correlations, x_rot, y_rot)


def correlations_need_data(variances: list[NDArray]) -> bool:
    """Whether canonical correlations from the moments may be off by more than 1e-9.

    The singular values of the whitened cross-covariance are accurate to about
    ``eps`` times the largest ratio of retained variances of a view (the
    covariances' condition number); near-collinear features reach 1e12.

    Examples
    --------
    >>> import numpy as np
    >>> correlations_need_data([np.array([1.0, 1e-3]), np.array([1.0, 0.5])])
    False
    >>> correlations_need_data([np.array([1.0, 1e-12]), np.array([1.0, 0.5])])
    True
    """
    cond = max(float(v[0] / v[-1]) if v.size and v[-1] > 0 else np.inf for v in variances)
    return cond * _EPS64 > _CORRELATION_TOLERANCE


def variate_correlations(
    X1: NDArray, X2: NDArray, means, x_weights: NDArray, y_weights: NDArray
) -> NDArray[np.float64]:
    """Correlation of each pair of variates ``(X1 - mean_1) @ a_k``, ``(X2 - mean_2) @ b_k``.

    Accumulated in float64 over chunks of rows (no full float64 copy of float32
    data), clipped to [0, 1]. On the training data these are the correlations the
    variates have, accurate to about ``eps * sqrt(cond)`` where the singular values
    of the whitened cross-covariance are accurate to ``eps * cond`` only.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(100, 1))
    >>> y = x + 0.5 * rng.normal(size=(100, 1))
    >>> rho = variate_correlations(x, y, (x.mean(0), y.mean(0)), np.eye(1), np.eye(1))
    >>> bool(np.isclose(rho[0], np.corrcoef(x[:, 0], y[:, 0])[0, 1]))
    True
    """
    k = x_weights.shape[1]
    sums = np.zeros((5, k))  # u, v, uu, vv, uv
    step = max(1, _CHUNK_ENTRIES // max(X1.shape[1] + X2.shape[1], 1))
    for start in range(0, X1.shape[0], step):
        U = (X1[start : start + step].astype(np.float64) - means[0]) @ x_weights
        V = (X2[start : start + step].astype(np.float64) - means[1]) @ y_weights
        sums += [U.sum(0), V.sum(0), (U * U).sum(0), (V * V).sum(0), (U * V).sum(0)]
    n = X1.shape[0]
    su, sv, suu, svv, suv = sums
    denominator = np.sqrt((suu - su * su / n) * (svv - sv * sv / n))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = (suv - su * sv / n) / denominator
    return np.clip(np.where(denominator > 0, corr, 0.0), 0.0, 1.0)
