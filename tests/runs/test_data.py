"""StudyData: an immutable value, built by keyword, checked when built."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sklearn_ccafusion.runs import StudyData


def _fields(**changes):
    fields = {
        "name": "toy",
        "inputs_train": {"a": np.zeros((4, 2)), "b": np.ones((4, 3))},
        "inputs_validation": {"a": np.zeros((2, 2)), "b": np.ones((2, 3))},
        "y_train": ["x", "y", "x", "y"],
        "y_validation": ["x", "y"],
        "classes": ["x", "y"],
        "metric": "accuracy",
        "make_net": None,
        "net_settings": {},
    }
    return fields | changes


def test_keyword_only():
    with pytest.raises(TypeError):
        StudyData(*_fields().values())


def test_frozen_and_changed_by_copy():
    data = StudyData(**_fields(notes=["split: stratified."]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.load_seconds = 1.0
    with pytest.raises(AttributeError):
        data.notes.append("more")  # a tuple
    timed = data.with_changes(load_seconds=2.5)
    assert timed.load_seconds == 2.5 and data.load_seconds is None
    assert timed.notes == data.notes == ("split: stratified.",)
    assert timed.sensors == ["a", "b"] and timed.n_classes == 2


def test_labels_become_arrays_and_are_checked():
    data = StudyData(**_fields())
    assert isinstance(data.y_train, np.ndarray) and data.classes.tolist() == ["x", "y"]
    with pytest.raises(ValueError, match="not among classes"):
        StudyData(**_fields(y_validation=["x", "z"]))
    with pytest.raises(ValueError, match="2 validation labels"):
        StudyData(**_fields(inputs_validation={"a": np.zeros((3, 2)), "b": np.ones((2, 3))}))
    with pytest.raises(TypeError, match="notes"):
        StudyData(**_fields(notes="one sentence"))
    # a changed copy is checked as a new value
    with pytest.raises(ValueError, match="metric"):
        data.with_changes(metric="auc")


def test_labels_of_any_type_are_put_in_one_form_with_their_names():
    data = StudyData(
        **_fields(
            y_train=np.array([b"x", b"y", b"x", b"y"]),
            y_validation=np.array([b"x", b"y"]),
            classes=np.array([b"x", b"y"]),
        )
    )
    assert data.classes.tolist() == ["x", "y"] and data.y_train.dtype.kind == "U"
    data = StudyData(
        **_fields(
            y_train=np.array([0.0, 1.0, 0.0, 1.0], np.float16),
            y_validation=np.array([0, 1], np.uint8),
            classes=np.arange(2),
        )
    )
    assert data.y_train.dtype == data.y_validation.dtype == np.int64
    dates = np.array(["2021-01-01", "2021-01-02"], dtype="datetime64[D]")
    data = StudyData(**_fields(y_train=dates[[0, 1, 0, 1]], y_validation=dates, classes=dates))
    assert data.classes.tolist() == ["2021-01-01", "2021-01-02"]


@pytest.mark.parametrize(
    "changes, error, match",
    [
        ({"y_train": [0.5, 1.0, 0.5, 1.0]}, ValueError, "y_train holds labels that are not whole"),
        ({"y_validation": ["x", None]}, ValueError, "y_validation has missing labels"),
        ({"classes": np.array([1j, 2j])}, TypeError, "classes holds complex numbers"),
        ({"y_train": [1, 2, 1, 2], "classes": [1, 2]}, TypeError, "y_train holds int64 labels"),
        ({"classes": ["x", "y", "x"]}, ValueError, "classes must be distinct"),
    ],
)
def test_labels_that_cannot_be_classes_are_named(changes, error, match):
    with pytest.raises(error, match=match):
        StudyData(**_fields(**changes))


def test_a_data_set_that_trains_needs_every_class_on_both_sides():
    def make_net(sensor, seed, device):  # pragma: no cover - never called
        raise AssertionError

    StudyData(**_fields(make_net=make_net))
    with pytest.raises(ValueError, match=r"1 of 3 classes lack .*'z' \(1 training, 0 validation\)"):
        StudyData(
            **_fields(make_net=make_net, y_train=["x", "y", "z", "y"], classes=["x", "y", "z"])
        )
    # given networks (make_net=None): a class absent from the labels is allowed
    StudyData(**_fields(classes=["x", "y", "z"]))


@pytest.mark.parametrize("name", ["net_settings", "head_params"])
def test_settings_that_cannot_key_the_caches_are_named_at_once(name):
    with pytest.raises(TypeError, match=rf"{name} cannot key the run's caches: .*lambda"):
        StudyData(**_fields(**{name: {"init": lambda module: module}}))
    assert StudyData(**_fields(**{name: {"hidden": (64, 32), "weights": {1: 2.0}}}))
