"""Hostile labels, groups and splits: the right classes or a named error before any training.

Labels of every type a user may save (bytes, dates, durations, booleans, integers of
any width, whole or fractional floats, ``float16``, complex numbers, NaN, mixed
objects), classes too small for the validation share, and groups too few to hold a
class out. Every case expects the classes under their own names, or a ``ValueError``
or ``TypeError`` whose message names the problem, raised before a network is
trained (training is replaced by a failure here) and before ``--out`` is created;
no other exception, no hang.
"""

from __future__ import annotations

import datetime
import re
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_ccafusion.cli import main
from sklearn_ccafusion.datasets import train_validation_split
from sklearn_ccafusion.runs import StudyData, _networks, load_study_file

FAST = ["--quick", "--quiet", "--pairs", "1", "--repeats", "1", "--n-jobs", "1", "--epochs", "1"]
N = 60
CODES = np.arange(N) % 3


@pytest.fixture
def no_training(monkeypatch):
    """Any network trained fails the test: every check must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("a network was trained")

    monkeypatch.setattr(_networks, "_fit_group", refuse)


def _file(tmp_path, y, **extra):
    rng = np.random.default_rng(0)
    path = tmp_path / "mine.npz"
    np.savez(path, y=y, acc=rng.normal(size=(len(y), 4)), gyr=rng.normal(size=(len(y), 3)), **extra)
    return path


def _refused(tmp_path, capsys, path, match):
    """The CLI's exit status 2 and a message naming the problem; nothing written."""
    out = tmp_path / "out"
    assert main(["study", "--data", str(path), "--out", str(out), *FAST]) == 2
    message = capsys.readouterr().err
    assert "Traceback" not in message
    assert match in message, message
    assert not out.exists()


# ----------------------------------------------------------------- label types, from a file
ACCEPTED = {
    "str": (np.array(["sit", "walk", "run"]), ["run", "sit", "walk"]),
    "bytes": (np.array([b"sit", b"walk", b"run"]), ["run", "sit", "walk"]),
    "bytes_not_utf8": (np.array([b"\xe9", b"\xe8", b"a"]), ["a", "è", "é"]),
    "datetime64": (
        np.array(["2021-03-01", "2021-03-02", "2021-03-03"], "datetime64[D]"),
        ["2021-03-01", "2021-03-02", "2021-03-03"],
    ),
    "datetime64_ns": (
        np.array(["2021-03-01T10", "2021-03-01T11", "2021-03-01T12"], "datetime64[ns]"),
        [f"2021-03-01T{h}:00:00.000000000" for h in (10, 11, 12)],
    ),
    "timedelta64": (np.array([1, 2, 3], "timedelta64[s]"), ["1 seconds", "2 seconds", "3 seconds"]),
    "bool": (np.array([True, False, True]), [False, True]),
    "int8": (np.array([-1, 0, 1], np.int8), [-1, 0, 1]),
    "uint16": (np.array([7, 300, 65535], np.uint16), [7, 300, 65535]),
    "int64": (np.array([10**12, 5, 2]), [2, 5, 10**12]),
    "uint64_huge": (
        np.array([2**64 - 1, 0, 1], np.uint64),
        ["0", "1", "18446744073709551615"],
    ),
    "whole_float64": (np.array([0.0, 1.0, 2.0]), [0, 1, 2]),
    "whole_float16": (np.array([3.0, 1.0, -2.0], np.float16), [-2, 1, 3]),
    "whole_float32_negative_zero": (np.array([-0.0, 1.0, 2.0], np.float32), [0, 1, 2]),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_label_types_are_read_with_their_names(tmp_path, no_training, case):
    labels, names = ACCEPTED[case]
    data = load_study_file(_file(tmp_path, labels[CODES]))
    assert sorted(data.classes.tolist()) == sorted(names)
    assert data.y_train.dtype.kind in "ibU"
    for y in (data.y_train, data.y_validation):  # every class on both sides
        assert set(y.tolist()) == set(data.classes.tolist())


REFUSED = {
    "continuous": (np.arange(N) / 7, "y holds labels that are not whole numbers: 51 of its 60"),
    "half_steps": ((CODES + 0.5), "They look continuous"),
    "float16_fractions": ((CODES + 0.25).astype(np.float16), "not whole numbers"),
    "nan": (np.where(np.arange(N) % 20 == 3, np.nan, CODES), "3 of its 60, at positions 3, 23, 43"),
    "inf": (np.where(np.arange(N) == 5, np.inf, CODES), "y has infinite labels: 1, at positions 5"),
    "nat": (
        np.where(np.arange(N) == 0, np.datetime64("NaT"), np.datetime64("2021-01-01", "D"))
        + CODES.astype("timedelta64[D]"),
        "y has missing labels (NaN, None or NaT): 1 of its 60, at position 0",
    ),
    "timedelta_nat": (
        np.where(np.arange(N) == 9, np.timedelta64("NaT"), CODES.astype("timedelta64[s]")),
        "1 of its 60, at position 9",
    ),
    "complex": (CODES + 1j, "y holds complex numbers"),
    "complex_whole": (CODES.astype(np.complex64), "y holds complex numbers"),
    "structured": (np.zeros(N, dtype=[("a", int), ("b", float)]), "y holds [("),
    "one_class": (np.zeros(N, int), "single class [0]"),
    "two_dimensional": (CODES[:, None] * np.ones((1, 2)), "shape (n,), got (60, 2)"),
    "a_single_sample": (np.where(np.arange(N) == 0, 9, CODES), "Label(s) [9] have a single sample"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_labels_that_are_no_classes_stop_before_training(tmp_path, capsys, no_training, case):
    y, match = REFUSED[case]
    _refused(tmp_path, capsys, _file(tmp_path, y), match)


def test_object_labels_in_a_file_are_refused_unread(tmp_path, capsys, no_training):
    # mixed objects can only be saved through pickle, which the reader never runs
    y = np.array([1, "a", 2.5] * 20, dtype=object)
    _refused(tmp_path, capsys, _file(tmp_path, y), "object array")


# ------------------------------------------------------------ label types, from Python
PYTHON_REFUSED = {
    "mixed": ([1, "a"] * 3, TypeError, "mixes labels of 2 types: 3 int"),
    "str_and_bytes": (["a", b"b"] * 3, TypeError, "mixes labels of 2 types"),
    "none": (["a", "b", None, "a", "b", "a"], ValueError, "1 of its 6, at position 2"),
    "float_nan": ([0.0, 1.0, float("nan")] * 2, ValueError, "2 of its 6, at positions 2, 5"),
    "pandas_na": (pd.array(["a", None, "b", "a", "b", "a"]), ValueError, "missing labels"),
    "objects": ([object()] * 6, TypeError, "of type object"),
    "tuples": ([(1, 2)] * 6, (ValueError, TypeError), r"one per sample|of type tuple"),
    "python_complex": ([1 + 2j] * 6, TypeError, "complex numbers"),
}


@pytest.mark.parametrize("case", PYTHON_REFUSED)
def test_python_labels_are_refused_by_the_data_set_and_the_split(case):
    y, error, match = PYTHON_REFUSED[case]
    with pytest.raises(error, match=match):
        train_validation_split(y, random_state=0)
    with pytest.raises(error, match=match):
        StudyData(
            name="x",
            inputs_train={"a": np.zeros((6, 2))},
            inputs_validation={"a": np.zeros((6, 2))},
            y_train=y,
            y_validation=y,
            classes=["a", "b"],
            metric="accuracy",
            make_net=None,
            net_settings={},
        )


def test_python_dates_and_durations_are_classes():
    days = [datetime.date(2021, 1, 1), datetime.date(2021, 1, 2)] * 3
    train, val = train_validation_split(days, validation_fraction=0.3, random_state=0)
    assert len(train) == 4 and len(val) == 2
    waits = [datetime.timedelta(minutes=1), datetime.timedelta(minutes=2)] * 3
    train, val = train_validation_split(waits, validation_fraction=0.3, random_state=0)
    assert sorted(np.asarray(waits)[val].tolist()) == sorted(waits[:2])


# --------------------------------------------------------------------- small classes
@pytest.mark.parametrize("n_classes", [60, 200])
def test_classes_of_two_samples_keep_one_on_each_side(tmp_path, no_training, n_classes):
    y = np.repeat(np.arange(n_classes), 2)
    with pytest.warns(UserWarning, match=rf"{n_classes} of {n_classes} classes .*\(50%\)"):
        data = load_study_file(_file(tmp_path, y))
    for side in (data.y_train, data.y_validation):
        assert np.bincount(side, minlength=n_classes).tolist() == [1] * n_classes
    assert "50% given" in data.notes[0]


@pytest.mark.parametrize(
    "fraction, counts, expected_validation",
    [
        (0.01, [10, 10, 10], [1, 1, 1]),  # the share rounds to 0: one each all the same
        (0.99, [3, 5, 4], [2, 4, 3]),  # rounds to all: one training sample kept
        (0.5, [2, 3, 40], [1, 2, 20]),  # round(1.5) = 2 leaves 1 training sample
    ],
)
def test_every_class_keeps_both_sides_whatever_the_fraction(fraction, counts, expected_validation):
    y = np.repeat(np.arange(len(counts)), counts)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train, val = train_validation_split(y, validation_fraction=fraction, random_state=0)
    assert np.bincount(y[val]).tolist() == expected_validation
    assert np.all(np.bincount(y[train]) >= 1)
    # a warning says so exactly when a class got more than its rounded share
    assert bool(caught) == (fraction == 0.01)


def test_validation_fraction_out_of_range_stops_before_training(tmp_path, capsys, no_training):
    path = _file(tmp_path, CODES)
    out = tmp_path / "out"
    for fraction in ("0", "1", "1.5", "nan"):
        with pytest.raises(SystemExit) as stopped:  # refused while the command line is read
            main(
                ["study", "--data", str(path), "--out", str(out), "--validation-fraction", fraction]
            )
        assert stopped.value.code == 2
        assert "--validation-fraction: must be a fraction in (0, 1)" in capsys.readouterr().err
    assert not out.exists()


# --------------------------------------------------------------------------- groups
def test_a_class_held_by_one_group_is_named(tmp_path, capsys, no_training):
    groups = np.repeat(np.arange(6), 10)
    y = CODES.copy()
    y[groups == 2] = 7  # class 7 lives in subject 2 only
    _refused(tmp_path, capsys, _file(tmp_path, y, groups=groups), "class 7: 10 samples in 1 group")


def test_groups_that_cannot_cover_every_class_are_named(tmp_path, capsys, no_training):
    # three subjects, each with two of three classes in a cycle: holding out any one takes
    # the last training samples of a class, so no choice of whole groups gives all both sides
    y = np.array(["a", "b"] * 10 + ["b", "c"] * 10 + ["c", "a"] * 10)
    groups = np.repeat(["s1", "s2", "s3"], 20)
    _refused(
        tmp_path,
        capsys,
        _file(tmp_path, y, groups=groups),
        "cannot have samples on both sides of a split that keeps each of the 3 groups whole",
    )


@pytest.mark.parametrize(
    "groups, match",
    [
        (np.zeros(N), "Every sample is in one group (0)"),
        (np.where(np.arange(N) == 7, np.nan, np.arange(N) // 10), "groups has missing group ids"),
        (np.arange(N) // 10 + 0.5, "groups holds group ids that are not whole numbers"),
        (np.arange(N) // 10 + 1j, "groups holds complex numbers"),
        (np.arange(N - 1), "groups must have one entry per sample"),
    ],
)
def test_bad_groups_are_named(tmp_path, capsys, no_training, groups, match):
    _refused(tmp_path, capsys, _file(tmp_path, CODES, groups=groups), match)


@pytest.mark.parametrize(
    "groups",
    [
        np.repeat([b"s1", b"s2"], N // 2),
        np.repeat(np.array(["2021-01-01", "2021-01-02"], "datetime64[D]"), N // 2),
        np.repeat([True, False], N // 2),
    ],
)
def test_two_groups_of_any_type_split_whole(tmp_path, no_training, groups):
    data = load_study_file(_file(tmp_path, CODES, groups=groups))
    assert len(data.y_validation) == N // 2  # one whole group: the only possible split
    assert "(20% asked for validation, 50% given: whole groups, every class" in data.notes[0]
    assert set(data.y_validation.tolist()) == set(data.y_train.tolist()) == {0, 1, 2}


def test_a_split_array_that_leaves_a_class_unscored_is_named(tmp_path, capsys, no_training):
    split = np.where(CODES == 2, "train", "validation")
    split[:3] = "train"
    _refused(tmp_path, capsys, _file(tmp_path, CODES, split=split), "2 (20 training, 0 validation)")


def test_a_split_array_of_bytes_is_read(tmp_path, no_training):
    split = np.where(np.arange(N) < 15, b"validation", b"train")
    data = load_study_file(_file(tmp_path, CODES, split=split))
    assert len(data.y_validation) == 15 and data.notes[0].endswith("the file's split.")


def test_many_small_groups_split_quickly():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(5000), 3)
    y = rng.integers(0, 100, size=len(groups))
    start = time.perf_counter()
    train, val = train_validation_split(y, groups, random_state=0)
    assert time.perf_counter() - start < 20  # a generous bound: no hang
    assert set(y[train]) == set(y[val]) == set(y)
    assert set(groups[train]).isdisjoint(groups[val])


# ------------------------------------------- every stage after training, on dated labels
def test_a_study_on_dated_labels_reports_their_names(tmp_path):
    # networks given as features (no training): every later stage sees the labels, the
    # report and features.npz name the classes as the file did
    labels, names = ACCEPTED["datetime64"]
    rng = np.random.default_rng(0)
    train, validation = CODES[:45], CODES[45:]
    arrays = {"y_train": labels[train], "y_validation": labels[validation]}
    for sensor, width in (("acc", 5), ("gyr", 4)):
        for k in range(2):
            arrays[f"{sensor}.{k}.train"] = rng.normal(size=(45, width)) + train[:, None]
            arrays[f"{sensor}.{k}.validation"] = rng.normal(size=(15, width)) + validation[:, None]
            arrays[f"{sensor}.{k}.coef"] = np.eye(3, width)
            arrays[f"{sensor}.{k}.intercept"] = np.zeros(3)
    path = tmp_path / "features.npz"
    np.savez(path, **arrays)
    out = tmp_path / "out"
    command = ["study", "--features", str(path), "--out", str(out), "--quick", "--quiet"]
    assert main([*command, "--repeats", "1", "--n-jobs", "1"]) == 0
    report = (out / "report.md").read_text()
    counts = re.search(r"Class counts: (.*?)\.(\n| )", report).group(1)
    assert counts == ", ".join(f"{name}: 5" for name in names)
    with np.load(out / "features.npz") as written:
        assert written["classes"].tolist() == names
    assert len(pd.read_csv(out / "claims.csv")) > 0
