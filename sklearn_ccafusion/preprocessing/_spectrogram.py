"""Log-power, log-frequency spectrograms of raw sensor segments (Moreau et al. 2021).

The original study turns each 60 s segment (6,000 samples at 100 Hz) into a 48 x 48 image:
``scipy.signal.spectrogram(fs=100, nperseg=500, noverlap=490)`` (Tukey(0.25) window,
constant detrending, one-sided power spectral density: 251 frequencies x 551 frames), then
a bilinear resampling on a log-frequency axis, ``u = 48 log(k + 1) / log(251)`` for
frequency bin ``k``, and a linear time axis ``48 (t - t0) / (t_end - t0)``, sampled at the
integer coordinates 0..47, and finally ``log(power + 1e-10)``.

A bilinear resampling on a rectilinear grid is separable: output = ``A_f P A_t^T`` with
``A_f`` and ``A_t`` sparse (two weights per row, exactly those of
:class:`scipy.interpolate.RegularGridInterpolator`). Only the frames and frequency bins with
a non-zero weight matter: about 94 of the 551 frames and 62 of the 251 bins. Constant
detrending, windowing and the discrete Fourier transform restricted to those bins are one
linear map, so the needed powers come from one matrix product per batch of segments,
instead of 551 FFTs per segment. Each segment is centred first, which leaves the
detrended frames unchanged and keeps float32 arithmetic accurate (closer to the float64
result than ``scipy.signal.spectrogram`` on float32 input).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.signal
from joblib import Parallel, delayed
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted
from threadpoolctl import threadpool_limits

from sklearn_ccafusion.preprocessing._stft import SpectrogramPlan

__all__ = ["Spectrogram"]


class Spectrogram(TransformerMixin, BaseEstimator):
    """Log-power, log-frequency spectrogram images of raw sensor segments.

    Turns each segment of each signal into an ``out_shape`` image, with exactly the
    parameters of Moreau et al. (2021): ``scipy.signal.spectrogram(fs=100, nperseg=500,
    noverlap=490)`` (Tukey(0.25) window, constant detrending, one-sided power spectral
    density), bilinear resampling onto a log-frequency axis, ``u = n_rows log(k + 1) /
    log(n_bins)`` for bin ``k``, and a linear time axis, ``v = n_cols (t - t0) / (t_end -
    t0)``, sampled at the integer pixels (as ``RegularGridInterpolator`` would), then
    ``log(power + log_offset)``. Only the STFT frames and frequency bins the resampling
    reads are computed (about 94 of 551 frames for 60 s segments), which gives the same
    numbers several times faster than the full spectrogram.

    The time axis is relative to the segment, so any segment length of at least
    ``2 * nperseg - noverlap`` samples gives ``out_shape`` images.

    Parameters
    ----------
    fs : float, default=100.0
        Sampling rate of the signals, in Hz.
    nperseg : int, default=500
        Samples per STFT frame (5 s at 100 Hz).
    noverlap : int, default=490
        Overlap of consecutive frames (hop of 10 samples); must be below ``nperseg``.
    window : str, tuple or array-like, default=("tukey", 0.25)
        Window, as :func:`scipy.signal.get_window` reads it, or ``nperseg`` values.
    out_shape : tuple of int, default=(48, 48)
        ``(n_rows, n_cols)``: frequency rows (low frequencies first) and time columns.
    full_coverage : bool, default=False
        The original maps pixels ``0..n-1`` onto a ``0..n`` grid, so frequencies above
        about 44.5 Hz and the last 1.15 s are never sampled (the authors' resize with
        ``scipy.interpolate.interp2d`` at integer coordinates). ``True``
        maps them onto ``0..n-1``, so the first and last frames and the Nyquist frequency
        are sampled.
    skip_dc : bool, default=False
        The original log axis, ``log(f + df)``, puts its first seven rows between the DC
        bin (almost empty after detrending) and the 0.2 Hz bin. ``True`` uses ``log(f)``
        from the first non-zero bin to the Nyquist frequency instead.
    log_offset : float or None, default=1e-10
        Added before the logarithm; ``None`` returns the linear power.
    flatten : bool, default=False
        Return ``(n_segments, n_signals * n_rows * n_cols)`` instead of
        ``(n_segments, n_signals, n_rows, n_cols)``.
    signal_names : sequence of str or None, default=None
        Names of the signals, used by :meth:`get_feature_names_out`; ``None`` means
        ``signal0``, ``signal1``, ...
    batch_size : int, default=32
        Segments (of one signal) computed together. The result does not depend on
        ``n_jobs``; another ``batch_size`` may change the last bits of float32 rounding.
    n_jobs : int or None, default=None
        Parallel batches (joblib, threads by default). BLAS is pinned to one thread
        during the transform: its own threads are slower on these small products.
        ``None`` means 1 unless in a joblib context.
    verbose : bool, default=False
        Show a tqdm progress bar over the segments.

    Attributes
    ----------
    n_signals_in_ : int
        Number of signals per segment seen in ``fit`` (1 for 2-D input).
    segment_length_ : int
        Samples per segment seen in ``fit``.
    frequencies_ : ndarray of shape (n_rows,)
        Frequency (Hz) of each image row.
    times_ : ndarray of shape (n_cols,)
        Time (s, from the segment start) of each image column.

    See Also
    --------
    scipy.signal.spectrogram : The full short-time power spectrum.

    Notes
    -----
    Input: ``(n_segments, n_samples)`` for one signal, or ``(n_segments, n_signals,
    n_samples)``. Output: float32. The transform keeps no state but the segment layout, so
    ``fit`` only checks the input and prepares the resampling.

    References
    ----------
    .. [1] H. Moreau, A. Vassilev, L. Chen, "When Neural Networks Using Different Sensors
       Create Similar Features", MobiCASE 2021.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(6000) / 100
    >>> walk = np.sin(2 * np.pi * 2.0 * t) + 0.1 * rng.normal(size=(4, 6000))
    >>> images = Spectrogram().fit_transform(walk)
    >>> images.shape, images.dtype
    ((4, 1, 48, 48), dtype('float32'))
    >>> row = np.argmax(images[0, 0].mean(axis=1))
    >>> round(float(Spectrogram().fit(walk).frequencies_[row]), 1)
    2.0
    """

    _parameter_constraints: dict = {
        "fs": [Interval(Real, 0, None, closed="neither")],
        "nperseg": [Interval(Integral, 2, None, closed="left")],
        "noverlap": [Interval(Integral, 0, None, closed="left")],
        "window": [str, tuple, "array-like"],
        "out_shape": [tuple, list],
        "full_coverage": ["boolean"],
        "skip_dc": ["boolean"],
        "log_offset": [Interval(Real, 0, None, closed="left"), None],
        "flatten": ["boolean"],
        "signal_names": [list, tuple, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        fs=100.0,
        nperseg=500,
        noverlap=490,
        window=("tukey", 0.25),
        out_shape=(48, 48),
        full_coverage=False,
        skip_dc=False,
        log_offset=1e-10,
        flatten=False,
        signal_names=None,
        batch_size=32,
        n_jobs=None,
        verbose=False,
    ):
        self.fs = fs
        self.nperseg = nperseg
        self.noverlap = noverlap
        self.window = window
        self.out_shape = out_shape
        self.full_coverage = full_coverage
        self.skip_dc = skip_dc
        self.log_offset = log_offset
        self.flatten = flatten
        self.signal_names = signal_names
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _check_segments(self, X) -> NDArray:
        """Validated 3-D view ``(n_segments, n_signals, n_samples)`` of the input."""
        X = check_array(
            X, dtype=[np.float32, np.float64], allow_nd=True, input_name="X", estimator=self
        )
        if X.ndim == 2:
            X = X[:, None, :]
        elif X.ndim != 3:
            raise ValueError(
                f"{type(self).__name__} expects raw segments of shape (n_segments, n_samples) "
                f"or (n_segments, n_signals, n_samples), got an array of shape {X.shape}."
            )
        return X

    def _resolved_window(self) -> NDArray:
        if isinstance(self.window, (str, tuple)):
            return scipy.signal.get_window(self.window, self.nperseg)
        window = np.asarray(self.window, dtype=np.float64)
        if window.shape != (self.nperseg,):
            raise ValueError(
                f"window has shape {window.shape}; an explicit window needs nperseg="
                f"{self.nperseg} values."
            )
        return window

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the segments and prepare the resampling for their length.

        Parameters
        ----------
        X : array-like of shape (n_segments, n_samples) or (n_segments, n_signals, \
n_samples)
            Raw segments.
        y : None
            Ignored.

        Returns
        -------
        self : Spectrogram
            Fitted transformer.
        """
        X = self._check_segments(X)
        if self.noverlap >= self.nperseg:
            raise ValueError(
                f"noverlap={self.noverlap} must be smaller than nperseg={self.nperseg}."
            )
        out_shape = tuple(self.out_shape)
        if len(out_shape) != 2 or not all(
            isinstance(v, Integral) and not isinstance(v, bool) and v >= 2 for v in out_shape
        ):
            raise ValueError(f"out_shape must be two ints >= 2, got {self.out_shape!r}.")
        n_samples = X.shape[2]
        minimum = 2 * self.nperseg - self.noverlap
        if n_samples < minimum:
            raise ValueError(
                f"Segments of {n_samples} samples are too short: the spectrogram needs at "
                f"least two frames, i.e. 2 * nperseg - noverlap = {minimum} samples."
            )
        if self.signal_names is not None and len(self.signal_names) != X.shape[1]:
            raise ValueError(
                f"signal_names has {len(self.signal_names)} names but X has {X.shape[1]} signal(s)."
            )
        self._plan = SpectrogramPlan(
            n_samples,
            float(self.fs),
            self.nperseg,
            self.noverlap,
            self._resolved_window(),
            out_shape,
            self.full_coverage,
            self.skip_dc,
            self.log_offset,
        )
        self.n_signals_in_ = X.shape[1]
        self.segment_length_ = n_samples
        self.frequencies_ = self._plan.row_frequencies
        self.times_ = self._plan.column_times
        return self

    def transform(self, X):
        """Compute the spectrogram images.

        Parameters
        ----------
        X : array-like of shape (n_segments, n_samples) or (n_segments, n_signals, \
n_samples)
            Raw segments, with as many signals and samples as in ``fit``.

        Returns
        -------
        images : ndarray of shape (n_segments, n_signals, n_rows, n_cols), float32
            Or ``(n_segments, n_signals * n_rows * n_cols)`` with ``flatten=True``.
        """
        check_is_fitted(self)
        X = self._check_segments(X)
        if X.shape[1:] != (self.n_signals_in_, self.segment_length_):
            raise ValueError(
                f"X has {X.shape[1]} signal(s) of {X.shape[2]} samples, but {type(self).__name__}"
                f" was fitted on {self.n_signals_in_} signal(s) of {self.segment_length_} "
                "samples."
            )
        n, n_signals, n_samples = X.shape
        segments = X.reshape(n * n_signals, n_samples)
        out = np.empty((segments.shape[0], *self._plan.out_shape), dtype=np.float32)
        starts = range(0, segments.shape[0], self.batch_size)
        plan = self._plan

        def task(start):
            return start, plan(segments[start : start + self.batch_size])

        progress = None
        if self.verbose:
            from tqdm.auto import tqdm

            progress = tqdm(total=segments.shape[0], unit="segment", desc="Spectrogram")
        try:
            with threadpool_limits(limits=1, user_api="blas"):
                results = Parallel(
                    n_jobs=self.n_jobs, prefer="threads", return_as="generator_unordered"
                )(delayed(task)(start) for start in starts)
                for start, images in results:
                    out[start : start + images.shape[0]] = images
                    if progress is not None:
                        progress.update(images.shape[0])
        finally:
            if progress is not None:
                progress.close()
        out = out.reshape(n, n_signals, *out.shape[1:])
        return out.reshape(n, -1) if self.flatten else out

    def _names(self) -> list[str]:
        if self.signal_names is not None:
            return [str(name) for name in self.signal_names]
        return [f"signal{i}" for i in range(self.n_signals_in_)]

    @available_if(lambda self: self.flatten)
    def get_feature_names_out(self, input_features=None):
        """Names of the flat output features, ``<signal>__f<row>_t<column>``.

        Only with ``flatten=True``. The ``<signal>__`` prefix lets the package's
        multi-view estimators find one view per signal.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        n_rows, n_cols = self._plan.out_shape
        width = len(str(max(n_rows, n_cols) - 1))
        pixels = [f"f{r:0{width}d}_t{c:0{width}d}" for r in range(n_rows) for c in range(n_cols)]
        return np.array(
            [f"{name}__{pixel}" for name in self._names() for pixel in pixels], dtype=object
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
