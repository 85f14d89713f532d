"""The scores the studies report, by name: accuracy and macro F1."""

from __future__ import annotations

from functools import partial

from numpy.typing import ArrayLike
from sklearn.metrics import accuracy_score, f1_score

__all__ = ["METRICS", "check_metric", "score"]

# macro F1 counts a class that is never predicted (or never true) as 0, without the
# warning: a subspace of low dimension routinely predicts only some of the classes
METRICS = {
    "accuracy": accuracy_score,
    "f1_macro": partial(f1_score, average="macro", zero_division=0.0),
}


def check_metric(metric: str) -> None:
    """Raise a ValueError naming the valid metrics when ``metric`` is not one of them."""
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}: metric must be one of {sorted(METRICS)}.")


def score(metric: str, y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """The named metric of predictions ``y_pred`` against labels ``y_true``."""
    return float(METRICS[metric](y_true, y_pred))
