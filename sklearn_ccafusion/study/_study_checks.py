"""Checks of the studies' options, made before any task: each error names its parameter.

:func:`~sklearn_ccafusion.study.subspace_study` and the studies built on it take
lists of names and counts, a seed, the retrained head's parameters, a cache folder
and the columns their rows are labelled with. A repeated dimension or method would
score the same task twice; a ``random_state`` of ``1.5`` or a ``cache`` that is a
file would fail deep inside numpy or pathlib; an unknown head parameter would only
fail in a worker. They are refused here, in the parameter's words.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral
from pathlib import Path
from typing import Any

from sklearn_ccafusion.utils._validation import check_count

__all__ = [
    "check_cache",
    "check_dimensions",
    "check_head_params",
    "check_names",
    "check_row_labels",
    "check_seed",
]

#: The head's arguments that the study itself gives (its layer, classes and retraining).
_GIVEN_BY_THE_STUDY = {"self", "coef", "intercept", "classes", "retrain"}


def check_dimensions(dimensions: Any) -> list[int] | None:
    """The subspace dimensions as distinct ints >= 1 (``None`` kept: the default ones).

    Examples
    --------
    >>> check_dimensions([1, 4])
    [1, 4]
    >>> check_dimensions([2, 2])
    Traceback (most recent call last):
    ...
    ValueError: dimensions holds 2 more than once: each dimension is scored once.
    """
    if dimensions is None:
        return None
    if isinstance(dimensions, (str, bytes)) or not isinstance(dimensions, Iterable):
        raise TypeError(
            f"dimensions must be a list of ints (subspace dimensions), got {dimensions!r}."
        )
    dimensions = list(dimensions)
    for i, n in enumerate(dimensions):
        check_count(n, f"dimensions[{i}]")
    _check_distinct([int(n) for n in dimensions], "dimensions", "each dimension is scored once")
    return [int(n) for n in dimensions]


def _check_distinct(values: list, name: str, why: str) -> None:
    seen: set = set()
    repeated = [v for v in values if v in seen or seen.add(v)]
    if repeated:
        shown = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in repeated)
        raise ValueError(f"{name} holds {shown} more than once: {why}.")


def check_names(names: Any, name: str) -> list[str]:
    """A list of distinct names (``methods``, ``heads``), never one string.

    Examples
    --------
    >>> check_names(("pca", "cca_highest"), "methods")
    ['pca', 'cca_highest']
    >>> check_names("pca", "methods")
    Traceback (most recent call last):
    ...
    TypeError: methods must be a list of names, got the string 'pca' (write ['pca']).
    """
    if isinstance(names, str):
        raise TypeError(
            f"{name} must be a list of names, got the string {names!r} (write [{names!r}])."
        )
    if not isinstance(names, Iterable):
        raise TypeError(f"{name} must be a list of names, got {names!r}.")
    names = list(names)
    if not all(isinstance(n, str) for n in names):
        raise TypeError(f"{name} must be a list of names (strings), got {names!r}.")
    _check_distinct(names, name, "each is computed once")
    return names


def check_seed(random_state: Any, name: str = "random_state") -> None:
    """A seed of :class:`numpy.random.SeedSequence`: ``None`` or an int >= 0."""
    if random_state is None:
        return
    if isinstance(random_state, bool) or not isinstance(random_state, Integral):
        raise TypeError(
            f"{name} must be an int >= 0 or None, got {random_state!r} "
            f"({type(random_state).__name__})."
        )
    if random_state < 0:
        raise ValueError(f"{name} must be at least 0, got {random_state}.")


def check_head_params(head_params: Any) -> dict:
    """The retrained head's parameters, each one :class:`ClassLayerClassifier` takes.

    The values are checked as the head checks them, by building one and validating
    its parameters, so that a wrong one is named before any task runs.
    """
    if head_params is None:
        return {}
    if not isinstance(head_params, Mapping):
        raise TypeError(
            f"head_params must be a mapping of ClassLayerClassifier parameters or None, got "
            f"{type(head_params).__name__}."
        )
    from sklearn_ccafusion.head import ClassLayerClassifier

    known = set(inspect.signature(ClassLayerClassifier.__init__).parameters)
    allowed = known - _GIVEN_BY_THE_STUDY
    unknown = sorted(map(str, set(head_params) - allowed))
    if unknown:
        raise ValueError(
            f"head_params has {unknown}, not parameters of the retrained head "
            f"(ClassLayerClassifier); its parameters are {sorted(allowed)}."
        )
    head = ClassLayerClassifier(**head_params)
    try:
        head._validate_params()
    except ValueError as error:  # scikit-learn's InvalidParameterError
        raise ValueError(f"head_params: {error}") from None
    return dict(head_params)


def check_cache(cache: Any) -> None:
    """A cache folder: a TaskCache, a folder name (new or existing) or ``None``."""
    from sklearn_ccafusion.study._cache import TaskCache

    if cache is None or isinstance(cache, TaskCache):
        return
    if not isinstance(cache, (str, os.PathLike)):
        raise TypeError(
            f"cache must be a TaskCache, a folder name (str or Path) or None, got "
            f"{cache!r} ({type(cache).__name__})."
        )
    if not str(cache).strip():
        raise ValueError("cache must name a folder, got an empty string.")
    path = Path(cache)
    blocking = next((p for p in (path, *path.parents) if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise ValueError(f"cache {path} cannot be a folder: {blocking} is a file.")


#: Columns of the studies' rows, which a pair's labels may not replace.
STUDY_COLUMNS = frozenset(
    {"pair", "method", "repeat", "seed", "n", "head", "metric", "score", "n_iter", "converged"}
)


def check_row_labels(labels: Any, n_pairs: int) -> list[dict] | None:
    """One mapping of extra columns per pair, none of them a column of the study."""
    if labels is None:
        return None
    if isinstance(labels, (str, bytes, Mapping)) or not isinstance(labels, Sequence):
        raise TypeError(
            f"labels must be a sequence of mappings (one per pair), got {type(labels).__name__}."
        )
    if len(labels) != n_pairs:
        raise ValueError(f"labels needs one mapping per pair ({n_pairs}), got {len(labels)}.")
    for i, label in enumerate(labels):
        if not isinstance(label, Mapping):
            raise TypeError(
                f"labels[{i}] must be a mapping of column to value, got {type(label).__name__}."
            )
        taken = sorted(map(str, set(label) & STUDY_COLUMNS))
        if taken:
            raise ValueError(
                f"labels[{i}] names {taken}, columns the study writes itself; "
                "give the pair's labels other names."
            )
    return [dict(label) for label in labels]
