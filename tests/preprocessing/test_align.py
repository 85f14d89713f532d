"""align_streams against a reference written independently of numpy.interp."""

from __future__ import annotations

import bisect
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from sklearn_ccafusion.preprocessing import align_streams, sliding_windows


def _reference(t, x, grid):
    """Average per timestamp with a dict, then bracket each grid time with bisect."""
    groups = defaultdict(list)
    for time, value in zip(t.tolist(), np.atleast_2d(x.T).T.tolist()):
        groups[time].append(value)
    times = sorted(groups)
    means = [np.mean(groups[time], axis=0) for time in times]
    out = []
    for g in grid:
        i = bisect.bisect_right(times, g)
        if g < times[0] or g > times[-1]:
            out.append(np.full(len(means[0]), np.nan))
        elif times[i - 1] == g:
            out.append(means[i - 1])
        else:
            t0, t1 = times[i - 1], times[i]
            w = (g - t0) / (t1 - t0)
            out.append((1 - w) * means[i - 1] + w * means[i])
    return np.array(out)


def _phone_and_watch(seed=0, duration=6.0):
    """A ~200 Hz phone (jittered, 3 channels) and a ~163 Hz watch (shuffled, repeated)."""
    rng = np.random.default_rng(seed)
    t_phone = np.arange(0, duration, 1 / 200) + rng.uniform(0, 1e-3, int(duration * 200))
    phone = rng.standard_normal((t_phone.size, 3))
    t_watch = np.arange(0.25, duration, 1 / 163)
    repeated = rng.choice(t_watch.size, 50, replace=False)
    t_watch = np.concatenate([t_watch, t_watch[repeated]])
    watch = rng.standard_normal(t_watch.size)
    order = rng.permutation(t_watch.size)
    return {"phone": (t_phone, phone), "watch": (t_watch[order], watch[order])}


def test_matches_the_reference_on_the_phone_and_watch_case():
    streams = _phone_and_watch()
    aligned = align_streams(streams, rate=50)
    grid = aligned.time
    assert grid[0] == pytest.approx(0.25) and np.allclose(np.diff(grid), 1 / 50)
    assert grid[-1] <= min(t.max() for t, _ in streams.values())
    for name, (t, x) in streams.items():
        expected = _reference(t, x, grid)
        got = aligned.data[name]
        assert got.shape == (grid.size,) + x.shape[1:]
        np.testing.assert_allclose(np.atleast_2d(got.T).T, expected, rtol=1e-12, atol=1e-12)
    assert aligned.duplicates == {"phone": 0, "watch": 50}
    assert aligned.valid.all() and aligned.gaps.empty
    assert aligned.rates["phone"] == pytest.approx(200, rel=0.01)
    assert aligned.rates["watch"] == pytest.approx(163, rel=0.01)


def test_linear_signals_are_reproduced_exactly_and_order_does_not_matter():
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 5, 400))
    x = np.column_stack([2 * t - 1, -0.5 * t])
    aligned = align_streams({"a": (t, x)}, rate=37.5, start=1.0, end=4.0, max_gap=None)
    np.testing.assert_allclose(aligned.data["a"][:, 0], 2 * aligned.time - 1, atol=1e-12)
    shuffled = rng.permutation(t.size)
    again = align_streams(
        {"a": (t[shuffled], x[shuffled])}, rate=37.5, start=1.0, end=4.0, max_gap=None
    )
    np.testing.assert_array_equal(again.data["a"], aligned.data["a"])
    assert aligned.time.size == int(3.0 * 37.5) + 1  # both ends on the grid


def test_repeated_timestamps_are_averaged():
    t = np.array([0.0, 1.0, 1.0, 1.0, 2.0])
    x = np.array([0.0, 1.0, 2.0, 6.0, 0.0])
    aligned = align_streams({"s": (t, x)}, rate=2, max_gap=None)
    np.testing.assert_allclose(aligned.data["s"], [0.0, 1.5, 3.0, 1.5, 0.0])
    assert aligned.duplicates == {"s": 2}


def test_gaps_longer_than_the_tolerance_are_nan_and_reported():
    t = np.concatenate([np.arange(0, 2, 0.01), np.arange(3, 5, 0.01)])  # 1 s dropout
    x = np.sin(t)
    aligned = align_streams({"s": (t, x)}, rate=10)
    inside = (aligned.time > t[199]) & (aligned.time < 3.0)
    assert inside.any() and np.isnan(aligned.data["s"][inside]).all()
    assert not np.isnan(aligned.data["s"][~inside]).any()
    np.testing.assert_array_equal(aligned.valid, ~inside)
    assert aligned.gaps[["stream"]].to_numpy().ravel().tolist() == ["s"]
    assert aligned.gaps.loc[0, "seconds"] == pytest.approx(3.0 - t[199])
    # a tolerance above the gap interpolates across it; None interpolates everywhere
    for max_gap in (1.5, None):
        across = align_streams({"s": (t, x)}, rate=10, max_gap=max_gap)
        assert across.valid.all() and across.gaps.empty


def test_times_outside_a_stream_are_nan_not_extrapolated():
    a = (np.arange(0, 4, 0.1), np.ones(40))
    b = (np.arange(1, 3, 0.1), np.ones(20))
    aligned = align_streams({"a": a, "b": b}, rate=10, start=0.0, end=3.5)
    outside = (aligned.time < 1.0 - 1e-9) | (aligned.time > b[0][-1] + 1e-9)
    assert np.isnan(aligned.data["b"][outside]).all()
    assert not np.isnan(aligned.data["b"][~outside]).any()
    np.testing.assert_array_equal(aligned.valid, ~outside)


def test_datetime_timestamps_give_the_same_values_as_seconds():
    streams = _phone_and_watch(seed=2, duration=3.0)
    origin = np.datetime64("2026-01-01T12:00:00", "ns")
    dated = {
        name: (origin + np.round(t * 1e9).astype(np.int64) * np.timedelta64(1, "ns"), x)
        for name, (t, x) in streams.items()
    }
    by_date = align_streams(dated, rate=25)
    by_seconds = align_streams(
        {n: ((d - origin) / np.timedelta64(1, "s"), x) for n, (d, x) in dated.items()}, rate=25
    )
    assert by_date.time.dtype == np.dtype("datetime64[ns]")
    np.testing.assert_allclose((by_date.time - origin) / np.timedelta64(1, "s"), by_seconds.time)
    for name in streams:
        np.testing.assert_allclose(by_date.data[name], by_seconds.data[name], rtol=1e-9)


def test_pandas_objects_indexed_by_time_are_streams():
    streams = _phone_and_watch(seed=3, duration=2.0)
    origin = pd.Timestamp("2026-03-01 08:00", tz="Europe/Paris")
    frames = {
        "phone": pd.DataFrame(
            streams["phone"][1], index=origin + pd.to_timedelta(streams["phone"][0], unit="s")
        ),
        "watch": pd.Series(
            streams["watch"][1], index=origin + pd.to_timedelta(streams["watch"][0], unit="s")
        ),
    }
    from_pandas = align_streams(frames, rate=40)
    from_arrays = align_streams(streams, rate=40)
    assert from_pandas.time[0] == np.datetime64("2026-03-01T07:00:00.25", "ns")  # UTC
    # pandas holds the times to the nanosecond: a sample moves by at most 0.5 ns, and a
    # value by at most that times its slope (about 400 per second for these white streams)
    for name in streams:
        np.testing.assert_allclose(from_pandas.data[name], from_arrays.data[name], atol=1e-6)


def test_float32_stays_float32_and_feeds_sliding_windows():
    streams = {k: (t, x.astype(np.float32)) for k, (t, x) in _phone_and_watch().items()}
    aligned = align_streams(streams, rate=50)
    assert all(v.dtype == np.float32 for v in aligned.data.values())
    both = np.column_stack([aligned.data["phone"], aligned.data["watch"]])
    windows = sliding_windows(both, window=50)
    assert windows.data.shape == (both.shape[0] // 50, 4, 50)


@pytest.mark.parametrize(
    ("streams", "kwargs", "error", "match"),
    [
        ({}, {}, TypeError, "non-empty mapping"),
        ({"a": np.arange(3)}, {}, TypeError, r"'a' must be a \(timestamps, values\) pair"),
        ({"a": (np.arange(3.0), np.ones(4))}, {}, ValueError, "n = 3 timestamps"),
        ({"a": (np.array([0.0, np.nan, 2.0]), np.ones(3))}, {}, ValueError, "NaN, NaT"),
        ({"a": (np.arange(3.0), np.array([0, np.inf, 1]))}, {}, ValueError, "position 1"),
        ({"a": (np.ones(3), np.ones(3))}, {}, ValueError, "1 distinct timestamp"),
        ({"a": (np.arange(3.0), np.ones(3))}, {"rate": 0}, ValueError, "rate must be"),
        ({"a": (np.arange(3.0), np.ones(3))}, {"max_gap": -1}, ValueError, "max_gap must"),
        ({"a": (np.arange(3.0), np.array(["x"] * 3))}, {}, TypeError, "real numbers"),
        ({"a": (np.array([]), np.array([]))}, {}, ValueError, "'a' has no samples"),
        ({"a": (np.arange(3.0), np.array([1, None, 2]))}, {}, TypeError, "real numbers"),
        (
            {"a": (np.arange(0.0, 2), np.ones(2)), "b": (np.arange(5.0, 7), np.ones(2))},
            {},
            ValueError,
            "no common time",
        ),
        (
            {
                "a": (np.arange(3.0), np.ones(3)),
                "b": (np.array(["2026-01-01", "2026-01-02"], dtype="datetime64[ns]"), [1, 2]),
            },
            {},
            TypeError,
            "mix datetime64",
        ),
    ],
)
def test_bad_input_is_named(streams, kwargs, error, match):
    with pytest.raises(error, match=match):
        align_streams(streams, **{"rate": 10, **kwargs})
