"""Networks trained before the study: checked and read into features, nothing trained.

:func:`~sklearn_ccafusion.runs.run_study` takes them instead of training its
own: per sensor, ``2 * pairs`` trained networks, each a
:class:`~sklearn_ccafusion.study.NetworkFeatures` (features already computed, e.g.
read from a features file), a plain ``torch.nn.Module`` (its last
``torch.nn.Linear`` is the classifier; its input, the features) or a fitted
:class:`~sklearn_ccafusion.nets.SensorNetClassifier`; the last two read the
data set's inputs of their sensor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.study import NetworkFeatures
from sklearn_ccafusion.utils._labels import as_class_labels

__all__ = ["given_networks"]


def _is_module(net: Any) -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is the nets extra
        return False
    return isinstance(net, torch.nn.Module)


def _features(net: Any, data: StudyData, sensor: str, k: int) -> NetworkFeatures:
    if isinstance(net, NetworkFeatures):
        return net
    inputs = (data.inputs_train[sensor], data.inputs_validation[sensor])
    if _is_module(net):
        return NetworkFeatures.from_module(net, *inputs, classes=data.classes)
    if hasattr(net, "class_components_") or hasattr(net, "estimator"):
        return NetworkFeatures.from_net(net, *inputs)
    raise TypeError(
        f"networks[{sensor!r}][{k}] is a {type(net).__name__}; give NetworkFeatures, a "
        "trained torch.nn.Module or a fitted SensorNetClassifier."
    )


def _as_labels(classes: Any) -> Any:
    """A layer's labels in the form of the data set's, or as given when they cannot be."""
    try:
        return as_class_labels(np.asarray(classes), name="classes")
    except (TypeError, ValueError):  # not labels at all: the comparison names them
        return np.asarray(classes)


def given_networks(
    data: StudyData, networks: Mapping[str, Sequence[Any]], pairs: int | None
) -> tuple[dict[str, list[NetworkFeatures]], int]:
    """Each sensor's trained networks as features, checked against the data set.

    Parameters
    ----------
    data : StudyData
        Labels, classes and (for modules and nets) each sensor's inputs.
    networks : mapping of str to sequence
        ``2 * pairs`` trained networks per sensor of ``data``, in the pairing
        order (network ``k`` projected, network ``k + pairs`` its partner).
    pairs : int or None
        Pairs to study, the first ``pairs`` of each half; ``None``: all.

    Returns
    -------
    networks : dict of str to list of NetworkFeatures
        ``2 * pairs`` per sensor, in ``data.sensors`` order.
    pairs : int
    """
    if not isinstance(networks, Mapping) or set(networks) != set(data.sensors):
        names = sorted(networks) if isinstance(networks, Mapping) else type(networks).__name__
        raise ValueError(
            f"networks must map each sensor of the data set, {data.sensors}, to its trained "
            f"networks; got {names}."
        )
    counts = {sensor: len(networks[sensor]) for sensor in data.sensors}
    if len(set(counts.values())) > 1 or any(c < 2 or c % 2 for c in counts.values()):
        raise ValueError(
            "networks must give every sensor the same even number of trained networks, "
            f"2 * pairs (network k is projected, network k + pairs is its partner); got {counts}."
        )
    available = next(iter(counts.values())) // 2
    if pairs is None:
        pairs = available
    if pairs > available:
        raise ValueError(f"pairs={pairs}, but networks give {available} pairs per sensor.")
    chosen = [*range(pairs), *range(available, available + pairs)]
    features: dict[str, list[NetworkFeatures]] = {}
    for sensor in data.sensors:
        nets = [_features(networks[sensor][k], data, sensor, k) for k in chosen]
        for k, net in zip(chosen, nets):
            where = f"networks[{sensor!r}][{k}]"
            if net.train.shape[0] != len(data.y_train) or net.validation.shape[0] != len(
                data.y_validation
            ):
                raise ValueError(
                    f"{where} has {net.train.shape[0]} training and {net.validation.shape[0]} "
                    f"validation rows, but the labels are {len(data.y_train)} and "
                    f"{len(data.y_validation)}."
                )
            if net.n_classes != data.n_classes or not np.array_equal(
                _as_labels(net.classes), data.classes
            ):
                raise ValueError(
                    f"{where}'s layer has classes {np.asarray(net.classes).tolist()[:20]}, "
                    f"but the data set's are {data.classes.tolist()[:20]}."
                )
        # the layers' labels in the data set's form (b"walk" is "walk"), as every stage sees them
        features[sensor] = [
            net
            if np.asarray(net.classes).dtype == data.classes.dtype
            else replace(net, classes=data.classes)
            for net in nets
        ]
    return features, pairs
