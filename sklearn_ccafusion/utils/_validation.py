"""Shared input checks with messages that name the problem and the fix."""

from __future__ import annotations

import os
from collections.abc import Mapping
from numbers import Integral

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "check_count",
    "check_labels_in_classes",
    "check_min_samples",
    "check_n_jobs",
    "check_nonempty_mapping",
    "check_results_table",
    "check_same_n_samples",
]


def check_min_samples(n_samples: int, minimum: int, estimator_name: str) -> None:
    """Raise a ``ValueError`` when fewer than ``minimum`` samples were given.

    Examples
    --------
    >>> check_min_samples(5, 2, "CCAProjector")
    >>> check_min_samples(1, 2, "CCAProjector")
    Traceback (most recent call last):
    ...
    ValueError: CCAProjector needs at least 2 samples, got 1 sample(s) (n_samples = 1).
    """
    if n_samples < minimum:
        raise ValueError(
            f"{estimator_name} needs at least {minimum} samples, got {n_samples} sample(s) "
            f"(n_samples = {n_samples})."
        )


def check_same_n_samples(*arrays: NDArray, names: tuple[str, ...] | None = None) -> None:
    """Raise a ``ValueError`` when arrays disagree on their number of rows.

    Examples
    --------
    >>> import numpy as np
    >>> check_same_n_samples(np.zeros((3, 2)), np.zeros((4, 2)), names=("X1", "X2"))
    Traceback (most recent call last):
    ...
    ValueError: X1 and X2 must have the same number of samples (rows), got 3 and 4.
    """
    counts = [np.shape(a)[0] for a in arrays]
    if len(set(counts)) > 1:
        names = names or tuple(f"array {i}" for i in range(len(arrays)))
        raise ValueError(
            f"{' and '.join(names)} must have the same number of samples (rows), got "
            f"{' and '.join(str(c) for c in counts)}."
        )


def check_nonempty_mapping(value, name: str, what: str) -> None:
    """Raise unless ``value`` is a mapping with at least one entry.

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The argument's name, used in the messages.
    what : str
        What each entry maps to, used in the messages.

    Examples
    --------
    >>> check_nonempty_mapping({"acc": [1]}, "sensors", "name to networks")
    >>> check_nonempty_mapping([1, 2], "sensors", "name to networks")
    Traceback (most recent call last):
    ...
    TypeError: sensors must be a mapping (dict) of name to networks, got list.
    """
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping (dict) of {what}, got {type(value).__name__}.")
    if len(value) == 0:
        raise ValueError(f"{name} is empty: pass a mapping (dict) of {what}, one entry or more.")


def check_results_table(table, required: set[str], name: str, producer: str) -> None:
    """Raise when ``table`` is not a non-empty DataFrame with the ``required`` columns.

    Parameters
    ----------
    table : pandas.DataFrame
        The table to check.
    required : set of str
        Columns it must have.
    name : str
        What the caller calls it, used in the messages.
    producer : str
        The function whose output the caller expects, used in the messages.

    Examples
    --------
    >>> import pandas as pd
    >>> check_results_table(pd.DataFrame({"score": []}), {"score"}, "results", "subspace_study")
    Traceback (most recent call last):
    ...
    ValueError: results is empty (0 rows): there is nothing to summarise or plot; ...
    """
    columns = getattr(table, "columns", None)
    if columns is None or not hasattr(table, "groupby"):
        raise TypeError(
            f"{name} must be a pandas DataFrame, the table of {producer}; "
            f"got {type(table).__name__}."
        )
    missing = sorted(set(required) - {str(c) for c in columns})
    if missing:
        raise ValueError(
            f"{name} must be the table of {producer}; it lacks the column(s) "
            f"{missing} (got {sorted(str(c) for c in columns)})."
        )
    if len(table) == 0:
        raise ValueError(
            f"{name} is empty (0 rows): there is nothing to summarise or plot; pass the "
            f"table of {producer} (check any filter applied to it)."
        )


def _shown(labels: NDArray, limit: int = 10) -> str:
    """A short list of labels for a message."""
    values = list(np.asarray(labels).tolist())
    text = ", ".join(repr(v) for v in values[:limit])
    return f"[{text}{', ...' if len(values) > limit else ''}]"


def check_labels_in_classes(
    y: NDArray, classes: NDArray, *, y_name: str = "y", layer: str = "the layer"
) -> None:
    """Raise a ``ValueError`` when ``y`` holds labels that ``classes`` lacks.

    ``classes`` labels the rows of a trained classification layer; labels coded
    differently (``1..K`` against a layer trained on ``0..K-1``, strings against
    integer rows) would otherwise be scored as wrong predictions, silently.

    Examples
    --------
    >>> import numpy as np
    >>> check_labels_in_classes(np.array([0, 2]), np.arange(3))
    >>> check_labels_in_classes(np.array([1, 2, 3]), np.arange(3))
    Traceback (most recent call last):
    ...
    ValueError: y holds labels the layer does not know, [3]: its classes...
    """
    labels = np.unique(np.asarray(y))
    known = set(np.asarray(classes).tolist())
    unknown = [label for label in labels.tolist() if label not in known]
    if unknown:
        raise ValueError(
            f"{y_name} holds labels {layer} does not know, {_shown(np.asarray(unknown))}: "
            f"its classes (the label of each row of its coef) are {_shown(classes)}, "
            f"and {y_name} has labels {_shown(labels)}. Pass classes=, the label of each "
            f"row of the layer in order (e.g. classes={_shown(labels)} when the network "
            "was trained on these labels: its rows follow their sorted order)."
        )


def check_count(value, name: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int, or a ``TypeError``/``ValueError`` naming ``name``.

    Counts (resamples, permutations, directions, dimensions) must be integers:
    ``2.7`` or ``True`` would otherwise be truncated or read as 1 silently.

    Examples
    --------
    >>> check_count(3, "n_resamples")
    3
    >>> check_count(2.7, "n_directions")
    Traceback (most recent call last):
    ...
    TypeError: n_directions must be an int, got 2.7 (float).
    >>> check_count(0, "n_resamples")
    Traceback (most recent call last):
    ...
    ValueError: n_resamples must be at least 1, got 0.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}.")
    return int(value)


#: The most workers a study may ask for: more processes than this are never useful.
MAX_WORKERS = 1024


def check_n_jobs(n_jobs) -> None:
    """joblib's ``n_jobs``: ``None``, or a nonzero int that leaves at least one core.

    ``n_jobs=-k`` is all cores but ``k - 1``; one below ``-cpu_count`` would leave
    none (joblib then runs one worker), one above 1024 starts processes until
    memory runs out.

    Examples
    --------
    >>> check_n_jobs(-1)
    >>> check_n_jobs(1.5)
    Traceback (most recent call last):
    ...
    TypeError: n_jobs must be an int or None, got 1.5 (float).
    """
    if n_jobs is None:
        return
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, Integral):
        raise TypeError(f"n_jobs must be an int or None, got {n_jobs!r} ({type(n_jobs).__name__}).")
    cores = os.cpu_count() or 1
    if n_jobs == 0:
        raise ValueError(
            "n_jobs must be a positive number of workers or negative (-1: all cores), not 0."
        )
    if n_jobs < -cores:
        raise ValueError(
            f"n_jobs={n_jobs} asks for all cores but {-n_jobs - 1}, and this machine has "
            f"{cores}; give -1 to -{cores}, or a positive number of workers."
        )
    if n_jobs > MAX_WORKERS:
        raise ValueError(f"n_jobs must be at most {MAX_WORKERS} workers, got {n_jobs}.")


def constant_columns(flat: NDArray) -> NDArray:
    """Which columns hold one value in every row, to within the values' float precision.

    Parameters
    ----------
    flat : ndarray of shape (n_rows, n_columns)
        Numbers or booleans.

    Returns
    -------
    constant : ndarray of bool, shape (n_columns,)
        A float column is constant when its spread (largest minus smallest) is at
        most its type's machine epsilon times its largest magnitude, a difference in
        the last bit only, at any scale; whole numbers and booleans when all are
        equal.

    Examples
    --------
    >>> constant_columns(np.array([[1.0, 1e-30], [np.nextafter(1.0, 2.0), 2e-30]])).tolist()
    [True, False]
    """
    low, high = flat.min(axis=0), flat.max(axis=0)
    if flat.dtype.kind != "f":
        return low == high
    eps = float(np.finfo(flat.dtype).eps)
    low, high = low.astype(np.float64), high.astype(np.float64)
    return (high - low) <= eps * np.maximum(np.abs(low), np.abs(high))
