"""Per-channel standardisation of stacked signals, fitted on the training side only.

For ``(n, channels, ...)`` arrays (time-series windows, images) a channel is one
sensor axis, so its statistics are pooled over the samples and every trailing axis
(time steps, pixels): each channel is scaled as one signal, and its shape over time
is kept. On a 2-D ``(n, channels)`` table it is scikit-learn's ``StandardScaler``.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["ChannelStandardizer"]


class ChannelStandardizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise each channel of ``(n, channels, ...)`` arrays with training statistics.

    ``fit`` computes, per channel (axis 1), the mean and the standard deviation over
    the samples and every trailing axis; ``transform`` subtracts the mean and
    divides by the standard deviation, broadcast over those axes. Fit it on the
    training windows only and apply it to both sides, so no validation statistic
    leaks into training.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract each channel's mean.
    with_std : bool, default=True
        Divide by each channel's standard deviation.
    min_std : float, default=1e-12
        A channel whose standard deviation is at or below ``min_std`` (a constant
        channel) is only centred: its scale is 1.

    Attributes
    ----------
    mean_ : ndarray of shape (n_channels,), float64
        Mean of each channel (zeros when ``with_mean=False``).
    scale_ : ndarray of shape (n_channels,), float64
        Divisor of each channel (ones when ``with_std=False``).
    var_ : ndarray of shape (n_channels,), float64
        Variance of each channel (population, ``ddof=0``).
    n_features_in_ : int
        Number of channels.
    n_samples_seen_ : int
        Number of samples (rows) in ``fit``.
    shape_in_ : tuple of int
        Shape of one sample, ``(n_channels, ...)``; ``transform`` requires it.

    See Also
    --------
    sliding_windows : Recordings to ``(n, channels, window)`` windows.
    sklearn.preprocessing.StandardScaler : The same for a 2-D table.

    Notes
    -----
    Statistics are accumulated in float64 one channel at a time (the extra memory
    is one channel's values); float32 inputs give float32 outputs.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal([[1.0], [5.0]], [[2.0], [0.5]], size=(200, 2, 50))
    >>> scaler = ChannelStandardizer().fit(X)
    >>> np.round(scaler.mean_, 1), np.round(scaler.scale_, 1)
    (array([1., 5.]), array([2. , 0.5]))
    >>> Z = scaler.transform(X)
    >>> np.round(Z.mean(axis=(0, 2)), 6) + 0.0, np.round(Z.std(axis=(0, 2)), 6)
    (array([0., 0.]), array([1., 1.]))
    """

    _parameter_constraints: dict = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "min_std": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self, *, with_mean: bool = True, with_std: bool = True, min_std: float = 1e-12
    ) -> None:
        self.with_mean = with_mean
        self.with_std = with_std
        self.min_std = min_std

    def _validate(self, X: ArrayLike, reset: bool) -> NDArray:
        X = validate_data(
            self, X, reset=reset, dtype=[np.float64, np.float32], allow_nd=True, ensure_2d=True
        )
        if not reset and X.shape[1:] != self.shape_in_:
            raise ValueError(
                f"X has samples of shape {X.shape[1:]}, but ChannelStandardizer was fitted "
                f"on samples of shape {self.shape_in_}; windows and channels must match."
            )
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: Any = None) -> ChannelStandardizer:
        """Per-channel mean and standard deviation of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, ...)
            Training samples, e.g. windows ``(n, channels, time)`` or a 2-D table.
        y : None
            Ignored.

        Returns
        -------
        self : ChannelStandardizer
        """
        X = self._validate(X, reset=True)
        n_channels = X.shape[1]
        mean = np.zeros(n_channels)
        var = np.zeros(n_channels)
        for c in range(n_channels):
            values = X[:, c]
            mean[c] = values.mean(dtype=np.float64)
            var[c] = np.mean(np.square(values - mean[c], dtype=np.float64))
        self.var_ = var
        self.mean_ = mean if self.with_mean else np.zeros(n_channels)
        std = np.sqrt(var)
        scale = np.where(std > self.min_std, std, 1.0)
        self.scale_ = scale if self.with_std else np.ones(n_channels)
        self.n_samples_seen_ = int(X.shape[0])
        self.shape_in_ = tuple(X.shape[1:])
        return self

    def _broadcast(self, values: NDArray, ndim: int, dtype: Any) -> NDArray:
        return values.astype(dtype).reshape((1, -1) + (1,) * (ndim - 2))

    def transform(self, X: ArrayLike) -> NDArray:
        """Standardised copy of ``X``, ``(X - mean_) / scale_`` per channel.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, ...)
            Samples of the fitted shape.

        Returns
        -------
        X_new : ndarray of the shape of ``X``, float32 or float64 as ``X``
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        mean = self._broadcast(self.mean_, X.ndim, X.dtype)
        scale = self._broadcast(self.scale_, X.ndim, X.dtype)
        return (X - mean) / scale

    def inverse_transform(self, X: ArrayLike) -> NDArray:
        """Undo :meth:`transform`: ``X * scale_ + mean_`` per channel.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, ...)
            Standardised samples.

        Returns
        -------
        X_original : ndarray of the shape of ``X``
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        mean = self._broadcast(self.mean_, X.ndim, X.dtype)
        scale = self._broadcast(self.scale_, X.ndim, X.dtype)
        return X * scale + mean

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
