"""The study of a user's own files, end to end: read one, then run every stage on it.

A recordings file (labels and sensor arrays: networks are trained) or a features
file (trained networks' features and last layers: nothing is trained); each is
read, timed, and handed to :func:`~sklearn_ccafusion.runs.run_study`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn_ccafusion.runs._features_file import load_features_file
from sklearn_ccafusion.runs._pipeline import run_study
from sklearn_ccafusion.runs._results import Reproduction
from sklearn_ccafusion.runs._user_data import load_study_file, resolved_epochs

__all__ = ["study_from_features", "study_from_file"]


def study_from_file(
    path: str | Path,
    *,
    net: str | dict[str, str] = "auto",
    validation_fraction: float | None = None,
    max_epochs: int | None = None,
    metric: str = "accuracy",
    seed: int = 0,
    quick: bool = False,
    sensors: Sequence[str] | None = None,
    **run_options: Any,
) -> Reproduction:
    """Read a user's ``.npz`` file and run the whole study on it (``ccafusion study``).

    :func:`~sklearn_ccafusion.runs.load_study_file` reads the file (its time is
    the report's data stage), then :func:`~sklearn_ccafusion.runs.run_study`
    runs every stage on it.

    Parameters
    ----------
    path : str or Path
        The ``.npz`` file: ``y``, optionally ``groups`` or ``split``, one array
        per sensor.
    net : {"auto", "mlp", "conv1d", "image"} or dict, default="auto"
        Network of every sensor (or ``{sensor: name}``).
    validation_fraction : float or None, default=None
        Validation share when the file has no ``split`` (``None``: 0.2).
    max_epochs : int or None, default=None
        Training epochs (``None``: 30, or 5 with ``quick``).
    metric : {"accuracy", "f1_macro"}, default="accuracy"
    seed : int, default=0
        Seed of the split and of the run.
    quick : bool, default=False
        Fewer epochs, pairs, repeats and dimensions.
    sensors : sequence of str or None, default=None
        The sensor arrays (``--sensors``), as
        :func:`~sklearn_ccafusion.runs.load_study_file` reads them.
    **run_options
        Keyword arguments of :func:`~sklearn_ccafusion.runs.run_study` (``out``,
        ``device``, ``pairs``, ``repeats``, ``n_jobs``, ``progress``,
        ``overwrite``, ``reg``).

    Returns
    -------
    reproduction : Reproduction

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn_ccafusion.runs import study_from_file
    >>> rng = np.random.default_rng(0)
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "mine.npz")
    >>> np.savez(path, y=np.repeat(["sit", "walk"], 60), acc=rng.normal(size=(120, 8)),
    ...          gyr=rng.normal(size=(120, 6)))
    >>> run = study_from_file(path, out=os.path.join(folder, "out"), quick=True,
    ...                       max_epochs=2, progress=False)  # doctest: +SKIP
    >>> sorted(run.networks)  # doctest: +SKIP
    ['acc', 'gyr']
    """
    start = time.perf_counter()
    data = load_study_file(
        path,
        net=net,
        validation_fraction=0.2 if validation_fraction is None else validation_fraction,
        max_epochs=max_epochs,
        metric=metric,
        seed=seed,
        quick=quick,
        sensors=sensors,
    )
    data = data.with_changes(load_seconds=time.perf_counter() - start)
    settings = {
        "data": str(Path(path).resolve()),
        "net": net,
        "validation_fraction": validation_fraction,
        "epochs": resolved_epochs(max_epochs, quick),  # as resolved, never None
        "metric": metric,
        **({} if sensors is None else {"sensors": list(sensors)}),
    }
    return run_study(data, seed=seed, quick=quick, settings=settings, **run_options)


def study_from_features(
    path: str | Path, *, metric: str | None = None, **run_options: Any
) -> Reproduction:
    """Read a features file and run the study on its networks (``ccafusion study --features``).

    :func:`~sklearn_ccafusion.runs.load_features_file` reads the networks'
    features and last layers (its time is the report's data stage); no network
    is trained.

    Parameters
    ----------
    path : str or Path
        The ``.npz`` features file (see
        :func:`~sklearn_ccafusion.runs.read_features_file`).
    metric : {"accuracy", "f1_macro"} or None, default=None
        Score of the study; ``None``: the file's, else accuracy.
    **run_options
        Keyword arguments of :func:`~sklearn_ccafusion.runs.run_study` (``out``,
        ``pairs``: the file's when not given, ``repeats``, ``seed``, ``quick``...).

    Returns
    -------
    reproduction : Reproduction

    Examples
    --------
    A run writes its networks' features, so its study can be run again without
    training (here on the file that ``ccafusion reproduce`` wrote):

    >>> from sklearn_ccafusion.runs import study_from_features
    >>> run = study_from_features("ccafusion-out/digits/features.npz",
    ...                           out="digits-again", progress=False)  # doctest: +SKIP
    >>> run.results.empty  # doctest: +SKIP
    False
    """
    start = time.perf_counter()
    data, networks = load_features_file(path, metric=metric)
    data = data.with_changes(load_seconds=time.perf_counter() - start)
    settings = {"features": str(Path(path).resolve()), "metric": data.metric}
    return run_study(data, networks=networks, settings=settings, **run_options)
