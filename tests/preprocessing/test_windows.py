"""sliding_windows against a direct loop, label rules, groups and bad input."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_ccafusion.preprocessing import LABEL_RULES, sliding_windows


def _loop_windows(recordings, labels, groups, window, step, rule):
    """The obvious implementation: one window at a time."""
    data, target, group_out, rec_out, start_out = [], [], [], [], []
    for i, (rec, lab) in enumerate(zip(recordings, labels)):
        for start in range(0, len(rec) - window + 1, step):
            part = list(lab[start : start + window])
            counts = Counter(part)
            best = max(counts.values())
            if rule == "majority":
                label = min(k for k, v in counts.items() if v == best)
            elif rule == "center":
                label = part[window // 2]
            elif rule == "last":
                label = part[-1]
            else:  # pure
                if best != window:
                    continue
                label = part[0]
            data.append(rec[start : start + window].T)
            target.append(label)
            group_out.append(groups[i])
            rec_out.append(i)
            start_out.append(start)
    return np.array(data), np.array(target), np.array(group_out), rec_out, start_out


@pytest.fixture
def recordings():
    rng = np.random.default_rng(0)
    lengths = [57, 100, 33]
    recs = [rng.normal(size=(n, 3)) for n in lengths]
    # piecewise-constant labels, runs of 3 to 44 samples: changes inside windows and
    # runs longer than every window
    names = np.array(["bike", "run", "walk"])
    labels = []
    for n in lengths:
        runs = rng.integers(3, 45, size=n)
        labels.append(np.repeat(names[np.arange(n) % 3], runs)[:n])
    return recs, labels


@pytest.mark.parametrize("rule", sorted(LABEL_RULES))
@pytest.mark.parametrize("window, step", [(10, 3), (16, 16), (33, 1), (8, 20)])
def test_matches_a_direct_loop(recordings, rule, window, step):
    recs, labels = recordings
    groups = ["s1", "s2", "s1"]
    got = sliding_windows(recs, labels, window=window, step=step, label_rule=rule, groups=groups)
    data, target, grp, rec, start = _loop_windows(recs, labels, groups, window, step, rule)
    assert len(got.target) == len(target) > 0
    assert_array_equal(got.data, data)
    assert_array_equal(got.target, target)
    assert_array_equal(got.groups, grp)
    assert_array_equal(got.recording, rec)
    assert_array_equal(got.start, start)


def test_windows_are_copies_in_the_input_float_dtype():
    rec = np.arange(40, dtype=np.float32).reshape(20, 2)
    w = sliding_windows(rec, window=5, step=5)
    assert w.data.dtype == np.float32 and w.data.flags.c_contiguous
    w.data[0, 0, 0] = -1.0
    assert rec[0, 0] == 0.0
    assert_array_equal(w.data[1], rec[5:10].T)  # channels first
    ints = sliding_windows(np.arange(10), window=4, step=2)
    assert ints.data.dtype == np.float64 and ints.data.shape == (4, 1, 4)
    assert ints.target is None


def test_single_recording_labels_and_groups():
    rec = np.zeros((30, 2))
    w = sliding_windows(rec, np.repeat([0, 1, 2], 10), window=10, groups="subject-7")
    assert_array_equal(w.target, [0, 1, 2])
    assert w.groups.tolist() == ["subject-7"] * 3
    assert_array_equal(w.recording, [0, 0, 0])


def test_one_label_per_recording_and_default_groups():
    recs = [np.zeros((20, 1)), np.zeros((30, 1))]
    w = sliding_windows(recs, ["sit", "stand"], window=10)
    assert w.target.tolist() == ["sit", "sit", "stand", "stand", "stand"]
    assert_array_equal(w.groups, [0, 0, 1, 1, 1])


def test_three_d_signals_are_equal_length_recordings():
    signals = np.arange(2 * 12 * 3, dtype=float).reshape(2, 12, 3)
    w = sliding_windows(signals, [0, 1], window=6, step=6)
    assert w.data.shape == (4, 3, 6)
    assert_array_equal(w.data[2], signals[1, :6].T)
    assert_array_equal(w.target, [0, 0, 1, 1])


def test_pure_drops_windows_across_label_changes():
    labels = np.repeat(["a", "b"], [15, 15])
    w = sliding_windows(np.zeros((30, 1)), labels, window=10, step=5, label_rule="pure")
    assert_array_equal(w.start, [0, 5, 15, 20])
    assert w.target.tolist() == ["a", "a", "b", "b"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"window": 60}, r"window=60 is longer than 1 recording\(s\) \(recording 1: 50 samples\)"),
        ({"window": 0}, "window must be a positive int"),
        ({"window": 5, "step": 0}, "step must be a positive int"),
        ({"window": 5, "step": 2.5}, "step must be a positive int"),
        ({"window": 5, "label_rule": "mode"}, "label_rule must be one of"),
        ({"window": 5, "groups": ["a"]}, r"groups must have one entry per recording \(2"),
        ({"window": 5, "labels": [np.zeros(70)]}, r"labels must have one entry per recording"),
        ({"window": 5, "labels": [np.zeros(70), np.zeros(49)]}, "Labels of recording 1 have shape"),
    ],
)
def test_bad_input(kwargs, match):
    recs = [np.zeros((70, 2)), np.zeros((50, 2))]
    with pytest.raises(ValueError, match=match):
        sliding_windows(recs, **kwargs)


def test_bad_recordings():
    with pytest.raises(ValueError, match=r"different numbers of channels \[2, 3\]"):
        sliding_windows([np.zeros((20, 2)), np.zeros((20, 3))], window=5)
    with pytest.raises(ValueError, match="signals has shape"):
        sliding_windows(np.zeros((2, 3, 4, 5)), window=2)
    with pytest.raises(ValueError, match="empty list"):
        sliding_windows([], window=2)
    with pytest.raises(TypeError, match="signals must be an array or a list"):
        sliding_windows("abc", window=2)


@pytest.mark.parametrize(
    "labels, match",
    [
        (np.r_[np.zeros(50), np.full(50, np.nan)], "missing labels"),
        (np.repeat([1.5, 2.5], 50), "not whole numbers"),
        (np.repeat([1 + 1j, 2 + 0j], 50), "complex"),
    ],
    ids=["nan", "fractional", "complex"],
)
def test_labels_that_are_not_classes_are_named(labels, match):
    signal = np.zeros((100, 2))
    with pytest.raises((ValueError, TypeError), match=match):
        sliding_windows(signal, labels, window=20, step=10)


def test_bytes_and_whole_float_labels_give_the_same_classes_as_their_plain_form():
    signal = np.random.default_rng(0).normal(size=(100, 2))
    plain = sliding_windows(signal, np.repeat(["walk", "run"], 50), window=20, step=10)
    as_bytes = sliding_windows(signal, np.repeat([b"walk", b"run"], 50), window=20, step=10)
    assert_array_equal(as_bytes.target, plain.target)
    whole = sliding_windows(signal, np.repeat([1.0, 2.0], 50), window=20, step=10)
    assert_array_equal(whole.target, np.repeat([1, 2], [5, 4]))
    assert whole.target.dtype.kind == "i"
