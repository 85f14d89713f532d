"""The paper's data sets as :class:`StudyData` values, with the original study's networks.

Each builder loads (or generates) one data set, preprocesses it as the original
study did, and returns the network inputs of every sensor, the labels and a
factory of each sensor's network with the study's recipe. :data:`DATASETS`
registers them by name for ``ccafusion reproduce``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.runs._networks import network_factory

__all__ = ["DATASETS", "PAPER_NUMBERS", "DataOptions", "prepare"]

#: The paper's numbers: CCA_highest at n = n_classes with the original / retrained
#: layer, and the full-feature score, read by eye (about +-0.01) off the figures of the
#: authors' repository (github.com/HuguesMoreau/Sensors_similariy, README images).
PAPER_NUMBERS = {
    "cifar10": {"cifar10": {"cca_highest": (0.89, 0.89), "full": 0.895}},
    "shl": {
        "Acc_norm": {"cca_highest": (0.83, 0.87), "full": 0.89},
        "Gyr_y": {"cca_highest": (0.78, 0.80), "full": 0.80},
        "Mag_norm": {"cca_highest": (0.66, 0.66), "full": 0.67},
    },
}


@dataclass(frozen=True)
class DataOptions:
    """How to load a data set of the study.

    Parameters
    ----------
    data_dir : str, Path or None
        Folder of the real data.
    quick : bool
        A small, fast version (fewer samples, epochs, smaller networks); the
        data set's ``notes`` say what changed.
    seed : int
        Seed of the synthetic data and of the split.
    n_jobs : int or None
        Workers of the preprocessing.
    validation : int, float or None
        Validation samples (int) or their fraction (float in (0, 1)); ``None``:
        the data set's own rule (the paper's 3,310 of 16,310 SHL segments as a
        fraction, CIFAR-10's official test set).

    Examples
    --------
    >>> from sklearn_ccafusion.runs import DATASETS, DataOptions
    >>> data = DATASETS["digits"](DataOptions(quick=True, seed=1, validation=0.25))
    >>> data.sensors, len(data.y_train), len(data.y_validation)
    (['left', 'right'], 1347, 450)
    """

    data_dir: str | Path | None = None
    quick: bool = False
    seed: int = 0
    n_jobs: int | None = None
    validation: int | float | None = None


def _digits(options: DataOptions) -> StudyData:
    from sklearn_ccafusion.datasets import load_digits_views
    from sklearn_ccafusion.nets import MLPNet

    validation = 0.25 if options.validation is None else options.validation
    views = load_digits_views(
        "two_sensor", split="left_right", validation_size=validation, random_state=options.seed
    )
    columns = dict(views.inputs)
    inputs_train = {s: np.ascontiguousarray(views.data_train[:, c]) for s, c in columns.items()}
    inputs_val = {s: np.ascontiguousarray(views.data_validation[:, c]) for s, c in columns.items()}
    recipe = {"max_epochs": 10 if options.quick else 30, "batch_size": 64, "lr": 1e-3}
    make_net = network_factory(
        {
            s: (MLPNet, {"n_features": len(c), "n_classes": 10, "hidden": (64,)})
            for s, c in columns.items()
        },
        recipe,
    )
    notes = [
        f"{len(views.target_train)} training and {len(views.target_validation)} validation "
        "images (stratified split)."
    ]
    if options.quick:
        notes.append("quick: 10 training epochs instead of 30.")
    return StudyData(
        name="digits",
        inputs_train=inputs_train,
        inputs_validation=inputs_val,
        y_train=views.target_train,
        y_validation=views.target_validation,
        classes=np.arange(10),
        metric="accuracy",
        make_net=make_net,
        net_settings={"module": "MLPNet", "hidden": 64, **recipe},
        head_params={"weight_decay": 1e-3},
        description="scikit-learn's digits, the left and right halves of each 8 x 8 image as "
        "two 'sensors' (same-sensor pairs: two initialisations on one half); one MLP "
        "(64 ReLU units) per network.",
        torch_threads=1,  # tiny networks: more threads only contend
        notes=notes,
    )


def _spectrogram_data(
    name,
    segments_train,
    segments_val,
    y_train,
    y_val,
    signals,
    options: DataOptions,
    reference=None,
    notes=(),
) -> StudyData:
    from sklearn_ccafusion.nets import SHLConvNet
    from sklearn_ccafusion.preprocessing import Spectrogram
    from sklearn_ccafusion.runs._recipes import training_recipe

    spectrogram = Spectrogram(n_jobs=options.n_jobs)
    images_train = spectrogram.fit_transform(segments_train)
    images_val = spectrogram.transform(segments_val)
    inputs_train = {s: np.ascontiguousarray(images_train[:, [i]]) for i, s in enumerate(signals)}
    inputs_val = {s: np.ascontiguousarray(images_val[:, [i]]) for i, s in enumerate(signals)}
    recipe = training_recipe("shl")
    notes = [
        *notes,
        f"{len(y_train)} training and {len(y_val)} validation segments "
        "(validation: the first segments in time, as the paper).",
    ]
    if options.quick:
        recipe["max_epochs"] = 4
        notes.append("quick: 4 training epochs instead of 50.")
    make = network_factory(
        dict.fromkeys(signals, (SHLConvNet, {"n_classes": 8, "in_channels": 1})), recipe
    )
    settings = {k: str(v) for k, v in recipe.items()} | {"module": "SHLConvNet"}
    return StudyData(
        name=name,
        inputs_train=inputs_train,
        inputs_validation=inputs_val,
        y_train=np.asarray(y_train),
        y_validation=np.asarray(y_val),
        classes=np.arange(8),
        metric="f1_macro",
        make_net=make,
        net_settings=settings,
        head_params={"weight_decay": 1e-3, "class_weight": "balanced"},
        description="48 x 48 log-power, log-frequency spectrograms per sensor; one SHL CNN per "
        "network (Adam 1e-3, weight decay 1e-3, class-weighted cross-entropy).",
        reference=reference or {},
        notes=notes,
    )


#: The paper's validation share of the SHL 2018 segments: 3,310 of 16,310.
SHL_VALIDATION_FRACTION = 3310 / 16310


def _validation_count(validation, n_samples: int, dataset: str) -> int:
    """Validation samples of ``validation`` (a count or a fraction) among ``n_samples``.

    Raises a ``ValueError`` in the words of :func:`reproduce`'s ``validation``
    unless the validation part holds at least one sample and leaves one to train on.
    """
    if validation is None:
        validation = SHL_VALIDATION_FRACTION
    count = int(np.ceil(validation * n_samples)) if isinstance(validation, float) else validation
    if not 1 <= count < n_samples:
        raise ValueError(
            f"validation={validation!r} asks for {count:,} validation samples of the "
            f"{n_samples:,} of {dataset}; the validation part must hold between 1 and "
            f"{n_samples - 1:,} of them: give a smaller count, or a fraction in (0, 1)."
        )
    return count


def _synthetic_shl(options: DataOptions) -> StudyData:
    from sklearn_ccafusion.datasets import make_multisensor_classification

    n_samples, length = (400, 1500) if options.quick else (16_310, 6000)
    n_val = _validation_count(
        options.validation, n_samples, "synthetic-shl" + (" (quick)" if options.quick else "")
    )
    bunch = make_multisensor_classification(
        n_samples, segment_length=length, random_state=options.seed, n_jobs=options.n_jobs
    )
    data, target = bunch.data, bunch.target
    notes = ["quick: 400 segments of 15 s instead of 16,310 of 60 s."] if options.quick else []
    # like SHL: validation = the first segments, train = the rest
    return _spectrogram_data(
        "synthetic-shl",
        data[n_val:],
        data[:n_val],
        target[n_val:],
        target[:n_val],
        tuple(bunch.signal_names),
        options,
        notes=notes,
    )


def _shl(options: DataOptions) -> StudyData:
    from sklearn_ccafusion.datasets import load_shl2018
    from sklearn_ccafusion.datasets._shl2018 import count_segments

    signals = ("Acc_norm", "Gyr_y", "Mag_norm")
    validation = SHL_VALIDATION_FRACTION if options.validation is None else options.validation
    # the split is checked on the segment count before any signal is read
    _validation_count(validation, count_segments(options.data_dir, options.n_jobs), "shl")
    load = {"validation_size": validation, "n_jobs": options.n_jobs}
    train = load_shl2018(options.data_dir, "train", signals, **load)
    val = load_shl2018(options.data_dir, "validation", signals, **load)
    if options.validation is None:
        rule = "the paper's share, 3,310 of 16,310 segments (20.3 %)"
    elif isinstance(options.validation, float):
        rule = f"a share of {options.validation:g} of the segments"
    else:
        rule = f"{options.validation} segments"
    notes = [f"validation part: {rule}, the first segments in time."]
    train_rows = val_rows = slice(None)
    step = max(1, len(train.target) // 1600)
    if options.quick and step > 1:
        # a quick look at real data: every step-th segment, in time order
        train_rows = val_rows = slice(None, None, step)
        notes.append(f"quick: every {step}th segment of each part, 4 epochs.")
    return _spectrogram_data(
        "shl",
        train.data[train_rows],
        val.data[val_rows],
        train.target[train_rows],
        val.target[val_rows],
        signals,
        options,
        reference=PAPER_NUMBERS["shl"],
        notes=notes,
    )


#: Training and validation images of CIFAR-10's quick run.
_QUICK_CIFAR = (600, 300)


def _cifar10(options: DataOptions) -> StudyData:
    from sklearn_ccafusion.datasets import load_cifar10
    from sklearn_ccafusion.nets import CIFARResNet
    from sklearn_ccafusion.runs._recipes import training_recipe

    train = load_cifar10(options.data_dir, "train")
    test = load_cifar10(options.data_dir, "test")

    def normalise(images):
        # the ImageNet statistics the authors' models/store_model_CIFAR.py normalises with
        mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)[:, None, None]
        std = np.array([0.229, 0.224, 0.225], dtype=np.float32)[:, None, None]
        return (images.astype(np.float32) / 255.0 - mean) / std

    x_train, y_train = train.data, np.asarray(train.target)
    x_test, y_test = test.data, np.asarray(test.target)
    notes = [
        f"{len(y_train)} training images; validation: the official test set "
        f"({len(y_test)} images), as the authors."
    ]
    recipe = training_recipe("cifar")
    depth = 56
    if options.validation is not None:
        # validation carved from the training images (the last ones), test set unused
        n_val = _validation_count(options.validation, len(y_train), "the CIFAR-10 training set")
        x_train, x_test = x_train[:-n_val], x_train[-n_val:]
        y_train, y_test = y_train[:-n_val], y_train[-n_val:]
        notes = [f"validation: the last {n_val} training images; the test set is unused."]
    if options.quick:
        x_train, y_train = x_train[: _QUICK_CIFAR[0]], y_train[: _QUICK_CIFAR[0]]
        x_test, y_test = x_test[: _QUICK_CIFAR[1]], y_test[: _QUICK_CIFAR[1]]
        recipe["max_epochs"], depth = 3, 8
        notes.append(
            f"quick: the first {len(y_train)} training and {len(y_test)} validation images, "
            "ResNet-8 for 3 epochs instead of ResNet-56 for 80."
        )
    make = network_factory({"cifar10": (CIFARResNet, {"depth": depth, "n_classes": 10})}, recipe)
    settings = {k: str(v) for k, v in recipe.items()} | {"module": f"CIFARResNet{depth}"}
    return StudyData(
        name="cifar10",
        inputs_train={"cifar10": normalise(x_train)},
        inputs_validation={"cifar10": normalise(x_test)},
        y_train=y_train,
        y_validation=y_test,
        classes=np.arange(10),
        metric="accuracy",
        make_net=make,
        net_settings=settings,
        head_params={"weight_decay": 1e-4},
        description=f"CIFAR-10; ResNet-{depth} (He et al.), the authors' Adam recipe.",
        reference=PAPER_NUMBERS["cifar10"],
        notes=notes,
    )


#: The data sets of ``ccafusion reproduce``, by name: each builds a StudyData.
DATASETS: dict[str, Callable[[DataOptions], StudyData]] = {
    "digits": _digits,
    "synthetic-shl": _synthetic_shl,
    "shl": _shl,
    "cifar10": _cifar10,
}
_NEEDS_DATA = {"shl", "cifar10"}


def prepare(name: str, options: DataOptions) -> StudyData:
    """Load and preprocess a data set of the reproduction.

    Parameters
    ----------
    name : {"digits", "synthetic-shl", "shl", "cifar10"}
    options : DataOptions

    Returns
    -------
    data : StudyData
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {sorted(DATASETS)}.")
    if name in _NEEDS_DATA and options.data_dir is None:
        raise ValueError(f"dataset {name!r} needs data_dir, the folder holding its files.")
    start = time.perf_counter()
    data = DATASETS[name](options)
    data = data.with_changes(load_seconds=time.perf_counter() - start)
    if name in _NEEDS_DATA:  # a rehearsal on make-data's folder says so before any number
        from sklearn_ccafusion.datasets._write_guard import read_make_data_marker, rehearsal_note

        marker = read_make_data_marker(options.data_dir)
        if marker is not None:
            note = rehearsal_note(marker, options.data_dir)
            data = data.with_changes(notes=type(data.notes)((note, *data.notes)))
    return data
