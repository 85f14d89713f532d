"""A user's own recordings as a :class:`StudyData`: the ``ccafusion study --data FILE.npz`` path.

The file holds ``y`` (one label per sample, of any type), optionally ``groups``
(one group per sample, e.g. the subject: the split keeps each group on one side)
or ``split`` (``"train"`` / ``"validation"`` per sample), and one array per
sensor, of shape ``(n, features)``, ``(n, channels, time)`` or
``(n, channels, height, width)``. Each sensor gets the network its shape calls
for, its inputs standardised per channel on the training side.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sklearn_ccafusion.runs._cache import read_npz
from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.runs._networks import network_factory
from sklearn_ccafusion.utils._labels import as_class_labels
from sklearn_ccafusion.utils._validation import constant_columns

__all__ = ["NETS", "load_study_file", "resolved_epochs"]

_RESERVED = ("y", "groups", "split", "sensors")
# names of arrays that describe samples (times, indices, identifiers) rather than record them
_METADATA = re.compile(
    r"^(t|t\d|t_?(start|end|0)|times?|timestamps?|start|end|index|indices|idx|ids?|"
    r"subjects?|sessions?|trials?|labels?|targets?)$",
    re.IGNORECASE,
)


def _mlp(shape: tuple[int, ...], n_classes: int) -> tuple[Any, dict]:
    from sklearn_ccafusion.nets import MLPNet

    return MLPNet, {"n_features": shape[0], "n_classes": n_classes, "hidden": (128,)}


def _conv1d(shape: tuple[int, ...], n_classes: int) -> tuple[Any, dict]:
    from sklearn_ccafusion.nets import TimeSeriesConvNet

    return TimeSeriesConvNet, {"n_channels": shape[0], "n_classes": n_classes}


def _image(shape: tuple[int, ...], n_classes: int) -> tuple[Any, dict]:
    from sklearn_ccafusion.nets import CIFARResNet, SHLConvNet

    if tuple(shape[1:]) == SHLConvNet.image_size:
        return SHLConvNet, {"n_classes": n_classes, "in_channels": shape[0]}
    return CIFARResNet, {"depth": 8, "n_classes": n_classes, "in_channels": shape[0]}


#: Networks ``--net`` can name, and the sample shapes (without the sample axis) they take.
NETS: dict[str, tuple[Callable[..., tuple[Any, dict]], int]] = {
    "mlp": (_mlp, 1),
    "conv1d": (_conv1d, 2),
    "image": (_image, 3),
}
_AUTO = {1: "mlp", 2: "conv1d", 3: "image"}


def _read(path: Path) -> dict[str, NDArray]:
    return read_npz(
        path,
        how_to_save="save the labels, groups and sensors as numbers or fixed-width strings, "
        "e.g. np.savez(path, y=np.asarray(y, dtype=str), sensor=array).",
    )


def _standardise(train: NDArray, validation: NDArray) -> tuple[NDArray, NDArray]:
    """Per channel (axis 1) on the training side, whatever the sensor's scale; float32 out.

    Each channel's mean and standard deviation over the training samples and every
    trailing axis (as :class:`~sklearn_ccafusion.preprocessing.ChannelStandardizer`
    computes them), in float64 and after dividing the channel by its largest absolute
    training value: a sensor recorded around 1e-30 (or 1e30) gets the same inputs as
    the same sensor around 1, instead of statistics that underflow. A channel that
    is constant on the training side becomes zeros. One channel at a time, so the
    float64 copy is one channel's.
    """
    train_out = np.empty(train.shape, np.float32)
    validation_out = np.empty(validation.shape, np.float32)
    for channel in range(train.shape[1]):
        values = train[:, channel].astype(np.float64)
        other = validation[:, channel].astype(np.float64)
        magnitude = float(np.max(np.abs(values))) if values.size else 0.0
        if magnitude > 0:
            values /= magnitude
            other /= magnitude
        mean = values.mean()
        std = float(np.sqrt(np.mean(np.square(values - mean))))
        values -= mean
        other -= mean
        if std > 0:
            values /= std
            other /= std
        train_out[:, channel] = values
        validation_out[:, channel] = other
    return train_out, validation_out


def _metadata_like(name: str, array: NDArray) -> str | None:
    """Why an array looks like metadata rather than a sensor, or ``None``."""
    if _METADATA.match(name):
        return "its name is that of metadata"
    if array.ndim == 2 and array.shape[1] == 1:
        return f"shape {array.shape}: one column"
    if array.ndim == 2 and array.dtype.kind in "iu" and array.shape[0] > 1:
        if np.all(np.diff(array, axis=0) >= 0):
            return "integers that only grow, like times or indices"
    return None


def _named_sensors(
    arrays: dict[str, NDArray], names: Sequence[str] | None, path: Path
) -> dict[str, NDArray]:
    """The sensor arrays: those named (argument, else the file's ``sensors``), else the rest."""
    if names is None and "sensors" in arrays:
        stored = arrays["sensors"]
        if stored.ndim != 1 or stored.dtype.kind not in "US":
            raise ValueError(
                f"{path}: 'sensors' must list the sensor arrays' names as strings, got shape "
                f"{stored.shape} of type {stored.dtype}."
            )
        names = [str(name) for name in stored]
    if names is not None:
        names = list(names)
        unknown = [name for name in names if name not in arrays or name in _RESERVED]
        if unknown or not names or len(set(names)) != len(names):
            available = sorted(set(arrays) - set(_RESERVED))
            raise ValueError(
                f"Sensors {names} must be distinct names of arrays in {path}; "
                f"{unknown or 'none'} is not one. Its arrays besides y, groups, split and "
                f"sensors: {available}."
            )
        return {name: arrays[name] for name in names}
    sensors = {name: a for name, a in arrays.items() if name not in _RESERVED}
    suspects = {name: why for name, a in sensors.items() if (why := _metadata_like(name, a))}
    if suspects:
        listed = "; ".join(f"{name!r} ({why})" for name, why in suspects.items())
        keep = [name for name in sensors if name not in suspects]
        raise ValueError(
            f"{path} holds arrays that look like metadata, not sensors: {listed}. Name the "
            f"sensors: sensors={','.join(keep) or 'a,b'} (or a 'sensors' array of names in "
            "the file), or remove those arrays."
        )
    return sensors


def _warn_time_major(name: str, array: NDArray) -> None:
    if array.ndim == 3 and array.shape[2] < array.shape[1]:
        warnings.warn(
            f"Sensor {name!r} has windows of {array.shape[1]} channels by {array.shape[2]} "
            "time steps: fewer time steps than channels. If the file is time-major, (n, time, "
            f"channels), transpose it before saving: {name} = np.swapaxes({name}, 1, 2).",
            UserWarning,
            stacklevel=3,
        )


def _check_sensors(
    arrays: dict[str, NDArray], n: int, path: Path, names: Sequence[str] | None = None
) -> dict[str, NDArray]:
    sensors = _named_sensors(arrays, names, path)
    if not sensors:
        raise ValueError(f"{path} holds no sensor array besides {sorted(arrays)}.")
    for name, array in sensors.items():
        if not name.strip():
            raise ValueError(
                f"{path} holds a sensor array named {name!r}: give every sensor a name "
                "(the report, the tables and the figures show it)."
            )
        if array.ndim not in (2, 3, 4):
            raise ValueError(
                f"Sensor {name!r} has shape {array.shape}: a sensor array is (n, features), "
                "(n, channels, time) or (n, channels, height, width)."
            )
        if array.shape[0] != n:
            raise ValueError(
                f"Sensor {name!r} has {array.shape[0]} rows but y has {n} labels: every "
                "array holds one row per sample."
            )
        if array.dtype.kind not in "biuf":
            raise ValueError(f"Sensor {name!r} is of type {array.dtype}, not numbers.")
        if 0 in array.shape[1:]:
            raise ValueError(
                f"Sensor {name!r} has shape {array.shape}: no values per sample; remove it "
                "or give it at least one feature (channel, time step, pixel)."
            )
        if not np.isfinite(array).all():
            bad = int((~np.isfinite(array)).reshape(n, -1).any(axis=1).sum())
            raise ValueError(
                f"Sensor {name!r} holds NaN or infinite values in {bad} samples; remove or "
                "impute them before the study."
            )
        _check_float32_range(name, array)
        _warn_time_major(name, array)
    return sensors


def _labels(arrays: dict[str, NDArray], name: str, path: Path) -> NDArray:
    """The file's labels, groups or split entries in one form (a bad value: ValueError)."""
    what = {"y": "labels", "groups": "group ids", "split": "entries"}[name]
    try:
        return as_class_labels(arrays[name], name=name, what=what)
    except TypeError as error:  # a value of the file, not an argument of the call
        raise ValueError(f"{path}: {error}") from None


def _split(
    arrays: dict[str, NDArray], y: NDArray, validation_fraction: float, seed: int
) -> tuple[NDArray, str]:
    """Which samples are for validation (the file's ``split`` or a seeded one), and how."""
    if "split" in arrays:
        split = arrays["split"]
        unknown = sorted(set(split.tolist()) - {"train", "validation"})
        if unknown:
            raise ValueError(f"split may hold only 'train' and 'validation', found {unknown}.")
        is_val = split == "validation"
        if is_val.all() or not is_val.any():
            raise ValueError("The split leaves the training or the validation side empty.")
        return is_val, "the file's split"
    from sklearn_ccafusion.datasets import train_validation_split

    _, validation_rows = train_validation_split(
        y, arrays.get("groups"), validation_fraction=validation_fraction, random_state=seed
    )
    is_val = np.zeros(len(y), dtype=bool)
    is_val[validation_rows] = True
    _check_training_side(y, is_val, validation_fraction, "groups" in arrays)
    how = (
        f"a seeded split of the groups ({validation_fraction:.0%} asked for validation"
        if "groups" in arrays
        else f"a seeded stratified split ({validation_fraction:.0%} asked for validation"
    )
    share = is_val.mean()
    if abs(share - validation_fraction) > 0.05:
        why = "whole groups, " if "groups" in arrays else ""
        how += f", {share:.0%} given: {why}every class keeps a sample on each side"
    return is_val, how + ")"


def _check_training_side(
    y: NDArray, is_val: NDArray, validation_fraction: float, grouped: bool
) -> None:
    """Refuse a fraction that leaves a class fewer than 2 training samples when it has more.

    The networks learn a class from its training samples, and the CCA of their
    training features and the retrained head are fitted on them: one sample of a
    class teaches nothing of how it varies. A class of 2 samples can only give one
    to each side (the split says so); a larger one left with fewer than 2 for
    training is the fraction's doing, so it is refused before any training.
    """
    classes, codes, totals = np.unique(y, return_inverse=True, return_counts=True)
    train = np.bincount(codes[~is_val], minlength=len(classes))
    short = np.flatnonzero((train < 2) & (totals >= 3))
    if not len(short):
        return
    shown = ", ".join(
        f"class {classes[k].item()!r}: {train[k]} of {totals[k]}" for k in short[:5]
    ) + (", ..." if len(short) > 5 else "")
    fewest = int(totals[totals >= 3].min())
    bound = (
        "a share that gives more classes whole groups on the training side"
        if grouped
        else f"below {(fewest - 1.5) / fewest:.3g} keeps 2 of every class"
    )
    raise ValueError(
        f"validation_fraction={validation_fraction} leaves {int((~is_val).sum())} of the "
        f"{len(y)} samples for training, fewer than 2 of {len(short)} of the {len(classes)} "
        f"classes ({shown}): a network learns nothing of a class from one sample, and the "
        "CCA of the networks' training features and the retrained head are fitted on these "
        f"samples. Lower validation_fraction ({bound})."
    )


def _check_float32_range(name: str, array: NDArray) -> None:
    """Refuse values that float32, the networks' type, would turn into infinities."""
    if array.dtype.kind == "f" and array.size:
        largest = float(np.max(np.abs(array)))
        if largest > float(np.finfo(np.float32).max):
            raise ValueError(
                f"Sensor {name!r} holds values up to {largest:.3g}, beyond float32's range "
                f"(the networks' type, up to {np.finfo(np.float32).max:.3g}); rescale it "
                "(e.g. to other units) before the study."
            )


def _check_not_constant(name: str, train: NDArray, names: list[str]) -> None:
    """Refuse a sensor whose training samples are all the same: nothing to learn or correlate.

    The same at any scale: a sensor around 1e-30 that varies is kept (and standardised
    like one around 1), one whose values differ only in their last bit is refused.
    """
    flat = train.reshape(len(train), -1)
    if flat.size and constant_columns(flat).all():
        others = [other for other in names if other != name]
        raise ValueError(
            f"Sensor {name!r} has the same values in every training sample (all its "
            f"{flat.shape[1]} features are constant, to within their float precision): a "
            "network learns nothing from it and its features correlate with nothing. Record "
            "it again, or leave it out"
            + (f" (sensors={','.join(others)})." if others else ".")
        )


def resolved_epochs(max_epochs: int | None, quick: bool) -> int:
    """The training epochs of a user's networks: ``max_epochs``, else 30 (5 when ``quick``).

    Examples
    --------
    >>> resolved_epochs(None, False), resolved_epochs(None, True), resolved_epochs(7, True)
    (30, 5, 7)
    """
    return max_epochs if max_epochs is not None else (5 if quick else 30)


def load_study_file(
    path: str | Path,
    *,
    net: str | dict[str, str] = "auto",
    validation_fraction: float = 0.2,
    max_epochs: int | None = None,
    metric: str = "accuracy",
    seed: int = 0,
    quick: bool = False,
    sensors: Sequence[str] | None = None,
) -> StudyData:
    """Read a user's ``.npz`` file as a data set of the study.

    Parameters
    ----------
    path : str or Path
        An ``.npz`` file (``numpy.savez``) holding ``y``, optionally ``groups``
        or ``split``, and one array per sensor (see the module's description).
    net : {"auto", "mlp", "conv1d", "image"} or dict, default="auto"
        Network of every sensor (or ``{sensor: name}``); ``"auto"`` chooses from
        the shape: an MLP for ``(n, features)``, a 1-D CNN for ``(n, channels,
        time)``, the SHL CNN for 48 x 48 images and a ResNet-8 for other images.
    validation_fraction : float, default=0.2
        Share of the samples (of the groups, with ``groups``) used for validation,
        when the file has no ``split``.
    max_epochs : int or None, default=None
        Training epochs (``None``: 30, or 5 with ``quick``).
    metric : {"accuracy", "f1_macro"}, default="accuracy"
    seed : int, default=0
        Seed of the split.
    quick : bool, default=False
        Fewer epochs.
    sensors : sequence of str or None, default=None
        Names of the sensor arrays, in order (``--sensors a,b,c``); other arrays are
        ignored. ``None``: the file's ``sensors`` array of names if it has one, else
        every array besides ``y``, ``groups`` and ``split``, refusing those that look
        like metadata (one column, integer times or indices, names such as ``t``,
        ``time`` or ``index``). Windows with fewer time steps than channels raise a
        warning: the file may be time-major.

    Returns
    -------
    data : StudyData

    Raises
    ------
    ValueError
        When the file cannot be read as a study (each problem named with the
        file), or when ``validation_fraction`` leaves a class of 3 or more
        samples fewer than 2 on the training side (the counts are given).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> rng = np.random.default_rng(0)
    >>> path = os.path.join(tempfile.mkdtemp(), "mine.npz")
    >>> y = np.repeat(["sit", "walk"], 50)
    >>> np.savez(path, y=y, acc=rng.normal(size=(100, 3, 32)), gyr=rng.normal(size=(100, 6)))
    >>> data = load_study_file(path)
    >>> data.sensors, data.classes.tolist(), len(data.y_validation)
    (['acc', 'gyr'], ['sit', 'walk'], 20)
    """
    path = Path(path)
    arrays = _read(path)
    if "y" not in arrays:
        raise ValueError(f"{path} has no array 'y' (one label per sample); found {sorted(arrays)}.")
    y = _labels(arrays, "y", path)
    n = len(y)
    sensors = _check_sensors(arrays, n, path, sensors)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"y holds a single class {classes.tolist()}; the study needs two.")
    if counts.min() < 2:
        lonely = classes[counts < 2].tolist()
        raise ValueError(
            f"Label(s) {lonely[:5]} have a single sample: each class needs samples on both "
            "sides of the split. Remove them or merge them into another class."
        )
    for name in ("groups", "split"):
        if name in arrays and arrays[name].shape != (n,):
            raise ValueError(
                f"{name} must have one entry per sample, shape ({n},), got {arrays[name].shape}."
            )
        if name in arrays:
            arrays[name] = _labels(arrays, name, path)
    is_val, how = _split(arrays, y, validation_fraction, seed)
    choices = net if isinstance(net, dict) else dict.fromkeys(sensors, net)
    strangers = sorted(set(choices) - set(sensors))
    if strangers:
        raise ValueError(
            f"net names sensor(s) {strangers} that {path} does not hold; its sensors are "
            f"{sorted(sensors)}."
        )
    if max_epochs is not None and max_epochs < 1:
        raise ValueError(f"max_epochs must be at least 1 (or None), got {max_epochs}.")
    from sklearn_ccafusion.runs._recipes import training_recipe

    epochs = resolved_epochs(max_epochs, quick)
    recipe = training_recipe("sensors", max_epochs=epochs)
    inputs_train, inputs_val, modules, settings = {}, {}, {}, {}
    for name, array in sensors.items():
        kind = choices.get(name, "auto")
        if kind == "auto":
            kind = _AUTO[array.ndim - 1]
        if kind not in NETS:
            raise ValueError(
                f"Unknown network {kind!r} for sensor {name!r}; choose one of {['auto', *NETS]}."
            )
        builder, ndim = NETS[kind]
        if array.ndim - 1 != ndim:
            raise ValueError(
                f"Network {kind!r} takes samples of {ndim} axes, but sensor "
                f"{name!r} has samples of shape {array.shape[1:]}."
            )
        _check_not_constant(name, array[~is_val], list(sensors))
        inputs_train[name], inputs_val[name] = _standardise(array[~is_val], array[is_val])
        modules[name] = builder(array.shape[1:], len(classes))
        settings[name] = {"module": modules[name][0].__name__, **modules[name][1]}

    groups_note = ""
    if "groups" in arrays:
        groups = arrays["groups"]
        groups_note = (
            f" ({len(np.unique(groups[~is_val]))} groups for training, "
            f"{len(np.unique(groups[is_val]))} for validation)"
        )
    return StudyData(
        name=path.stem,
        inputs_train=inputs_train,
        inputs_validation=inputs_val,
        y_train=y[~is_val],
        y_validation=y[is_val],
        classes=classes,
        metric=metric,
        make_net=network_factory(modules, recipe),
        net_settings={
            "recipe": {k: str(v) for k, v in recipe.items()},
            "sensors": settings,
        },
        head_params={"weight_decay": 1e-3, "class_weight": "balanced"},
        description=f"{path.name}: {n} samples, {len(classes)} classes, sensors "
        + ", ".join(
            f"{s} {tuple(a.shape[1:])} ({settings[s]['module']})" for s, a in sensors.items()
        )
        + ".",
        notes=(
            f"{int((~is_val).sum())} training and {int(is_val.sum())} validation samples: "
            f"{how}{groups_note}.",
            f"Inputs standardised per channel on the training side; {epochs} epochs, "
            "Adam 1e-3, class-balanced cross-entropy.",
        ),
    )
