"""Projection of view 1 onto a chosen subspace (:class:`SubspaceProjector`).

The seven subspace-selection methods of the subspace projection study (SVCCA
paper, figure 2, extended by Moreau et al. 2021) are private functions in one
registry, :data:`METHODS`; each returns a :class:`_Basis`: a change of basis of
view 1's centred features, its left inverse, and the order in which the new
coordinates are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from sklearn_ccafusion.cca._cca_whitening import (
    per_view_reg,
    warn_spurious_correlations,
    whiten_views,
)
from sklearn_ccafusion.cca._linalg import (
    canonical_basis,
    correlations_need_data,
    variate_correlations,
    whitening_basis,
)
from sklearn_ccafusion.cca._moments import Moments, covariance, finite_moments, rounding_variance
from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.utils._docstrings import fill_doc
from sklearn_ccafusion.utils._validation import check_min_samples
from sklearn_ccafusion.utils._views import estimator_view_sizes, view_slices

__all__ = ["METHODS", "SubspaceProjector"]


def __dir__() -> list[str]:
    """Public names only: what ``from module import *`` gives."""
    return sorted(__all__)


@dataclass(frozen=True)
class _Basis:
    """Coordinates ``z = (x - mean) @ forward`` and back, ``x - mean = z @ inverse``.

    ``order`` lists the coordinates in the order they are kept; ``correlations``
    holds the canonical correlations of CCA methods (else ``None``), ``ranks`` the
    directions each view's whitening keeps, ``partner`` view 2's canonical
    directions and ``variances`` the retained variances of each view (to judge the
    correlations' accuracy).
    """

    forward: NDArray[np.float64]
    inverse: NDArray[np.float64]
    order: NDArray[np.intp]
    correlations: NDArray[np.float64] | None = None
    ranks: tuple[int, int] | None = None
    partner: NDArray[np.float64] | None = None
    variances: tuple[NDArray[np.float64], ...] = ()


def _canonical(moments: Moments, sizes, whiten: Callable) -> tuple[_Basis, int]:
    """View 1's canonical basis completed to its retained rank, most correlated first."""
    first, second = view_slices(sizes)
    views = [
        Moments(moments.count, moments.mean[columns], moments.m2[columns, columns], moments.eps)
        for columns in (first, second)
    ]
    bases = [whitener._basis for whitener in whiten(views)]
    canonical = canonical_basis(
        bases[0].weights, bases[1].weights, covariance(moments)[first, second], full_x_basis=True
    )
    forward = bases[0].weights @ canonical.x_rotation
    inverse = canonical.x_rotation.T @ bases[0].inverse_weights
    k1 = forward.shape[1]
    ranks = (k1, bases[1].components.shape[0])
    partner = bases[1].weights @ canonical.y_rotation
    variances = tuple(b.explained_variance for b in bases)
    basis = _Basis(
        forward, inverse, np.arange(k1), canonical.correlations, ranks, partner, variances
    )
    return basis, k1


def _cca_highest(X1, moments, sizes, whiten, rng):
    basis, _ = _canonical(moments, sizes, whiten)
    return basis


def _cca_lowest(X1, moments, sizes, whiten, rng):
    basis, k1 = _canonical(moments, sizes, whiten)
    return replace(basis, order=np.arange(k1)[::-1].copy())


def _cca_random(X1, moments, sizes, whiten, rng):
    basis, k1 = _canonical(moments, sizes, whiten)
    return replace(basis, order=rng.permutation(k1))


def _pca(X1, moments, sizes, whiten, rng):
    columns = view_slices(sizes)[0]
    basis = whitening_basis(
        covariance(moments)[columns, columns],
        n_components=None,
        noise_variance=rounding_variance(moments, columns),
    )
    return _Basis(basis.components.T, basis.components, np.arange(basis.rank))


def _max_activation(X1, moments, sizes, whiten, rng):
    d1 = X1.shape[1]
    order = np.argsort(-X1.max(axis=0), kind="stable")
    return _Basis(np.eye(d1), np.eye(d1), order)


def _random_selection(X1, moments, sizes, whiten, rng):
    d1 = X1.shape[1]
    return _Basis(np.eye(d1), np.eye(d1), rng.permutation(d1))


def _random_projection(X1, moments, sizes, whiten, rng):
    d1 = X1.shape[1]
    q, _ = linalg.qr(rng.standard_normal((d1, d1)))
    return _Basis(q, q.T, np.arange(d1))


#: The subspace-selection methods, by name.
METHODS = {
    "cca_highest": _cca_highest,
    "cca_lowest": _cca_lowest,
    "cca_random": _cca_random,
    "pca": _pca,
    "max_activation": _max_activation,
    "random_selection": _random_selection,
    "random_projection": _random_projection,
}

_CCA_METHODS = {"cca_highest", "cca_lowest", "cca_random"}


@fill_doc
class SubspaceProjector(TransformerMixin, BaseEstimator):
    """Project view 1's features onto a subspace, in view 1's original coordinates.

    Fits an ``n_components``-dimensional subspace of view 1 (CCA methods use
    view 2 to fit it) and returns view 1's features projected onto it about the
    training mean: same width as view 1 and the mean added back, so the
    network's own classification layer can read them. The discarded
    coordinates are set to their training mean.

    For the CCA methods the projection is ``B1^+ S B1``, with ``B1`` the change
    of basis to canonical coordinates and ``S`` the selection. View 1's
    canonical basis is completed to its retained rank ``k_1``: the
    ``min(k_1, k_2)`` correlated directions in decreasing correlation, then the
    ``k_1 - k_2`` directions with zero correlation, if any.

    Parameters
    ----------
    method : str, default="cca_highest"
        One of:

        - ``"cca_highest"``: the ``n`` most correlated canonical directions;
        - ``"cca_lowest"``: the ``n`` least correlated ones (the reverse order);
        - ``"cca_random"``: ``n`` canonical directions drawn at random among all
          ``k_1``;
        - ``"pca"``: the ``n`` highest-variance directions of view 1, full rank
          (nothing dropped);
        - ``"max_activation"``: the ``n`` features with the highest maximum
          activation over the training samples (as the original study ranks
          them), the others set to their mean;
        - ``"random_selection"``: ``n`` features drawn at random;
        - ``"random_projection"``: a random orthogonal ``n``-dimensional subspace.
    n_components : int or None, default=None
        Dimension of the subspace. At or above ``k_1`` (CCA methods) or view 1's
        width (the others), the input is returned unchanged (the study's "all
        features" point); ``None`` likewise.
    %(view_sizes)s
    %(whitener)s
        Used by the CCA methods only.
    %(reg)s
        Used by the CCA methods only.
    %(random_state)s

    Attributes
    ----------
    mean_ : ndarray of shape (view_sizes_[0],)
        Training mean of view 1.
    n_components_ : int
        Dimension of the subspace (``min(n_components, basis size)``).
    basis_size_ : int
        Number of coordinates the method can keep (``k_1`` for CCA methods,
        the rank for ``"pca"``, view 1's width otherwise).
    canonical_correlations_ : ndarray or None
        All canonical correlations, for CCA methods (for near-collinear views,
        those of the training variates, as :class:`CCAProjector` reports them).
    view_sizes_ : tuple of int
        Widths of the two views.
    n_features_in_ : int
        Number of features (both views) seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    Notes
    -----
    :meth:`transform` takes both views stacked, like :meth:`fit`, and returns
    view 1's features only (view 2 is read by nothing at transform time).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion import SubspaceProjector
    >>> rng = np.random.default_rng(0)
    >>> shared = rng.normal(size=(300, 2))
    >>> X1 = shared @ rng.normal(size=(2, 5)) + 0.1 * rng.normal(size=(300, 5))
    >>> X2 = shared @ rng.normal(size=(2, 4)) + 0.1 * rng.normal(size=(300, 4))
    >>> X = np.hstack([X1, X2])
    >>> projector = SubspaceProjector(n_components=2, view_sizes=(5, 4)).fit(X)
    >>> projector.transform(X).shape
    (300, 5)
    """

    _parameter_constraints: dict = {
        "method": [StrOptions(set(METHODS))],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "view_sizes": ["array-like", None],
        "whitener": [PCAWhitener, None],
        "reg": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        method: str = "cca_highest",
        n_components: int | None = None,
        *,
        view_sizes: tuple[int, ...] | None = None,
        whitener: PCAWhitener | None = None,
        reg: float | tuple[float, float] = 0.0,
        random_state: int | np.random.RandomState | None = None,
    ):
        self.method = method
        self.n_components = n_components
        self.view_sizes = view_sizes
        self.whitener = whitener
        self.reg = reg
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: ArrayLike, y: None = None) -> SubspaceProjector:
        """Fit the subspace on the training features of both views.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The two views stacked column-wise, ``np.hstack([X1, X2])``.
        y : None
            Ignored.

        Returns
        -------
        self : SubspaceProjector
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self.view_sizes_ = estimator_view_sizes(self, X.shape[1])
        check_min_samples(X.shape[0], 2, type(self).__name__)
        regs = per_view_reg(self.reg)
        whiten = partial(whiten_views, whitener=self.whitener, regs=regs)
        first = view_slices(self.view_sizes_)[0]
        X1 = X[:, first]
        columns = X if self.method in _CCA_METHODS else X1
        moments = finite_moments(columns, type(self).__name__)
        rng = check_random_state(self.random_state)
        sizes = self.view_sizes_ if self.method in _CCA_METHODS else (X1.shape[1],)
        self._basis = METHODS[self.method](X1, moments, sizes, whiten, rng)
        self.mean_ = moments.mean[first]
        self.basis_size_ = int(self._basis.order.size)
        self.canonical_correlations_ = self._basis.correlations
        if self._basis.partner is not None and correlations_need_data(self._basis.variances):
            # ill-conditioned views: the correlations the training variates have
            second = view_slices(self.view_sizes_)[1]
            m = self._basis.partner.shape[1]
            self.canonical_correlations_ = variate_correlations(
                X1,
                X[:, second],
                (self.mean_, moments.mean[second]),
                self._basis.forward[:, :m],
                self._basis.partner,
            )
        self.n_components_ = self._effective_n(self.n_components)
        if self._basis.ranks is not None:
            warn_spurious_correlations(
                self._basis.correlations, self._basis.ranks, X.shape[0], regs, type(self).__name__
            )
        return self

    def _limit(self) -> int:
        """Dimension at and above which the projection is the identity."""
        return self.basis_size_ if self.method in _CCA_METHODS else self.view_sizes_[0]

    def _effective_n(self, n_components: int | None) -> int:
        limit = self._limit()
        if n_components is None:
            return limit
        if n_components < 1:
            raise ValueError(f"n_components must be at least 1, got {n_components}.")
        return int(min(n_components, limit))

    def _project(self, X1: NDArray, n_components: int | None) -> NDArray:
        """Project view-1 rows on the first ``n_components`` kept coordinates."""
        n = self._effective_n(n_components)
        if n >= self._limit():
            return X1.copy()
        keep = self._basis.order[:n]
        dtype = X1.dtype
        mean = self.mean_.astype(dtype)
        forward = self._basis.forward[:, keep].astype(dtype)
        inverse = self._basis.inverse[keep].astype(dtype)
        return ((X1 - mean) @ forward) @ inverse + mean

    def projection_matrix(self, n_components: int | None = None) -> NDArray:
        """The ``(d1, d1)`` matrix ``P`` with ``transform(X) = (X1 - mean_) @ P + mean_``.

        Parameters
        ----------
        n_components : int or None
            Dimension of the subspace; ``None``: the fitted ``n_components_``.

        Returns
        -------
        P : ndarray of shape (view_sizes_[0], view_sizes_[0])
        """
        check_is_fitted(self, "_basis")
        n = self.n_components_ if n_components is None else self._effective_n(n_components)
        eye = np.eye(self.view_sizes_[0])
        return self._project(eye + self.mean_, n) - self.mean_

    def transform(self, X: ArrayLike) -> NDArray:
        """View 1's features projected on the fitted subspace.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The two views stacked column-wise (view 2 is not read).

        Returns
        -------
        X1_projected : ndarray of shape (n_samples, view_sizes_[0])
            In view 1's original coordinates and dtype.
        """
        check_is_fitted(self, "_basis")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        X1 = X[:, view_slices(self.view_sizes_)[0]]
        return self._project(X1, self.n_components_)

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> NDArray:
        """View 1's feature names.

        Parameters
        ----------
        input_features : array-like of str or None
            Names of all the input features (both views).

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self, "_basis")
        names = _check_feature_names_in(self, input_features)
        return np.asarray(names[: self.view_sizes_[0]], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
