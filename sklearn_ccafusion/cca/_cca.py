"""Exact and streaming canonical correlation analysis of two views (:class:`CCAProjector`)."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from sklearn_ccafusion.cca._cca_whitening import (
    default_max_rank,
    per_view_reg,
    warn_spurious_correlations,
    whiten_views,
)
from sklearn_ccafusion.cca._linalg import (
    _CORRELATION_TOLERANCE,
    canonical_basis,
    correlations_need_data,
    variate_correlations,
)
from sklearn_ccafusion.cca._moments import Moments, covariance, finite_moments, merge_moments
from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.utils._docstrings import fill_doc
from sklearn_ccafusion.utils._validation import check_min_samples
from sklearn_ccafusion.utils._views import estimator_view_sizes, view_slices

__all__ = ["CCAProjector", "MomentsAccuracyWarning", "warn_moments_accuracy"]


def __dir__() -> list[str]:
    """Public names only: what ``from module import *`` gives."""
    return sorted(__all__)


def _view_moments(moments: Moments, columns: slice) -> Moments:
    """Moments of one view, read off the moments of the stacked views."""
    return Moments(moments.count, moments.mean[columns], moments.m2[columns, columns], moments.eps)


def _cap_note(whitener: PCAWhitener | None, n_samples: int) -> str:
    """Part of a message saying that the default whitening capped the ranks."""
    if whitener is not None:
        return ""
    return f" (whitener=None keeps at most n_samples // 4 = {default_max_rank(n_samples)})"


def _correlations(U: NDArray, V: NDArray) -> NDArray[np.float64]:
    """Pearson correlation of each column of ``U`` with the same column of ``V``."""
    U = U - U.mean(axis=0)
    V = V - V.mean(axis=0)
    denominator = np.sqrt((U * U).sum(axis=0) * (V * V).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = (U * V).sum(axis=0) / denominator
    return np.where(denominator > 0, corr, 0.0)


class MomentsAccuracyWarning(UserWarning):
    """Canonical correlations read off moments keep about ``accuracy`` only."""

    def __init__(self, message: str, accuracy: float) -> None:
        super().__init__(message)
        self.accuracy = accuracy


def warn_moments_accuracy(cca: CCAProjector, owner: str) -> bool:
    """Warn when correlations read off moments may be off by more than 1e-9.

    The singular values of the whitened cross-covariance are accurate to about
    ``eps * cond``, ``cond`` the largest ratio of retained variances of a view:
    what streaming keeps, since refining them needs the data again.

    Parameters
    ----------
    cca : CCAProjector
        Fitted from moments.
    owner : str
        Name of the caller, for the message.

    Returns
    -------
    warned : bool
    """
    if per_view_reg(cca.reg) != (0.0, 0.0):
        return False  # the correlations of the regularised problem are wanted
    variances = [w.explained_variance_ for w in cca.whiteners_]
    if not correlations_need_data(variances):
        return False
    cond = max(float(v[0] / v[-1]) if v.size and v[-1] > 0 else np.inf for v in variances)
    eps = float(np.finfo(np.float64).eps)
    message = (
        f"{owner}: a view's retained variances span {cond:.1e} (near-collinear "
        f"features), so canonical correlations computed from accumulated moments are "
        f"accurate to about eps * cond = {eps * cond:.1e} only (fit on the data in memory "
        f"refines them to about eps * sqrt(cond) = {eps * np.sqrt(cond):.1e}). Keep fewer "
        "directions (PCAWhitener(0.999)), regularise (reg > 0), or refit in memory."
    )
    warnings.warn(MomentsAccuracyWarning(message, eps * cond), stacklevel=3)
    return True


@fill_doc
class CCAProjector(TransformerMixin, BaseEstimator):
    """Exact linear CCA between two views stacked in one array.

    Each view is centred and whitened by a clone of ``whitener`` (a
    :class:`PCAWhitener`, which drops the directions with little or no variance),
    then the SVD of the whitened cross-covariance gives the canonical pairs. The
    whitening and the SVD are functions of the accumulated moments only (count,
    means, centred second moments in float64), so :meth:`partial_fit` over any
    batching is exactly :meth:`fit` on all the rows: features too large for
    memory, or emitted batch by batch by a network, can be streamed.

    Parameters
    ----------
    n_components : int or None, default=None
        Number of canonical pairs used by :meth:`transform` and :meth:`score`.
        ``None``: all of them, ``min(k_1, k_2)`` where ``k_i`` is the rank that
        view ``i``'s whitener keeps. A larger int raises a ``ValueError``.
    %(view_sizes)s
    %(whitener)s
    %(reg)s
    output : {"first", "both", "sum"}, default="first"
        What :meth:`transform` returns: the canonical variates of view 1, those
        of both views side by side, or their sum (the CCA-sum fusion feature of
        Ahmad and Khan 2020 and Imran and Raman 2020).

    Attributes
    ----------
    canonical_correlations_ : ndarray of shape (min(k_1, k_2),)
        All canonical correlations, descending, in [0, 1]. When a view's retained
        variances span more than about ``4e6`` (near-collinear features), :meth:`fit`
        reports the correlations of the training variates themselves, accurate to
        about ``eps * sqrt(cond)``, instead of the singular values of the whitened
        cross-covariance (accurate to about ``eps * cond`` only); after
        :meth:`partial_fit`, which keeps no data, they are those singular values,
        and a ``UserWarning`` says so.
    x_weights_ : ndarray of shape (view_sizes_[0], n_components_)
        Canonical directions of view 1 in its original coordinates (columns):
        the variates are ``(X1 - means_[0]) @ x_weights_``, with unit variance
        (``ddof=1``) on the training data when ``reg=0``.
    y_weights_ : ndarray of shape (view_sizes_[1], n_components_)
        Canonical directions of view 2.
    means_ : tuple of two ndarrays
        Training means of each view.
    n_components_ : int
        Number of canonical pairs in use.
    whiteners_ : list of two PCAWhitener
        The fitted per-view whiteners (their ``n_components_`` are ``k_1, k_2``);
        ``PCAWhitener(n_samples // 4)`` for a view whose default whitening was capped.
    view_sizes_ : tuple of int
        Widths of the two views.
    n_samples_seen_ : int
        Rows seen by :meth:`fit` or all the :meth:`partial_fit` calls.
    n_features_in_ : int
        Number of features (both views) seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    sklearn.cross_decomposition.CCA : Iterative (NIPALS) CCA taking the second
        view as ``y``.
    SubspaceProjector : Projects view 1 on its most (or least) correlated
        canonical directions.

    Notes
    -----
    ``fit`` warns (``UserWarning``) when an explicit whitener keeps more than
    ``n_samples / 2`` directions in all and canonical correlations reach 0.999:
    noise alone gets there at such ranks. ``partial_fit`` does not warn (its
    first batches are small by design).

    Signs are deterministic: the largest absolute entry of each column of
    ``x_weights_`` is positive, and ``y_weights_`` follows so that each pair is
    positively correlated. On the training data the correlation of the ``k``-th
    pair of variates equals ``canonical_correlations_[k]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion import CCAProjector
    >>> rng = np.random.default_rng(0)
    >>> shared = rng.normal(size=(500, 1))
    >>> X1 = np.hstack([shared, rng.normal(size=(500, 2))])
    >>> X2 = np.hstack([shared + 0.1 * rng.normal(size=(500, 1)), rng.normal(size=(500, 3))])
    >>> cca = CCAProjector(n_components=1, view_sizes=(3, 4)).fit(np.hstack([X1, X2]))
    >>> bool(cca.canonical_correlations_[0] > 0.98)
    True
    >>> cca.transform(np.hstack([X1, X2])).shape
    (500, 1)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "view_sizes": ["array-like", None],
        "whitener": [PCAWhitener, None],
        "reg": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "output": [StrOptions({"first", "both", "sum"})],
    }

    def __init__(
        self,
        n_components: int | None = None,
        *,
        view_sizes: tuple[int, ...] | None = None,
        whitener: PCAWhitener | None = None,
        reg: float | tuple[float, float] = 0.0,
        output: str = "first",
    ):
        self.n_components = n_components
        self.view_sizes = view_sizes
        self.whitener = whitener
        self.reg = reg
        self.output = output

    def _validate(self, X: ArrayLike, reset: bool, fitting: bool = False) -> NDArray:
        # when fitting, NaN and infinity are caught through the moments (one pass fewer)
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], reset=reset, ensure_all_finite=not fitting
        )
        if reset:
            self.view_sizes_ = estimator_view_sizes(self, X.shape[1], stacklevel=6)
        return X

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: ArrayLike, y: None = None) -> CCAProjector:
        """Fit the canonical pairs of the two views stacked in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The two views stacked column-wise, ``np.hstack([X1, X2])``.
        y : None
            Ignored.

        Returns
        -------
        self : CCAProjector
        """
        X = self._validate(X, reset=True, fitting=True)
        check_min_samples(X.shape[0], 2, type(self).__name__)
        self._moments = finite_moments(X, type(self).__name__)
        self._fit_from_moments(self._moments)
        self._refine_correlations(X)
        warn_spurious_correlations(
            self.canonical_correlations_,
            tuple(w.n_components_ for w in self.whiteners_),
            self.n_samples_seen_,
            per_view_reg(self.reg),
            type(self).__name__,
        )
        return self

    def _refine_correlations(self, X: NDArray) -> None:
        """Recompute ill-conditioned correlations from the training variates.

        The SVD of the whitened cross-covariance gives correlations accurate to about
        ``eps * cond``, ``cond`` the largest ratio of retained variances in a view;
        near-collinear features (``cond`` of 1e10 to 1e12) leave errors up to 1e-5
        while the directions, at which the correlation is stationary, stay right.
        The variates' own correlations on ``X`` are then the accurate values.

        Only the pairs that need it are refined: the ``k``-th correlation is off by
        at most about ``eps * (l_1 ||a_k||^2 + l_2 ||b_k||^2)`` (``l_i`` the largest
        retained variance of view ``i``, ``a_k, b_k`` the canonical directions in
        original coordinates, scaled to unit variance), the rounding of the
        covariances and of their eigenvectors seen along those directions; pairs
        whose bound is below ``1e-9`` keep their value, and their variates are not
        computed.
        """
        if per_view_reg(self.reg) != (0.0, 0.0):
            return  # the correlations of the regularised problem are wanted
        if not correlations_need_data([w.explained_variance_ for w in self.whiteners_]):
            return
        slices = view_slices(self.view_sizes_)
        x_weights, y_weights = self.x_weights_, self.y_weights_
        if x_weights.shape[1] < self.canonical_correlations_.shape[0]:
            cross = covariance(self._moments)[slices[0], slices[1]]
            w1, w2 = (w._basis.weights for w in self.whiteners_)
            basis = canonical_basis(w1, w2, cross)
            x_weights, y_weights = w1 @ basis.x_rotation, w2 @ basis.y_rotation
        largest = [float(w.explained_variance_[0]) for w in self.whiteners_]
        bound = np.finfo(np.float64).eps * (
            largest[0] * np.einsum("ij,ij->j", x_weights, x_weights)
            + largest[1] * np.einsum("ij,ij->j", y_weights, y_weights)
        )
        need = np.flatnonzero(bound > _CORRELATION_TOLERANCE)
        if need.size == 0:
            return
        correlations = self.canonical_correlations_.copy()
        correlations[need] = variate_correlations(
            X[:, slices[0]], X[:, slices[1]], self.means_, x_weights[:, need], y_weights[:, need]
        )
        self.canonical_correlations_ = correlations

    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X: ArrayLike, y: None = None) -> CCAProjector:
        """Add a batch of rows; the result equals :meth:`fit` on all rows seen.

        The moments, whitening bases and canonical directions equal those of
        :meth:`fit` to rounding. The canonical correlations do too unless a
        view's retained variances span more than about ``4e6`` (near-collinear
        features): then :meth:`fit` refines them from the training variates (to
        about ``eps * sqrt(cond)``), which streaming cannot do without a second
        pass over the data, and streamed correlations are accurate to about
        ``eps * cond`` (``5e-5`` at ``cond = 1e12``); a ``UserWarning`` (once per
        fitting) then states the accuracy kept.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A batch of the two stacked views.
        y : None
            Ignored.

        Returns
        -------
        self : CCAProjector
        """
        first_call = not hasattr(self, "_moments")
        X = self._validate(X, reset=first_call, fitting=True)
        batch = finite_moments(X, type(self).__name__)
        self._moments = merge_moments(getattr(self, "_moments", None), batch)
        if first_call:
            self._accuracy_warned = False
        if self._moments.count >= 2:
            self._fit_from_moments(self._moments)
            if not getattr(self, "_accuracy_warned", False):
                self._accuracy_warned = warn_moments_accuracy(self, "CCAProjector.partial_fit")
        return self

    def _fit_from_moments(self, moments: Moments) -> CCAProjector:
        """Whiten each view and take the SVD of the whitened cross-covariance."""
        regs = per_view_reg(self.reg)
        slices = view_slices(self.view_sizes_)
        whiteners = whiten_views(
            [_view_moments(moments, columns) for columns in slices], self.whitener, regs
        )
        k1, k2 = (w.n_components_ for w in whiteners)
        n_pairs = min(k1, k2)
        if self.n_components is not None and self.n_components > n_pairs:
            raise ValueError(
                f"n_components={self.n_components} is larger than the number of canonical "
                f"pairs, {n_pairs} = min({k1}, {k2}), the ranks the whitener keeps in each "
                f"view{_cap_note(self.whitener, moments.count)}; lower n_components or keep "
                "more components in the whitener."
            )
        self.n_components_ = n_pairs if self.n_components is None else self.n_components
        cross = covariance(moments)
        basis = canonical_basis(
            whiteners[0]._basis.weights,
            whiteners[1]._basis.weights,
            cross[slices[0], slices[1]],
            n_pairs=self.n_components_,
        )
        self.whiteners_ = whiteners
        self.canonical_correlations_ = basis.correlations
        self.x_weights_ = whiteners[0]._basis.weights @ basis.x_rotation
        self.y_weights_ = whiteners[1]._basis.weights @ basis.y_rotation
        self.means_ = (moments.mean[slices[0]], moments.mean[slices[1]])
        self.n_samples_seen_ = moments.count
        return self

    def _variates(self, X: NDArray) -> tuple[NDArray, NDArray]:
        """Canonical variates of both views of validated ``X``."""
        X1, X2 = (X[:, s] for s in view_slices(self.view_sizes_))
        dtype = X.dtype
        U = (X1 - self.means_[0].astype(dtype)) @ self.x_weights_.astype(dtype, copy=False)
        V = (X2 - self.means_[1].astype(dtype)) @ self.y_weights_.astype(dtype, copy=False)
        return U, V

    def transform(self, X: ArrayLike) -> NDArray:
        """Canonical variates of ``X``, as chosen by ``output``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The two views stacked column-wise.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components_) or (n_samples, 2 * n_components_)
            View 1's variates (``"first"``), both views' side by side (``"both"``)
            or their sum (``"sum"``), in the dtype of ``X``.
        """
        check_is_fitted(self, "x_weights_")
        X = self._validate(X, reset=False)
        U, V = self._variates(X)
        if self.output == "first":
            return U
        if self.output == "both":
            return np.hstack([U, V])
        return U + V

    def score(self, X: ArrayLike, y: None = None) -> float:
        """Mean correlation of the first ``n_components_`` canonical pairs on ``X``.

        On held-out data this measures how well the fitted directions generalise,
        so :class:`~sklearn.model_selection.GridSearchCV` can tune the whitener or
        ``reg`` with no custom scorer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The two views stacked column-wise, at least 2 rows.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean Pearson correlation of the pairs of variates, in [-1, 1].
        """
        check_is_fitted(self, "x_weights_")
        X = self._validate(X, reset=False)
        check_min_samples(X.shape[0], 2, f"{type(self).__name__}.score")
        U, V = self._variates(X.astype(np.float64, copy=False))
        return float(np.mean(_correlations(U, V)))

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> NDArray:
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None
            Checked against ``feature_names_in_``; not used otherwise.

        Returns
        -------
        names : ndarray of str
            ``ccaprojector<i>`` (``"first"``), ``ccaprojector_sum<i>`` (``"sum"``),
            or ``ccaprojector_x<i>`` then ``ccaprojector_y<i>`` (``"both"``).
        """
        check_is_fitted(self, "x_weights_")
        _check_feature_names_in(self, input_features, generate_names=False)
        prefix = type(self).__name__.lower()
        k = range(self.n_components_)
        if self.output == "first":
            names = [f"{prefix}{i}" for i in k]
        elif self.output == "sum":
            names = [f"{prefix}_sum{i}" for i in k]
        else:
            names = [f"{prefix}_x{i}" for i in k] + [f"{prefix}_y{i}" for i in k]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
