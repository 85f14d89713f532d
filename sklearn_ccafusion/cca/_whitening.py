"""PCA whitening computed from mergeable moments (:class:`PCAWhitener`)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, RealNotInt
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_ccafusion.cca._linalg import shrink_covariance, whitening_basis
from sklearn_ccafusion.cca._moments import (
    Moments,
    covariance,
    finite_moments,
    merge_moments,
    rounding_variance,
)
from sklearn_ccafusion.utils._validation import check_min_samples

__all__ = ["PCAWhitener"]


def __dir__() -> list[str]:
    """Public names only: what ``from module import *`` gives."""
    return sorted(__all__)


class PCAWhitener(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Centre, keep the leading principal components and whiten them.

    The principal basis is an ``eigh`` of the covariance accumulated from the
    rows' moments (count, mean, centred second moments, in float64), so
    :meth:`fit` and any sequence of :meth:`partial_fit` calls give the same
    result. Directions with no variance are always dropped, which makes the
    whitening safe on rank-deficient data (dead ReLU units, duplicated columns).

    Parameters
    ----------
    n_components : int, float in (0, 1) or None, default=0.9999
        Components to keep. ``float``: the smallest number whose cumulative
        explained-variance ratio exceeds the fraction, as
        :class:`sklearn.decomposition.PCA` chooses them (the default drops the
        directions that carry the last 0.01 % of the variance, as the original
        study). ``int``: that many, at most the numerical rank. ``None``: every
        direction with non-zero variance.
    whiten : bool, default=True
        Scale each component to unit variance. ``False`` returns the principal
        component scores.

    Attributes
    ----------
    components_ : ndarray of shape (n_components_, n_features_in_)
        Principal directions, rows, in decreasing variance, with deterministic
        signs (largest absolute entry positive).
    explained_variance_ : ndarray of shape (n_components_,)
        Variance along each kept direction (``ddof=1``).
    explained_variance_ratio_ : ndarray of shape (n_components_,)
        Fraction of the total variance along each kept direction.
    mean_ : ndarray of shape (n_features_in_,)
        Column means.
    n_components_ : int
        Number of kept components.
    rank_ : int
        Numerical rank of the covariance.
    n_samples_seen_ : int
        Rows seen by :meth:`fit` or all the :meth:`partial_fit` calls.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    sklearn.decomposition.PCA : The same selection rule; it cannot be merged
        from batches and recomputes the data's SVD.
    CCAProjector : Whitens each view with a clone of this estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion import PCAWhitener
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)) @ np.diag([5.0, 1.0, 0.0])
    >>> whitener = PCAWhitener(n_components=None).fit(X)
    >>> whitener.n_components_
    2
    >>> np.round(np.cov(whitener.transform(X).T), 6)
    array([[1., 0.],
           [0., 1.]])
    """

    _parameter_constraints: dict = {
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
            None,
        ],
        "whiten": ["boolean"],
    }

    def __init__(self, n_components: int | float | None = 0.9999, *, whiten: bool = True):
        self.n_components = n_components
        self.whiten = whiten

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: None = None) -> PCAWhitener:
        """Fit the principal basis on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : PCAWhitener
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_all_finite=False)
        check_min_samples(X.shape[0], 2, type(self).__name__)
        self._moments = finite_moments(X, type(self).__name__)
        self._fit_from_moments(self._moments)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: ArrayLike, y: None = None) -> PCAWhitener:
        """Add a batch of rows and refit the basis on everything seen so far.

        The result after several calls equals one :meth:`fit` on all the rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A batch of training data.
        y : None
            Ignored.

        Returns
        -------
        self : PCAWhitener
        """
        first_call = not hasattr(self, "_moments")
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], reset=first_call, ensure_all_finite=False
        )
        batch = finite_moments(X, type(self).__name__)
        self._moments = merge_moments(getattr(self, "_moments", None), batch)
        if self._moments.count >= 2:
            self._fit_from_moments(self._moments)
        return self

    def _fit_from_moments(self, moments: Moments, reg: float = 0.0) -> PCAWhitener:
        """Set the fitted attributes from accumulated moments (shared by every fit)."""
        cov = shrink_covariance(covariance(moments), reg)
        basis = whitening_basis(
            cov, self.n_components, noise_variance=rounding_variance(moments)
        )
        if basis.rank == 0:
            raise ValueError(
                f"{type(self).__name__}: every feature is constant (zero variance), so "
                "there is no direction to keep; check the input."
            )
        self.mean_ = moments.mean
        self.components_ = basis.components
        self.explained_variance_ = basis.explained_variance
        self.explained_variance_ratio_ = basis.explained_variance / basis.total_variance
        self.n_components_ = basis.components.shape[0]
        self.rank_ = basis.rank
        self.n_samples_seen_ = moments.count
        self._basis = basis
        return self

    @property
    def _n_features_out(self) -> int:
        return self.n_components_

    def _projection(self) -> NDArray[np.float64]:
        """Matrix mapping centred rows to the output coordinates."""
        return self._basis.weights if self.whiten else self.components_.T

    def transform(self, X: ArrayLike) -> NDArray:
        """Project ``X`` on the kept components (whitened if ``whiten``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to transform.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components_)
            Same float dtype as ``X``.
        """
        check_is_fitted(self, "components_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        projection = self._projection().astype(X.dtype, copy=False)
        return (X - self.mean_.astype(X.dtype)) @ projection

    def inverse_transform(self, X: ArrayLike) -> NDArray:
        """Map component scores back to the original features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components_)
            Output of :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in_)
            The rows rebuilt from the kept components (the dropped directions
            are set to their mean).
        """
        check_is_fitted(self, "components_")
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_components_:
            raise ValueError(
                f"inverse_transform expects an array of shape (n_samples, "
                f"{self.n_components_}), got shape {X.shape}."
            )
        if not np.issubdtype(X.dtype, np.floating):
            X = X.astype(np.float64)
        inverse = self._basis.inverse_weights if self.whiten else self.components_
        return X @ inverse.astype(X.dtype, copy=False) + self.mean_.astype(X.dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
