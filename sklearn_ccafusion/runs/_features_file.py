"""Trained networks as a file of numbers: the ``ccafusion study --features FILE.npz`` layout.

A features file holds what the study needs from networks trained anywhere
(this package, TensorFlow, JAX, scikit-learn's ``MLPClassifier``): the labels,
and per network its penultimate features and its last linear layer. It is an
``.npz`` file (``numpy.savez``) read without pickle (loading it runs no code):

- ``y_train`` ``(n_train,)`` and ``y_validation`` ``(n_validation,)``: labels,
  whole numbers, fixed-width strings or bytes, booleans, dates or durations (put
  in one form as :class:`~sklearn_ccafusion.runs.StudyData` describes);
- ``classes`` ``(n_classes,)``, optional: the label of each row of the layers
  (default: the sorted labels found in ``y_train`` and ``y_validation``);
- per network ``k`` of sensor ``s``: ``s.k.train`` ``(n_train, width)``,
  ``s.k.validation`` ``(n_validation, width)``, ``s.k.coef`` ``(n_classes,
  width)`` and ``s.k.intercept`` ``(n_classes,)``, with ``k = 0 .. 2 * pairs -
  1``: network ``k`` is projected, network ``k + pairs`` is its CCA partner, as
  in ``ccafusion reproduce``. Any number of sensors; widths may differ between
  sensors and networks.
- optional: ``sensors`` ``(n_sensors,)``, the sensors' names as data; with it,
  sensor ``s``'s arrays are named after its safe file name (``s`` itself when it
  is a plain file name), so that no member is a path, and the names read back
  exactly; without it, the
  sensors are the arrays' prefixes, as files of the earlier layout name them;
- optional: ``name`` (the study's title), ``metric`` (``"accuracy"`` or
  ``"f1_macro"``) and ``head.<parameter>`` (a parameter of the retrained
  :class:`~sklearn_ccafusion.ClassLayerClassifier`, e.g. ``head.weight_decay``),
  which every run writes so that its ``features.npz`` re-runs the same study.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sklearn_ccafusion.runs._cache import read_npz
from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.runs._features_names import (
    SENSORS,
    is_path_member,
    member_prefixes,
    path_members,
    sensor_names,
    twin_names,
)
from sklearn_ccafusion.runs._features_writer import PARTS as _PARTS
from sklearn_ccafusion.runs._features_writer import write_features_file
from sklearn_ccafusion.study import NetworkFeatures
from sklearn_ccafusion.utils._labels import as_class_labels
from sklearn_ccafusion.utils._validation import constant_columns

__all__ = ["load_features_file", "read_features_file", "write_features_file"]

_LABELS = ("y_train", "y_validation", "classes")
_OPTIONAL = ("name", "metric")
_METRICS = ("accuracy", "f1_macro")
#: The head's settings a features file may carry (the study gives coef, intercept, classes).
_NOT_HEAD = {"self", "coef", "intercept", "classes", "retrain", "device", "random_state"}
#: Default head of a features file that names none: the one ``ccafusion study --data`` retrains.
DEFAULT_HEAD = {"weight_decay": 1e-3, "class_weight": "balanced"}
_MAX_PROBLEMS = 12


def _head_parameters() -> set[str]:
    from sklearn_ccafusion.head import ClassLayerClassifier

    return set(inspect.signature(ClassLayerClassifier.__init__).parameters) - _NOT_HEAD


def _open(path: Path) -> dict[str, NDArray]:
    return read_npz(
        path,
        how_to_save="save labels as numbers or fixed-width strings, e.g. "
        "np.asarray(y, dtype=str), and features as float arrays (write_features_file).",
    )


def _parse_array_name(key: str) -> tuple[str, int, str] | None:
    """``(sensor, k, part)`` of a network's array name, or None."""
    parts = key.rsplit(".", 2)
    if len(parts) != 3 or not parts[0] or parts[2] not in _PARTS:
        return None
    if not parts[1].isdigit() or (parts[1] != "0" and parts[1].startswith("0")):
        return None
    return parts[0], int(parts[1]), parts[2]


def _labels(arrays: dict[str, NDArray], problems: list[str]) -> tuple[NDArray, ...] | None:
    found = []
    for key in ("y_train", "y_validation"):
        if key not in arrays:
            problems.append(f"no array {key!r} (one label per {key[2:]} sample)")
            continue
        try:
            found.append(as_class_labels(arrays[key], name=key))
        except (TypeError, ValueError) as error:
            problems.append(str(error).rstrip("."))
    if len(found) < 2:
        return None
    y_train, y_validation = found
    if (y_train.dtype.kind in "US") != (y_validation.dtype.kind in "US"):
        problems.append(
            f"y_train holds {y_train.dtype} and y_validation {y_validation.dtype}: the labels "
            "of both sides must be of one type (numbers or strings)"
        )
        return None
    if "classes" in arrays:
        try:
            classes = as_class_labels(arrays["classes"], name="classes")
        except (TypeError, ValueError) as error:
            problems.append(str(error).rstrip("."))
            return None
        if classes.ndim != 1 or len(np.unique(classes)) != len(classes) or len(classes) < 2:
            problems.append(
                f"classes must hold at least two distinct labels, shape (n_classes,), got "
                f"{classes.tolist() if classes.ndim == 1 else classes.shape}"
            )
            return None
        if (classes.dtype.kind in "US") != (y_train.dtype.kind in "US"):
            problems.append(f"classes are {classes.dtype} but the labels {y_train.dtype}")
            return None
        unknown = np.setdiff1d(np.concatenate([y_train, y_validation]), classes)
        if unknown.size:
            problems.append(
                f"labels {unknown.tolist()[:5]} are not among classes {classes.tolist()[:20]}"
            )
            return None
    else:
        classes = np.unique(np.concatenate([y_train, y_validation]))
    if len(np.unique(y_train)) < 2:
        problems.append(f"y_train holds a single class {np.unique(y_train).tolist()}")
        return None
    return y_train, y_validation, classes


def _check_network(
    arrays: dict[str, NDArray],
    keys: dict[str, str],
    n_train: int,
    n_validation: int,
    n_classes: int,
) -> list[str]:
    """Problems of one network's four arrays (``keys``: each part's array name)."""
    prefix = keys["train"][: -len(".train")]
    train, validation, coef, intercept = (arrays[keys[part]] for part in _PARTS)
    problems = []
    for part, array in zip(_PARTS, (train, validation, coef, intercept)):
        if array.dtype.kind not in "biuf":
            problems.append(f"{prefix}.{part} is of type {array.dtype}, not numbers")
        elif not np.isfinite(array).all():
            problems.append(f"{prefix}.{part} holds NaN or infinite values")
    for part, array, rows, what in (
        ("train", train, n_train, "y_train has"),
        ("validation", validation, n_validation, "y_validation has"),
        ("coef", coef, n_classes, "the labels have"),
    ):
        if array.ndim != 2:
            problems.append(f"{prefix}.{part} must be 2-D (rows, width), got shape {array.shape}")
        elif array.shape[0] != rows:
            noun = "classes" if part == "coef" else "labels"
            extra = (
                " (one row per class; give 'classes', one label per row, if the layer has "
                "outputs for classes absent from the labels)"
                if part == "coef"
                else ""
            )
            problems.append(
                f"{prefix}.{part} has {array.shape[0]} rows but {what} {rows} {noun}{extra}"
            )
    widths = {
        part: a.shape[1] for part, a in zip(_PARTS[:3], (train, validation, coef)) if a.ndim == 2
    }
    if len(set(widths.values())) > 1:
        problems.append(
            f"{prefix}: train, validation and coef must have the same width, got "
            + ", ".join(f"{part} {width}" for part, width in widths.items())
        )
    if intercept.shape != (n_classes,):
        problems.append(
            f"{prefix}.intercept must have shape ({n_classes},), one bias per class, got "
            f"{intercept.shape}"
        )
    if not problems and train.shape[1] == 0:
        problems.append(f"{prefix} has features of width 0")
    elif not problems and constant_columns(train).all():
        problems.append(
            f"{prefix}.train is the same for every training sample (all its "
            f"{train.shape[1]} features are constant, to within their float precision): it "
            "correlates with nothing"
        )
    return problems


def _is_head_key(key: str) -> bool:
    """``head.<parameter>``; a network of a sensor named ``head`` is ``head.<k>.<part>``."""
    return key.startswith("head.") and key[len("head.") :].isidentifier()


def _head(arrays: dict[str, NDArray], problems: list[str]) -> dict[str, Any]:
    head, known = {}, _head_parameters()
    for key in arrays:
        if not _is_head_key(key):
            continue
        name, value = key[len("head.") :], arrays[key]
        if name not in known:
            problems.append(
                f"{key}: {name!r} is not a parameter of the retrained head (one of {sorted(known)})"
            )
        else:
            head[name] = value.item() if value.ndim == 0 else value.tolist()
            invalid = _invalid_head_value(name, head[name])
            if invalid:
                problems.append(f"{key}: {invalid}")
    return head


def _invalid_head_value(name: str, value: Any) -> str | None:
    """Why the retrained head refuses ``value`` for its parameter ``name`` (None: it takes it)."""
    from sklearn_ccafusion.head import ClassLayerClassifier

    try:
        ClassLayerClassifier(**{name: value})._validate_params()
    except (TypeError, ValueError) as error:  # scikit-learn's InvalidParameterError
        return str(error).rstrip(".")
    return None


def _text(arrays: dict[str, NDArray], key: str, problems: list[str]) -> str | None:
    if key not in arrays:
        return None
    value = arrays[key]
    if value.ndim != 0 or value.dtype.kind not in "US":
        problems.append(f"{key} must be a single string, got {value.dtype} of shape {value.shape}")
        return None
    return str(value.item())


def _networks_found(arrays: dict[str, NDArray], problems: list[str]) -> dict[str, dict]:
    """Each sensor's networks, by exact name: ``{sensor: {k: {part: key}}}``.

    With a ``sensors`` array, a sensor's arrays are named after its safe file
    name; without one (the earlier layout), the sensors are the names' prefixes.
    """
    problems += path_members(arrays)
    names = sensor_names(arrays[SENSORS], problems) if SENSORS in arrays else None
    by_prefix = None if names is None else {p: n for n, p in member_prefixes(names).items()}
    found: dict[str, dict[int, dict[str, str]]] = {n: {} for n in names or ()}
    for key in arrays:
        if key in _LABELS or key in _OPTIONAL or _is_head_key(key) or key == SENSORS:
            continue
        if is_path_member(key):  # named above
            continue
        parsed = _parse_array_name(key)
        if parsed is None or (by_prefix is not None and parsed[0] not in by_prefix):
            problems.append(
                f"unknown array {key!r} (a network's arrays are '<sensor>.<k>.train', "
                "'.validation', '.coef' and '.intercept', k = 0, 1, ..."
                + (", <sensor> the safe file name of a name in 'sensors')" if names else ")")
            )
            continue
        prefix, k, part = parsed
        sensor = prefix if by_prefix is None else by_prefix[prefix]
        found.setdefault(sensor, {}).setdefault(k, {})[part] = key
    if by_prefix is None:  # names decoded from members (zip tools may recompose them)
        problems += twin_names(found)
    for sensor in [s for s, nets in found.items() if not nets]:
        problems.append(f"sensor {sensor!r} of 'sensors' has no network arrays")
        del found[sensor]
    return found


def read_features_file(path: str | Path) -> dict[str, Any]:
    """Read and check a features file; every problem is named before anything else runs.

    Parameters
    ----------
    path : str or Path
        The ``.npz`` file (see the module's description for its layout).

    Returns
    -------
    contents : dict
        ``networks`` (sensor to list of :class:`~sklearn_ccafusion.study.NetworkFeatures`,
        in the file's sensor order), ``y_train``, ``y_validation``, ``classes``,
        ``pairs``, and the optional ``name``, ``metric`` and ``head_params`` (a dict,
        empty when the file names none).

    Raises
    ------
    ValueError
        Naming every problem found (up to a dozen): a missing or unknown array,
        shapes that disagree, a layer whose rows do not match the classes, NaN,
        an odd number of networks, ...

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "features.npz")
    >>> np.savez(path, y_train=[0, 1, 0, 1], y_validation=[1, 0],
    ...          **{f"acc.{k}.{part}": a for k in range(2) for part, a in
    ...             [("train", np.eye(4, 3)), ("validation", np.ones((2, 3))),
    ...              ("coef", np.ones((2, 3))), ("intercept", np.zeros(2))]})
    >>> contents = read_features_file(path)
    >>> contents["pairs"], contents["classes"].tolist(), contents["networks"]["acc"][1].n_features
    (1, [0, 1], 3)
    >>> np.savez(path, y_train=[0, 1, 0, 1], y_validation=[1, 0])
    >>> read_features_file(path)
    Traceback (most recent call last):
    ...
    ValueError: ...features.npz: 1 problem: it holds no network (arrays named ...
    """
    path = Path(path)
    arrays = _open(path)
    problems: list[str] = []
    labels = _labels(arrays, problems)
    name = _text(arrays, "name", problems)
    metric = _text(arrays, "metric", problems)
    if metric is not None and metric not in _METRICS:
        problems.append(f"metric must be one of {_METRICS}, got {metric!r}")
    head_params = _head(arrays, problems)
    found = _networks_found(arrays, problems)
    if not found:
        problems.append(
            "it holds no network (arrays named '<sensor>.<k>.train', '.validation', '.coef' "
            "and '.intercept')"
        )
    counts = {}
    for sensor, nets in found.items():
        counts[sensor] = len(nets)
        expected = set(range(max(nets) + 1))
        if set(nets) != expected:
            problems.append(
                f"sensor {sensor!r}: networks must be numbered 0 to {len(nets) - 1}, got "
                f"{sorted(nets)} (missing {sorted(expected - set(nets))})"
            )
        for k in sorted(nets):
            missing = [part for part in _PARTS if part not in nets[k]]
            if missing:
                base = next(iter(nets[k].values())).rsplit(".", 1)[0]
                problems.append(f"no array {', '.join(f'{base}.{p}' for p in missing)}")
        if len(nets) % 2:
            problems.append(
                f"sensor {sensor!r} has {len(nets)} networks, an odd number: the study pairs "
                "network k with network k + pairs, so it needs 2 * pairs"
            )
    if len(set(counts.values())) > 1:
        problems.append(f"every sensor needs the same number of networks (2 * pairs), got {counts}")
    if labels is not None and not problems:
        y_train, y_validation, classes = labels
        for sensor, nets in found.items():
            for k in sorted(nets):
                problems += _check_network(
                    arrays, nets[k], len(y_train), len(y_validation), len(classes)
                )
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        more = len(problems) - len(shown)
        raise ValueError(
            f"{path}: {len(problems)} problem{'s' if len(problems) > 1 else ''}: "
            + "; ".join(shown)
            + (f"; and {more} more." if more else ".")
        )
    y_train, y_validation, classes = labels
    networks = {
        sensor: [
            NetworkFeatures(
                *(_float(arrays[nets[k][part]]) for part in _PARTS), classes=classes
            )
            for k in range(len(nets))
        ]
        for sensor, nets in found.items()
    }
    return {
        "networks": networks,
        "y_train": y_train,
        "y_validation": y_validation,
        "classes": classes,
        "pairs": next(iter(counts.values())) // 2,
        "name": name,
        "metric": metric,
        "head_params": head_params,
    }


def _float(array: NDArray) -> NDArray:
    """Features in float32 or float64 as stored; integers and halves in float64."""
    return array if array.dtype in (np.float32, np.float64) else array.astype(np.float64)


def load_features_file(
    path: str | Path,
    *,
    metric: str | None = None,
    head_params: Mapping[str, Any] | None = None,
) -> tuple[StudyData, dict[str, list[NetworkFeatures]]]:
    """Read a features file as a data set of the study and its trained networks.

    Parameters
    ----------
    path : str or Path
        The ``.npz`` features file (see :func:`read_features_file`).
    metric : {"accuracy", "f1_macro"} or None, default=None
        Score of the study; ``None``: the file's ``metric``, else ``"accuracy"``.
    head_params : mapping or None, default=None
        Parameters of the retrained head; ``None``: the file's ``head.*`` arrays,
        else weight decay 1e-3 and balanced class weights.

    Returns
    -------
    data : StudyData
        Labels, classes, metric and head; no inputs and no network factory (the
        networks are trained already).
    networks : dict of str to list of NetworkFeatures
        Pass both to :func:`~sklearn_ccafusion.runs.run_study` as
        ``run_study(data, networks=networks)``.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> rng = np.random.default_rng(0)
    >>> path = os.path.join(tempfile.mkdtemp(), "features.npz")
    >>> np.savez(path, y_train=np.repeat(["sit", "walk"], 20), y_validation=["sit", "walk"],
    ...          **{f"{s}.{k}.{part}": a for s, w in [("acc", 5), ("gyr", 3)] for k in range(2)
    ...             for part, a in [("train", rng.normal(size=(40, w))),
    ...                             ("validation", rng.normal(size=(2, w))),
    ...                             ("coef", rng.normal(size=(2, w))), ("intercept", np.zeros(2))]})
    >>> data, networks = load_features_file(path)
    >>> data.sensors, data.classes.tolist(), [len(nets) for nets in networks.values()]
    (['acc', 'gyr'], ['sit', 'walk'], [2, 2])
    """
    path = Path(path)
    contents = read_features_file(path)
    networks = contents["networks"]
    y_train, y_validation = contents["y_train"], contents["y_validation"]
    if metric is None:
        metric = contents["metric"] or "accuracy"
    if head_params is None:
        head_params = contents["head_params"] or DEFAULT_HEAD
    pairs = contents["pairs"]
    widths = ", ".join(
        f"{sensor} ({'/'.join(map(str, sorted({n.n_features for n in nets})))} features)"
        for sensor, nets in networks.items()
    )
    data = StudyData(
        name=contents["name"] or path.stem,
        # the networks are given: the sensors' inputs are not needed (zero columns)
        inputs_train={s: np.empty((len(y_train), 0), np.float32) for s in networks},
        inputs_validation={s: np.empty((len(y_validation), 0), np.float32) for s in networks},
        y_train=y_train,
        y_validation=y_validation,
        classes=contents["classes"],
        metric=metric,
        make_net=None,
        net_settings={"features": str(path.resolve())},
        head_params=dict(head_params),
        description=(
            f"Features of trained networks read from {path.name} ({path.resolve()}): "
            f"{2 * pairs} networks per sensor ({pairs} pair{'s' if pairs > 1 else ''}), "
            f"sensors {widths}; {len(contents['classes'])} classes."
        ),
        notes=[f"{len(y_train)} training and {len(y_validation)} validation samples, as given."],
    )
    return data, networks
