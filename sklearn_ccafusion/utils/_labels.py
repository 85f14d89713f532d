"""Class labels of any type, checked and put in one form before any work.

Labels come as numbers of any width, strings, bytes, booleans, dates, durations,
or Python objects of these kinds. :func:`as_class_labels` accepts each of them
and returns one of three forms, so that every later stage (the split, the
networks' targets, scikit-learn's classifiers, the CSV and ``.npz`` writers)
sees labels it handles: 64-bit integers (integers of any width, and floats that
are all whole numbers), booleans, or strings (text; bytes decoded; dates in ISO
form; durations as numpy or Python writes them). The class names stay those of
the data: ``b"walk"`` becomes ``"walk"``, ``3.0`` becomes ``3``, a date its ISO
string.

What cannot be a class is refused with a message naming it: missing labels
(NaN, None, NaT), with their count and first positions; floats that are not
whole numbers (they look like a regression target, as for
:func:`sklearn.utils.multiclass.type_of_target`'s ``"continuous"``); complex
numbers; arrays mixing label types; other objects.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["as_class_labels", "check_same_label_kind"]

_SHOWN = 5  # positions or values quoted in a message
_INT64_MAX = np.iinfo(np.int64).max


def _where(mask: NDArray) -> str:
    positions = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in positions[:_SHOWN])
    return shown + (", ..." if len(positions) > _SHOWN else "")


def _missing_error(mask: NDArray, name: str, what: str) -> ValueError:
    n = int(mask.sum())
    return ValueError(
        f"{name} has missing {what} (NaN, None or NaT): {n} of its {len(mask)}, at "
        f"position{'s' if n > 1 else ''} {_where(mask)}. Give those samples a label or remove "
        "them (from every array) before the study."
    )


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:  # NaN, NaT and pandas' NA are not equal to themselves
        return bool(value != value)
    except (TypeError, ValueError):  # pandas.NA refuses bool()
        return True


def _from_floats(y: NDArray, name: str, what: str) -> NDArray:
    missing = np.isnan(y)
    if missing.any():
        raise _missing_error(missing, name, what)
    infinite = np.isinf(y)
    if infinite.any():
        raise ValueError(
            f"{name} has infinite {what}: {int(infinite.sum())}, at positions "
            f"{_where(infinite)}; a class is a name or a whole number."
        )
    fractional = y != np.round(y)
    if fractional.any():
        examples = ", ".join(repr(float(v)) for v in np.unique(y[fractional])[:_SHOWN])
        raise ValueError(
            f"{name} holds {what} that are not whole numbers: {int(fractional.sum())} of its "
            f"{len(y)} (e.g. {examples}, at positions {_where(fractional)}). They look continuous, "
            f"measured quantities rather than names. {what.capitalize()} are whole numbers or "
            "names; if these are codes, save them as integers (np.rint(y).astype(int)) or as "
            "strings."
        )
    if np.abs(y).max(initial=0) > _INT64_MAX:
        return y.astype(str)
    return y.astype(np.int64)


def _from_integers(y: NDArray) -> NDArray:
    if y.dtype.kind == "u" and y.max(initial=0) > _INT64_MAX:
        return y.astype(str)  # beyond int64: their decimal names
    return y.astype(np.int64)


def _from_bytes(y: NDArray) -> NDArray:
    try:
        return np.char.decode(y, "utf-8")
    except UnicodeDecodeError:  # every byte is one latin-1 character: names stay distinct
        return np.char.decode(y, "latin-1")


def _kind_of(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, (datetime.date, np.datetime64)):
        return "date"
    if isinstance(value, (datetime.timedelta, np.timedelta64)):
        return "duration"
    if isinstance(value, (complex, np.complexfloating)):
        return "complex"
    return type(value).__name__


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _from_objects(y: NDArray, name: str, what: str) -> NDArray:
    values = y.tolist()
    missing = np.array([_is_missing(v) for v in values], dtype=bool)
    if missing.any():
        raise _missing_error(missing, name, what)
    kinds = np.array([_kind_of(v) for v in values])
    found, first = np.unique(kinds, return_index=True)
    if set(found.tolist()) == {"int", "float"}:  # numbers: as floats, whole ones kept
        found, kinds = np.array(["float"]), np.full(len(kinds), "float")
    if len(found) > 1:
        shown = "; ".join(
            f"{int(np.sum(kinds == k))} {k} (e.g. {values[i]!r} at position {i})"
            for k, i in zip(found, first)
        )
        raise TypeError(
            f"{name} mixes {what} of {len(found)} types: {shown}. Give every label one type, "
            "e.g. all strings: np.asarray(y, dtype=str)."
        )
    kind = str(found[0]) if len(found) else "str"
    if kind == "str":
        return np.array(values, dtype=str)
    if kind == "bytes":
        return _from_bytes(np.array(values, dtype=bytes))
    if kind == "bool":
        return np.array(values, dtype=bool)
    if kind == "int":
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:  # beyond int64: their decimal names
            return np.array([str(v) for v in values])
    if kind == "float":
        return _from_floats(np.array(values, dtype=np.float64), name, what)
    if kind in ("date", "duration"):
        return np.array([_iso(v) for v in values], dtype=str)
    if kind == "complex":
        raise TypeError(_complex_message(name, what))
    raise TypeError(
        f"{name} holds {what} of type {kind} (e.g. {values[int(first[0])]!r}); class labels "
        "are numbers, strings, booleans, dates or durations."
    )


def _complex_message(name: str, what: str) -> str:
    return (
        f"{name} holds complex numbers; {what} must be whole numbers, strings, booleans, "
        "dates or durations (save the class of each sample, not a complex value)."
    )


def as_class_labels(y: ArrayLike, *, name: str = "y", what: str = "labels") -> NDArray:
    """Labels of any type, checked, as 64-bit integers, booleans or strings.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        One label per sample: integers of any width, floats that are whole
        numbers (``float16`` included), strings, bytes, booleans,
        ``datetime64``/``timedelta64`` values, or Python objects of these kinds.
    name : str, default="y"
        Name of ``y`` in messages.
    what : str, default="labels"
        What the values are, in messages (``"group ids"`` for groups).

    Returns
    -------
    labels : ndarray of shape (n_samples,)
        ``int64`` for integers and whole floats (unsigned values beyond the
        ``int64`` range as their decimal strings), ``bool`` for booleans, ``str``
        for text, bytes (UTF-8, else Latin-1), dates (ISO form) and durations
        (``"5 seconds"``, ``"0:00:05"``); equal labels stay equal and distinct
        ones distinct.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D or is empty, holds missing labels (NaN, None, NaT:
        their count and first positions are named), infinite values, or floats
        that are not whole numbers (continuous values, not classes).
    TypeError
        If ``y`` holds complex numbers, other objects, or mixes label types.

    Examples
    --------
    >>> import numpy as np
    >>> as_class_labels(np.array([b"sit", b"walk"])).tolist()
    ['sit', 'walk']
    >>> as_class_labels(np.array([1.0, 2.0], dtype=np.float16)).tolist()
    [1, 2]
    >>> as_class_labels(np.array(["2021-03-01"], dtype="datetime64[D]")).tolist()
    ['2021-03-01']
    >>> as_class_labels([0.5, 1.5])
    Traceback (most recent call last):
    ...
    ValueError: y holds labels that are not whole numbers: 2 of its 2 (e.g. 0.5, 1.5, at \
positions 0, 1). They look continuous, measured quantities rather than names. Labels are whole \
numbers or names; if these are codes, save them as integers (np.rint(y).astype(int)) or as \
strings.
    """
    if isinstance(y, (list, tuple)):  # keep each item's own type: [1, "a"] is mixed
        array = np.empty(len(y), dtype=object)
        try:
            array[:] = y
        except ValueError:  # nested sequences: not one label per sample
            array = np.asarray(y, dtype=object)
        y = array
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must hold one label per sample, shape (n,), got {y.shape}.")
    if len(y) == 0:
        raise ValueError(f"{name} holds no {what} (0 samples): each class needs labelled samples.")
    kind = y.dtype.kind
    if kind == "U":
        return y
    if kind == "S":
        return _from_bytes(y)
    if kind == "b":
        return y
    if kind in "iu":
        return _from_integers(y)
    if kind == "f":
        return _from_floats(y.astype(np.float64), name, what)
    if kind in "Mm":
        missing = np.isnat(y)
        if missing.any():
            raise _missing_error(missing, name, what)
        return y.astype(str)
    if kind == "c":
        raise TypeError(_complex_message(name, what))
    if kind == "O":
        return _from_objects(y, name, what)
    raise TypeError(
        f"{name} holds {y.dtype} values; {what} must be whole numbers, strings, booleans, "
        "dates or durations, one per sample."
    )


def check_same_label_kind(**labels: NDArray) -> None:
    """Raise a ``TypeError`` when labels put in form disagree on it (numbers vs names).

    Parameters
    ----------
    **labels : ndarray
        Arrays returned by :func:`as_class_labels`, by name.

    Examples
    --------
    >>> import numpy as np
    >>> check_same_label_kind(y_train=np.array([0, 1]), classes=np.array(["a", "b"]))
    Traceback (most recent call last):
    ...
    TypeError: y_train holds int64 labels but classes holds <U1: every label array must hold \
the same kind of label (all numbers, all strings or all booleans).
    """
    kinds = {name: array.dtype for name, array in labels.items()}
    names = list(kinds)
    first = names[0]
    for other in names[1:]:
        if kinds[other].kind != kinds[first].kind:
            raise TypeError(
                f"{first} holds {kinds[first]} labels but {other} holds {kinds[other]}: every "
                "label array must hold the same kind of label (all numbers, all strings or all "
                "booleans)."
            )
