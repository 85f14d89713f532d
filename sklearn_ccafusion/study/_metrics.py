"""The scores the studies report, by name: accuracy and macro F1."""

from __future__ import annotations

from functools import partial

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import accuracy_score, f1_score

__all__ = ["METRICS", "check_metric", "score"]


def _accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Share of predictions equal to their labels: ``accuracy_score``'s value, its checks
    kept only for inputs it would refuse (the studies score thousands of predictions)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    same_kind = (y_true.dtype.kind in "US") == (y_pred.dtype.kind in "US")
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or not y_true.size or not same_kind:
        return accuracy_score(y_true, y_pred)
    if {y_true.dtype.kind, y_pred.dtype.kind} & set("Of"):  # objects, or floats to check
        return accuracy_score(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


# macro F1 counts a class that is never predicted (or never true) as 0, without the
# warning: a subspace of low dimension routinely predicts only some of the classes
METRICS = {
    "accuracy": _accuracy,
    "f1_macro": partial(f1_score, average="macro", zero_division=0.0),
}


def check_metric(metric: str) -> None:
    """Raise a ValueError naming the valid metrics when ``metric`` is not one of them."""
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}: metric must be one of {sorted(METRICS)}.")


def score(metric: str, y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """The named metric of predictions ``y_pred`` against labels ``y_true``."""
    return float(METRICS[metric](y_true, y_pred))
