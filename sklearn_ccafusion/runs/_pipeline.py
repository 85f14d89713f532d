"""The study pipeline: train, extract, study, fuse, measure, write; every stage resumable.

:func:`run_study` runs on any :class:`StudyData`: it trains ``2 * pairs``
networks per sensor (in pair ``i``, network ``i`` is projected and network
``i + pairs`` is its CCA partner, as the authors' code), caches their features,
runs the subspace study, the cross-sensor grid, the fusion study and the
class-subspace alignment, each task cached as it finishes, and writes CSV files,
figures and a report. :func:`reproduce` runs it on one of the paper's data sets.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sklearn_ccafusion import __version__
from sklearn_ccafusion.runs._bands import bootstrap_bands, claim_evidence, fusion_groups
from sklearn_ccafusion.runs._cache import write_csv
from sklearn_ccafusion.runs._caveats import current_caveats, records_caveats
from sklearn_ccafusion.runs._claims import Rules, judge_claims
from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.runs._features_file import write_features_file
from sklearn_ccafusion.runs._given_networks import given_networks
from sklearn_ccafusion.runs._networks import train_networks
from sklearn_ccafusion.runs._paper import DataOptions, prepare
from sklearn_ccafusion.runs._report import report_file_names, write_report
from sklearn_ccafusion.runs._results import Reproduction
from sklearn_ccafusion.runs._run_checks import (
    check_reproduce_parameters,
    check_run_parameters,
)
from sklearn_ccafusion.runs._run_checks import run_parameters as _run_parameters
from sklearn_ccafusion.runs._run_folder import (
    RECORD,
    RunFolder,
    other_settings,
    refuse_other_settings,
    run_fingerprint,
)
from sklearn_ccafusion.runs._scale import plan_scale, worker_failures_named
from sklearn_ccafusion.runs._seeds import stream_seed
from sklearn_ccafusion.runs._training import training_settings
from sklearn_ccafusion.study import (
    TaskCache,
    cross_sensor_study,
    fusion_study,
    subspace_study,
)
from sklearn_ccafusion.study._pairing import network_pairs
from sklearn_ccafusion.utils._files import discarded_unless_used
from sklearn_ccafusion.utils._workers import workers_end_with_parent

__all__ = ["reproduce", "run_study"]


def _fusion(
    data: StudyData, networks, pairs: int, cache: TaskCache, progress: bool, **study
) -> pd.DataFrame:
    """Fusion study of every two sensors (or two initialisations of the only sensor), every pair.

    Each network pair's rows carry its sensors (``view_1``, ``view_2``) and ``pair``;
    the logit average of another pair of networks of the same sensors, trained
    independently, is the noise floor of "equivalent" (``independent_logit_average``).
    """
    frames = []
    for view_1, view_2, i, first, second, independent in fusion_groups(
        data.sensors, networks, pairs
    ):
        frame = fusion_study(
            (first.train, second.train),
            data.y_train,
            (first.validation, second.validation),
            data.y_validation,
            ((first.coef, first.intercept), (second.coef, second.intercept)),
            classes=data.classes,
            metric=data.metric,
            cache=cache,
            progress=progress and f"fusion: {view_1} + {view_2}, pair {i}",
            independent=None
            if independent is None
            else (
                tuple(n.validation for n in independent),
                tuple((n.coef, n.intercept) for n in independent),
            ),
            **study,
        )
        frames.append(frame.assign(view_1=view_1, view_2=view_2, pair=i))
    return pd.concat(frames, ignore_index=True)


def _quick_notes(quick: bool, pairs: int | None, repeats: int | None) -> tuple[str, ...]:
    """What a quick run changed, for the report (nothing when the counts were given)."""
    changed = [
        text
        for text, given in (
            ("1 pair of networks per sensor (instead of 3)", pairs),
            ("2 repeats of the random methods (instead of 5)", repeats),
        )
        if given is None
    ]
    if not quick or not changed:
        return ()
    return ("quick: " + " and ".join(changed) + ".",)


def _quick_dimensions(networks, n_classes: int) -> list[int]:
    width = min(n.n_features for nets in networks.values() for n in nets)
    return sorted(
        {1, 2, n_classes // 2, n_classes, 2 * n_classes, width} & set(range(1, width + 1))
    )


@records_caveats
def run_study(
    data: StudyData,
    *,
    out: str | Path = "ccafusion-out",
    device: str = "cpu",
    pairs: int | None = None,
    repeats: int | None = None,
    n_jobs: int | None = None,
    seed: int = 0,
    quick: bool = False,
    progress: bool = True,
    overwrite: bool = False,
    reg: float = 0.0,
    settings: dict[str, Any] | None = None,
    networks: Mapping[str, Sequence[Any]] | None = None,
    fusion_kernel: str = "auto",
) -> Reproduction:
    """Run every stage of the study on one data set and write the outputs.

    Each stage caches its tasks under ``out/cache`` as they finish, keyed by a
    fingerprint of what determines them (the data's content included), so a run
    killed at any point resumes without redoing finished work, and its final
    files are byte-identical to an uninterrupted run's. ``out/run.json`` says
    whether the run is ``"incomplete"`` or ``"complete"``; the outputs of an
    earlier run of other inputs in ``out`` are removed before the first output
    is written (its caches are kept), so the folder never mixes two runs. Joblib
    workers started by the run end with it, even when it is killed.

    Parameters
    ----------
    data : StudyData
        The data set: inputs per sensor, labels, networks.
    out : str or Path, default="ccafusion-out"
        Folder of the outputs and of the cache.
    device : str, default="cpu"
        Device of the networks.
    pairs : int or None, default=None
        Pairs of networks per sensor (``2 * pairs`` networks); ``None``: 3, or 1
        with ``quick``.
    repeats : int or None, default=None
        Seeds of the random subspace methods; ``None``: 5, or 2 with ``quick``.
    n_jobs : int or None
        joblib workers of the studies.
    seed : int, default=0
        Seed of every random choice (networks, subspaces).
    quick : bool, default=False
        Fewer subspace dimensions.
    progress : bool, default=True
        Progress bars.
    overwrite : bool, default=False
        Replace a run with other settings in ``out``: every output it wrote and
        its ``cache`` folder are removed (other files in ``out`` are kept).
        Without it such a folder is refused; the outputs of a run of other
        inputs are always replaced, and this removes its cache too.
    reg : float in [0, 1], default=0.0
        Shrinkage of each view's covariance in every CCA of the studies (see
        :class:`~sklearn_ccafusion.CCAProjector`); a small value (0.1) keeps the
        study meaningful when the training rows are few for the features' width.
    settings : dict or None, default=None
        Extra settings to log (e.g. where the data came from).
    networks : mapping of str to sequence, or None, default=None
        Networks trained already, used instead of training ``data.make_net``'s:
        per sensor, ``2 * pairs`` of them (network ``k`` projected, ``k + pairs``
        its partner), each a :class:`~sklearn_ccafusion.study.NetworkFeatures`
        (e.g. from :func:`~sklearn_ccafusion.runs.load_features_file`), a trained
        ``torch.nn.Module`` (:meth:`~sklearn_ccafusion.study.NetworkFeatures.from_module`)
        or a fitted :class:`~sklearn_ccafusion.nets.SensorNetClassifier`, the last
        two run on the sensor's inputs. ``pairs=None`` then means all of them.
    fusion_kernel : {"auto", "exact", "nystroem"}, default="auto"
        Solver of the fusion study's kernel ELM: ``"exact"`` holds an
        ``n_train x n_train`` kernel per fit and worker (O(n_train^3) time),
        ``"nystroem"`` approximates it with 1,000 landmarks (linear in n_train),
        ``"auto"`` is exact up to 10,000 training samples. Before any work, the run
        estimates its peak memory (logged by the logger ``sklearn_ccafusion.runs``,
        see :func:`~sklearn_ccafusion.runs.estimate_run`) and raises
        :class:`~sklearn_ccafusion.utils.MemoryBudgetError` when it cannot fit.

    Returns
    -------
    reproduction : Reproduction
        Its ``notes`` are ``data.notes`` followed by the run's own (what a quick
        run changed); its ``training`` the resolved settings of the networks it
        trained (``None`` with given networks); ``data`` itself is never changed.

    Examples
    --------
    Any :class:`~sklearn_ccafusion.runs.StudyData`, for instance one of the
    paper's data sets or :func:`~sklearn_ccafusion.runs.load_study_file`'s:

    >>> from sklearn_ccafusion.runs import DATASETS, DataOptions, run_study
    >>> data = DATASETS["digits"](DataOptions(quick=True))
    >>> run = run_study(data, out="ccafusion-out", quick=True, pairs=1, repeats=1,
    ...                 progress=False)  # doctest: +SKIP
    >>> sorted(run.results["method"].unique())[:2]  # doctest: +SKIP
    ['cca_highest', 'cca_lowest']
    """
    check_run_parameters(data=data, settings=settings, **_run_parameters(locals()))
    notes = data.notes
    if networks is not None:
        networks, pairs = given_networks(data, networks, pairs)
    elif data.make_net is None:
        raise ValueError(
            f"Data set {data.name!r} builds no network (make_net=None); give its trained "
            "networks with networks=... (e.g. load_features_file's)."
        )
    notes += _quick_notes(quick, pairs, repeats)
    pairs = (1 if quick else 3) if pairs is None else pairs
    repeats = (2 if quick else 5) if repeats is None else repeats
    if pairs < 1:
        raise ValueError(f"pairs must be at least 1, got {pairs}.")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}.")
    solver, fusion_note, estimate = plan_scale(
        data, pairs=pairs, n_jobs=n_jobs, fusion_kernel=fusion_kernel, networks=networks
    )
    notes += (fusion_note,)
    out = Path(out)
    settings = {
        "dataset": data.name,
        **(settings or {}),
        "device": device,
        "pairs": pairs,
        "repeats": repeats,
        "seed": seed,
        "quick": quick,
        "reg": reg,
        "fusion_kernel": fusion_kernel,
        "fusion_solver": solver,
        "version": __version__,
    }
    folder = RunFolder(out, run_fingerprint(settings, data, networks))
    with (
        workers_end_with_parent(),
        discarded_unless_used(out, kept=frozenset({"settings.json", RECORD})),
        worker_failures_named(estimate),
    ):
        folder.start(settings, overwrite=overwrite)
        cache = TaskCache(out / "cache" / "tasks")
        timings: dict[str, float] = {}
        if data.load_seconds is not None:
            timings["data"] = data.load_seconds

        training = None
        if networks is None:
            training = training_settings(data, device)
            start = time.perf_counter()
            networks = train_networks(data, pairs, seed, device, out / "cache", progress, n_jobs)
            timings["networks"] = time.perf_counter() - start
        write_features_file(
            folder.output("features.npz"),
            networks,
            data.y_train,
            data.y_validation,
            data.classes,
            name=data.name,
            metric=data.metric,
            head_params=data.head_params,
        )

        common = {
            "dimensions": _quick_dimensions(networks, data.n_classes) if quick else None,
            "repeats": repeats,
            "metric": data.metric,
            "n_jobs": n_jobs,
            "progress": progress,
            "cache": cache,
            "reg": reg,
        }
        start = time.perf_counter()
        frames = [
            subspace_study(
                *zip(*network_pairs(networks[sensor], n_pairs=pairs)),
                data.y_train,
                data.y_validation,
                head_params=data.head_params,
                labels=[{"sensor": sensor}] * pairs,
                random_state=stream_seed(seed, "subspace study", sensor=s_index),
                **{**common, "progress": progress and f"subspace study: {sensor}"},
            )
            for s_index, sensor in enumerate(data.sensors)
        ]
        results = pd.concat(frames, ignore_index=True)
        write_csv(folder.output("results.csv"), results)
        timings["subspace study"] = time.perf_counter() - start

        cross = None
        if len(data.sensors) > 1:
            start = time.perf_counter()
            cross = cross_sensor_study(
                networks,
                data.y_train,
                data.y_validation,
                n_pairs=pairs,
                random_state=stream_seed(seed, "cross-sensor study"),
                **common,
            )
            write_csv(folder.output("cross_sensor.csv"), cross)
            timings["cross-sensor study"] = time.perf_counter() - start

        start = time.perf_counter()
        fusion = _fusion(
            data, networks, pairs, cache, progress, n_jobs=n_jobs, reg=reg, kelm_solver=solver
        )
        write_csv(folder.output("fusion.csv"), fusion)
        timings["fusion study"] = time.perf_counter() - start

        start = time.perf_counter()
        evidence, alignment = claim_evidence(data, networks, pairs, cache, reg=reg, seed=seed)
        write_csv(folder.output("alignment.csv"), alignment)
        bands = bootstrap_bands(data, evidence, seed=seed)
        write_csv(folder.output("bands.csv"), bands)
        claims = judge_claims(
            data.y_validation,
            data.classes,
            evidence,
            metric=data.metric,
            results=results,
            quick=quick,
            rules=Rules(seed=seed),
        )
        write_csv(folder.output("claims.csv"), claims)
        timings["claims"] = time.perf_counter() - start

        reproduction = Reproduction(
            dataset=data.name,
            settings=settings,
            results=results,
            cross_sensor=cross,
            fusion=fusion,
            alignment=alignment,
            networks=networks,
            timings=dict(timings),
            out=out,
            data=data,
            bands=bands,
            claims=claims,
            caveats=tuple(current_caveats()),
            notes=notes,
            training=training,
        )
        start = time.perf_counter()
        folder.output(*report_file_names(reproduction))
        write_report(reproduction)
        folder.complete()
        return reproduction.with_changes(timings={**timings, "report": time.perf_counter() - start})


def reproduce(
    dataset: str = "digits",
    *,
    data_dir: str | Path | None = None,
    out: str | Path = "ccafusion-out",
    device: str = "cpu",
    pairs: int | None = None,
    repeats: int | None = None,
    n_jobs: int | None = None,
    seed: int = 0,
    quick: bool = False,
    validation: int | float | None = None,
    progress: bool = True,
    overwrite: bool = False,
    reg: float = 0.0,
    fusion_kernel: str = "auto",
) -> Reproduction:
    """Reproduce the paper's experiments on one of its data sets and write the outputs.

    Parameters
    ----------
    dataset : {"digits", "synthetic-shl", "shl", "cifar10"}, default="digits"
        ``digits`` (embedded) and ``synthetic-shl`` (generated) run anywhere;
        ``shl`` and ``cifar10`` read the real files from ``data_dir``.
    data_dir : str, Path or None
        Folder of the real data.
    out : str or Path, default="ccafusion-out"
        Folder of the outputs and of the cache.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Device of the networks.
    pairs : int or None, default=None
        Pairs of networks per sensor (``2 * pairs`` networks); ``None``: 3, or 1
        with ``quick``.
    repeats : int or None, default=None
        Seeds of the random subspace methods; ``None``: 5, or 2 with ``quick``.
    n_jobs : int or None
        joblib workers of the studies.
    seed : int, default=0
        Seed of every random choice (data, networks, subspaces).
    quick : bool, default=False
        Small and fast: fewer samples, epochs and dimensions (the report says
        what changed).
    validation : int, float or None, default=None
        Validation samples (int) or fraction (float); ``None``: the data set's
        own split (the paper's share for SHL, the test set for CIFAR-10).
    progress : bool, default=True
        Progress bars.
    overwrite : bool, default=False
        Replace a run with other settings in ``out`` (:func:`run_study`).
    reg : float in [0, 1], default=0.0
        Shrinkage of the CCA covariances (:func:`run_study`).
    fusion_kernel : {"auto", "exact", "nystroem"}, default="auto"
        Solver of the fusion study's kernel ELM (:func:`run_study`).

    Returns
    -------
    reproduction : Reproduction

    Examples
    --------
    Train the networks and run every study (about 10 s in this quick form):

    >>> from sklearn_ccafusion.runs import reproduce
    >>> run = reproduce("digits", out="ccafusion-out", quick=True, pairs=1,
    ...                 repeats=1, progress=False)  # doctest: +SKIP
    >>> sorted(run.results["method"].unique())[:2]  # doctest: +SKIP
    ['cca_highest', 'cca_lowest']
    """
    check_reproduce_parameters(dataset, data_dir, validation)
    check_run_parameters(**_run_parameters(locals()))
    known = {  # the settings known before loading the data: a conflict is refused at once
        "data_dir": None if data_dir is None else str(data_dir),
        "validation": validation,
        "device": device,
        "pairs": (1 if quick else 3) if pairs is None else pairs,
        "repeats": (2 if quick else 5) if repeats is None else repeats,
        "seed": seed,
        "quick": quick,
        "reg": reg,
        "fusion_kernel": fusion_kernel,
        "version": __version__,
    }
    if not overwrite and other_settings(Path(out), known, every=False):
        refuse_other_settings(Path(out))
    options = DataOptions(data_dir, quick, seed, n_jobs, validation)
    with workers_end_with_parent():
        data = prepare(dataset, options)
    return run_study(
        data,
        out=out,
        device=device,
        pairs=pairs,
        repeats=repeats,
        n_jobs=n_jobs,
        seed=seed,
        quick=quick,
        progress=progress,
        overwrite=overwrite,
        reg=reg,
        fusion_kernel=fusion_kernel,
        settings={
            "data_dir": None if data_dir is None else str(data_dir),
            "validation": validation,
        },
    )
