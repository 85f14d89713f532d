"""Sufficient statistics of rows (count, mean, centred second moments), mergeable.

One pass over the rows accumulates the moments; batches merge with the pairwise
update of Chan et al., so ``fit`` and ``partial_fit`` see the same covariance and
streaming CCA is exact.

References
----------
Chan, Golub and LeVeque (1979), "Updating formulae and a pairwise algorithm for
computing sample variances".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.utils import assert_all_finite

__all__ = [
    "Moments",
    "compute_moments",
    "covariance",
    "finite_moments",
    "merge_moments",
    "rounding_variance",
]

# Rows per chunk aim at this many float64 entries (8 MiB), so the centred copy of
# a chunk stays small beside the input while BLAS still works on large blocks.
_CHUNK_ENTRIES = 1 << 20
# The uncentred Gram product is used only when every column's squared mean is at
# most this many times its variance, so the centring cancels few digits.
_CANCELLATION_LIMIT = 100.0
_EPS64 = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of a batch of rows, mergeable across batches.

    Attributes
    ----------
    count : int
        Number of rows.
    mean : ndarray of shape (n_features,), float64
        Column means.
    m2 : ndarray of shape (n_features, n_features), float64
        Centred second moments ``sum_i (x_i - mean)(x_i - mean)^T``.
    eps : float
        Machine epsilon of the rows' dtype (the least precise batch's): the data's
        own precision, which bounds what its covariance can resolve.
    """

    count: int
    mean: NDArray[np.float64]
    m2: NDArray[np.float64]
    eps: float = float(np.finfo(np.float64).eps)


def _chunk_rows(n_samples: int, n_features: int) -> int:
    """Rows per chunk: a bounded copy, yet at least half as many rows as columns."""
    rows = max(_CHUNK_ENTRIES // max(n_features, 1), n_features // 2, 64)
    return int(min(rows, n_samples))


def _eps_of(dtype) -> float:
    """Machine epsilon of a floating dtype (float64's for any other)."""
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype).eps) if np.issubdtype(dtype, np.floating) else _EPS64


def _shifted_moments(X: NDArray, shift: NDArray | None) -> Moments:
    """Moments from chunks shifted into a small float64 buffer (stable for any mean)."""
    n_samples, n_features = X.shape
    step = _chunk_rows(n_samples, n_features)
    if shift is None:
        shift = X[:step].mean(axis=0, dtype=np.float64)
    gram = np.zeros((n_features, n_features))
    sums = np.zeros(n_features)
    buffer = np.empty((step, n_features))
    for start in range(0, n_samples, step):
        block = X[start : start + step]
        centred = buffer[: block.shape[0]]
        np.subtract(block, shift, out=centred)
        sums += centred.sum(axis=0)
        gram += centred.T @ centred
    mean_shift = sums / n_samples
    m2 = gram - np.outer(sums, mean_shift)
    return Moments(n_samples, shift + mean_shift, m2, _eps_of(X.dtype))


def compute_moments(X: NDArray) -> Moments:
    """Count, mean and centred second moments of ``X``, with no centred copy.

    float64 input whose column means are small beside their spreads (at most
    ``sqrt(100)`` standard deviations, the usual case for network features) is
    summarised by one uncentred Gram product ``X.T @ X`` (the BLAS ``syrk``
    kernel) and its column sums; the centring then loses at most about
    ``100 * eps`` relative accuracy. Otherwise, and for float32 input, chunks of
    rows are shifted by a mean estimate into a small float64 buffer whose Gram
    products are accumulated: stable for any offset, and float32 input is
    accumulated in float64.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float32 or float64
        Rows to summarise.

    Returns
    -------
    moments : Moments

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 8.0]])
    >>> m = compute_moments(X)
    >>> m.count, m.mean
    (3, array([2., 4.]))
    >>> np.allclose(m.m2 / 2, np.cov(X.T))
    True
    """
    n_samples, n_features = X.shape
    if n_samples == 0:
        return Moments(
            0, np.zeros(n_features), np.zeros((n_features, n_features)), _eps_of(X.dtype)
        )
    if X.dtype != np.float64:
        return _shifted_moments(X, None)
    sums = X.sum(axis=0)
    mean = sums / n_samples
    offset = n_samples * mean**2
    m2 = X.T @ X
    m2 -= np.outer(sums, mean)
    spread = np.diag(m2)
    tiny = np.finfo(np.float64).tiny
    if np.all(offset <= _CANCELLATION_LIMIT * np.maximum(spread, tiny)) or not np.any(offset):
        return Moments(n_samples, mean, m2)
    return _shifted_moments(X, mean)


def merge_moments(first: Moments | None, second: Moments) -> Moments:
    """Moments of the union of two batches (Chan et al. pairwise update).

    Array-generic: the means and second moments may be NumPy arrays or torch
    tensors (on any device), as long as both batches use the same kind.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(10, 3))
    >>> merged = merge_moments(compute_moments(X[:4]), compute_moments(X[4:]))
    >>> whole = compute_moments(X)
    >>> np.allclose(merged.m2, whole.m2) and np.allclose(merged.mean, whole.mean)
    True
    """
    if first is None or first.count == 0:
        return second
    if second.count == 0:
        return first
    count = first.count + second.count
    delta = second.mean - first.mean
    mean = first.mean + delta * (second.count / count)
    # broadcasting rather than np.outer: the moments may be torch tensors on a device
    outer = delta[:, None] * delta[None, :]
    m2 = first.m2 + second.m2 + outer * (first.count * second.count / count)
    return Moments(count, mean, m2, max(first.eps, second.eps))


def covariance(moments: Moments) -> NDArray[np.float64]:
    """Unbiased covariance (``ddof=1``) from accumulated moments."""
    return moments.m2 / (moments.count - 1)


def rounding_variance(moments: Moments, columns: slice = slice(None)) -> float:
    """Variance that rounding the data to its dtype can put along a direction.

    Storing ``x`` in a dtype of machine epsilon ``eps`` adds an error of variance at
    most ``(eps x)^2 / 12`` (a uniform error within one unit in the last place, at
    most ``eps |x|``), offsets included. Errors that behave as independent noise
    over ``n`` rows and ``d`` columns have a covariance whose largest eigenvalue is
    at most about ``(1 + sqrt(d / n))^2`` times the largest of these variances
    (Marchenko-Pastur). Returned with a margin of 12:
    ``eps^2 max_j E x_j^2 (1 + sqrt(d / n))^2``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[100.0, 1.0], [101.0, 3.0], [102.0, 2.0]], dtype=np.float32)
    >>> bool(rounding_variance(compute_moments(X)) < 1e-9)
    True
    """
    count = max(moments.count - 1, 1)
    second = np.diag(moments.m2)[columns] / count + moments.mean[columns] ** 2
    if second.size == 0:
        return 0.0
    spread = (1.0 + np.sqrt(second.size / max(moments.count, 1))) ** 2
    return moments.eps**2 * float(second.max()) * spread


def finite_moments(X: NDArray, estimator_name: str) -> Moments:
    """Moments of ``X``, raising scikit-learn's message if ``X`` holds NaN or infinity.

    Any NaN or infinite entry makes a column sum non-finite, so the data are
    checked through the moments at no extra pass over ``X``. Finite values too
    large for their squares (``|x|`` above about ``1e154``), or variations too
    small for theirs (below about ``1e-154``), raise a ``ValueError`` that asks
    for a rescaling.

    Examples
    --------
    >>> import numpy as np
    >>> finite_moments(np.array([[1.0, np.nan], [2.0, 3.0]]), "CCAProjector")
    Traceback (most recent call last):
    ...
    ValueError: Input X contains NaN.
    CCAProjector does not accept missing values encoded as NaN natively...
    """
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        moments = compute_moments(X)
    if not np.all(np.isfinite(moments.mean)):
        assert_all_finite(X, estimator_name=estimator_name, input_name="X")
    with np.errstate(over="ignore"):
        squares_finite = np.all(np.isfinite(moments.mean**2))
    if not np.all(np.isfinite(moments.m2)) or not squares_finite:
        # finite values whose squares overflow float64 (|x| above about 1e154)
        largest = float(np.max(np.abs(X)))
        raise ValueError(
            f"{estimator_name}: X holds values up to {largest:.3g} in magnitude, whose "
            "squares and products overflow float64, so its covariance cannot be computed. "
            "Rescale X (divide it by a constant, or use sklearn.preprocessing."
            "StandardScaler) before fitting."
        )
    flat = np.flatnonzero(np.diag(moments.m2) == 0)
    if flat.size and X.shape[0] > 1:
        spread = np.ptp(X[:, flat], axis=0)
        if np.any(spread > 0):
            first = int(np.argmax(spread > 0))
            raise ValueError(
                f"{estimator_name}: column {int(flat[first])} of X varies (by "
                f"{float(spread[first]):.3g}) "
                "but its variance underflows float64 to zero: its values are too small. "
                "Rescale X (multiply it by a constant, or use sklearn.preprocessing."
                "StandardScaler) before fitting."
            )
    return moments
