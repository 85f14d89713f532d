"""Shared input checks with messages that name the problem and the fix."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from sklearn.utils import assert_all_finite

from sklearn_ccafusion._linalg import Moments, compute_moments

__all__ = [
    "check_labels_in_classes",
    "check_min_samples",
    "check_same_n_samples",
    "finite_moments",
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


def finite_moments(X: NDArray, estimator_name: str) -> Moments:
    """Moments of ``X``, raising scikit-learn's message if ``X`` holds NaN or infinity.

    Any NaN or infinite entry makes a column sum non-finite, so the data are
    checked through the moments at no extra pass over ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> finite_moments(np.array([[1.0, np.nan], [2.0, 3.0]]), "CCAProjector")
    Traceback (most recent call last):
    ...
    ValueError: Input X contains NaN.
    CCAProjector does not accept missing values encoded as NaN natively...
    """
    with np.errstate(invalid="ignore", over="ignore"):
        moments = compute_moments(X)
    if not np.all(np.isfinite(moments.mean)):
        assert_all_finite(X, estimator_name=estimator_name, input_name="X")
    return moments


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
