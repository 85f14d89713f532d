"""The networks of a study: trained per sensor (together where it pays), features cached.

Each network's penultimate features and classification layer are stored as an
``.npz`` file read without pickle, named by a fingerprint of the sensor's data,
the seed, the recipe, the device and the package version, so a resumed run trains
only the networks it lacks.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from sklearn_ccafusion import __version__
from sklearn_ccafusion.runs._cache import load_arrays, save_arrays
from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.study import NetworkFeatures, fingerprint

__all__ = ["net_seed", "train_networks"]

_FEATURE_ARRAYS = ("train", "validation", "coef", "intercept")


def net_seed(seed: int, sensor_index: int, net_index: int) -> int:
    sequence = np.random.SeedSequence([seed, sensor_index, net_index])
    return int(sequence.generate_state(1)[0] % (2**31))


@contextmanager
def _torch_threads(n_threads: int | None):
    """Run torch with ``n_threads`` intra-op threads, then restore the previous count."""
    if n_threads is None:
        yield
        return
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _fit_group(nets: list, X, y, n_jobs: int | None = None) -> list:
    """Train networks of one sensor (same architecture and recipe, different seeds).

    Joint training decides how (:func:`~sklearn_ccafusion.nets._joint._joint.fit_on_workers`):
    stacked into one vectorised model where that is faster, otherwise one at a time
    spread over ``n_jobs`` worker processes.
    """
    from sklearn_ccafusion.nets._joint._joint import fit_on_workers

    return fit_on_workers(nets, X, y, n_jobs=n_jobs)


def _class_codes(classes, y) -> np.ndarray:
    """Labels as positions in ``classes`` (the networks' output order)."""
    position = {label: code for code, label in enumerate(classes.tolist())}
    return np.asarray([position[label] for label in y.tolist()], dtype=np.int64)


def _features_of(net, data: StudyData, sensor: str) -> NetworkFeatures:
    return NetworkFeatures(
        net.transform(data.inputs_train[sensor]),
        net.transform(data.inputs_validation[sensor]),
        net.class_components_,
        net.class_bias_,
        data.classes,
    )


def train_networks(
    data: StudyData,
    pairs: int,
    seed: int,
    device: str,
    cache_dir: Path,
    progress: bool,
    n_jobs: int | None = None,
) -> dict[str, list[NetworkFeatures]]:
    """Train each sensor's networks, or read their features from the cache."""
    networks: dict[str, list[NetworkFeatures]] = {}
    bar = tqdm(
        total=len(data.sensors) * 2 * pairs, desc="networks", unit="net", disable=not progress
    )
    with bar, _torch_threads(data.torch_threads):
        for s_index, sensor in enumerate(data.sensors):
            sensor_key = data.sensor_key(sensor)
            paths, found, missing = [], {}, []
            for i in range(2 * pairs):
                this_seed = net_seed(seed, s_index, i)
                key = fingerprint(
                    {
                        "sensor": sensor,
                        "seed": this_seed,
                        "net": data.net_settings,
                        "device": device,
                        "version": __version__,
                    },
                    sensor_key,
                )
                paths.append(cache_dir / f"{sensor}-{i}-{key}.npz")
                stored = load_arrays(paths[i], _FEATURE_ARRAYS)
                if stored is None:
                    missing.append((i, this_seed))
                else:
                    found[i] = NetworkFeatures(**stored, classes=data.classes)
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
                    _class_codes(data.classes, data.y_train),
                    n_jobs=n_jobs,
                )
                if nets
                else []
            )
            for (i, _), net in zip(missing, fitted):
                features = _features_of(net, data, sensor)
                if not all(np.isfinite(a).all() for a in (features.train, features.coef)):
                    raise ValueError(
                        f"Network {i} of sensor {sensor!r} diverged (non-finite features or "
                        "weights); nothing was cached for it. Check the inputs' scale."
                    )
                save_arrays(paths[i], **{name: getattr(features, name) for name in _FEATURE_ARRAYS})
                found[i] = features
                bar.update()
            networks[sensor] = [found[i] for i in range(2 * pairs)]
    return networks
