"""Torch side of ``ClassLayerClassifier``: read a net's final layer, retrain a layer with Adam.

The array-only classifier lives in :mod:`sklearn_ccafusion.head`; it calls these
functions for ``from_net`` and ``solver="adam"`` (the original study's exact
retraining: Adam with coupled weight decay, class-weighted mean cross-entropy,
shuffled mini-batches, optional step schedule, warm-started from the trained layer, as
the authors' code at github.com/HuguesMoreau/Sensors_similariy retrains it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike, NDArray
from sklearn.frozen import FrozenEstimator

from sklearn_ccafusion.nets._classifier._device import (
    check_device,
    derive_seed,
    draw_seed,
    unwrap_module,
)

__all__ = ["fit_linear_layer_adam", "layer_from_net"]


def layer_from_net(net: Any) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray]:
    """The final layer of a fitted net as numpy arrays, with the net's classes.

    Parameters
    ----------
    net : SensorNetClassifier or FrozenEstimator wrapping one
        A fitted net whose module follows the package convention.

    Returns
    -------
    coef : ndarray of shape (n_classes, n_features), float64
        ``module_.classifier.weight``.
    intercept : ndarray of shape (n_classes,), float64
        ``module_.classifier.bias`` (zeros without a bias).
    classes : ndarray of shape (n_classes,)
        ``net.classes_``, the labels of the rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier
    >>> X, y = np.random.default_rng(0).normal(size=(20, 4)), np.arange(20) % 2
    >>> net = SensorNetClassifier(MLPNet, module__n_features=4, module__n_classes=2,
    ...                           module__hidden=3, max_epochs=1, random_state=0).fit(X, y)
    >>> coef, intercept, classes = layer_from_net(net)
    >>> coef.shape, intercept.shape, classes.tolist()
    ((2, 3), (2,), [0, 1])
    """
    while isinstance(net, FrozenEstimator):
        net = net.estimator
    if not hasattr(net, "check_is_fitted"):
        raise TypeError(
            f"layer_from_net needs a fitted SensorNetClassifier, got {type(net).__name__}."
        )
    net.check_is_fitted()
    layer = getattr(unwrap_module(net.module_), "classifier", None)
    if not isinstance(layer, torch.nn.Linear):
        raise TypeError(
            f"The net's module {type(net.module_).__name__} has no torch.nn.Linear "
            "attribute named classifier."
        )
    coef = layer.weight.detach().cpu().double().numpy().copy()
    if layer.bias is None:
        intercept = np.zeros(coef.shape[0])
    else:
        intercept = layer.bias.detach().cpu().double().numpy().copy()
    return coef, intercept, np.asarray(net.classes_)


def _check_layer_inputs(X, y, coef, intercept, class_weight):
    X = np.asarray(X)
    y = np.asarray(y)
    coef = np.asarray(coef, dtype=float)
    intercept = np.asarray(intercept, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}.")
    if coef.ndim != 2 or coef.shape[1] != X.shape[1]:
        raise ValueError(
            f"coef must have shape (n_classes, {X.shape[1]}) to match X, got {coef.shape}."
        )
    n_classes = coef.shape[0]
    if intercept.shape != (n_classes,):
        raise ValueError(f"intercept must have shape ({n_classes},), got {intercept.shape}.")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}.")
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and (y.min() < 0 or y.max() >= n_classes)):
        raise ValueError(
            f"y must hold class indices in [0, {n_classes}) (rows of coef); encode labels first."
        )
    weight = None
    if isinstance(class_weight, str) and class_weight == "balanced":
        # n / (n_classes * count_k); a class absent from y never weighs in the loss
        counts = np.bincount(y, minlength=n_classes).astype(float)
        weight = np.divide(len(y), n_classes * counts, out=np.ones(n_classes), where=counts > 0)
    elif class_weight is not None:
        weight = np.asarray(class_weight, dtype=float)
        if weight.shape != (n_classes,):
            raise ValueError(
                f"class_weight must have one weight per class, shape ({n_classes},), "
                f"got {weight.shape}."
            )
    return X, y, coef, intercept, weight


def fit_linear_layer_adam(
    X: ArrayLike,
    y: ArrayLike,
    coef: ArrayLike,
    intercept: ArrayLike,
    *,
    class_weight: ArrayLike | str | None = None,
    sample_class_weight: ArrayLike | None = None,
    weight_decay: float = 0.0,
    lr: float = 1e-3,
    max_epochs: int = 50,
    batch_size: int = 64,
    lr_step_epochs: int | None = None,
    lr_gamma: float | None = None,
    device: str = "cpu",
    random_state: Any = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """Retrain a linear classification layer with torch Adam, warm-started.

    Minimises the class-weighted mean cross-entropy of ``X @ coef.T + intercept``
    (torch's ``CrossEntropyLoss(weight=...)``) with Adam's coupled weight decay,
    that is ``+ (weight_decay / 2) * ||[coef, intercept]||^2`` (the bias too), over
    shuffled mini-batches, stepping the learning rate by ``lr_gamma`` every
    ``lr_step_epochs`` epochs. The data stay on ``device``; batches are indexed there.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features (float32 in torch).
    y : array-like of int of shape (n_samples,)
        Class indices, rows of ``coef``.
    coef : array-like of shape (n_classes, n_features)
        Starting weight.
    intercept : array-like of shape (n_classes,)
        Starting bias.
    class_weight : "balanced", array-like of shape (n_classes,) or None, default=None
        Weight of each class in the loss (torch's ``CrossEntropyLoss(weight=...)``);
        ``"balanced"``: ``n_samples / (n_classes * count)`` of ``y``.
    sample_class_weight : array-like of shape (n_classes,) or None, default=None
        Another name of ``class_weight``; give one of the two.
    weight_decay : float, default=0.0
        Adam's (coupled, L2) weight decay.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=50
        Epochs; 0 returns the starting layer.
    batch_size : int, default=64
        Samples per step (the last batch of an epoch may be smaller).
    lr_step_epochs : int or None, default=None
        Step size of the schedule in epochs; ``None``: constant rate.
    lr_gamma : float or None, default=None
        Factor of each step (``None``: 0.1).
    device : str, default="cpu"
        ``"cpu"``, ``"cuda"`` or ``"auto"`` (CUDA when present).
    random_state : int, RandomState instance or None, default=None
        Seed of the batch order (a local ``torch.Generator``).

    Returns
    -------
    coef : ndarray of shape (n_classes, n_features), float64
    intercept : ndarray of shape (n_classes,), float64
    n_epochs : int
        Epochs run (``max_epochs``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 3)); y = (X[:, 0] > 0).astype(int)
    >>> coef, intercept, n = fit_linear_layer_adam(
    ...     X, y, np.zeros((2, 3)), np.zeros(2), max_epochs=20, random_state=0)
    >>> bool(coef[1, 0] > coef[0, 0]), n
    (True, 20)
    """
    if class_weight is not None and sample_class_weight is not None:
        raise ValueError("Give class_weight or sample_class_weight, not both.")
    if class_weight is None:
        class_weight = sample_class_weight
    X, y, coef, intercept, weight = _check_layer_inputs(X, y, coef, intercept, class_weight)
    max_epochs = int(max_epochs)
    if max_epochs < 0 or batch_size < 1:
        raise ValueError(
            f"max_epochs must be >= 0 and batch_size >= 1, got {max_epochs}, {batch_size}."
        )
    if max_epochs == 0 or len(X) == 0:
        return coef.copy(), intercept.copy(), 0
    device = check_device(device)
    Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, dtype=torch.int64, device=device)
    wt = None if weight is None else torch.as_tensor(weight, dtype=torch.float32, device=device)
    W = torch.nn.Parameter(torch.as_tensor(coef, dtype=torch.float32, device=device))
    b = torch.nn.Parameter(torch.as_tensor(intercept, dtype=torch.float32, device=device))
    optimizer = torch.optim.Adam([W, b], lr=lr, weight_decay=weight_decay)
    scheduler = None
    if lr_step_epochs is not None:
        gamma = 0.1 if lr_gamma is None else lr_gamma
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, int(lr_step_epochs), gamma)
    seed = draw_seed(random_state)
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(derive_seed(seed, 0))
    n = len(Xt)
    for _ in range(max_epochs):
        order = torch.randperm(n, generator=generator).to(device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            logits = F.linear(Xt.index_select(0, idx), W, b)
            loss = F.cross_entropy(logits, yt.index_select(0, idx), weight=wt)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return (
        W.detach().cpu().double().numpy(),
        b.detach().cpu().double().numpy(),
        max_epochs,
    )
