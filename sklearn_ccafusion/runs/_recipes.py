"""The original study's training recipes, as constructor parameters.

The values are those of the authors' code (``models/store_model_SHL.py``,
``models/store_model_CIFAR.py`` and the layer retraining of
github.com/HuguesMoreau/Sensors_similariy) and of He et al. (2016), section 4.2.

A recipe is a fresh ``dict`` of parameters, nothing global:
``SensorNetClassifier(SHLConvNet, **training_recipe("shl", max_epochs=20), random_state=0)``.
Class weights are ``"balanced"``: computed from the labels given to ``fit``.
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["SHL_CLASS_COUNTS", "head_recipe", "training_recipe"]

#: Middle-sample label histogram of the 16,310 SHL 2018 train segments (the authors' code);
#: the original study weights its cross-entropy by ``1 / counts``, which ``"balanced"``
#: weights (``n / (n_classes * counts)``) equal up to a factor that a mean loss ignores.
SHL_CLASS_COUNTS = (2302, 2190, 686, 2101, 2475, 2083, 2520, 1953)


def _shl() -> dict[str, Any]:
    import torch

    return {
        "optimizer": torch.optim.Adam,
        "lr": 1e-3,
        "optimizer__weight_decay": 1e-3,
        "max_epochs": 50,
        "batch_size": 64,
        "class_weight": "balanced",
        "train_split": None,
    }


def _cifar() -> dict[str, Any]:
    import torch

    from sklearn_ccafusion.nets import FlipCrop

    return {
        "optimizer": torch.optim.Adam,
        "lr": 1e-3,
        "max_epochs": 80,
        "batch_size": 128,
        "lr_step_epochs": 20,
        "lr_gamma": 1.0 / 3.0,
        "augment": FlipCrop(padding=4),
        "train_split": None,
    }


def _cifar_he() -> dict[str, Any]:
    import torch

    from sklearn_ccafusion.nets import FlipCrop

    # He et al. 2016, section 4.2: SGD 0.1, momentum 0.9, weight decay 1e-4, batch 128,
    # lr / 10 at 32k and 48k iterations, stop at 64k (~ epochs 82, 123, 164 on 50k images).
    return {
        "optimizer": torch.optim.SGD,
        "lr": 0.1,
        "optimizer__momentum": 0.9,
        "optimizer__weight_decay": 1e-4,
        "max_epochs": 164,
        "batch_size": 128,
        "lr_step_epochs": [82, 123],
        "lr_gamma": 0.1,
        "augment": FlipCrop(padding=4),
        "train_split": None,
    }


def _sensors() -> dict[str, Any]:
    # a user's own sensors (``ccafusion study``): the SHL recipe with a lighter weight
    # decay and fewer epochs, for networks chosen from the inputs' shape
    return _shl() | {"optimizer__weight_decay": 1e-4, "max_epochs": 30}


_RECIPES = {"shl": _shl, "cifar": _cifar, "cifar-he": _cifar_he, "sensors": _sensors}

_HEAD_RECIPES = {
    "shl": lambda: {
        "lr": 1e-3,
        "weight_decay": 1e-3,
        "max_epochs": 50,
        "batch_size": 64,
        "class_weight": "balanced",
    },
    "cifar": lambda: {
        "lr": 1e-3,
        "weight_decay": 0.0,
        "max_epochs": 80,
        "batch_size": 64,
        "lr_step_epochs": 20,
        "lr_gamma": 1.0 / 3.0,
    },
}


def _check_overrides(
    overrides: dict[str, Any], allowed: set[str], what: str, routed: bool = True
) -> None:
    unknown = sorted(k for k in overrides if k not in allowed and not (routed and "__" in k))
    if unknown:
        hint = " (or a routed one such as module__hidden)" if routed else ""
        raise TypeError(
            f"Unknown {what} parameter(s) {unknown}; choose among {sorted(allowed)}{hint}."
        )


def _net_parameters() -> set[str]:
    from sklearn_ccafusion.nets._classifier._classifier import SensorNetClassifier

    names: set[str] = set()
    for cls in SensorNetClassifier.__mro__:
        init = cls.__dict__.get("__init__")
        if init is not None:
            names |= {
                p.name
                for p in inspect.signature(init).parameters.values()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
            }
    return names


def training_recipe(name: str, /, **overrides: Any) -> dict[str, Any]:
    """Parameters of :class:`SensorNetClassifier` for one of the study's networks.

    Parameters
    ----------
    name : {"shl", "cifar", "cifar-he", "sensors"}
        ``"shl"``: Adam 1e-3, weight decay 1e-3 (coupled), 50 epochs, batch 64,
        cross-entropy with ``class_weight="balanced"`` (``n / (n_classes *
        counts)`` of the labels given to ``fit``; on the SHL training labels
        proportional to the original study's ``1 / SHL_CLASS_COUNTS``), no schedule.
        ``"cifar"``: the original study's ResNet recipe, Adam 1e-3, 80 epochs,
        batch 128, lr / 3 every 20 epochs, random flip and crop (:class:`FlipCrop`).
        ``"cifar-he"``: He et al.'s, SGD 0.1 with momentum 0.9, weight decay 1e-4,
        164 epochs, lr / 10 at epochs 82 and 123, flip and crop.
        ``"sensors"``: a user's own sensors (``ccafusion study``), Adam 1e-3,
        weight decay 1e-4, 30 epochs, batch 64, ``class_weight="balanced"``.
    **overrides
        Parameters of :class:`SensorNetClassifier` that replace or add to the
        recipe's entries (``max_epochs=5``, ``class_weight=None``,
        ``module__n_classes=6``...).

    Returns
    -------
    params : dict
        A new dict each call: the recipe updated with ``overrides``.

    Raises
    ------
    ValueError
        If ``name`` is not a recipe.
    TypeError
        If an override is not a :class:`SensorNetClassifier` parameter (names
        with ``__``, routed by skorch, are accepted as they are).

    Notes
    -----
    Input normalisation (the study used ImageNet mean/std on CIFAR, none on SHL)
    is preprocessing, outside the net. Python refuses a keyword given twice, so
    ``SensorNetClassifier(SHLConvNet, **training_recipe("shl"), max_epochs=5)``
    raises ``TypeError``: override through this function, or merge dicts
    (``training_recipe("shl") | {"max_epochs": 5}``).

    Examples
    --------
    >>> params = training_recipe("cifar")
    >>> params["max_epochs"], params["lr_step_epochs"], round(params["lr_gamma"], 3)
    (80, 20, 0.333)
    >>> training_recipe("shl", max_epochs=5, batch_size=32)["max_epochs"]
    5
    """
    if name not in _RECIPES:
        raise ValueError(f"Unknown recipe {name!r}; choose one of {sorted(_RECIPES)}.")
    _check_overrides(overrides, _net_parameters(), "SensorNetClassifier")
    return _RECIPES[name]() | overrides


def head_recipe(name: str, /, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments of :func:`fit_linear_layer_adam` for the study's head retraining.

    Parameters
    ----------
    name : {"shl", "cifar"}
        ``"shl"``: Adam 1e-3, weight decay 1e-3, 50 epochs, batch 64,
        ``class_weight="balanced"`` (from the labels being fitted).
        ``"cifar"``: Adam 1e-3, no weight decay, 80 epochs, batch 64, lr / 3
        every 20 epochs, as the authors' code retrains the layer.
    **overrides
        Keyword arguments of :func:`fit_linear_layer_adam` that replace entries.

    Returns
    -------
    kwargs : dict
        A new dict each call: the recipe updated with ``overrides``.

    Raises
    ------
    ValueError
        If ``name`` is not a recipe.
    TypeError
        If an override is not a keyword of :func:`fit_linear_layer_adam`.

    Examples
    --------
    >>> head_recipe("shl")["max_epochs"], head_recipe("shl", max_epochs=3)["max_epochs"]
    (50, 3)
    """
    from sklearn_ccafusion.nets._head import fit_linear_layer_adam

    if name not in _HEAD_RECIPES:
        raise ValueError(f"Unknown recipe {name!r}; choose one of {sorted(_HEAD_RECIPES)}.")
    allowed = set(inspect.signature(fit_linear_layer_adam).parameters) - {
        "X",
        "y",
        "coef",
        "intercept",
    }
    _check_overrides(overrides, allowed, "fit_linear_layer_adam", routed=False)
    return _HEAD_RECIPES[name]() | overrides
