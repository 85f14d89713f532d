"""What a study run produced, in memory (the files under ``--out`` hold the same)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.study import NetworkFeatures

__all__ = ["Reproduction"]


@dataclass(frozen=True, kw_only=True, eq=False)
class Reproduction:
    """Everything a study run produced.

    An immutable value, built by keyword once the run's numbers, timings and
    notes are known; :meth:`with_changes` returns a changed copy.

    Parameters
    ----------
    dataset : str
        Name of the data set.
    settings : dict
        What determined the run (logged in the report and ``settings.json``).
    results : pandas.DataFrame
        The subspace study (``results.csv``).
    cross_sensor : pandas.DataFrame or None
        The cross-sensor grid (``cross_sensor.csv``), for multi-sensor data sets.
    fusion : pandas.DataFrame or None
        The fusion study (``fusion.csv``).
    alignment : pandas.DataFrame
        Cosines of the principal angles between canonical and class subspaces
        (``alignment.csv``).
    networks : dict of str to list of NetworkFeatures
        Features and layers of every trained network, per sensor.
    timings : dict of str to float
        Wall time of each stage, in seconds.
    out : Path
        Folder of the outputs.
    data : StudyData or None
        The data set the study ran on.
    bands : pandas.DataFrame or None
        Bootstrap bands of the headline numbers (``bands.csv``).
    claims : pandas.DataFrame or None
        The verdict of each claim, per network pair and per sensor (``claims.csv``;
        see :func:`~sklearn_ccafusion.runs._claims.judge_claims`).
    caveats : tuple of str, default=()
        The warnings raised during the run, deduplicated (``report.md``'s caveats).
    notes : tuple of str, default=()
        What was chosen for the run: the data set's notes, then the run's own
        (what a quick run changed), as the report lists them.
    training : dict or None, default=None
        Per sensor, the resolved settings its networks were trained with
        (:func:`~sklearn_ccafusion.runs._training.training_settings`); ``None``
        when the run trained no network (they were given).

    Examples
    --------
    :func:`~sklearn_ccafusion.runs.reproduce` and
    :func:`~sklearn_ccafusion.runs.run_study` return one (about 10 s here):

    >>> from sklearn_ccafusion.runs import reproduce
    >>> run = reproduce("digits", quick=True, pairs=1, repeats=1,
    ...                 progress=False)  # doctest: +SKIP
    >>> run.dataset, sorted(run.networks)  # doctest: +SKIP
    ('digits', ['left', 'right'])
    """

    dataset: str
    settings: dict[str, Any]
    results: pd.DataFrame
    cross_sensor: pd.DataFrame | None
    fusion: pd.DataFrame | None
    alignment: pd.DataFrame
    networks: dict[str, list[NetworkFeatures]]
    timings: dict[str, float] = field(default_factory=dict)
    out: Path = Path(".")
    data: StudyData | None = None
    bands: pd.DataFrame | None = None
    claims: pd.DataFrame | None = None
    caveats: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    training: dict[str, dict[str, str]] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.notes, str):
            raise TypeError("notes must be a sequence of sentences, not one string.")
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "caveats", tuple(self.caveats))
        object.__setattr__(self, "out", Path(self.out))

    def with_changes(self, **changes: Any) -> Reproduction:
        """A copy with some fields replaced (the value itself never changes).

        Parameters
        ----------
        **changes
            New values of fields, by name.

        Returns
        -------
        reproduction : Reproduction
        """
        return replace(self, **changes)
