"""The data sets of the reproduction: inputs per sensor, labels, and each sensor's network.

A :class:`Prepared` data set holds, for each sensor, the network inputs of the
training and validation samples (the same samples in the same order for every
sensor), the labels, and a factory that builds an untrained network for that
sensor with the original study's recipe (``PROTOCOL.md`` sections 4, 6, 7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["DATASETS", "PAPER_NUMBERS", "Prepared", "prepare"]

#: The paper's numbers (PROTOCOL.md section 9): CCA_highest at n = n_classes with
#: the original / retrained layer, and the full-feature score, read off its figures.
PAPER_NUMBERS = {
    "cifar10": {"cifar10": {"cca_highest": (0.89, 0.89), "full": 0.895}},
    "shl": {
        "Acc_norm": {"cca_highest": (0.83, 0.87), "full": 0.89},
        "Gyr_y": {"cca_highest": (0.78, 0.80), "full": 0.80},
        "Mag_norm": {"cca_highest": (0.66, 0.66), "full": 0.67},
    },
}


@dataclass
class Prepared:
    """Inputs of every sensor's networks, labels, and how to build each network."""

    name: str
    inputs_train: dict[str, NDArray]
    inputs_validation: dict[str, NDArray]
    y_train: NDArray
    y_validation: NDArray
    n_classes: int
    metric: str
    make_net: Callable[[str, int, str], Any]
    net_settings: dict[str, Any]
    head_params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    torch_threads: int | None = None

    @property
    def sensors(self) -> list[str]:
        """Sensor names, in order."""
        return list(self.inputs_train)


def _net_factory(module, module_params: dict, recipe: dict, quick_epochs: int | None):
    """Build ``SensorNetClassifier`` instances of one architecture and recipe."""

    def make(sensor: str, seed: int, device: str):
        from sklearn_ccafusion.nets import SensorNetClassifier

        params = dict(recipe)
        if quick_epochs is not None:
            params["max_epochs"] = quick_epochs
        return SensorNetClassifier(
            module,
            **{f"module__{k}": v for k, v in module_params.items()},
            **params,
            device=device,
            random_state=seed,
        )

    return make


def _digits(data_dir, quick: bool, seed: int) -> Prepared:
    from sklearn_ccafusion.datasets import load_digits_views
    from sklearn_ccafusion.nets import MLPNet

    views = load_digits_views("two_sensor", split="left_right", random_state=seed)
    columns = dict(views.inputs)
    inputs_train = {s: np.ascontiguousarray(views.data_train[:, c]) for s, c in columns.items()}
    inputs_val = {s: np.ascontiguousarray(views.data_validation[:, c]) for s, c in columns.items()}
    recipe = {"max_epochs": 30, "batch_size": 64, "lr": 1e-3}
    makers = {
        s: _net_factory(
            MLPNet,
            {"n_features": len(c), "n_classes": 10, "hidden": (64,)},
            recipe,
            10 if quick else None,
        )
        for s, c in columns.items()
    }
    return Prepared(
        "digits",
        inputs_train,
        inputs_val,
        views.target_train,
        views.target_validation,
        10,
        "accuracy",
        lambda s, seed_, device: makers[s](s, seed_, device),
        {"module": "MLPNet", "hidden": 64, **recipe, "quick": quick},
        {"weight_decay": 1e-3},
        "scikit-learn's digits, the left and right halves of each 8 x 8 image as two "
        "'sensors' (same-sensor pairs: two initialisations on one half); one MLP "
        "(64 ReLU units) per network.",
        torch_threads=1,  # tiny networks: more threads only contend
    )


def _spectrogram_dataset(
    name, segments_train, segments_val, y_train, y_val, signals, quick: bool, n_jobs
) -> Prepared:
    from sklearn_ccafusion.nets import SHLConvNet, training_recipe
    from sklearn_ccafusion.preprocessing import Spectrogram

    spectrogram = Spectrogram(n_jobs=n_jobs)
    images_train = spectrogram.fit_transform(segments_train)
    images_val = spectrogram.transform(segments_val)
    inputs_train = {s: np.ascontiguousarray(images_train[:, [i]]) for i, s in enumerate(signals)}
    inputs_val = {s: np.ascontiguousarray(images_val[:, [i]]) for i, s in enumerate(signals)}
    recipe = training_recipe("shl")
    make = _net_factory(
        SHLConvNet, {"n_classes": 8, "in_channels": 1}, recipe, 4 if quick else None
    )
    settings = {k: str(v) for k, v in recipe.items()} | {"module": "SHLConvNet", "quick": quick}
    return Prepared(
        name,
        inputs_train,
        inputs_val,
        np.asarray(y_train),
        np.asarray(y_val),
        8,
        "f1_macro",
        make,
        settings,
        {"weight_decay": 1e-3, "class_weight": "balanced"},
        "48 x 48 log-power, log-frequency spectrograms per sensor; one SHL CNN per network "
        "(Adam 1e-3, weight decay 1e-3, class-weighted cross-entropy).",
    )


def _synthetic_shl(data_dir, quick: bool, seed: int, n_jobs=None) -> Prepared:
    from sklearn_ccafusion.datasets import make_multisensor_classification

    n_samples, n_val, length = (640, 160, 1500) if quick else (16_310, 3_310, 6000)
    bunch = make_multisensor_classification(
        n_samples, segment_length=length, random_state=seed, n_jobs=n_jobs
    )
    data, target = bunch.data, bunch.target
    # like SHL: validation = the first segments, train = the rest
    return _spectrogram_dataset(
        "synthetic-shl",
        data[n_val:],
        data[:n_val],
        target[n_val:],
        target[:n_val],
        tuple(bunch.signal_names),
        quick,
        n_jobs,
    )


def _shl(data_dir, quick: bool, seed: int, n_jobs=None) -> Prepared:
    from sklearn_ccafusion.datasets import load_shl2018

    signals = ("Acc_norm", "Gyr_y", "Mag_norm")
    train = load_shl2018(data_dir, "train", signals, n_jobs=n_jobs)
    val = load_shl2018(data_dir, "validation", signals, n_jobs=n_jobs)
    return _spectrogram_dataset(
        "shl", train.data, val.data, train.target, val.target, signals, quick, n_jobs
    )


def _cifar10(data_dir, quick: bool, seed: int, n_jobs=None) -> Prepared:
    from sklearn_ccafusion.datasets import load_cifar10
    from sklearn_ccafusion.nets import CIFARResNet, training_recipe

    train, test = load_cifar10(data_dir, "train"), load_cifar10(data_dir, "test")

    def normalise(images):
        # the authors' ImageNet statistics (PROTOCOL.md section 7)
        mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)[:, None, None]
        std = np.array([0.229, 0.224, 0.225], dtype=np.float32)[:, None, None]
        return (images.astype(np.float32) / 255.0 - mean) / std

    x_train, x_test = normalise(train.data), normalise(test.data)
    y_train, y_test = np.asarray(train.target), np.asarray(test.target)
    if quick:
        x_train, y_train, x_test, y_test = (
            x_train[:2000],
            y_train[:2000],
            x_test[:500],
            y_test[:500],
        )
    recipe = training_recipe("cifar")
    make = _net_factory(CIFARResNet, {"depth": 56, "n_classes": 10}, recipe, 2 if quick else None)
    settings = {k: str(v) for k, v in recipe.items()} | {"module": "CIFARResNet56", "quick": quick}
    return Prepared(
        "cifar10",
        {"cifar10": x_train},
        {"cifar10": x_test},
        y_train,
        y_test,
        10,
        "accuracy",
        make,
        settings,
        {"weight_decay": 1e-4},
        "CIFAR-10 (official test set as validation, as the authors); ResNet-56 (He et al.), "
        "the authors' Adam recipe.",
    )


#: The data sets of ``ccafusion reproduce``, by name: how each is loaded and prepared.
DATASETS: dict[str, Callable[..., Prepared]] = {
    "digits": _digits,
    "synthetic-shl": _synthetic_shl,
    "shl": _shl,
    "cifar10": _cifar10,
}
_NEEDS_DATA = {"shl", "cifar10"}


def prepare(
    name: str, data_dir: str | Path | None, quick: bool, seed: int, n_jobs: int | None = None
) -> Prepared:
    """Load and preprocess a data set of the reproduction.

    Parameters
    ----------
    name : {"digits", "synthetic-shl", "shl", "cifar10"}
    data_dir : str, Path or None
        Folder of the real data (``shl``, ``cifar10``).
    quick : bool
        A small, fast version (fewer samples and epochs).
    seed : int
        Seed of the synthetic data and of the split.
    n_jobs : int or None
        Workers for the preprocessing.

    Returns
    -------
    prepared : Prepared
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {sorted(DATASETS)}.")
    if name in _NEEDS_DATA and data_dir is None:
        raise ValueError(f"--dataset {name} needs --data-dir, the folder holding its files.")
    if name == "digits":
        return _digits(data_dir, quick, seed)
    return DATASETS[name](data_dir, quick, seed, n_jobs=n_jobs)
