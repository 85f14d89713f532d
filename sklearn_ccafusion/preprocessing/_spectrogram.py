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

__all__ = ["Spectrogram"]


def _linear_weights(grid: NDArray, points: NDArray) -> NDArray:
    """Matrix of 1-D linear interpolation weights, ``values_at_points = A @ values``.

    Same cells and weights as :class:`scipy.interpolate.RegularGridInterpolator`
    (``method="linear"``); ``points`` must lie inside the grid.
    """
    index = np.clip(np.searchsorted(grid, points, side="right") - 1, 0, grid.shape[0] - 2)
    weight = (points - grid[index]) / (grid[index + 1] - grid[index])
    rows = np.arange(points.shape[0])
    matrix = np.zeros((points.shape[0], grid.shape[0]))
    matrix[rows, index] += 1.0 - weight
    matrix[rows, index + 1] += weight
    return matrix


def _axes(
    n_samples: int,
    fs: float,
    nperseg: int,
    noverlap: int,
    out_shape: tuple[int, int],
    full_coverage: bool,
    skip_dc: bool,
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """STFT frequencies, frame times and the two interpolation matrices.

    Returns ``freqs`` (n_bins,), ``times`` (n_frames,), ``a_freq`` (n_rows, n_bins) and
    ``a_time`` (n_cols, n_frames).
    """
    hop = nperseg - noverlap
    n_frames = (n_samples - nperseg) // hop + 1
    freqs = np.arange(nperseg // 2 + 1) * (fs / nperseg)
    times = (nperseg / 2 + hop * np.arange(n_frames)) / fs
    n_rows, n_cols = out_shape
    span_rows = n_rows - 1 if full_coverage else n_rows
    span_cols = n_cols - 1 if full_coverage else n_cols
    if skip_dc:
        log_f = np.log(freqs[1:])
        grid_f = span_rows * (log_f - log_f[0]) / (log_f[-1] - log_f[0])
        a_freq = np.zeros((n_rows, freqs.shape[0]))
        a_freq[:, 1:] = _linear_weights(grid_f, np.arange(n_rows, dtype=float))
    else:
        log_f = np.log(freqs + freqs[1])
        grid_f = span_rows * (log_f - log_f[0]) / (log_f[-1] - log_f[0])
        a_freq = _linear_weights(grid_f, np.arange(n_rows, dtype=float))
    grid_t = span_cols * (times - times[0]) / (times[-1] - times[0])
    a_time = _linear_weights(grid_t, np.arange(n_cols, dtype=float))
    return freqs, times, a_freq, a_time


def _stft_power_matrix(window: NDArray, bins: NDArray, fs: float) -> NDArray:
    """Linear map from a raw frame to [real | imaginary] parts of the selected bins.

    Includes constant detrending, the window, and the square root of the one-sided PSD
    scaling (``"density"``), so the power is ``re**2 + im**2``.
    """
    n = window.shape[0]
    scale = np.full(bins.shape[0], 2.0 / (fs * np.sum(window**2)))
    single = (bins == 0) | ((n % 2 == 0) & (bins == n // 2))
    scale[single] /= 2.0
    angle = 2.0 * np.pi * np.outer(np.arange(n), bins) / n
    dft = np.hstack([np.cos(angle), -np.sin(angle)]) * np.tile(np.sqrt(scale), 2)
    windowed = window[:, None] * dft
    return windowed - windowed.mean(axis=0)  # (I - 11'/n) diag(w) F: constant detrending


class _Plan:
    """Everything the transform needs for one segment length, precomputed in ``fit``."""

    def __init__(
        self,
        n_samples,
        fs,
        nperseg,
        noverlap,
        window,
        out_shape,
        full_coverage,
        skip_dc,
        log_offset,
    ):
        freqs, times, a_freq, a_time = _axes(
            n_samples, fs, nperseg, noverlap, out_shape, full_coverage, skip_dc
        )
        frames = np.flatnonzero(np.any(a_time != 0, axis=0))
        bins = np.flatnonzero(np.any(a_freq != 0, axis=0))
        hop = nperseg - noverlap
        self.frame_index = (frames * hop)[:, None] + np.arange(nperseg)
        self.dft = _stft_power_matrix(window, bins, fs).astype(np.float32)
        self.n_bins = bins.shape[0]
        self.a_freq = a_freq[:, bins].astype(np.float32)  # (n_rows, n_bins)
        self.a_time_t = a_time[:, frames].T.astype(np.float32)  # (n_frames_used, n_cols)
        self.log_offset = log_offset
        self.row_frequencies = a_freq @ freqs
        self.column_times = a_time @ times

    def __call__(self, segments: NDArray) -> NDArray:
        """Spectrogram images of a 2-D block of segments, shape (n, n_rows, n_cols)."""
        mean = segments.mean(axis=1, dtype=np.float64, keepdims=True)
        centred = (segments - mean).astype(np.float32, copy=False)
        frames = centred[:, self.frame_index]  # (n, n_frames_used, nperseg)
        parts = frames.reshape(-1, frames.shape[-1]) @ self.dft
        re, im = parts[:, : self.n_bins], parts[:, self.n_bins :]
        power = np.square(re)
        power += np.square(im)
        power = power.reshape(segments.shape[0], -1, self.n_bins)
        images = self.a_freq @ (power.transpose(0, 2, 1) @ self.a_time_t)
        if self.log_offset is not None:
            images += np.float32(self.log_offset)
            np.log(images, out=images)
        return images


def _reference_spectrogram(
    segments: NDArray,
    *,
    fs=100.0,
    nperseg=500,
    noverlap=490,
    window=("tukey", 0.25),
    out_shape=(48, 48),
    log_offset=1e-10,
) -> NDArray:
    """The original path: full ``scipy.signal.spectrogram``, then RegularGridInterpolator.

    Slow reference used by the tests and benchmarks; ``segments`` is 2-D.
    """
    from scipy.interpolate import RegularGridInterpolator

    f, t, power = scipy.signal.spectrogram(
        segments, fs=fs, window=window, nperseg=nperseg, noverlap=noverlap
    )
    n_rows, n_cols = out_shape
    log_f = np.log(f + f[1])
    grid_f = n_rows * (log_f - log_f[0]) / (log_f[-1] - log_f[0])
    grid_t = n_cols * (t - t[0]) / (t[-1] - t[0])
    rows, cols = np.meshgrid(np.arange(n_rows), np.arange(n_cols), indexing="ij")
    points = np.column_stack([rows.ravel(), cols.ravel()]).astype(float)
    values = np.moveaxis(power, 0, -1)  # (n_bins, n_frames, n_segments)
    images = RegularGridInterpolator((grid_f, grid_t), values, method="linear")(points)
    images = np.moveaxis(images, -1, 0).reshape(segments.shape[0], n_rows, n_cols)
    return np.log(images + log_offset).astype(np.float32)


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
        about 44.5 Hz and the last 1.15 s are never sampled (PROTOCOL 10.8). ``True``
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
        self._plan = _Plan(
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
        out = np.empty((segments.shape[0], *tuple(self.out_shape)), dtype=np.float32)
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
        n_rows, n_cols = self.out_shape
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
