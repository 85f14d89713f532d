"""Streams of different devices on one time grid (a phone and a watch, say).

Each device samples at its own rate, with clock jitter, and logs may hold timestamps
out of order or twice. :func:`align_streams` sorts each stream, averages the samples
that share a timestamp, and interpolates every channel linearly onto one grid at a
chosen rate; where a stream has no sample for longer than a tolerance, or has not
started or has already stopped, its values are NaN instead of invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.utils import Bunch

__all__ = ["align_streams"]

_NS = np.timedelta64(1, "ns")


def _is_datetime(t: NDArray) -> bool:
    return np.issubdtype(t.dtype, np.datetime64)


def _check_stream(name, stream) -> tuple[NDArray, NDArray]:
    """The stream's timestamps (1-D) and values (2-D), checked."""
    if isinstance(stream, pd.Series | pd.DataFrame):  # time as the index
        index = stream.index
        if isinstance(index, pd.DatetimeIndex) and index.tz is not None:
            index = index.tz_convert("UTC").tz_localize(None)
        stream = (index.to_numpy(), stream.to_numpy())
    if not isinstance(stream, tuple | list) or len(stream) != 2:
        raise TypeError(
            f"stream {name!r} must be a (timestamps, values) pair or a pandas Series or "
            f"DataFrame indexed by time, got {type(stream).__name__}."
        )
    if any(hasattr(part, "toarray") for part in stream):
        raise TypeError(f"stream {name!r}: give dense arrays (a sparse matrix's .toarray()).")
    t, x = np.asarray(stream[0]), np.asarray(stream[1])
    if t.size == 0:
        raise ValueError(f"stream {name!r} has no samples.")
    if t.ndim != 1:
        raise ValueError(f"stream {name!r}: timestamps must be 1-D, got shape {t.shape}.")
    if not (_is_datetime(t) or np.issubdtype(t.dtype, np.number)) or np.iscomplexobj(t):
        raise TypeError(
            f"stream {name!r}: timestamps must be real numbers (seconds) or datetime64, "
            f"got dtype {t.dtype}."
        )
    if x.ndim not in (1, 2) or x.shape[0] != t.shape[0]:
        raise ValueError(
            f"stream {name!r}: values must have shape (n,) or (n, channels) with n = "
            f"{t.shape[0]} timestamps, got {x.shape}."
        )
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise TypeError(f"stream {name!r}: values must be real numbers, got dtype {x.dtype}.")
    bad_t = np.isnat(t) if _is_datetime(t) else ~np.isfinite(t)
    if bad_t.any():
        raise ValueError(
            f"stream {name!r}: {int(bad_t.sum())} timestamp(s) are NaN, NaT or infinite; "
            "drop those samples first."
        )
    bad_x = ~np.isfinite(x)
    if bad_x.any():
        rows = np.flatnonzero(bad_x.reshape(len(x), -1).any(axis=1))
        raise ValueError(
            f"stream {name!r}: {rows.size} sample(s) hold NaN or infinite values (first at "
            f"position {rows[0]}); drop them (the grid then shows a gap there) or fill them."
        )
    return t, x


def _merge_duplicates(t: NDArray, x: NDArray) -> tuple[NDArray, NDArray, int]:
    """Sorted unique timestamps, the mean of each one's samples, how many were merged."""
    unique, inverse, counts = np.unique(t, return_inverse=True, return_counts=True)
    values = x.reshape(len(x), -1).astype(np.float64)
    sums = np.stack(
        [np.bincount(inverse, weights=column, minlength=unique.size) for column in values.T],
        axis=1,
    )
    return unique, sums / counts[:, None], int(t.size - unique.size)


def _gap_mask(times: NDArray, grid: NDArray, max_gap: float) -> tuple[NDArray, list]:
    """Grid points strictly inside an interval between samples longer than max_gap."""
    intervals = np.diff(times)
    mask = np.zeros(grid.shape, dtype=bool)
    gaps = []
    for i in np.flatnonzero(intervals > max_gap):
        left, right = times[i], times[i + 1]
        mask |= (grid > left) & (grid < right)
        gaps.append((left, right))
    return mask, gaps


def align_streams(streams, *, rate, start=None, end=None, max_gap="auto"):
    """Put streams of different rates, with unsorted or repeated timestamps, on one grid.

    For each stream: the samples are sorted by time, samples sharing a timestamp are
    averaged, and each channel is interpolated linearly
    (:func:`numpy.interp`) at the times ``start, start + 1 / rate, ...`` up to
    ``end``. A grid time gets NaN, never an invented value, where its stream has not
    started or has stopped, or lies inside a gap: two consecutive samples further
    apart than ``max_gap``. The result feeds
    :func:`~sklearn_ccafusion.preprocessing.sliding_windows` (one ``(time, channels)``
    recording per stream, or the streams side by side).

    Parameters
    ----------
    streams : mapping of str to (timestamps, values), or to pandas objects
        Per stream (device or sensor): ``timestamps`` of shape ``(n,)``, in seconds
        (any real numbers: Unix time, device time) or ``datetime64``, in any order,
        possibly repeated; ``values`` of shape ``(n,)`` or ``(n, channels)``, finite.
        A :class:`pandas.Series` or :class:`pandas.DataFrame` indexed by time is taken
        as (its index, its values); a time-zone-aware index is read in UTC. All
        streams must use the same clock and the same kind of timestamps.
    rate : float
        Sampling rate of the grid, in Hz (e.g. the slowest stream's, to invent no
        detail; or the rate a network was designed for).
    start, end : float, datetime64 or None, default=None
        First and last time of the grid (same kind as the timestamps); ``None``:
        the latest first sample and the earliest last sample of the streams, so that
        every stream covers the whole grid. The grid stops at the last step not
        after ``end``.
    max_gap : float, "auto" or None, default="auto"
        Longest interval between two samples, in seconds, across which a stream is
        interpolated; longer gaps give NaN. ``"auto"``: 3 times the stream's median
        interval between samples (its own rate); ``None``: interpolate across every
        gap.

    Returns
    -------
    aligned : :class:`~sklearn.utils.Bunch`
        - ``time``: ndarray of shape (n_grid,), the grid (float seconds, or
          ``datetime64[ns]`` for datetime timestamps);
        - ``data``: dict of stream name to ndarray of shape (n_grid,) or (n_grid,
          channels), as given, float64 (float32 stays float32), NaN where the stream
          has no value;
        - ``valid``: boolean ndarray of shape (n_grid,), every stream has a value;
        - ``gaps``: :class:`pandas.DataFrame` with one row per gap longer than
          ``max_gap`` (``stream``, ``start``, ``end``, ``seconds``);
        - ``duplicates``: dict of stream name to the number of samples merged
          into an earlier one of the same timestamp;
        - ``rates``: dict of stream name to its median sampling rate in Hz (one
          over the median interval between distinct timestamps).

    Raises
    ------
    ValueError
        If a stream has fewer than two distinct timestamps, non-finite timestamps or
        values, values that do not match its timestamps, if the streams do not
        overlap (or ``end`` is before ``start``), or if ``rate`` or ``max_gap`` is
        not positive.
    TypeError
        If a stream is not a ``(timestamps, values)`` pair, or streams mix
        ``datetime64`` and numeric timestamps.

    See Also
    --------
    sliding_windows : Cut the aligned recording into labelled windows.

    Examples
    --------
    A phone at about 200 Hz and a watch at about 163 Hz, whose log repeats and
    shuffles some timestamps, on one 50 Hz grid:

    >>> import numpy as np
    >>> from sklearn_ccafusion.preprocessing import align_streams
    >>> rng = np.random.default_rng(0)
    >>> t_phone = np.arange(0, 10, 1 / 200) + rng.uniform(0, 1e-3, 2000)
    >>> t_watch = np.arange(0.3, 10, 1 / 163)
    >>> t_watch = rng.permutation(np.concatenate([t_watch, t_watch[:40]]))
    >>> phone = np.sin(t_phone)[:, None] * [1.0, 2.0, 3.0]   # 3 channels
    >>> watch = np.cos(t_watch)                               # 1 channel
    >>> aligned = align_streams({"phone": (t_phone, phone), "watch": (t_watch, watch)},
    ...                         rate=50)
    >>> round(float(aligned.time[0]), 6), aligned.data["phone"].shape, aligned.data["watch"].shape
    (0.3, (485, 3), (485,))
    >>> aligned.duplicates, bool(aligned.valid.all())
    ({'phone': 0, 'watch': 40}, True)
    >>> bool(np.abs(aligned.data["watch"] - np.cos(aligned.time)).max() < 1e-4)
    True
    """
    if not isinstance(streams, Mapping) or not streams:
        raise TypeError(
            "streams must be a non-empty mapping of name to (timestamps, values), got "
            f"{type(streams).__name__}."
        )
    if isinstance(rate, bool) or not isinstance(rate, Real) or not np.isfinite(rate) or rate <= 0:
        raise ValueError(f"rate must be a positive number of Hz, got {rate!r}.")
    if not (max_gap is None or max_gap == "auto") and (
        isinstance(max_gap, bool)
        or not isinstance(max_gap, Real)
        or not np.isfinite(max_gap)
        or max_gap <= 0
    ):
        raise ValueError(
            f'max_gap must be a positive number of seconds, "auto" or None, got {max_gap!r}.'
        )
    checked = {str(name): _check_stream(name, stream) for name, stream in streams.items()}
    kinds = {_is_datetime(t) for t, _ in checked.values()}
    if len(kinds) > 1:
        raise TypeError("streams mix datetime64 and numeric timestamps; use one clock for all.")
    dated = kinds == {True}

    # one origin for every stream: seconds since it, exact for datetime64 (ns integers)
    if dated:
        origin = min(t.min() for t, _ in checked.values()).astype("datetime64[ns]")

        def seconds(value):
            return (np.asarray(value).astype("datetime64[ns]") - origin) / _NS / 1e9

    else:
        origin = float(min(t.min() for t, _ in checked.values()))

        def seconds(value):
            return np.asarray(value, dtype=np.float64) - origin

    merged, duplicates, rates = {}, {}, {}
    for name, (t, x) in checked.items():
        times, values, n_merged = _merge_duplicates(seconds(t), x)
        if times.size < 2:
            raise ValueError(
                f"stream {name!r} has {times.size} distinct timestamp(s); at least 2 are "
                "needed to interpolate."
            )
        merged[name] = (times, values, x)
        duplicates[name] = n_merged
        rates[name] = float(1.0 / np.median(np.diff(times)))

    first = max(times[0] for times, _, _ in merged.values()) if start is None else seconds(start)
    last = min(times[-1] for times, _, _ in merged.values()) if end is None else seconds(end)
    first, last = float(first), float(last)
    if last < first:
        spans = ", ".join(
            f"{name} {times[0]:.6g} to {times[-1]:.6g} s" for name, (times, _, _) in merged.items()
        )
        raise ValueError(
            f"no common time: the grid would end {first - last:.6g} s before it starts "
            f"(stream spans, in seconds from the earliest sample: {spans})."
        )
    # the last step not after `last` (a relative tolerance absorbs float rounding)
    n_grid = int(np.floor((last - first) * rate * (1 + 1e-12) + 1e-9)) + 1
    grid = first + np.arange(n_grid) / rate

    data, gap_rows = {}, []
    valid = np.ones(n_grid, dtype=bool)
    for name, (times, values, x) in merged.items():
        out = np.column_stack(
            [np.interp(grid, times, column, left=np.nan, right=np.nan) for column in values.T]
        )
        tolerance = 3.0 / rates[name] if max_gap == "auto" else max_gap
        if tolerance is not None:
            mask, gaps = _gap_mask(times, grid, tolerance)
            out[mask] = np.nan
            gap_rows += [(name, left, right) for left, right in gaps]
        dtype = np.float32 if x.dtype == np.float32 else np.float64
        out = out.astype(dtype, copy=False)
        data[name] = out[:, 0] if x.ndim == 1 else out
        valid &= ~np.isnan(out).any(axis=1)

    if dated:
        time = origin + np.round(grid * 1e9).astype(np.int64) * _NS

        def stamp(value):
            return origin + np.int64(round(value * 1e9)) * _NS

    else:
        time = grid + origin

        def stamp(value):
            return value + origin

    gaps = pd.DataFrame(
        {
            "stream": [row[0] for row in gap_rows],
            "start": [stamp(row[1]) for row in gap_rows],
            "end": [stamp(row[2]) for row in gap_rows],
            "seconds": [row[2] - row[1] for row in gap_rows],
        }
    )
    return Bunch(time=time, data=data, valid=valid, gaps=gaps, duplicates=duplicates, rates=rates)
