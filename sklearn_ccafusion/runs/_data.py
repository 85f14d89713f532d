"""A data set of the study, as a value: per-sensor inputs, labels, and a network per sensor.

Every data set the study runs on, the paper's (digits, synthetic SHL, SHL 2018,
CIFAR-10) and a user's own file alike, becomes a :class:`StudyData`: the
network inputs of each sensor for the same training and validation samples, the
labels, and a factory that builds each sensor's untrained network. The pipeline
(:func:`~sklearn_ccafusion.runs.run_study`) knows nothing else about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sklearn_ccafusion.study._cache import fingerprint
from sklearn_ccafusion.utils._labels import as_class_labels, check_same_label_kind

__all__ = ["StudyData"]

_METRICS = ("accuracy", "f1_macro")


def _check_both_sides(y_train: NDArray, y_validation: NDArray, classes: NDArray) -> None:
    """Every class has a training sample (to learn it) and a validation one (to score it)."""

    def per_class(y: NDArray) -> NDArray:
        found = dict(zip(*(part.tolist() for part in np.unique(y, return_counts=True))))
        return np.array([found.get(c, 0) for c in classes.tolist()])

    n_train, n_validation = per_class(y_train), per_class(y_validation)
    lacking = (n_train == 0) | (n_validation == 0)
    if lacking.any():
        shown = ", ".join(
            f"{c!r} ({t} training, {v} validation)"
            for c, t, v in zip(
                classes[lacking].tolist()[:10], n_train[lacking][:10], n_validation[lacking][:10]
            )
        )
        raise ValueError(
            f"{int(lacking.sum())} of {len(classes)} classes lack samples on one side of the "
            f"split: {shown}. Every class needs at least one training sample (the networks "
            "learn it) and one validation sample (it is scored); give those classes more "
            "samples, another split, or drop them."
        )


@dataclass(frozen=True, kw_only=True, eq=False)
class StudyData:
    """One data set of the study: inputs per sensor, labels, and how to build each network.

    An immutable value, built by keyword: everything it says (its notes, the
    time its loading took) is decided before it is built. :meth:`with_changes`
    returns a changed copy.

    Parameters
    ----------
    name : str
        Name shown in the report.
    inputs_train, inputs_validation : dict of str to ndarray
        Network inputs of each sensor (same samples, same order for every sensor):
        ``(n, features)``, ``(n, channels, time)`` or ``(n, channels, height, width)``.
    y_train, y_validation : ndarray of shape (n_train,) and (n_validation,)
        Labels, of any type a class can be (integers of any width, floats that
        are whole numbers, strings, bytes, booleans, dates, durations); stored
        in one form, the class names unchanged: ``int64`` (whole floats as
        integers), ``bool``, or ``str`` (bytes decoded, dates in ISO form,
        durations as text). Missing, continuous or complex labels are refused.
    classes : ndarray of shape (n_classes,)
        The labels in the order of the networks' outputs, distinct, in the same
        form. When the data set trains its networks (``make_net`` given), every
        class needs at least one training and one validation sample.
    metric : {"accuracy", "f1_macro"}
        Score of the study.
    make_net : callable
        ``make_net(sensor, seed, device)`` returns an unfitted
        :class:`~sklearn_ccafusion.nets.SensorNetClassifier` for that sensor's inputs.
    net_settings : dict
        What determines the networks besides the data and the seed (architecture,
        recipe): part of the cache keys, shown in the report.
    head_params : dict, default={}
        Parameters of the retrained :class:`~sklearn_ccafusion.ClassLayerClassifier`.
    description : str, default=""
        A sentence on the data and the networks, for the report.
    torch_threads : int or None, default=None
        torch threads while training (``None``: torch's default).
    reference : dict, default={}
        Published numbers per sensor, ``{sensor: {"cca_highest": (orig, retr),
        "full": score}}``, shown beside the measured ones.
    notes : sequence of str, default=()
        What was chosen for this data set (split sizes, what a quick run changed),
        for the report; stored as a tuple.
    load_seconds : float or None, default=None
        Time taken to load and preprocess the data, for the report.

    Examples
    --------
    >>> import numpy as np
    >>> data = StudyData(name="toy", inputs_train={"a": np.zeros((4, 2))},
    ...                  inputs_validation={"a": np.zeros((2, 2))},
    ...                  y_train=np.array([0, 1, 0, 1]), y_validation=np.array([0, 1]),
    ...                  classes=np.array([0, 1]), metric="accuracy", make_net=None,
    ...                  net_settings={})
    >>> data.sensors, data.n_classes
    (['a'], 2)
    >>> data.with_changes(load_seconds=1.5).load_seconds
    1.5
    """

    name: str
    inputs_train: dict[str, NDArray]
    inputs_validation: dict[str, NDArray]
    y_train: NDArray
    y_validation: NDArray
    classes: NDArray
    metric: str
    make_net: Callable[[str, int, str], Any]
    net_settings: dict[str, Any]
    head_params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    torch_threads: int | None = None
    reference: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    load_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.metric not in _METRICS:
            raise ValueError(f"metric must be one of {_METRICS}, got {self.metric!r}.")
        if not self.inputs_train or set(self.inputs_train) != set(self.inputs_validation):
            raise ValueError(
                "inputs_train and inputs_validation must name the same sensors, got "
                f"{sorted(self.inputs_train)} and {sorted(self.inputs_validation)}."
            )
        for name in ("y_train", "y_validation", "classes"):
            object.__setattr__(self, name, as_class_labels(getattr(self, name), name=name))
        check_same_label_kind(
            y_train=self.y_train, y_validation=self.y_validation, classes=self.classes
        )
        if len(np.unique(self.classes)) != len(self.classes):
            raise ValueError(f"classes must be distinct labels, got {self.classes.tolist()[:20]}.")
        for name in ("net_settings", "head_params"):  # both are part of the cache keys
            try:
                fingerprint(getattr(self, name))
            except TypeError as error:
                raise TypeError(f"{name} cannot key the run's caches: {error}") from None
        if isinstance(self.notes, str):
            raise TypeError("notes must be a sequence of sentences, not one string.")
        object.__setattr__(self, "notes", tuple(self.notes))
        for part, inputs, y in (
            ("training", self.inputs_train, self.y_train),
            ("validation", self.inputs_validation, self.y_validation),
        ):
            for sensor, array in inputs.items():
                if len(array) != len(y):
                    raise ValueError(
                        f"Sensor {sensor!r} has {len(array)} {part} samples but there are "
                        f"{len(y)} {part} labels."
                    )
        unknown = np.setdiff1d(np.concatenate([self.y_train, self.y_validation]), self.classes)
        if unknown.size:
            raise ValueError(
                f"Labels {unknown.tolist()[:5]} are not among classes {self.classes.tolist()}."
            )
        if self.make_net is not None:
            _check_both_sides(self.y_train, self.y_validation, self.classes)

    def with_changes(self, **changes: Any) -> StudyData:
        """A copy with some fields replaced (the value itself never changes).

        Parameters
        ----------
        **changes
            New values of fields, by name.

        Returns
        -------
        data : StudyData
        """
        return replace(self, **changes)

    @property
    def sensors(self) -> list[str]:
        """Sensor names, in order."""
        return list(self.inputs_train)

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.classes)

    def sensor_key(self, sensor: str) -> str:
        """Fingerprint of everything one sensor's networks learn from: inputs and labels.

        Parameters
        ----------
        sensor : str
            One of ``sensors``.

        Returns
        -------
        key : str
            Equal for two data sets exactly when the sensor's inputs, the labels and
            the classes are.
        """
        return fingerprint(
            self.inputs_train[sensor],
            self.inputs_validation[sensor],
            self.y_train,
            self.y_validation,
            self.classes,
        )
