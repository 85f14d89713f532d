"""Bootstrap confidence bands for the study's headline scores.

A score measured on one validation set carries the sampling error of that set.
:func:`bootstrap_scores` resamples the validation rows with replacement (the
same resamples for every classifier, so differences stay paired) and gives
percentile bands for each classifier's score and for its agreement with a
reference (e.g. CCA-sum fusion against logit averaging).
:func:`headline_predictions` gives the predictions behind the subspace study's
headline number, ``cca_highest`` at ``n = n_classes``, with both heads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Real

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.utils import check_random_state
from sklearn.utils.validation import column_or_1d
from tqdm.auto import tqdm

from sklearn_ccafusion.cca._subspace import SubspaceProjector
from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.study._features import NetworkFeatures
from sklearn_ccafusion.study._heads import check_heads, predict_heads
from sklearn_ccafusion.study._metrics import check_metric, score
from sklearn_ccafusion.utils._validation import check_count, check_nonempty_mapping

__all__ = ["bootstrap_scores", "headline_predictions"]

# Most resamples bootstrap_scores draws: one float64 score per resample and classifier
# is kept (8 MB each at the cap); bands from more resamples change by less than their
# own Monte Carlo error (10,000 already put a 95 % percentile within about 0.002 of
# its limit, for bands of width 0.1).
_MAX_RESAMPLES = 1_000_000
_BATCH_BYTES = 64 * 2**20  # row indices of one batch of resamples
# The work of one call, in resampled rows: each draws and scores n_resamples x
# n_rows rows (about 10-20 ns each on one core), and a macro F1 also counts the
# classes of every resample and classifier, as costly as about _F1_ROWS rows.
# Work beyond _MAX_ROWS (about 15-30 s) is refused before any draw.
_MAX_ROWS = 1_000_000_000
_F1_ROWS = 2_000
_NS_PER_ROW = 15


def _check_work(n_resamples: int, n_rows: int, n_classifiers: int, metric: str) -> None:
    """Refuse, before any draw, a bootstrap whose work exceeds ``_MAX_ROWS`` rows.

    Examples
    --------
    >>> _check_work(1000, 10_000, 2, "accuracy")
    >>> _check_work(1_000_000, 10_000, 2, "accuracy")
    Traceback (most recent call last):
    ...
    ValueError: n_resamples=1,000,000 on 10,000 validation rows resamples ...
    """
    per_resample = n_rows + (_F1_ROWS * n_classifiers if metric == "f1_macro" else 0)
    work = n_resamples * per_resample
    if work <= _MAX_ROWS:
        return
    seconds = work * _NS_PER_ROW / 1e9
    most = max(1, _MAX_ROWS // per_resample)
    raise ValueError(
        f"n_resamples={n_resamples:,} on {n_rows:,} validation rows resamples {work:,} rows "
        f"(about {seconds:,.0f} s at {_NS_PER_ROW} ns a row), more than the "
        f"{_MAX_ROWS:,} that bootstrap_scores allows; set n_resamples to at most {most:,} "
        "(1,000 to 10,000 resamples give percentile bands whose own Monte Carlo error is "
        "far below the validation set's sampling error)."
    )


def _resampled_scores(y_true: NDArray, predicted: NDArray, rows_of: NDArray, metric: str):
    """The metric on each resample of rows, from per-class counts (no per-resample call).

    Macro F1 averages ``2 tp / (n_predicted + n_true)`` over the classes present in
    the resample's labels or predictions, as scikit-learn's ``f1_score`` does
    (``zero_division=0``).
    """
    if metric == "accuracy":
        return (predicted == y_true).astype(np.float64)[rows_of].mean(axis=1)
    labels, codes = np.unique(np.concatenate([y_true, predicted]), return_inverse=True)
    true_code, pred_code = codes[: y_true.size], codes[y_true.size :]
    n_classes = labels.size
    scores = np.empty(len(rows_of))
    for i, rows in enumerate(rows_of):
        t, q = true_code[rows], pred_code[rows]
        tp = np.bincount(t[t == q], minlength=n_classes)
        total = np.bincount(t, minlength=n_classes) + np.bincount(q, minlength=n_classes)
        present = total > 0
        scores[i] = np.mean(2.0 * tp[present] / total[present])
    return scores


def headline_predictions(
    network: NetworkFeatures,
    partner: NetworkFeatures,
    y_train: ArrayLike,
    *,
    n_components: int | None = None,
    methods: Sequence[str] = ("cca_highest",),
    heads: Sequence[str] = ("original", "retrained"),
    whitener: PCAWhitener | None = None,
    reg: float | tuple[float, float] = 0.0,
    head_params: Mapping | None = None,
    random_state: int | None = None,
) -> dict[str, NDArray]:
    """Validation predictions of the subspace study at one dimension, and of the full layer.

    The same computation as :func:`subspace_study` for one pair and one
    dimension (the retrained head is trained on the projected training
    features), keeping the predictions so that :func:`bootstrap_scores` can
    resample them.

    Parameters
    ----------
    network : NetworkFeatures
        The network whose features are projected.
    partner : NetworkFeatures
        Its CCA partner (only its training features are used).
    y_train : array-like of shape (n_train,)
        Labels of the training samples.
    n_components : int or None, default=None
        The dimension; ``None``: the number of classes (the headline).
    methods : sequence of str, default=("cca_highest",)
    heads : sequence of {"original", "retrained"}, default=both
    whitener : PCAWhitener or None, default=None
    reg : float in [0, 1] or pair of floats, default=0.0
        Shrinkage of the CCA covariances, as :class:`~sklearn_ccafusion.CCAProjector`'s.
    head_params : mapping or None, default=None
        Parameters of the retrained :class:`~sklearn_ccafusion.ClassLayerClassifier`.
    random_state : int or None, default=None
        Seed of random methods.

    Returns
    -------
    predictions : dict of str to ndarray of shape (n_validation,)
        Keys ``"<method>@<n>/<head>"`` and ``"full/<head>"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion.study import NetworkFeatures, headline_predictions
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 300)
    >>> def net(seed):
    ...     W = np.random.default_rng(seed).normal(size=(3, 6))
    ...     X = np.eye(3)[y] @ W + 0.3 * np.random.default_rng(seed + 1).normal(size=(300, 6))
    ...     return NetworkFeatures(X[:200], X[200:], W, np.zeros(3))
    >>> sorted(headline_predictions(net(1), net(2), y[:200]))
    ['cca_highest@3/original', 'cca_highest@3/retrained', 'full/original', 'full/retrained']
    """
    y_train = column_or_1d(y_train)
    check_heads(heads)
    n = network.n_classes if n_components is None else check_count(n_components, "n_components")
    head_params = dict(head_params or {})
    predictions: dict[str, NDArray] = {}
    stacked = np.hstack([network.train, partner.train])
    for method in [*methods, "full"]:
        projector = SubspaceProjector(
            "pca" if method == "full" else method,
            view_sizes=(network.n_features, partner.n_features),
            whitener=whitener,
            reg=reg,
            random_state=random_state,
        ).fit(stacked)
        dim = network.n_features if method == "full" else n
        label = "full" if method == "full" else f"{method}@{n}"
        for head, prediction in predict_heads(
            projector, network, dim, heads, y_train, head_params
        ).items():
            predictions[f"{label}/{head}"] = prediction.predicted
    return predictions


def bootstrap_scores(
    y_true: ArrayLike,
    predictions: Mapping[str, ArrayLike],
    *,
    reference: str | None = None,
    metric: str = "accuracy",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    random_state: int | np.random.RandomState | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Percentile bootstrap bands of classifiers' scores on one validation set.

    The validation rows are drawn with replacement ``n_resamples`` times; each
    resample scores every classifier (the same rows for all, so the bands of
    two classifiers are paired), and, when ``reference`` is given, the
    fraction of rows where each classifier agrees with the reference.

    Parameters
    ----------
    y_true : array-like of shape (n_validation,)
        Labels of the validation rows.
    predictions : mapping of str to array-like of shape (n_validation,)
        Each classifier's predictions on the same rows, by name.
    reference : str or None, default=None
        Name of the classifier the others' agreement is measured against
        (``"logit_average"`` for the fusion study's equivalence claim).
    metric : {"accuracy", "f1_macro"}, default="accuracy"
    n_resamples : int, default=1000
        Bootstrap resamples, at most 1,000,000, and at most 10**9 resampled
        rows in all (``n_resamples * n_validation``; a macro F1 counts 2,000
        more rows per resample and classifier), which take about 15-30 s on one
        core: more is refused before any draw, with an estimate of the time. They
        are drawn and scored in batches of at most 64 MiB of row indices, so
        memory does not grow with ``n_resamples`` beyond one score per resample
        (the bands equal those of all resamples drawn at once, for the same
        ``random_state``).
    confidence : float in (0, 1), default=0.95
        Coverage of the band (percentiles ``(1 - confidence) / 2`` and
        ``(1 + confidence) / 2``).
    random_state : int, RandomState instance or None, default=None
        Seed of the resamples.
    progress : bool, default=True
        Show a progress bar over the batches when there is more than one.

    Returns
    -------
    bands : pandas.DataFrame
        One row per classifier and measure: ``name``, ``measure`` (the metric,
        or ``"agreement"`` with ``reference``), ``value`` (on all rows),
        ``low``, ``high``, ``std`` (bootstrap standard error), ``n_resamples``
        and ``confidence``.

    Raises
    ------
    TypeError
        When ``n_resamples`` is not an int (``2.7``, ``True``).
    ValueError
        When ``n_resamples`` is below 1 or above 1,000,000, the resamples
        would draw more than 10**9 rows in all (the message estimates the time
        and gives the largest ``n_resamples`` allowed), ``confidence`` is
        outside (0, 1), or the predictions do not match the labels.

    References
    ----------
    Efron and Tibshirani (1993), "An Introduction to the Bootstrap", Chapman &
    Hall (percentile intervals).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion.study import bootstrap_scores
    >>> y = np.array([0, 1] * 50)
    >>> bands = bootstrap_scores(y, {"perfect": y, "half": np.zeros(100)}, random_state=0)
    >>> bands[["name", "value", "low", "high"]].values.tolist()[0]
    ['perfect', 1.0, 1.0, 1.0]
    >>> bool(bands["low"].iloc[1] < 0.5 < bands["high"].iloc[1])
    True
    """
    check_metric(metric)
    if isinstance(confidence, bool) or not isinstance(confidence, Real):
        raise TypeError(
            f"confidence must be a number in (0, 1), got {confidence!r} "
            f"({type(confidence).__name__})."
        )
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}.")
    n_resamples = check_count(n_resamples, "n_resamples", maximum=_MAX_RESAMPLES)
    check_nonempty_mapping(predictions, "predictions", "classifier name to its predictions")
    y_true = column_or_1d(y_true)
    predicted = {name: column_or_1d(p) for name, p in predictions.items()}
    bad = {name: p.size for name, p in predicted.items() if p.size != y_true.size}
    if bad:
        raise ValueError(
            f"Predictions must have one entry per validation row ({y_true.size}); got {bad}."
        )
    if reference is not None and reference not in predicted:
        raise ValueError(
            f"reference {reference!r} is not one of the predictions {list(predicted)}."
        )
    if y_true.size == 0:
        raise ValueError("y_true is empty: the bands need at least one validation row.")
    _check_work(n_resamples, y_true.size, len(predicted), metric)
    values = {}  # on all rows, first: a bad label is named before any resampling
    for name, p in predicted.items():
        values[name, metric] = score(metric, y_true, p)
        if reference is not None and name != reference:
            values[name, "agreement"] = np.mean(p == predicted[reference])
    samples = _resample(y_true, predicted, reference, metric, n_resamples, random_state, progress)
    quantiles = [(1 - confidence) / 2, (1 + confidence) / 2]
    out = []
    for (name, measure), value in values.items():
        resampled = samples[name, measure]
        low, high = np.quantile(resampled, quantiles)
        out.append(
            {
                "name": name,
                "measure": measure,
                "value": float(value),
                "low": float(low),
                "high": float(high),
                "std": float(np.std(resampled, ddof=1)) if resampled.size > 1 else 0.0,
                "n_resamples": n_resamples,
                "confidence": confidence,
            }
        )
    return pd.DataFrame(out)


def _resample(
    y_true: NDArray,
    predicted: dict[str, NDArray],
    reference: str | None,
    metric: str,
    n_resamples: int,
    random_state: int | np.random.RandomState | None,
    progress: bool,
) -> dict[tuple[str, str], NDArray]:
    """Each classifier's metric (and agreement) on every resample, drawn in batches.

    ``RandomState.randint`` draws its values one after another, so batches of
    rows give the same resamples as one ``(n_resamples, n)`` draw.
    """
    rng = check_random_state(random_state)
    n = y_true.size
    batch = max(1, min(n_resamples, _BATCH_BYTES // (8 * n)))
    keys = []
    for name in predicted:
        keys.append((name, metric))
        if reference is not None and name != reference:
            keys.append((name, "agreement"))
    samples = {key: np.empty(n_resamples) for key in keys}
    same = {
        name: (p == predicted[reference]).astype(np.float64)
        for name, p in predicted.items()
        if reference is not None and name != reference
    }
    starts = range(0, n_resamples, batch)
    shown = progress and len(starts) > 1
    with tqdm(starts, desc="bootstrap", unit="batch", disable=not shown) as bar:
        for start in bar:
            stop = min(start + batch, n_resamples)
            rows_of = rng.randint(0, n, size=(stop - start, n))
            for name, p in predicted.items():
                samples[name, metric][start:stop] = _resampled_scores(y_true, p, rows_of, metric)
                if name in same:
                    samples[name, "agreement"][start:stop] = same[name][rows_of].mean(axis=1)
    return samples
