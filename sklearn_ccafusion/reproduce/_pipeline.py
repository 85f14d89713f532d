"""The reproduction of the paper: train, extract, study, fuse, measure, write.

:func:`reproduce` trains ``2 * pairs`` networks per sensor (in pair ``i``,
network ``i`` is projected and network ``i + pairs`` is its CCA partner, as the
authors' code), caches them and their features, runs the subspace study, the
cross-sensor grid, the fusion study and the class-subspace alignment, and writes
CSV files, figures and a report.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sklearn_ccafusion import __version__
from sklearn_ccafusion.reproduce._cache import (
    cache_key,
    load_pickle,
    save_arrays,
    save_pickle,
    write_csv,
    write_text,
)
from sklearn_ccafusion.reproduce._datasets import Prepared, prepare
from sklearn_ccafusion.reproduce._report import write_report
from sklearn_ccafusion.similarity import class_subspace_alignment
from sklearn_ccafusion.study import (
    NetworkFeatures,
    cross_sensor_study,
    fusion_study,
    subspace_study,
)

__all__ = ["Reproduction", "reproduce"]


@dataclass
class Reproduction:
    """Everything a reproduction produced.

    Attributes
    ----------
    dataset : str
    settings : dict
        What determined the run (logged in the report and ``settings.json``).
    results : pandas.DataFrame
        The subspace study (``results.csv``).
    cross_sensor : pandas.DataFrame or None
        The cross-sensor grid (``cross_sensor.csv``), for multi-sensor data sets.
    fusion : pandas.DataFrame or None
        The fusion study (``fusion.csv``).
    alignment : pandas.DataFrame
        Cosines of the principal angles between canonical and class subspaces
        (``alignment.csv``).
    networks : dict of str to list of NetworkFeatures
        Features and layers of every trained network, per sensor.
    timings : dict of str to float
        Wall time of each stage, in seconds.
    out : Path
        Folder of the outputs.
    """

    dataset: str
    settings: dict[str, Any]
    results: pd.DataFrame
    cross_sensor: pd.DataFrame | None
    fusion: pd.DataFrame | None
    alignment: pd.DataFrame
    networks: dict[str, list[NetworkFeatures]]
    timings: dict[str, float] = field(default_factory=dict)
    out: Path = Path(".")


def _net_seed(seed: int, sensor_index: int, net_index: int) -> int:
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


def _train_networks(
    prepared: Prepared, pairs: int, seed: int, device: str, cache_dir: Path, progress: bool
) -> dict[str, list[NetworkFeatures]]:
    """Train (or load from the cache) each sensor's networks and extract their features."""
    networks: dict[str, list[NetworkFeatures]] = {}
    total = len(prepared.sensors) * 2 * pairs
    bar = tqdm(total=total, desc="networks", unit="net", disable=not progress)
    with bar, _torch_threads(prepared.torch_threads):
        for s_index, sensor in enumerate(prepared.sensors):
            networks[sensor] = []
            for i in range(2 * pairs):
                net_seed = _net_seed(seed, s_index, i)
                key = cache_key(
                    {
                        "dataset": prepared.name,
                        "sensor": sensor,
                        "seed": net_seed,
                        "net": prepared.net_settings,
                        "version": __version__,
                    }
                )
                features_path = cache_dir / f"{sensor}-{i}-{key}.npz"
                net_path = cache_dir / f"{sensor}-{i}-{key}.pkl"
                if features_path.exists():
                    stored = np.load(features_path)
                    features = NetworkFeatures(
                        stored["train"], stored["validation"], stored["coef"], stored["intercept"]
                    )
                else:
                    if net_path.exists():
                        net = load_pickle(net_path)
                    else:
                        net = prepared.make_net(sensor, net_seed, device)
                        net.fit(prepared.inputs_train[sensor], prepared.y_train)
                        save_pickle(net_path, net)
                    features = NetworkFeatures(
                        net.transform(prepared.inputs_train[sensor]),
                        net.transform(prepared.inputs_validation[sensor]),
                        net.class_components_,
                        net.class_bias_,
                    )
                    save_arrays(
                        features_path,
                        train=features.train,
                        validation=features.validation,
                        coef=features.coef,
                        intercept=features.intercept,
                    )
                networks[sensor].append(features)
                bar.update()
    return networks


def _alignment(prepared: Prepared, networks, pairs: int) -> pd.DataFrame:
    """Cosines of the principal angles, per sensor pair and network pair."""
    rows = []
    for sensor, partner in [(s, s) for s in networks] + list(combinations(networks, 2)):
        for i in range(pairs):
            net, other = networks[sensor][i], networks[partner][i + pairs]
            cosines = class_subspace_alignment(net.train, other.train, net.coef)
            for k, cosine in enumerate(cosines, start=1):
                rows.append(
                    {
                        "sensor": sensor,
                        "partner": partner,
                        "pair": i,
                        "direction": k,
                        "cosine": float(cosine),
                    }
                )
    return pd.DataFrame(rows)


def _fusion(prepared: Prepared, networks, pairs: int, n_jobs, progress: bool) -> pd.DataFrame:
    """Fusion study of two sensors (or two initialisations of the only sensor)."""
    sensors = [s for s in prepared.sensors if s != "image"]
    if len(sensors) >= 2:
        groups = [
            (a, b, networks[a][i], networks[b][i + pairs])
            for a, b in combinations(sensors, 2)
            for i in range(pairs)
        ]
    else:
        only = sensors[0]
        groups = [(only, only, networks[only][i], networks[only][i + pairs]) for i in range(pairs)]
    frames = []
    for view_1, view_2, first, second in groups[: max(1, pairs)]:
        frame = fusion_study(
            (first.train, second.train),
            prepared.y_train,
            (first.validation, second.validation),
            prepared.y_validation,
            ((first.coef, first.intercept), (second.coef, second.intercept)),
            metric=prepared.metric,
            n_jobs=n_jobs,
            progress=progress,
        )
        frames.append(frame.assign(view_1=view_1, view_2=view_2))
    return pd.concat(frames, ignore_index=True)


def _check_out(out: Path, settings: dict, overwrite: bool) -> None:
    """Refuse to mix the results of runs with different settings in one folder."""
    settings_path = out / "settings.json"
    if settings_path.exists() and not overwrite:
        previous = json.loads(settings_path.read_text())
        if previous != json.loads(json.dumps(settings, default=str)):
            raise ValueError(
                f"{out} holds the results of a run with other settings ({settings_path}); "
                "choose another --out, or pass --overwrite to replace them."
            )


def reproduce(
    dataset: str = "digits",
    *,
    data_dir: str | Path | None = None,
    out: str | Path = "ccafusion-out",
    device: str = "cpu",
    pairs: int = 3,
    repeats: int = 5,
    n_jobs: int | None = None,
    seed: int = 0,
    quick: bool = False,
    progress: bool = True,
    overwrite: bool = False,
) -> Reproduction:
    """Reproduce the paper's experiments on one data set and write the outputs.

    Parameters
    ----------
    dataset : {"digits", "synthetic-shl", "shl", "cifar10"}, default="digits"
        ``digits`` (embedded) and ``synthetic-shl`` (generated) run anywhere;
        ``shl`` and ``cifar10`` read the real files from ``data_dir``.
    data_dir : str, Path or None
        Folder of the real data.
    out : str or Path, default="ccafusion-out"
        Folder of the outputs and of the cache of trained networks.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Device of the networks.
    pairs : int, default=3
        Pairs of networks per sensor (``2 * pairs`` networks).
    repeats : int, default=5
        Seeds of the random subspace methods.
    n_jobs : int or None
        joblib workers of the studies.
    seed : int, default=0
        Seed of every random choice (data, networks, subspaces).
    quick : bool, default=False
        Small and fast: fewer samples, epochs and dimensions.
    progress : bool, default=True
        Progress bars.
    overwrite : bool, default=False
        Replace the results of a run with other settings in ``out``.

    Returns
    -------
    reproduction : Reproduction

    Examples
    --------
    Train the networks and run every study (about 10 s in this quick form):

    >>> from sklearn_ccafusion.reproduce import reproduce
    >>> run = reproduce("digits", out="ccafusion-out", quick=True, pairs=1,
    ...                 repeats=1, progress=False)  # doctest: +SKIP
    >>> sorted(run.results["method"].unique())[:2]  # doctest: +SKIP
    ['cca_highest', 'cca_lowest']
    """
    if pairs < 1:
        raise ValueError(f"pairs must be at least 1, got {pairs}.")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}.")
    out = Path(out)
    settings = {
        "dataset": dataset,
        "data_dir": None if data_dir is None else str(data_dir),
        "device": device,
        "pairs": pairs,
        "repeats": repeats,
        "seed": seed,
        "quick": quick,
        "version": __version__,
    }
    out.mkdir(parents=True, exist_ok=True)
    _check_out(out, settings, overwrite)
    timings: dict[str, float] = {}

    start = time.perf_counter()
    prepared = prepare(dataset, data_dir, quick, seed, n_jobs=n_jobs)
    timings["data"] = time.perf_counter() - start

    start = time.perf_counter()
    networks = _train_networks(prepared, pairs, seed, device, out / "cache", progress)
    timings["networks"] = time.perf_counter() - start

    dimensions = None
    if quick:
        width = min(n.n_features for nets in networks.values() for n in nets)
        k = prepared.n_classes
        dimensions = sorted({1, 2, k // 2, k, 2 * k, width} & set(range(1, width + 1)))
    common = {
        "dimensions": dimensions,
        "repeats": repeats,
        "metric": prepared.metric,
        "n_jobs": n_jobs,
        "progress": progress,
    }

    start = time.perf_counter()
    frames = []
    for s_index, sensor in enumerate(prepared.sensors):
        nets = networks[sensor]
        frames.append(
            subspace_study(
                nets[:pairs],
                nets[pairs : 2 * pairs],
                prepared.y_train,
                prepared.y_validation,
                head_params=prepared.head_params,
                labels=[{"sensor": sensor}] * pairs,
                random_state=_net_seed(seed, s_index, 10_000),
                **common,
            )
        )
    results = pd.concat(frames, ignore_index=True)
    timings["subspace study"] = time.perf_counter() - start

    cross = None
    if len(prepared.sensors) > 1:
        start = time.perf_counter()
        cross = cross_sensor_study(
            networks,
            prepared.y_train,
            prepared.y_validation,
            n_pairs=pairs,
            random_state=_net_seed(seed, 0, 20_000),
            **common,
        )
        timings["cross-sensor study"] = time.perf_counter() - start

    start = time.perf_counter()
    fusion = _fusion(prepared, networks, pairs, n_jobs, progress)
    timings["fusion study"] = time.perf_counter() - start

    start = time.perf_counter()
    alignment = _alignment(prepared, networks, pairs)
    timings["alignment"] = time.perf_counter() - start

    reproduction = Reproduction(
        dataset, settings, results, cross, fusion, alignment, networks, timings, out
    )
    start = time.perf_counter()
    write_csv(out / "results.csv", results)
    if cross is not None:
        write_csv(out / "cross_sensor.csv", cross)
    write_csv(out / "fusion.csv", fusion)
    write_csv(out / "alignment.csv", alignment)
    write_report(reproduction, prepared)
    timings["outputs"] = time.perf_counter() - start
    write_text(out / "settings.json", json.dumps(settings, indent=2, default=str))
    return reproduction
