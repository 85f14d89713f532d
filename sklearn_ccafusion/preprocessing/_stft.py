"""The arithmetic of the log-frequency spectrogram: interpolation weights, the restricted
STFT, and the original full path used as a reference.

Bilinear resampling on a rectilinear grid is separable: image = ``A_f P A_t^T`` with
``A_f`` and ``A_t`` holding two weights per row, those of
:class:`scipy.interpolate.RegularGridInterpolator`. Only the STFT frames and frequency
bins with a non-zero weight matter, and constant detrending, windowing and the DFT
restricted to those bins are one linear map: :class:`SpectrogramPlan` turns a batch of segments
into images with one matrix product.
"""

from __future__ import annotations

import numpy as np
import scipy.signal
from numpy.typing import NDArray

__all__ = ["SpectrogramPlan", "reference_spectrogram"]


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


class SpectrogramPlan:
    """Everything the transform needs for one segment length, precomputed in ``fit``.

    Calling the plan on a 2-D block of segments returns their images (float32); see
    :func:`reference_spectrogram` for an example.
    """

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
        self.out_shape = (a_freq.shape[0], a_time.shape[0])
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


def reference_spectrogram(
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

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(2, 1000))
    >>> plan = SpectrogramPlan(1000, 100.0, 500, 490, scipy.signal.get_window(
    ...     ("tukey", 0.25), 500), (48, 48), False, False, 1e-10)
    >>> bool(np.allclose(plan(x), reference_spectrogram(x), atol=1e-4))
    True
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
