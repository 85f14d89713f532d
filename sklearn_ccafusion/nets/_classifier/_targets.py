"""Class labels of a network: encoding to output indices, class weights, default callbacks."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from sklearn.utils.class_weight import compute_class_weight
from skorch.callbacks import (
    EpochScoring,
    EpochTimer,
    LRScheduler,
    PassthroughScoring,
    PrintLog,
    ProgressBar,
)
from skorch.utils import to_numpy

from sklearn_ccafusion.nets._classifier._progress import TrainingProgress

__all__ = ["class_weight_array", "default_callbacks", "encode_targets"]


def _as_numpy(y: Any) -> NDArray:
    return to_numpy(y) if torch.is_tensor(y) else np.asarray(y)


def encode_targets(y: Any, classes: NDArray) -> NDArray[np.int64]:
    """Indices of the labels ``y`` in ``classes`` (the module's output columns).

    Examples
    --------
    >>> encode_targets(["b", "a", "b"], np.array(["a", "b"])).tolist()
    [1, 0, 1]
    """
    y = _as_numpy(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D class labels, got shape {y.shape}.")
    classes = np.asarray(classes)
    sorter = np.argsort(classes, kind="stable")
    pos = np.searchsorted(classes, y, sorter=sorter).clip(0, len(classes) - 1)
    idx = sorter[pos]
    unknown = classes[idx] != y
    if np.any(unknown):
        raise ValueError(
            f"y has labels {np.unique(y[unknown])!r} that are not in classes_ {classes!r}."
        )
    return idx.astype(np.int64)


def class_weight_array(class_weight: Any, classes: Any, y: Any) -> NDArray[np.float64] | None:
    """One weight per class (in ``classes`` order) from a ``class_weight`` parameter.

    ``classes=None`` takes the sorted labels of ``y``.

    Examples
    --------
    >>> class_weight_array("balanced", None, [0, 0, 0, 1]).tolist()
    [0.6666666666666666, 2.0]
    """
    if class_weight is None:
        return None
    y = _as_numpy(y)
    classes = np.asarray(classes) if classes is not None else np.unique(y)
    if isinstance(class_weight, (str, dict)):
        return np.asarray(compute_class_weight(class_weight, classes=classes, y=y), dtype=float)
    weight = np.asarray(class_weight, dtype=float)
    if weight.shape != (len(classes),):
        raise ValueError(
            f"class_weight has shape {weight.shape} but there are {len(classes)} classes; "
            "give one weight per class, in classes_ order."
        )
    return weight


def _index_accuracy(net: Any, X: Any, y: Any) -> float:
    """Accuracy against encoded targets (class indices), for skorch's ``valid_acc``."""
    proba = net.predict_proba(X)
    return float(np.mean(proba.argmax(axis=1) == to_numpy(y)))


def _lr_scheduler(steps: Any, gamma: float) -> LRScheduler:
    if np.ndim(steps) == 0:
        return LRScheduler(
            policy=torch.optim.lr_scheduler.StepLR, step_size=int(steps), gamma=gamma
        )
    return LRScheduler(
        policy=torch.optim.lr_scheduler.MultiStepLR,
        milestones=[int(s) for s in steps],
        gamma=gamma,
    )


def default_callbacks(
    verbose: int, lr_step_epochs: Any = None, lr_gamma: float = 0.1, progress: Any = False
) -> list[tuple[str, Any]]:
    """skorch's classifier callbacks, the LR schedule, and the progress bars.

    skorch's batch ``ProgressBar`` when ``verbose > 1``; a per-network
    :class:`TrainingProgress` when ``progress`` is true (a string names it).

    Examples
    --------
    >>> [name for name, _ in default_callbacks(2, lr_step_epochs=20)]
    ['epoch_timer', 'train_loss', 'valid_loss', 'valid_acc', 'lr_schedule', 'print_log', \
'progress_bar']
    """
    callbacks = [
        ("epoch_timer", EpochTimer()),
        ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
        ("valid_loss", PassthroughScoring(name="valid_loss")),
        ("valid_acc", EpochScoring(_index_accuracy, name="valid_acc", lower_is_better=False)),
    ]
    if lr_step_epochs is not None:
        callbacks.append(("lr_schedule", _lr_scheduler(lr_step_epochs, lr_gamma)))
    callbacks.append(("print_log", PrintLog()))
    if verbose and verbose > 1:
        callbacks.append(("progress_bar", ProgressBar()))
    if progress:
        name = progress if isinstance(progress, str) else None
        callbacks.append(("training_progress", TrainingProgress(name)))
    return callbacks
