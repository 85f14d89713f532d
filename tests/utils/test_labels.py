"""as_class_labels: labels of any type in one form, or a named error."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_ccafusion.utils._labels import as_class_labels, check_same_label_kind

ACCEPTED = {
    "str": (np.array(["walk", "sit", "walk"]), ["walk", "sit", "walk"]),
    "bytes": (np.array([b"walk", b"sit", b"walk"]), ["walk", "sit", "walk"]),
    "bytes_latin1": (np.array([b"\xe9t\xe9", b"sit"]), ["été", "sit"]),
    "bool": (np.array([True, False, True]), [True, False, True]),
    "int8": (np.array([-3, 0, 5], dtype=np.int8), [-3, 0, 5]),
    "uint64": (np.array([7, 2**63 - 1], dtype=np.uint64), [7, 2**63 - 1]),
    "uint64_beyond_int64": (
        np.array([2**64 - 1, 3], dtype=np.uint64),
        ["18446744073709551615", "3"],
    ),
    "whole_floats": (np.array([1.0, -2.0, 1.0]), [1, -2, 1]),
    "float16": (np.array([3.0, 0.0], dtype=np.float16), [3, 0]),
    "datetime64": (
        np.array(["2021-03-01", "2021-03-02"], dtype="datetime64[D]"),
        ["2021-03-01", "2021-03-02"],
    ),
    "timedelta64": (np.array([5, 10], dtype="timedelta64[s]"), ["5 seconds", "10 seconds"]),
    "python_dates": (
        [datetime.date(2021, 3, 1), datetime.datetime(2021, 3, 1, 12, 30)],
        ["2021-03-01", "2021-03-01T12:30:00"],
    ),
    "python_durations": ([datetime.timedelta(seconds=5)] * 2, ["0:00:05"] * 2),
    "python_ints_and_whole_floats": ([1, 2.0, 3], [1, 2, 3]),
    "object_str": (np.array(["a", "b"], dtype=object), ["a", "b"]),
    "object_bytes": (np.array([b"a", b"b"], dtype=object), ["a", "b"]),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_accepted_labels_keep_their_names(case):
    y, expected = ACCEPTED[case]
    labels = as_class_labels(y)
    assert labels.tolist() == expected
    assert labels.dtype.kind in "ibU"  # a form every later stage handles
    # equal labels stay equal, distinct ones distinct: the classes are those of y
    original = [repr(v) for v in (y.tolist() if isinstance(y, np.ndarray) else y)]
    assert len(np.unique(labels)) == len(set(original))


REFUSED = {
    "continuous": (np.array([0.5, 1.0, 1.5]), ValueError, r"not whole numbers: 2 of its 3"),
    "float16_fraction": (np.array([0.5, 1.0], np.float16), ValueError, "look continuous"),
    "nan": (
        np.array([1.0, np.nan, np.nan]),
        ValueError,
        r"missing labels .*: 2 of its 3, at positions 1, 2",
    ),
    "none": (["a", None, "b"], ValueError, r"missing labels .*: 1 of its 3, at position 1"),
    "nat": (np.array(["NaT", "2021-01-01"], dtype="datetime64[D]"), ValueError, "missing labels"),
    "inf": (np.array([1.0, np.inf]), ValueError, "infinite labels"),
    "complex": (np.array([1 + 0j, 2 + 0j]), TypeError, "complex numbers"),
    "mixed": (
        [1, "a", 2],
        TypeError,
        r"mixes labels of 2 types: 2 int .*; 1 str \(e.g. 'a' at position 1\)",
    ),
    "bool_and_int": ([True, 2], TypeError, "mixes labels of 2 types"),
    "str_and_bytes": (np.array(["a", b"a"], dtype=object), TypeError, "mixes labels"),
    "objects": ([object(), object()], TypeError, "of type object"),
    "structured": (np.zeros(2, dtype=[("a", int)]), TypeError, "one per sample"),
    "two_dimensional": (np.zeros((3, 2)), ValueError, r"shape \(n,\), got \(3, 2\)"),
    "empty": (np.array([], dtype=int), ValueError, "holds no labels"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_labels_are_named(case):
    y, error, match = REFUSED[case]
    with pytest.raises(error, match=match):
        as_class_labels(y, name="y")


def test_groups_name_their_own_values():
    with pytest.raises(ValueError, match=r"groups has missing group ids"):
        as_class_labels(np.array([1.0, np.nan]), name="groups", what="group ids")


def test_label_kinds_must_agree():
    check_same_label_kind(a=np.array([1, 2]), b=np.array([3]))
    with pytest.raises(TypeError, match="y_train holds bool labels but classes holds"):
        check_same_label_kind(y_train=np.array([True]), classes=np.array(["a"]))


def test_whole_floats_beyond_int64_keep_their_value():
    assert_array_equal(as_class_labels(np.array([1e20, 0.0])), ["1e+20", "0.0"])
