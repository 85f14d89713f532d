"""Writing trained networks in the features-file layout (``features.npz``).

Every run writes its networks this way, and so can any code that trained
networks elsewhere; :mod:`sklearn_ccafusion.runs._features_file` reads the
layout back and names every problem of a file before any work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sklearn_ccafusion.runs._cache import save_arrays
from sklearn_ccafusion.runs._features_names import SENSORS, member_prefixes, names_array
from sklearn_ccafusion.study import NetworkFeatures
from sklearn_ccafusion.utils._labels import as_class_labels

__all__ = ["PARTS", "write_features_file"]

#: the arrays of one network in the layout, ``{prefix}.{k}.{part}`` (the sensor's safe name)
PARTS = ("train", "validation", "coef", "intercept")


def _label_array(values: ArrayLike, name: str) -> NDArray:
    """Labels as an array that ``np.savez`` stores without pickle (numbers, booleans, text)."""
    return as_class_labels(values, name=name)


def _head_array(name: str, value: Any, classes: NDArray) -> NDArray:
    if name == "class_weight" and isinstance(value, Mapping):  # one weight per class, in order
        value = [value.get(label, 1.0) for label in classes.tolist()]
    array = np.asarray(value)
    if array.dtype.kind not in "biufUS":
        raise TypeError(
            f"head parameter {name}={value!r} cannot be written as numbers or a string; "
            "leave it out of head_params or give it as numbers."
        )
    return array


def write_features_file(
    path: str | Path,
    networks: Mapping[str, Sequence[NetworkFeatures]],
    y_train: ArrayLike,
    y_validation: ArrayLike,
    classes: ArrayLike | None = None,
    *,
    name: str | None = None,
    metric: str | None = None,
    head_params: Mapping[str, Any] | None = None,
) -> Path:
    """Write trained networks' features and last layers in the features-file layout.

        Parameters
        ----------
        path : str or Path
            The ``.npz`` file to write (atomically: a crash leaves no partial file).
        networks : mapping of str to sequence of NetworkFeatures
            ``2 * pairs`` networks per sensor; network ``k`` is projected with
            network ``k + pairs`` as its CCA partner. The sensors' names are
            written as data (the ``sensors`` array), and each sensor's arrays are
            named after its safe file name (the name itself when it is a plain file
            name): no member is a path, whatever the names.
        y_train, y_validation : array-like of shape (n_train,) and (n_validation,)
            Labels, of any type a class can be (stored as integers, booleans or
            strings: bytes decoded, dates in ISO form).
        classes : array-like of shape (n_classes,) or None, default=None
            The label of each row of the layers; ``None``: the first network's ``classes``.
        name : str or None, default=None
            Title of the study.
        metric : {"accuracy", "f1_macro"} or None, default=None
            Score of the study.
        head_params : mapping or None, default=None
            Parameters of the retrained head, written as ``head.<name>``.

        Returns
        -------
        path : Path

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from sklearn_ccafusion.study import NetworkFeatures
        >>> rng = np.random.default_rng(0)
        >>> nets = [NetworkFeatures(rng.normal(size=(6, 3)), rng.normal(size=(4, 3)),
        ...                         rng.normal(size=(2, 3)), np.zeros(2)) for _ in range(2)]
        >>> path = os.path.join(tempfile.mkdtemp(), "features.npz")
        >>> path = write_features_file(path, {"acc": nets}, [0, 1] * 3, [0, 1] * 2)
        >>> sorted(np.load(path).files)[:4]
        ['acc.0.coef', 'acc.0.intercept', 'acc.0.train', 'acc.0.validation']
        >>> np.load(path)["sensors"].tolist()
        ['acc']
    """
    arrays: dict[str, NDArray] = {
        "y_train": _label_array(y_train, "y_train"),
        "y_validation": _label_array(y_validation, "y_validation"),
    }
    first = next(iter(next(iter(networks.values()))))
    arrays["classes"] = _label_array(first.classes if classes is None else classes, "classes")
    if name is not None:
        arrays["name"] = np.asarray(str(name))
    if metric is not None:
        arrays["metric"] = np.asarray(str(metric))
    for key, value in (head_params or {}).items():
        if value is not None:
            arrays[f"head.{key}"] = _head_array(key, value, arrays["classes"])
    names = [str(sensor) for sensor in networks]
    arrays[SENSORS] = names_array(names)
    prefixes = member_prefixes(names)
    for name, nets in zip(names, networks.values()):
        for k, net in enumerate(nets):
            for part in PARTS:
                arrays[f"{prefixes[name]}.{k}.{part}"] = np.asarray(getattr(net, part))

    return save_arrays(path, **arrays)
