"""Checks of :func:`stream_layer_similarity`'s arguments, made before the first batch runs.

A streamed map may read a large data set; a misspelt option found after the pass
(an unknown pooling, a ``n_top`` of ``2.5``) would waste all of it, and a string
where a list is meant (``measures="svcca"``) would be read letter by letter. Each
is named here, before any model runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from numbers import Integral
from typing import Any

from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.similarity._pair_moments import _check_keep
from sklearn_ccafusion.utils._layer_outputs import layer_names
from sklearn_ccafusion.utils._validation import check_count

__all__ = [
    "POOLINGS",
    "check_inputs",
    "check_loader",
    "check_measures",
    "check_stream_options",
    "layer_names",
]

#: Reductions of a layer's output with more than two axes.
POOLINGS = ("avg", "flatten")


def check_measures(measures: Any, known: tuple[str, ...]) -> list[str]:
    """A non-empty list of distinct measure names among ``known``."""
    if isinstance(measures, str) or not isinstance(measures, Iterable):
        raise TypeError(
            f"measures must be a list of names from {list(known)}, got {measures!r} "
            f"(write [{measures!r}] for one)."
        )
    measures = list(measures)
    if not measures:
        raise ValueError(f"measures is empty: choose at least one of {list(known)}.")
    unknown = [m for m in measures if m not in known]
    if unknown:
        raise ValueError(f"Unknown measure(s) {unknown}; choose from {list(known)}.")
    if len(set(measures)) != len(measures):
        raise ValueError(f"measures names a measure more than once: {measures}.")
    return measures


def check_inputs(inputs: Any) -> tuple[int, int] | None:
    """Positions of the two models' inputs in a batch: two ints >= 0, or ``None``."""
    if inputs is None:
        return None
    if (
        isinstance(inputs, (str, bytes))
        or not isinstance(inputs, Iterable)
        or len(inputs := tuple(inputs)) != 2
        or not all(isinstance(i, Integral) and not isinstance(i, bool) for i in inputs)
        or min(inputs) < 0
    ):
        raise ValueError(
            f"inputs must be two positions in each batch (ints >= 0), one per model, or "
            f"None; got {inputs!r}."
        )
    return int(inputs[0]), int(inputs[1])


def check_loader(loader: Any) -> None:
    """An iterable of batches (a DataLoader, a list of tensors): never a string or a dict."""
    if (
        loader is None
        or isinstance(loader, (str, bytes, Mapping))
        or not isinstance(loader, Iterable)
    ):
        raise TypeError(
            "loader must be an iterable of batches (a torch DataLoader, a list of tensors "
            f"or arrays), got {type(loader).__name__}."
        )


def check_stream_options(
    *, pooling: Any, n_top: Any, whitener: Any, svcca_keep: Any, progress: Any
) -> None:
    """The options of the streamed measures, each named when wrong."""
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {list(POOLINGS)}, got {pooling!r}.")
    if n_top is not None:
        check_count(n_top, "n_top")
    if whitener is not None and not isinstance(whitener, PCAWhitener):
        raise TypeError(f"whitener must be a PCAWhitener or None, got {type(whitener).__name__}.")
    try:
        _check_keep(svcca_keep)
    except (TypeError, ValueError) as error:
        raise type(error)(f"svcca_{error}") from None
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got {progress!r}.")
