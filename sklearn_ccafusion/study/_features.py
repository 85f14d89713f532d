"""What a study needs to know about one trained network: its features and its layer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.validation import check_array

__all__ = ["NetworkFeatures"]


@dataclass(frozen=True)
class NetworkFeatures:
    """Penultimate features of one trained network and its classification layer.

    Parameters
    ----------
    train : array-like of shape (n_train, n_features)
        Features of the training samples (un-augmented, in a fixed order shared
        by every network of the study).
    validation : array-like of shape (n_validation, n_features)
        Features of the validation samples.
    coef : array-like of shape (n_classes, n_features)
        Weight of the last linear layer (its rows are the class components).
    intercept : array-like of shape (n_classes,)
        Bias of the last linear layer.
    classes : array-like of shape (n_classes,) or None
        Labels of the layer's outputs; ``None``: ``arange(n_classes)``.

    Examples
    --------
    >>> import numpy as np
    >>> net = NetworkFeatures(np.ones((4, 3)), np.ones((2, 3)), np.zeros((2, 3)), np.zeros(2))
    >>> net.n_features, net.n_classes
    (3, 2)
    """

    train: NDArray
    validation: NDArray
    coef: NDArray
    intercept: NDArray
    classes: NDArray | None = None

    def __post_init__(self) -> None:
        def convert(name: str, value: ArrayLike, ndim: int) -> NDArray:
            array = check_array(
                value,
                dtype=[np.float64, np.float32],
                ensure_2d=ndim == 2,
                input_name=name,
            )
            object.__setattr__(self, name, array)
            return array

        train = convert("train", self.train, 2)
        validation = convert("validation", self.validation, 2)
        coef = convert("coef", self.coef, 2)
        intercept = np.ravel(convert("intercept", self.intercept, 1))
        object.__setattr__(self, "intercept", intercept)
        width = train.shape[1]
        if validation.shape[1] != width or coef.shape[1] != width:
            raise ValueError(
                f"train, validation and coef must have the same number of features, got "
                f"{width}, {validation.shape[1]} and {coef.shape[1]}."
            )
        if intercept.shape != (coef.shape[0],):
            raise ValueError(
                f"intercept has {intercept.size} entries but coef has {coef.shape[0]} rows."
            )
        classes = np.arange(coef.shape[0]) if self.classes is None else np.asarray(self.classes)
        object.__setattr__(self, "classes", classes)

    @property
    def n_features(self) -> int:
        """Width of the penultimate layer."""
        return self.train.shape[1]

    @property
    def n_classes(self) -> int:
        """Number of outputs of the last layer."""
        return self.coef.shape[0]
