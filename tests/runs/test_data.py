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
