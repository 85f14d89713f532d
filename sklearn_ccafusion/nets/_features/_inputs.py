"""What each net of a ``NetFeatures`` sees of the raw input, and what of it decides a net.

``inputs[name]`` selects the part of ``X`` a net is trained on: columns of a 2-D
input (indices or DataFrame column names), channels (axis 1) of windows or images,
or all of it (``None``, the same-sensor case).
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

__all__: list[str] = []


def _hashable(X: Any) -> Any:
    """What of ``X`` decides a trained net, as data a fingerprint reads.

    :func:`~sklearn_ccafusion.utils._fingerprint.fingerprint` reads arrays,
    DataFrames (column names with their types, index, dtypes) and tensors (on any
    device) itself; anything else it cannot hash faithfully makes the net uncached.
    """
    return X


# Which part of the raw input each net sees (``inputs``).
def _as_index(selection: Any) -> Any:
    """``None``, a slice, or a list of ints/column names (an int becomes ``[int]``)."""
    if selection is None or isinstance(selection, slice):
        return selection
    if isinstance(selection, (Integral, str)):
        return [selection]
    return list(selection)


def _check_selection(X: Any, selection: Any, name: str) -> None:
    """Raise a ``ValueError`` naming the net when its selection does not fit ``X``."""
    selection = _as_index(selection)
    if selection is None or hasattr(X, "iloc"):
        return
    shape = tuple(np.shape(X))
    if len(shape) < 2:
        raise ValueError(f"inputs[{name!r}] selects along axis 1, but X has shape {shape}.")
    if isinstance(selection, list):
        bad = [i for i in selection if not isinstance(i, Integral) or not -shape[1] <= i < shape[1]]
        if bad:
            raise ValueError(
                f"inputs[{name!r}] = {selection} selects indices {bad} along axis 1, but X "
                f"has {shape[1]} columns/channels there (shape {shape})."
            )


def _select(X: Any, selection: Any) -> Any:
    """The part of ``X`` a net sees: columns of a 2-D input, channels (axis 1) otherwise."""
    selection = _as_index(selection)
    if selection is None:
        return X
    if hasattr(X, "iloc"):  # pandas DataFrame
        if isinstance(selection, list) and selection and isinstance(selection[0], str):
            return X.loc[:, selection]
        return X.iloc[:, selection]
    if not hasattr(X, "shape"):
        X = np.asarray(X)
    return X[:, selection]
