"""The subspace projection study (Moreau et al. 2021, figures 4 and 5).

A joblib map over (pair, method, repeat) tasks. Each task fits its subspace
once, on precomputed training features, then evaluates every dimension from it
(the subspaces are nested), with the network's own classification layer (the
"original" head) and with a layer retrained on the projected training features
(the "retrained" head).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from itertools import product
from numbers import Integral

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from sklearn_ccafusion.cca._cca_whitening import SPURIOUS_MESSAGE
from sklearn_ccafusion.cca._subspace import METHODS, SubspaceProjector
from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.study._cache import (
    TaskCache,
    as_cache,
    fingerprint,
    load_or_compute,
    network_key,
    shared_key,
)
from sklearn_ccafusion.study._checks import check_cca_ranks, check_network_labels
from sklearn_ccafusion.study._features import NetworkFeatures
from sklearn_ccafusion.study._heads import HEADS, check_heads, predict_heads
from sklearn_ccafusion.study._metrics import check_metric, score
from sklearn_ccafusion.study._pairing import network_pairs
from sklearn_ccafusion.study._study_checks import (
    check_cache,
    check_dimensions,
    check_head_params,
    check_names,
    check_row_labels,
    check_seed,
)
from sklearn_ccafusion.utils._validation import (
    check_count,
    check_n_jobs,
    check_nonempty_mapping,
    check_same_n_samples,
)

__all__ = [
    "CCA_METHODS",
    "RANDOM_METHODS",
    "cross_sensor_study",
    "default_dimensions",
    "subspace_study",
]

#: Methods whose subspace is drawn at random, repeated with several seeds.
RANDOM_METHODS = ("cca_random", "random_selection", "random_projection")
#: The methods of the cross-sensor experiment.
CCA_METHODS = ("cca_highest", "cca_random", "cca_lowest")


def default_dimensions(n_classes: int, n_features: int) -> list[int]:
    """Subspace dimensions of the study: 1 to ``2 * n_classes``, then powers of two.

    Parameters
    ----------
    n_classes : int
        Number of classes of the networks.
    n_features : int
        Width of the features; the last dimension (all the features).

    Returns
    -------
    dimensions : list of int
        Increasing, at most ``n_features``, ending with it.

    Examples
    --------
    >>> default_dimensions(8, 128)
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 32, 64, 128]
    """
    for value, name in ((n_classes, "n_classes"), (n_features, "n_features")):
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__}).")
    n_classes, n_features = int(n_classes), int(n_features)
    if n_classes < 1 or n_features < 1:
        raise ValueError(
            f"default_dimensions needs n_classes >= 1 and n_features >= 1, got "
            f"n_classes={n_classes} and n_features={n_features}."
        )
    dims = list(range(1, min(2 * n_classes, n_features) + 1))
    power = 1
    while power < n_features:
        power *= 2
        if power > dims[-1] and power <= n_features:
            dims.append(power)
    if dims[-1] != n_features:
        dims.append(n_features)
    return dims


def _evaluate(
    pair_index: int,
    network: NetworkFeatures,
    partner: NetworkFeatures,
    method: str,
    repeat: int,
    seed: int,
    y_train: NDArray,
    y_validation: NDArray,
    dimensions: Sequence[int],
    heads: Sequence[str],
    metric: str,
    head_params: Mapping,
    whitener: PCAWhitener | None,
    reg: float | tuple[float, float] = 0.0,
) -> list[dict]:
    """One task: fit the subspace once, score every dimension with every head."""
    with threadpool_limits(1):
        projector = SubspaceProjector(
            method,
            view_sizes=(network.n_features, partner.n_features),
            whitener=whitener,
            reg=reg,
            random_state=seed,
        )
        with warnings.catch_warnings():  # said once, before the tasks, by check_cca_ranks
            warnings.filterwarnings("ignore", SPURIOUS_MESSAGE, UserWarning)
            projector.fit(np.hstack([network.train, partner.train]))
        rows = []
        base = {"pair": pair_index, "method": method, "repeat": repeat, "seed": seed}
        # the subspaces are nested: each retraining starts from the previous dimension's
        warm = None
        for n in dimensions:
            predictions = predict_heads(
                projector, network, n, heads, y_train, head_params, start=warm
            )
            if "retrained" in predictions:
                warm = (predictions["retrained"].coef, predictions["retrained"].intercept)
            for head, prediction in predictions.items():
                rows.append(
                    {
                        **base,
                        "n": int(n),
                        "head": head,
                        "metric": metric,
                        "score": score(metric, y_validation, prediction.predicted),
                        "n_iter": prediction.n_iter,
                        "converged": prediction.converged,
                    }
                )
        return rows


def _evaluate_task(position: int, *args) -> tuple[int, list[dict]]:
    """:func:`_evaluate`, tagged with the task's position (results arrive unordered)."""
    return position, _evaluate(*args)


def _as_list(value, name: str) -> list[NetworkFeatures]:
    """``value`` as a non-empty list of :class:`NetworkFeatures`, or a named error."""
    items = [value] if isinstance(value, NetworkFeatures) else value
    if not isinstance(items, Sequence) or not all(
        isinstance(item, NetworkFeatures) for item in items
    ):
        raise TypeError(
            f"{name} must be a NetworkFeatures or a sequence of them (each network's "
            f"features and class layer), got {type(value).__name__}."
        )
    if not items:
        raise ValueError(f"{name} is empty: pass at least one NetworkFeatures.")
    return list(items)


def _seeds(random_state: int | None, n_tasks: int) -> list[int]:
    """Independent, reproducible seeds, one per task, whatever the number of workers."""
    sequence = np.random.SeedSequence(random_state)
    return [int(child.generate_state(1)[0]) for child in sequence.spawn(n_tasks)]


def subspace_study(
    networks: NetworkFeatures | Sequence[NetworkFeatures],
    partners: NetworkFeatures | Sequence[NetworkFeatures],
    y_train: ArrayLike,
    y_validation: ArrayLike,
    *,
    methods: Sequence[str] = tuple(METHODS),
    dimensions: Sequence[int] | None = None,
    repeats: int = 5,
    heads: Sequence[str] = HEADS,
    metric: str = "accuracy",
    head_params: Mapping | None = None,
    whitener: PCAWhitener | None = None,
    reg: float | tuple[float, float] = 0.0,
    labels: Sequence[Mapping] | None = None,
    n_jobs: int | None = None,
    random_state: int | None = None,
    progress: bool | str = True,
    cache: TaskCache | str | None = None,
) -> pd.DataFrame:
    """Score projections of each network's features onto subspaces of growing dimension.

    For each pair (``networks[i]`` projected, ``partners[i]`` its CCA partner),
    each method and each repeat, a :class:`~sklearn_ccafusion.SubspaceProjector`
    is fitted once on the training features, and the validation features
    projected on its first ``n`` coordinates are classified by the network's own
    layer (``"original"``) and by a layer retrained on the projected training
    features (``"retrained"``: the exact minimiser of the training objective,
    as :class:`ClassLayerClassifier`, warm-started from the layer retrained at
    the previous dimension, the first from the trained layer). The
    retraining uses the projected TRAINING features, as the original study's
    code and its section 4.1 (one sentence of its section 4.2 says validation).

    Parameters
    ----------
    networks : NetworkFeatures or sequence of them
        The networks whose features are projected.
    partners : NetworkFeatures or sequence of them
        Each network's CCA partner (only its training features are used).
    y_train : array-like of shape (n_train,)
        Labels of the training samples.
    y_validation : array-like of shape (n_validation,)
        Labels of the validation samples.
    methods : sequence of str, default=all seven
        Names from :data:`sklearn_ccafusion.subspace.METHODS`.
    dimensions : sequence of int or None, default=None
        Subspace dimensions, ints >= 1; ``None``: :func:`default_dimensions`. A
        dimension beyond a network's width keeps its whole layer.
    repeats : int, default=5
        Seeds of the random methods (the others run once).
    heads : sequence of {"original", "retrained"}, default=both
    metric : {"accuracy", "f1_macro"}, default="accuracy"
        Macro F1 is the SHL metric.
    head_params : mapping or None, default=None
        Parameters of the retrained :class:`ClassLayerClassifier`
        (``weight_decay``, ``class_weight``, ``tol``, ``max_iter``, ...).
    whitener : PCAWhitener or None, default=None
        Whitener of the CCA methods, as :class:`~sklearn_ccafusion.SubspaceProjector`'s
        (``None``: ``PCAWhitener(0.9999)``, at most ``n_train // 4`` directions per
        view when ``reg`` is 0).
    reg : float in [0, 1] or pair of floats, default=0.0
        Shrinkage of each view's covariance in the CCA methods, as
        :class:`~sklearn_ccafusion.SubspaceProjector`'s.
    labels : sequence of mappings or None, default=None
        Extra columns for each pair's rows (e.g. ``{"sensor": "Acc_norm"}``).
    n_jobs : int or None, default=None
        joblib workers; any joblib backend (``joblib.parallel_config``) works.
        Each task pins BLAS to one thread (the matrices are small: threads
        would only contend), so ``n_jobs`` scales with the cores.
    random_state : int or None, default=None
        Seed of every random choice; each task gets its own derived seed
        (logged in the ``seed`` column).
    progress : bool or str, default=True
        Show a progress bar over the tasks; a string names it (e.g. the sensor).
        The results do not depend on it.
    cache : TaskCache, str, Path or None, default=None
        Where finished tasks are stored (a :class:`TaskCache` or its folder):
        tasks already there are read instead of computed, each new one is
        written as soon as it finishes, so an interrupted study resumes. Keys
        hash the features, labels and every parameter of the task.

    Returns
    -------
    results : pandas.DataFrame
        One row per (pair, method, repeat, n, head): the ``labels`` columns,
        ``pair``, ``method``, ``repeat``, ``seed``, ``n``, ``head``, ``metric``,
        ``score``, ``n_iter`` (solver iterations of the retrained head) and
        ``converged`` (the retrained head's ``converged_``: False when it stopped
        before its gradient reached ``tol``; its ``ConvergenceWarning`` is
        recorded here instead of printed).

    Raises
    ------
    ValueError
        When ``y_train`` or ``y_validation`` holds a label that is not among a
        network's ``classes`` (the fix, ``NetworkFeatures(..., classes=...)``, is
        named), or a dimension is below 1.
    TypeError
        When ``dimensions`` holds something other than ints (``2.5``, ``True``).

    Warns
    -----
    UserWarning
        Once, before the tasks, when a pair's CCA cannot support the comparison of
        the CCA methods: canonical correlations of 1 from ranks too large for the
        training rows (an explicit ``whitener``), or view 1 keeping fewer than
        ``2 * n_classes - 1`` directions for lack of training rows. Both name the fix.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion.study import NetworkFeatures, subspace_study
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 300)
    >>> def net(seed):
    ...     W = np.random.default_rng(seed).normal(size=(3, 6))
    ...     X = np.eye(3)[y] @ W + 0.3 * np.random.default_rng(seed + 1).normal(size=(300, 6))
    ...     return NetworkFeatures(X[:200], X[200:], W, np.zeros(3))
    >>> df = subspace_study(net(1), net(2), y[:200], y[200:], methods=["cca_highest"],
    ...                     dimensions=[2, 6], heads=["original"], progress=False)
    >>> df[["method", "n", "head"]].values.tolist()
    [['cca_highest', 2, 'original'], ['cca_highest', 6, 'original']]
    """
    networks, partners = _as_list(networks, "networks"), _as_list(partners, "partners")
    dimensions = check_dimensions(dimensions)
    methods, heads = check_names(methods, "methods"), check_names(heads, "heads")
    check_n_jobs(n_jobs)
    check_seed(random_state)
    check_cache(cache)
    head_params = check_head_params(head_params)
    for name, chosen in (("methods", methods), ("heads", heads), ("dimensions", dimensions)):
        if chosen is not None and len(chosen) == 0:
            raise ValueError(f"{name} is empty: the study needs at least one.")
    if len(networks) != len(partners):
        raise ValueError(
            f"Each network needs one CCA partner: got {len(networks)} networks and "
            f"{len(partners)} partners."
        )
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise ValueError(f"Unknown method(s) {unknown}; valid methods are {sorted(METHODS)}.")
    check_metric(metric)
    check_heads(heads)
    repeats = check_count(repeats, "repeats")
    y_train, y_validation = np.asarray(y_train), np.asarray(y_validation)
    for network, partner in zip(networks, partners):
        check_same_n_samples(
            network.train,
            partner.train,
            y_train,
            names=("network train", "partner train", "y_train"),
        )
        check_same_n_samples(network.validation, y_validation, names=("validation", "y_validation"))
    check_network_labels(networks, y_train, y_validation)
    check_cca_ranks(networks, partners, methods, whitener, reg)
    labels = check_row_labels(labels, len(networks))
    tasks = [
        (index, method, repeat)
        for index, method in product(range(len(networks)), methods)
        for repeat in range(repeats if method in RANDOM_METHODS else 1)
    ]
    seeds = _seeds(random_state, len(tasks))
    task_dimensions = [
        list(dimensions)
        if dimensions is not None
        else default_dimensions(network.n_classes, network.n_features)
        for network in networks
    ]
    cache = as_cache(cache)
    keys = [None] * len(tasks)
    settings = {"heads": list(heads), "metric": metric, "whitener": whitener, "reg": reg}
    common = shared_key(
        cache, "subspace_study", y_train, y_validation, settings, dict(head_params or {})
    )
    if common is not None:
        net_keys = {id(n): network_key(n) for n in [*networks, *partners]}
        keys = [
            fingerprint(
                {"task": "subspace", "pair": index, "method": method, "repeat": repeat},
                {"seed": seed, "dimensions": task_dimensions[index]},
                net_keys[id(networks[index])],
                net_keys[id(partners[index])],
                common,
            )
            for (index, method, repeat), seed in zip(tasks, seeds)
        ]

    def evaluate(todo: list[int]):
        jobs = (
            delayed(_evaluate_task)(
                position,
                tasks[position][0],
                networks[tasks[position][0]],
                partners[tasks[position][0]],
                tasks[position][1],
                tasks[position][2],
                seeds[position],
                y_train,
                y_validation,
                task_dimensions[tasks[position][0]],
                tuple(heads),
                metric,
                dict(head_params or {}),
                whitener,
                reg,
            )
            for position in todo
        )
        with tqdm(
            total=len(tasks),
            initial=len(tasks) - len(todo),
            disable=not progress,
            desc=progress if isinstance(progress, str) else "subspace study",
            unit="task",
        ) as bar:
            for position, task_rows in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                jobs
            ):
                yield position, task_rows
                bar.update()

    rows = [row for _, task_rows in load_or_compute(cache, keys, evaluate) for row in task_rows]
    frame = pd.DataFrame(rows)
    if labels is not None:
        extra = pd.DataFrame(list(labels))
        extra["pair"] = range(len(labels))
        frame = extra.merge(frame, on="pair", how="right")
    sort = ["pair", "method", "repeat", "n", "head"]
    return frame.sort_values(sort, kind="stable").reset_index(drop=True)


def cross_sensor_study(
    sensors: Mapping[str, Sequence[NetworkFeatures]],
    y_train: ArrayLike,
    y_validation: ArrayLike,
    *,
    n_pairs: int | None = None,
    methods: Sequence[str] = CCA_METHODS,
    **study_params,
) -> pd.DataFrame:
    """The cross-sensor experiment (figure 5): every ordered pair of sensors.

    For data sensor ``s1`` and partner sensor ``s2`` (the diagonal is the
    same-sensor case), network ``i`` of ``s1`` is projected with network
    ``i + n_pairs`` of ``s2`` as its CCA partner, as the original study pairs
    them; only the original classification layer is scored.

    Parameters
    ----------
    sensors : mapping of str to sequence of NetworkFeatures
        ``2 * n_pairs`` networks per sensor, same samples in the same order.
    y_train, y_validation : array-like
        Labels.
    n_pairs : int or None, default=None
        Pairs per sensor pair; ``None``: half the networks of each sensor.
    methods : sequence of str, default=("cca_highest", "cca_random", "cca_lowest")
    **study_params
        Passed to :func:`subspace_study` (``dimensions``, ``repeats``,
        ``metric``, ``whitener``, ``reg``, ``n_jobs``, ``random_state``,
        ``progress``, ...).

    Returns
    -------
    results : pandas.DataFrame
        :func:`subspace_study`'s columns plus ``sensor`` and ``partner``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion.study import NetworkFeatures, cross_sensor_study
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 300)
    >>> def net(seed):
    ...     W = np.random.default_rng(seed).normal(size=(3, 6))
    ...     X = np.eye(3)[y] @ W + 0.3 * np.random.default_rng(seed + 1).normal(size=(300, 6))
    ...     return NetworkFeatures(X[:200], X[200:], W, np.zeros(3))
    >>> sensors = {"acc": [net(1), net(2)], "gyr": [net(3), net(4)]}
    >>> df = cross_sensor_study(sensors, y[:200], y[200:], dimensions=[2],
    ...                         repeats=1, progress=False)
    >>> sorted(set(zip(df["sensor"], df["partner"])))
    [('acc', 'acc'), ('acc', 'gyr'), ('gyr', 'acc'), ('gyr', 'gyr')]
    >>> sorted(df["method"].unique())
    ['cca_highest', 'cca_lowest', 'cca_random']
    """
    check_nonempty_mapping(sensors, "sensors", "sensor name to its networks")
    counts = {name: len(nets) for name, nets in sensors.items()}
    if n_pairs is None:
        n_pairs = min(counts.values()) // 2
    else:
        n_pairs = check_count(n_pairs, "n_pairs", minimum=0)  # 0: named below
    if n_pairs < 1 or any(c < 2 * n_pairs for c in counts.values()):
        raise ValueError(
            f"Each sensor needs 2 * n_pairs networks, at least 2 (n_pairs={n_pairs}: the "
            f"first half of a sensor's networks are paired with the second); got {counts}."
        )
    networks, partners, labels = [], [], []
    for data_sensor, partner_sensor in product(sensors, repeat=2):
        pairs = network_pairs(sensors[data_sensor], sensors[partner_sensor], n_pairs=n_pairs)
        for i, (network, partner) in enumerate(pairs):
            networks.append(network)
            partners.append(partner)
            labels.append({"sensor": data_sensor, "partner": partner_sensor, "net": i})
    study_params.setdefault("heads", ("original",))
    if study_params.get("progress", True) is True:
        study_params["progress"] = f"cross-sensor grid ({len(sensors)}x{len(sensors)} sensors)"
    return subspace_study(
        networks, partners, y_train, y_validation, methods=methods, labels=labels, **study_params
    )
