"""Reproduction: an immutable value, built by keyword once a run is over."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from sklearn_ccafusion.runs import Reproduction


def _fields(**changes):
    fields = {
        "dataset": "toy",
        "settings": {"seed": 0},
        "results": pd.DataFrame({"score": [0.5]}),
        "cross_sensor": None,
        "fusion": None,
        "alignment": pd.DataFrame(),
        "networks": {},
    }
    return fields | changes


def test_keyword_only_and_frozen():
    with pytest.raises(TypeError):
        Reproduction(*_fields().values())
    run = Reproduction(**_fields(out="somewhere", notes=["quick: 1 pair."]))
    assert run.out == Path("somewhere") and run.notes == ("quick: 1 pair.",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.timings = {}
    later = run.with_changes(timings={"report": 0.1})
    assert later.timings == {"report": 0.1} and run.timings == {}
    assert later.results is run.results
