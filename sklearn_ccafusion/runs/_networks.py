"""The networks of a study: trained per sensor (together where it pays), features cached.

Each network's penultimate features and classification layer (all the study reads
of it) are kept in the cache of trained networks
(:mod:`sklearn_ccafusion.utils._net_cache`, the convention
:class:`~sklearn_ccafusion.nets.NetFeatures` follows too): an ``.npz`` file read
without pickle, named by :func:`~sklearn_ccafusion.utils._net_cache.trained_net_key`
of the sensor's data, the seed, the recipe and the device, so a resumed run trains
only the networks it lacks, and a file that is damaged or does not fit the study
(other sample counts or classes, non-finite numbers) is trained again with a
warning naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.runs._seeds import stream_seed
from sklearn_ccafusion.study import NetworkFeatures
from sklearn_ccafusion.utils._net_cache import NetCache, read_arrays, trained_net_key

__all__ = ["network_factory", "train_networks"]

_FEATURE_ARRAYS = ("train", "validation", "coef", "intercept")


def network_factory(
    modules: Mapping[str, tuple[Any, Mapping[str, Any]]], recipe: Mapping[str, Any]
) -> Callable[[str, int, str], Any]:
    """``make_net(sensor, seed, device)`` for :class:`StudyData`: one recipe, a module per sensor.

    Parameters
    ----------
    modules : mapping of str to (module class, dict)
        Each sensor's torch module and its parameters (without the ``module__``
        prefix).
    recipe : mapping
        Training parameters of :class:`~sklearn_ccafusion.nets.SensorNetClassifier`
        shared by every sensor (see :func:`~sklearn_ccafusion.nets.training_recipe`).

    Returns
    -------
    make_net : callable
        Builds a new, unfitted network for a sensor, seed and device.
    """

    def make_net(sensor: str, seed: int, device: str):
        from sklearn_ccafusion.nets import SensorNetClassifier

        module, params = modules[sensor]
        return SensorNetClassifier(
            module,
            **{f"module__{k}": v for k, v in params.items()},
            **recipe,
            device=device,
            random_state=seed,
        )

    return make_net


def _read_network(path: Path, data: StudyData) -> NetworkFeatures:
    """A cached network's features, checked against the study's data; else a ``ValueError``.

    A file that reads but does not fit (other sample counts, other classes,
    non-finite numbers) raises an error naming the file, so that the cache
    trains the network again rather than the study blaming its inputs.
    """
    stored = read_arrays(path, _FEATURE_ARRAYS)
    try:
        features = NetworkFeatures(**stored, classes=data.classes)
    except ValueError as error:
        raise ValueError(f"{path} does not hold a network's features ({error}).") from None
    found = (len(features.train), len(features.validation), len(features.coef))
    expected = (len(data.y_train), len(data.y_validation), len(data.classes))
    if found != expected:
        raise ValueError(
            f"{path} holds features of {found[0]} training and {found[1]} validation samples "
            f"for {found[2]} classes; the study has {expected[0]}, {expected[1]} and "
            f"{expected[2]}."
        )
    if not all(np.isfinite(getattr(features, name)).all() for name in _FEATURE_ARRAYS):
        raise ValueError(f"{path} holds non-finite features or weights.")
    return features


def _fit_group(nets: list, X, y, n_jobs: int | None = None) -> list:
    """Train networks of one sensor (same architecture and recipe, different seeds).

    Joint training decides how (:func:`~sklearn_ccafusion.nets._joint._joint.fit_on_workers`):
    stacked into one vectorised model where that is faster, otherwise one at a time
    spread over ``n_jobs`` worker processes.
    """
    from sklearn_ccafusion.nets._joint._joint import fit_on_workers

    return fit_on_workers(nets, X, y, n_jobs=n_jobs)


def train_networks(
    data: StudyData,
    pairs: int,
    seed: int,
    device: str,
    cache_dir: Path,
    progress: bool,
    n_jobs: int | None = None,
) -> dict[str, list[NetworkFeatures]]:
    """Train each sensor's networks, or read their features from the cache.

    The networks are trained on the labels' positions in ``data.classes`` (their
    output order), so labels of any type train the same networks.
    """
    from sklearn_ccafusion.nets._classifier._targets import encode_targets
    from sklearn_ccafusion.nets._classifier._threads import torch_threads

    networks: dict[str, list[NetworkFeatures]] = {}
    cache = NetCache(cache_dir)
    bar = tqdm(
        total=len(data.sensors) * 2 * pairs, desc="networks", unit="net", disable=not progress
    )
    with bar, torch_threads(data.torch_threads):
        for s_index, sensor in enumerate(data.sensors):
            sensor_key = data.sensor_key(sensor)
            paths, found, missing = [], {}, []
            for i in range(2 * pairs):
                this_seed = stream_seed(seed, "networks", sensor=s_index, index=i)
                key = trained_net_key(
                    sensor_key,
                    seed=this_seed,
                    recipe={"sensor": sensor, "net": data.net_settings},
                    device=device,
                )
                paths.append(cache.path(f"{sensor}-{i}", key, ".npz"))
                stored = cache.load(paths[i], lambda path: _read_network(path, data))
                if stored is None:
                    missing.append((i, this_seed))
                else:
                    found[i] = stored
                    bar.update()
            nets = [data.make_net(sensor, s, device) for _, s in missing]
            if progress:  # a bar per network: its name, epoch and loss
                for (i, _), net in zip(missing, nets):
                    if "progress" in net.get_params(deep=False):
                        net.set_params(progress=f"{sensor}#{i}")
            fitted = (
                _fit_group(
                    nets,
                    data.inputs_train[sensor],
                    encode_targets(data.y_train, data.classes),
                    n_jobs=n_jobs,
                )
                if nets
                else []
            )
            for (i, _), net in zip(missing, fitted):
                features = _finite_features(net, data, sensor, i)
                cache.save_arrays(
                    paths[i], **{name: getattr(features, name) for name in _FEATURE_ARRAYS}
                )
                found[i] = features
                bar.update()
            networks[sensor] = [found[i] for i in range(2 * pairs)]
    return networks


def _finite_features(net, data: StudyData, sensor: str, index: int) -> NetworkFeatures:
    """A trained network's features, or an error naming what diverged (layer or features)."""
    name = f"Network {index} of sensor {sensor!r}"
    advice = "nothing was cached for it. Check the inputs' scale."
    for part, values in (("coef", net.class_components_), ("intercept", net.class_bias_)):
        if not np.isfinite(values).all():
            raise ValueError(
                f"{name} diverged: its classification layer's {part} holds NaN or infinite "
                f"values; {advice}"
            )
    try:
        features = NetworkFeatures.from_net(
            net, data.inputs_train[sensor], data.inputs_validation[sensor], classes=data.classes
        )
    except ValueError as error:
        finite = "NaN" not in str(error) and "infinity" not in str(error)
        state = "" if finite else " diverged: its features hold NaN or infinite values"
        raise ValueError(f"{name}{state} ({error}); {advice}") from error
    if np.array_equal(features.train.min(axis=0), features.train.max(axis=0)):
        raise ValueError(
            f"{name} gives the same features for every training sample (all its "
            f"{features.n_features} penultimate features are constant: a dead layer), so they "
            "correlate with nothing; nothing was cached for it. Train longer, with another "
            "seed or learning rate."
        )
    return features
