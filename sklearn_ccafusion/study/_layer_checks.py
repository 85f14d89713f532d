"""Checks of the layer study's inputs, all made before any layer is measured."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils.validation import check_array

from sklearn_ccafusion.cca._subspace import METHODS
from sklearn_ccafusion.utils._validation import check_count

__all__ = [
    "check_class_layer",
    "check_layer_labels",
    "check_layers",
    "check_methods",
    "check_n_directions",
    "resolve_pairs",
]


def check_layers(layers: Mapping, name: str, n_train: int, n_validation: int) -> dict:
    """``{layer: (train, validation)}`` as float arrays with the labels' rows."""
    if not isinstance(layers, Mapping) or not layers:
        raise TypeError(
            f"{name} must be a non-empty mapping of layer name to (train, validation) "
            f"activations, got {type(layers).__name__}."
        )
    checked = {}
    for layer, value in layers.items():
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(
                f"{name}[{layer!r}] must be a pair (train activations, validation activations)."
            )
        train = check_array(value[0], dtype=[np.float64, np.float32], input_name=f"{layer} train")
        val = check_array(value[1], dtype=[np.float64, np.float32], input_name=f"{layer} val")
        if train.shape[0] != n_train or val.shape[0] != n_validation:
            raise ValueError(
                f"{name}[{layer!r}] has {train.shape[0]} train and {val.shape[0]} validation "
                f"rows, but y_train has {n_train} and y_validation {n_validation}."
            )
        if train.shape[1] != val.shape[1]:
            raise ValueError(
                f"{name}[{layer!r}]: train and validation activations have {train.shape[1]} "
                f"and {val.shape[1]} features."
            )
        checked[str(layer)] = (train, val)
    return checked


def resolve_pairs(pairs: Any, names_1: list[str], names_2: list[str]) -> list[tuple[str, str]]:
    """The layer pairs probed together: given ones checked, or the layers in order."""
    if pairs is None:
        if len(names_1) != len(names_2):
            raise ValueError(
                f"The networks have {len(names_1)} and {len(names_2)} layers; pass pairs=[(layer "
                "of network 1, layer of network 2), ...] to say which layers to probe together."
            )
        return list(zip(names_1, names_2))
    if isinstance(pairs, (str, bytes, Mapping)) or not isinstance(pairs, Iterable):
        raise TypeError(
            f"pairs must be a list of (layer of network 1, layer of network 2) tuples, got "
            f"{type(pairs).__name__}."
        )
    pairs = list(pairs)
    if not pairs:
        raise ValueError("pairs is empty: give at least one (layer 1, layer 2) pair, or None.")
    resolved: list[tuple[str, str]] = []
    for i, pair in enumerate(pairs):
        if (
            not isinstance(pair, (tuple, list))
            or len(pair) != 2
            or not all(isinstance(name, str) for name in pair)
        ):
            raise ValueError(
                f"pairs[{i}] must be a (layer of network 1, layer of network 2) pair of names, "
                f"got {pair!r}."
            )
        first, second = pair
        if first not in names_1 or second not in names_2:
            raise ValueError(
                f"Unknown layer pair {tuple(pair)!r}; network 1 has {names_1}, network 2 has "
                f"{names_2}."
            )
        if (first, second) in resolved:
            raise ValueError(f"pairs lists {(first, second)!r} twice.")
        resolved.append((first, second))
    return resolved


def check_n_directions(n_directions: Any, classes: NDArray | None) -> int | None:
    """``K``: ``n_directions`` as an int >= 1, or the number of classes."""
    if n_directions is not None:
        return check_count(n_directions, "n_directions")
    return None if classes is None else int(classes.size)


def check_layer_labels(y_train: NDArray) -> NDArray:
    """The training classes; the probes and the alignment need two of them."""
    classes = np.unique(y_train)
    if classes.size < 2:
        raise ValueError(
            f"y_train holds a single class {classes.tolist()}: the layer study's probes and "
            "class directions need at least 2 classes."
        )
    return classes


def check_methods(methods: Any) -> list[str]:
    """The probed subspace methods, known names only."""
    if isinstance(methods, str) or not isinstance(methods, Iterable):
        raise TypeError(f"methods must be a list of method names, got {methods!r}.")
    methods = list(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"Unknown method(s) {unknown}; valid methods are {sorted(METHODS)}.")
    return methods


def check_class_layer(class_layer: Any, classes: NDArray, layer: str, width: int) -> NDArray | None:
    """Network 1's own ``coef``, checked against the labels' classes and its last layer."""
    if class_layer is None:
        return None
    if not isinstance(class_layer, (tuple, list)) or len(class_layer) != 2:
        raise TypeError(
            "class_layer must be a pair (coef, intercept) of network 1's classification "
            f"layer, got {type(class_layer).__name__}."
        )
    coef = check_array(class_layer[0], dtype=np.float64, input_name="class_layer coef")
    intercept = np.zeros(coef.shape[0]) if class_layer[1] is None else np.asarray(class_layer[1])
    if intercept.dtype.kind not in "biuf":
        raise ValueError(f"class_layer intercept must hold numbers, got {intercept.dtype}.")
    intercept = intercept.astype(np.float64)
    if intercept.ndim != 1 or intercept.size != coef.shape[0]:
        raise ValueError(
            f"class_layer intercept must have shape ({coef.shape[0]},), one bias per row of "
            f"coef, got {intercept.shape}."
        )
    bad = np.flatnonzero(~np.isfinite(intercept))
    if bad.size:
        raise ValueError(
            f"class_layer intercept holds NaN or infinite values (rows {bad.tolist()[:10]}); "
            "the coef is finite, so the layer's bias diverged or was damaged."
        )
    if coef.shape[0] != classes.size:
        raise ValueError(
            f"class_layer has {coef.shape[0]} rows (classes) but y_train has {classes.size} "
            f"classes {classes.tolist()[:20]}: it must be network 1's own layer, one row per "
            "class of these labels."
        )
    if coef.shape[1] != width:
        raise ValueError(
            f"class_layer reads {coef.shape[1]} features but the last layer {layer!r} has "
            f"{width}; the last pair must be network 1's penultimate layer."
        )
    return coef
