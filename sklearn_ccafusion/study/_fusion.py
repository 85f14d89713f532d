"""The fusion study: is CCA-sum fusion the same as averaging the networks' logits?

Moreau et al. (2021) argue that classifying the sum of canonical variates ``X1' + X2'`` (Ahmad
& Khan 2020 with an SVM, Imran & Raman 2020 with a kernel ELM) is roughly logit averaging,
because the first canonical directions of two networks' features are their class
components. :func:`fusion_study` measures it on precomputed features: the score of each
network alone and of the late fusions through their own layers, the CCA fusions over a sweep
of ``n_components``, how often each agrees with logit averaging, and, most directly, the
canonical correlations between the first ``K - 1`` CCA-sum features and the summed
class-centred logits.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Integral

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from numpy.typing import ArrayLike, NDArray
from scipy.special import softmax
from sklearn.base import clone
from sklearn.utils.validation import check_array, column_or_1d
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from sklearn_ccafusion.cca._cca import CCAProjector
from sklearn_ccafusion.cca._cca_whitening import SPURIOUS_MESSAGE
from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.fusion import CCASumFusion
from sklearn_ccafusion.study._cache import (
    TaskCache,
    as_cache,
    fingerprint,
    load_or_compute,
    shared_key,
)
from sklearn_ccafusion.study._fusion_classifiers import default_fusions, uses_liblinear
from sklearn_ccafusion.study._metrics import check_metric, score
from sklearn_ccafusion.utils._validation import check_labels_in_classes

__all__ = ["fusion_study"]


_COLUMNS = ["method", "n_components", "measure", "component", "value"]


def _class_centred(logits: NDArray) -> NDArray:
    """Logits minus their mean over classes: the part a softmax layer determines."""
    return logits - logits.mean(axis=1, keepdims=True)


def _check_inputs(features_train, y_train, features_val, y_val, layers):
    """Validate the two views' train/val features, the labels and the layers."""
    for name, value in (
        ("features_train", features_train),
        ("features_val", features_val),
        ("layers", layers),
    ):
        if len(value) != 2:
            raise ValueError(f"{name} must hold two views, got {len(value)}.")
    train = [check_array(X, dtype=[np.float64, np.float32]) for X in features_train]
    val = [check_array(X, dtype=[np.float64, np.float32]) for X in features_val]
    y_train = column_or_1d(y_train)
    y_val = column_or_1d(y_val)
    checked_layers = []
    for view, ((coef, intercept), X_tr, X_va) in enumerate(zip(layers, train, val), start=1):
        coef = check_array(coef, dtype=np.float64)
        intercept = column_or_1d(np.asarray(intercept, dtype=np.float64))
        if X_tr.shape[0] != len(y_train) or X_va.shape[0] != len(y_val):
            raise ValueError(
                f"View {view} has {X_tr.shape[0]} train and {X_va.shape[0]} validation rows "
                f"but y_train has {len(y_train)} and y_val {len(y_val)}."
            )
        if not (X_tr.shape[1] == X_va.shape[1] == coef.shape[1]):
            raise ValueError(
                f"View {view}: train features have {X_tr.shape[1]} columns, validation "
                f"features {X_va.shape[1]} and its layer's coef {coef.shape[1]}; they must match."
            )
        if coef.shape[0] < 2 or intercept.shape != (coef.shape[0],):
            raise ValueError(
                f"View {view}'s layer must have coef (n_classes >= 2, n_features) and "
                f"intercept (n_classes,), got {coef.shape} and {intercept.shape}."
            )
        checked_layers.append((coef, intercept))
    if checked_layers[0][0].shape[0] != checked_layers[1][0].shape[0]:
        raise ValueError(
            "The two layers disagree on the number of classes: "
            f"{checked_layers[0][0].shape[0]} and {checked_layers[1][0].shape[0]}."
        )
    return train, y_train, val, y_val, checked_layers


def _independent_average(independent, val, layers, classes) -> NDArray:
    """Predictions of the logit average of two other networks of the same views."""
    if len(independent) != 2 or len(independent[0]) != 2 or len(independent[1]) != 2:
        raise ValueError(
            "independent must be (features_val, layers), each holding two views."
        )
    logits = 0.0
    for view, (X, (coef, intercept), X_ref, (coef_ref, _)) in enumerate(
        zip(independent[0], independent[1], val, layers), start=1
    ):
        X = check_array(X, dtype=[np.float64, np.float32])
        coef = check_array(coef, dtype=np.float64)
        intercept = column_or_1d(np.asarray(intercept, dtype=np.float64))
        if X.shape[0] != X_ref.shape[0] or X.shape[1] != coef.shape[1]:
            raise ValueError(
                f"independent view {view}: features of shape {X.shape} and coef of shape "
                f"{coef.shape}; they need {X_ref.shape[0]} rows (the validation samples) and "
                "as many columns as coef."
            )
        if coef.shape[0] != coef_ref.shape[0] or intercept.shape != (coef.shape[0],):
            raise ValueError(
                f"independent view {view}'s layer must have {coef_ref.shape[0]} classes, got "
                f"coef {coef.shape} and intercept {intercept.shape}."
            )
        logits = logits + X @ coef.T + intercept
    return classes[np.argmax(logits, axis=1)]


def network_predictions(logits: Sequence[NDArray], classes: NDArray) -> dict[str, NDArray]:
    """The two networks' own predictions: each alone, the logit and the probability average."""
    first, second = logits
    return {
        "view_1": classes[np.argmax(first, axis=1)],
        "view_2": classes[np.argmax(second, axis=1)],
        "logit_average": classes[np.argmax(first + second, axis=1)],
        "proba_average": classes[
            np.argmax(softmax(first, axis=1) + softmax(second, axis=1), axis=1)
        ],
    }


def _sweep(n_components, n_max: int, n_classes: int) -> list[int]:
    """Resolve the requested ``n_components`` into sorted counts in ``[1, n_max]``."""
    if n_components is None:
        powers = [2**i for i in range(int(np.log2(n_max)) + 1)]
        requested = [*powers, n_classes - 1, n_classes, None]
    else:
        requested = list(n_components)
    counts = set()
    for n in requested:
        if n is None:
            counts.add(n_max)
        elif isinstance(n, Integral) and n >= 1:
            counts.add(min(int(n), n_max))
        else:
            raise ValueError(f"n_components must hold ints >= 1 or None, got {n!r}.")
    return sorted(counts)


def _task_keys(tasks: list[tuple], cache: TaskCache | None, inputs: tuple) -> list[str | None]:
    """Each fit's cache key: its inputs, fusion and classifier (class and all parameters).

    A task whose classifier or whitener cannot be fingerprinted (a lambda among its
    parameters, a frozen fitted model) is not cached, with a warning saying why.
    """
    keys: list[str | None] = [None] * len(tasks)
    data_key = shared_key(cache, "fusion_study", *inputs)
    if data_key is None:
        return keys
    refused = set()
    for position, (method, fusion, clf, n) in enumerate(tasks):
        try:
            keys[position] = fingerprint(
                {"task": "fusion", "method": method, "fusion": fusion, "n_components": n},
                clf,
                data_key,
            )
        except TypeError as error:
            if method not in refused:
                refused.add(method)
                warnings.warn(
                    f"fusion_study does not cache the fits of {method!r}: {error}",
                    UserWarning,
                    stacklevel=3,
                )
    return keys


def _positions(predictions: ArrayLike, classes: NDArray) -> NDArray:
    """The position in ``classes`` of each predicted label."""
    lookup = {label: i for i, label in enumerate(classes.tolist())}
    return np.asarray([lookup[label] for label in np.asarray(predictions).tolist()], np.intp)


def _fit_predict(
    position,
    method,
    fusion,
    classifier,
    n,
    whitener,
    reg,
    view_sizes,
    X_train,
    y_train,
    X_val,
    n_threads,
):
    """Task ``position``: fit a CCA fusion on train, predict validation (BLAS pinned if asked)."""
    with threadpool_limits(limits=n_threads), warnings.catch_warnings():
        # the CCA is the study's own, which has already said so
        warnings.filterwarnings("ignore", SPURIOUS_MESSAGE, UserWarning)
        model = CCASumFusion(
            n,
            view_sizes=view_sizes,
            whitener=whitener,
            reg=reg,
            classifier=clone(classifier),
            fusion=fusion,
        )
        predictions = model.fit(X_train, y_train).predict(X_val)
    return position, predictions


def _rows(method, n, measure, values, component=None) -> list[dict]:
    values = np.atleast_1d(values)
    return [
        {
            "method": method,
            "n_components": n,
            "measure": measure,
            "component": None if component is None else component + i,
            "value": float(v),
        }
        for i, v in enumerate(values)
    ]


def fusion_study(
    features_train: Sequence[ArrayLike],
    y_train: ArrayLike,
    features_val: Sequence[ArrayLike],
    y_val: ArrayLike,
    layers: Sequence[tuple[ArrayLike, ArrayLike]],
    *,
    n_components: Sequence[int | None] | None = None,
    metric: str = "accuracy",
    fusions: dict[str, tuple[str, object]] | None = None,
    whitener=None,
    reg: float | tuple[float, float] = 0.0,
    classes: ArrayLike | None = None,
    n_jobs: int | None = None,
    progress: bool | str = True,
    cache: TaskCache | str | None = None,
    independent: tuple[Sequence[ArrayLike], Sequence[tuple[ArrayLike, ArrayLike]]]
    | None = None,
    kelm_solver: str = "auto",
) -> pd.DataFrame:
    """Compare CCA-sum fusion with logit averaging on two networks' features.

    The CCA fusions (:class:`~sklearn_ccafusion.CCASumFusion`) are fitted on the train
    features and scored on the validation features, for every ``n_components`` of the
    sweep; the networks' own layers give each view alone, the logit average and the
    probability average (their layers applied as is, as
    :class:`~sklearn_ccafusion.ClassLayerClassifier` with ``retrain=False`` would).

    Parameters
    ----------
    features_train : pair of array-like of shape (n_train, n_features_i)
        Penultimate train features of the two networks (rows aligned).
    y_train : array-like of shape (n_train,)
        Train labels.
    features_val : pair of array-like of shape (n_val, n_features_i)
        Validation features of the two networks.
    y_val : array-like of shape (n_val,)
        Validation labels.
    layers : pair of (coef, intercept)
        Each network's trained classification layer: ``coef`` of shape
        ``(n_classes, n_features_i)``, ``intercept`` of shape ``(n_classes,)``; logits are
        ``X @ coef.T + intercept``.
    n_components : sequence of int or None, or None, default=None
        Numbers of canonical pairs fused; ``None`` in the sequence means all of them
        (``min(k_1, k_2)``) and values above that are capped to it. ``None``: 1, the powers
        of two below all pairs, ``n_classes - 1``, ``n_classes`` and all.
    metric : {"accuracy", "f1_macro"}, default="accuracy"
        Score of each method on the validation data (SHL uses ``"f1_macro"``).
    fusions : dict or None, default=None
        CCA fusions to run, ``{name: (fusion, classifier)}`` with ``fusion`` in
        ``{"sum", "concat"}``. ``None``: ``cca_sum_svm`` (``"sum"``, a linear SVM),
        ``cca_sum_kelm`` (``"sum"``,
        ``KernelELMClassifier(solver=kelm_solver, random_state=0)``) and
        ``cca_concat_svm`` (``"concat"``, a linear SVM). The linear SVMs follow the
        kernel ELM's rule (``kelm_solver``): libsvm's ``SVC(kernel="linear")``, the
        papers' classifier, when the kernel ELM is exact, liblinear's
        ``LinearSVC(loss="hinge", C=1, max_iter=10_000, random_state=0)`` (one-vs-rest,
        time linear in the samples) when it is not.
    whitener : PCAWhitener or None, default=None
        Whitener of the CCA, as :class:`~sklearn_ccafusion.CCAProjector`'s (``None``:
        ``PCAWhitener(0.9999)``, at most ``n_train // 4`` directions per view when ``reg``
        is 0).
    reg : float in [0, 1] or pair of floats, default=0.0
        Shrinkage of each view's covariance in the CCA, as
        :class:`~sklearn_ccafusion.CCAProjector`'s.
    classes : array-like of shape (n_classes,) or None, default=None
        Label of each row of the layers; ``None``: ``0 .. n_classes - 1``.
    n_jobs : int or None, default=None
        Parallel jobs over the (fusion, n_components) fits, through joblib (any joblib
        backend applies); with more than one job, each worker pins BLAS to one thread.
    progress : bool or str, default=True
        Show a tqdm progress bar over the tasks; a string names it (e.g. the
        pair fused). The results do not depend on it.
    cache : TaskCache, str, Path or None, default=None
        Where each finished (fusion, ``n_components``) fit stores its validation
        predictions; fits found there are not redone (see
        :func:`~sklearn_ccafusion.study.subspace_study`).
    independent : pair of (features_val, layers), or None, default=None
        Validation features and layers of two other networks of the same views: their
        logit average is the ``independent_logit_average`` yardstick.
    kelm_solver : {"auto", "exact", "nystroem"}, default="auto"
        Solver of the default fusions' kernel ELM
        (:class:`~sklearn_ccafusion.KernelELMClassifier`'s ``solver``): ``"exact"``
        costs an ``n_train x n_train`` kernel matrix and O(n_train^3) time per fit,
        ``"nystroem"`` 1,000 landmarks and O(n_train) time and memory, ``"auto"`` the
        exact solver up to 10,000 training samples. The same rule chooses the default
        linear SVMs' solver: ``SVC(kernel="linear")`` (libsvm, O(n_train^2) time or more)
        with ``"exact"`` and with ``"auto"`` up to 10,000 training samples,
        ``LinearSVC`` (liblinear, O(n_train)) with ``"nystroem"`` and with ``"auto"``
        above. Ignored when ``fusions`` is given.

    Returns
    -------
    results : pandas.DataFrame
        Tidy table with columns ``method``, ``n_components``, ``measure``, ``component``,
        ``value``:

        - ``measure == metric``: validation score of ``view_1``, ``view_2``,
          ``logit_average``, ``proba_average``, ``independent_logit_average`` (with
          ``independent``; ``n_components`` missing) and of each CCA fusion at each
          ``n_components``;
        - ``measure == "agreement"``: fraction of validation predictions equal to those of
          ``logit_average``, for every other method;
        - ``measure == "canonical_correlation"``: for method ``cca_sum_vs_logit_sum``, the
          ``K - 1`` canonical correlations (``component`` 1, 2, ...) between the first
          ``K - 1`` CCA-sum features and the summed class-centred logits on the validation
          data (near 1 when the claim holds; softmax leaves the mean row of the layers
          undetermined, hence ``K - 1``); for method ``view_1_vs_view_2``, all canonical
          correlations of the train features of the two views.

    Examples
    --------
    >>> from sklearn_ccafusion.study import fusion_study, make_planted_features
    >>> X1, X2, y, layers = make_planted_features(900, n_classes=3, n_features=24,
    ...                                           n_nuisance=3, random_state=0)
    >>> df = fusion_study((X1[:600], X2[:600]), y[:600], (X1[600:], X2[600:]), y[600:],
    ...                   layers, n_components=[2, None], progress=False)
    >>> sorted(df["method"].unique())[:3]
    ['cca_concat_svm', 'cca_sum_kelm', 'cca_sum_svm']
    >>> corr = df.query("method == 'cca_sum_vs_logit_sum'")["value"]
    >>> len(corr), bool(corr.min() > 0.95)
    (2, True)
    """
    check_metric(metric)
    uses_liblinear(kelm_solver, 0)  # a misspelt solver is named before any work
    train, y_train, val, y_val, layers = _check_inputs(
        features_train, y_train, features_val, y_val, layers
    )
    n_classes = layers[0][0].shape[0]
    classes = np.arange(n_classes) if classes is None else column_or_1d(classes)
    if len(classes) != n_classes or len(np.unique(classes)) != n_classes:
        raise ValueError(
            f"classes must have {n_classes} distinct labels (one per layer row), got "
            f"{len(classes)} with {len(np.unique(classes))} distinct."
        )
    for name, labels in (("y_train", y_train), ("y_val", y_val)):
        check_labels_in_classes(labels, classes, y_name=name, layer="each layer")
    fusions = default_fusions(kelm_solver, len(y_train)) if fusions is None else dict(fusions)
    rows: list[dict] = []

    # the networks' own layers: each view alone, logit and probability averages
    logits = [X @ coef.T + intercept for X, (coef, intercept) in zip(val, layers)]
    predictions = network_predictions(logits, classes)
    reference = predictions["logit_average"]
    if independent is not None:
        predictions["independent_logit_average"] = _independent_average(
            independent, val, layers, classes
        )

    # the CCA between the views, and the direct measure of the claim
    X_train = np.hstack(train)
    X_val = np.hstack(val)
    view_sizes = (train[0].shape[1], train[1].shape[1])
    cca = CCAProjector(view_sizes=view_sizes, whitener=whitener, reg=reg).fit(X_train)
    n_max = cca.n_components_
    rows += _rows("view_1_vs_view_2", None, "canonical_correlation", cca.canonical_correlations_, 1)
    n_eq = min(n_classes - 1, n_max)
    with warnings.catch_warnings():  # the same CCA as above
        warnings.filterwarnings("ignore", SPURIOUS_MESSAGE, UserWarning)
        fused = (
            CCAProjector(n_eq, view_sizes=view_sizes, whitener=whitener, reg=reg, output="sum")
            .fit(X_train)
            .transform(X_val)
        )
    logit_sum = _class_centred(logits[0]) + _class_centred(logits[1])
    # K - 1 and K known directions: nothing but null directions is dropped, whatever n_val
    equivalence = CCAProjector(view_sizes=(n_eq, n_classes), whitener=PCAWhitener()).fit(
        np.hstack([fused, logit_sum])
    )
    rows += _rows(
        "cca_sum_vs_logit_sum",
        n_eq,
        "canonical_correlation",
        equivalence.canonical_correlations_,
        1,
    )

    # the CCA fusions over the sweep, a joblib map
    sweep = _sweep(n_components, n_max, n_classes)
    tasks = [(method, fusion, clf, n) for method, (fusion, clf) in fusions.items() for n in sweep]
    cache = as_cache(cache)
    keys = _task_keys(tasks, cache, (X_train, y_train, X_val, classes, whitener, reg))
    n_threads = 1 if effective_n_jobs(n_jobs) > 1 else None

    def fit_predict(todo: list[int]):
        results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(_fit_predict)(
                position,
                *tasks[position],
                whitener,
                reg,
                view_sizes,
                X_train,
                y_train,
                X_val,
                n_threads,
            )
            for position in todo
        )
        for position, pred in tqdm(
            results,
            total=len(todo),
            disable=not progress,
            desc=progress if isinstance(progress, str) else "fusion study",
            unit="task",
        ):
            # stored as positions in ``classes``: integers, whatever the labels' type
            yield position, [{"positions": _positions(pred, classes)}]

    def usable(stored: list[dict]) -> bool:
        positions = stored[0].get("positions") if len(stored) == 1 else None
        return (
            isinstance(positions, np.ndarray)
            and positions.dtype == np.intp
            and positions.shape == (len(y_val),)
            and bool(np.all((positions >= 0) & (positions < n_classes)))
        )

    for position, task_rows in load_or_compute(cache, keys, fit_predict, accept=usable):
        method, _, _, n = tasks[position]
        predictions[(method, n)] = classes[task_rows[0]["positions"]]

    for key, pred in predictions.items():
        method, n = key if isinstance(key, tuple) else (key, None)
        rows += _rows(method, n, metric, score(metric, y_val, pred))
        if method != "logit_average":
            rows += _rows(method, n, "agreement", np.mean(pred == reference))

    df = pd.DataFrame(rows, columns=_COLUMNS)
    df["n_components"] = df["n_components"].astype("Int64")
    df["component"] = df["component"].astype("Int64")
    order = {
        m: i
        for i, m in enumerate(
            [
                "view_1",
                "view_2",
                "logit_average",
                "proba_average",
                "independent_logit_average",
                *fusions,
                "cca_sum_vs_logit_sum",
                "view_1_vs_view_2",
            ]
        )
    }
    df = df.sort_values(
        ["method", "measure", "n_components", "component"],
        key=lambda s: s.map(order) if s.name == "method" else s,
        kind="stable",
    )
    return df.reset_index(drop=True)
