"""The layer study: where along the depth do two networks' class subspaces become correlated?

Moreau et al. (2021) show that the most correlated directions of two networks'
penultimate features are their class components, and leave the earlier layers
out of scope. :func:`layer_study` takes the activations of chosen layers of two
networks (same or different sensors) and measures, for every layer pair, the
canonical correlations and the CCA similarity family (SVCCA, PWCCA, linear CKA
biased and debiased) as layer x layer maps; for each paired layer, a linear
probe (a multinomial classification layer retrained on the layer's training
activations) on its ``K`` most and least correlated canonical directions
against the whole layer, as the subspace study does; and the class-subspace
alignment of the top canonical directions with the probe's class directions (and,
at the last layer, with the network's own classification layer).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import Bunch
from sklearn.utils.validation import column_or_1d
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from sklearn_ccafusion.cca._cca import CCAProjector
from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.head._class_layer import ClassLayerClassifier
from sklearn_ccafusion.similarity._measures import (
    class_subspace_alignment,
    linear_cka,
    pwcca,
    svcca,
)
from sklearn_ccafusion.study._features import NetworkFeatures
from sklearn_ccafusion.study._layer_checks import (
    check_class_layer,
    check_layer_labels,
    check_layers,
    check_methods,
    check_n_directions,
    resolve_pairs,
)
from sklearn_ccafusion.study._layer_maps import (
    _ALIGNMENT_COLUMNS,
    SIMILARITY_MEASURES,
    _streamed_study,
)
from sklearn_ccafusion.study._metrics import check_metric
from sklearn_ccafusion.study._metrics import score as metric_score
from sklearn_ccafusion.study._subspace import subspace_study

__all__ = ["SIMILARITY_MEASURES", "layer_study"]


def _map_rows(X1: NDArray, X2: NDArray, n_top: int, whitener, keep) -> tuple[list, NDArray]:
    """The similarity measures of one layer pair, and its canonical correlations."""
    sizes = (X1.shape[1], X2.shape[1])
    rho = CCAProjector(view_sizes=sizes, whitener=whitener).fit(np.hstack([X1, X2]))
    rho = rho.canonical_correlations_
    values = {
        "cca_top": float(np.mean(rho[:n_top])),
        "svcca": svcca(X1, X2, keep=keep),
        "pwcca": pwcca(X1, X2),
        "cka": linear_cka(X1, X2),
        "cka_debiased": linear_cka(X1, X2, debiased=True),
    }
    return [{"measure": m, "value": v} for m, v in values.items()], rho


def _full_probe(train: NDArray, y_train: NDArray, classes: NDArray, head_params):
    """A multinomial layer trained on the whole layer: its score and class directions."""
    probe = ClassLayerClassifier(
        np.zeros((classes.size, train.shape[1])), None, classes, retrain=True, **head_params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # recorded in "converged"
        return probe.fit(train, y_train)


def _subspace_probe(
    base, train, val, partner_train, partner_val, classes, k, y_train, y_validation, **study_params
) -> list[dict]:
    """Probes on ``k`` directions of each method: the subspace study at one dimension."""
    zeros = np.zeros(classes.size)
    network = NetworkFeatures(train, val, np.zeros((classes.size, train.shape[1])), zeros, classes)
    partner = NetworkFeatures(
        partner_train, partner_val, np.zeros((classes.size, partner_train.shape[1])), zeros, classes
    )
    scores = subspace_study(
        network,
        partner,
        y_train,
        y_validation,
        dimensions=[k],
        repeats=1,
        heads=["retrained"],
        progress=False,
        **study_params,
    )
    return [
        {
            **base,
            "method": row.method,
            "n": int(row.n),
            "metric": row.metric,
            "score": float(row.score),
            "converged": bool(row.converged),
        }
        for row in scores.itertuples()
    ]


def _alignment_rows(X1, X2, coef, keep, base) -> list[dict]:
    try:
        cosines = class_subspace_alignment(X1, X2, coef, keep=keep)
    except ValueError:  # fewer canonical pairs than class directions: nothing to align
        return []
    return [{**base, "component": i + 1, "cosine": float(c)} for i, c in enumerate(cosines)]


def layer_study(
    layers_1: Mapping[str, tuple[ArrayLike, ArrayLike]],
    layers_2: Mapping[str, tuple[ArrayLike, ArrayLike]],
    y_train: ArrayLike,
    y_validation: ArrayLike,
    *,
    pairs: Sequence[tuple[str, str]] | None = None,
    class_layer: tuple[ArrayLike, ArrayLike] | None = None,
    n_directions: int | None = None,
    methods: Sequence[str] = ("cca_highest", "cca_lowest"),
    metric: str = "accuracy",
    whitener: PCAWhitener | None = None,
    svcca_keep: float | int = 0.99,
    head_params: Mapping | None = None,
    n_jobs: int | None = None,
    random_state: int | None = None,
    progress: bool = True,
    loader: Iterable | None = None,
    pooling: str = "avg",
    device: Any = None,
    loader_inputs: tuple[int, int] | None = None,
) -> Bunch:
    """CCA similarity maps, probes and class-subspace alignment over two networks' layers.

    Given the layers' activations, everything is computed in memory. Given a
    ``loader`` instead, ``layers_1`` and ``layers_2`` name the networks and their
    layers, and the similarity and correlation maps are streamed in one pass
    over the loader (:func:`~sklearn_ccafusion.similarity.stream_layer_similarity`:
    exact, on the networks' device, memory independent of the number of
    samples); the probes and the alignment, which train on the activations, are
    then left out (empty tables).

    Parameters
    ----------
    layers_1 : mapping of str to (train, validation) arrays, or (model, layer names)
        Activations of network 1's layers, in depth order: each a pair of arrays
        of shape ``(n_train, width)`` and ``(n_validation, width)`` (for
        instance from :meth:`sklearn_ccafusion.nets.LayerFeatures.layer_features`,
        or :func:`sklearn_ccafusion.nets.layer_activations`). With ``loader``: a
        pair ``(model, [layer names])`` (a torch module or a fitted
        :class:`~sklearn_ccafusion.nets.SensorNetClassifier`).
    layers_2 : mapping of str to (train, validation) arrays, or (model, layer names)
        Network 2's, the same samples in the same order (same or another sensor).
    y_train : array-like of shape (n_train,) or None
        Labels of the training samples (with ``loader``: only their number of
        classes is used, as the default ``n_directions``; may be None).
    y_validation : array-like of shape (n_validation,) or None
        Labels of the validation samples (not used with ``loader``).
    pairs : sequence of (str, str) or None, default=None
        The layer pairs probed together (network 1's layer projected, with
        network 2's as its CCA partner); ``None``: the layers in order, when
        both networks have as many.
    class_layer : (coef, intercept) or None, default=None
        Network 1's own classification layer (``coef`` of shape
        ``(n_classes, width)``, one row per class of ``y_train``; ``intercept``
        of shape ``(n_classes,)`` or None); at the last pair, whose network-1
        layer must be the penultimate one, its class directions are aligned too
        (``source="network"``).
    n_directions : int or None, default=None
        ``K``, the number of canonical directions probed and averaged in the
        ``cca_top`` map; ``None``: the number of classes.
    methods : sequence of str, default=("cca_highest", "cca_lowest")
        Subspaces probed at ``K`` directions (any of
        :data:`sklearn_ccafusion.subspace.METHODS`, or none); the whole layer is
        always probed (``method="full"``).
    metric : {"accuracy", "f1_macro"}, default="accuracy"
    whitener : PCAWhitener or None, default=None
        Whitener of the CCA (``None``: ``PCAWhitener(0.9999)``).
    svcca_keep : float or int, default=0.99
        Variance fraction (or directions) SVCCA keeps in each layer.
    head_params : mapping or None, default=None
        Parameters of the probes' :class:`~sklearn_ccafusion.ClassLayerClassifier`
        (``weight_decay``, ``tol``, ``max_iter``, ``class_weight``).
    n_jobs : int or None, default=None
        joblib workers of the probes.
    random_state : int or None, default=None
        Seed of the random subspaces, if any are probed.
    progress : bool, default=True
        Show progress bars (with ``loader``: one over the batches of the pass).
    loader : iterable of batches or None, default=None
        Stream the maps over these batches of training inputs (a
        :class:`torch.utils.data.DataLoader` or any iterable of input tensors or
        ``(inputs, targets)`` tuples) instead of taking activations.
    pooling : {"avg", "flatten"}, default="avg"
        With ``loader``: reduction of convolutional outputs. ``"avg"`` keeps
        ``channels`` features per layer, so a layer pair's moments take
        ``8 (c_1 + c_2)^2`` bytes (2 MiB for 256 + 256 channels); ``"flatten"``
        keeps ``channels * height * width`` features, whose moments grow with
        the square (``64 x 32 x 32`` gives 65,536 features: 32 GiB per pair,
        beyond most memories). In memory, the activations themselves take
        ``4 n_samples * width`` bytes per layer.
    device : str, torch.device or None, default=None
        With ``loader``: where plain modules run (``None``: where their
        parameters are).
    loader_inputs : (int, int) or None, default=None
        With ``loader``: positions in each batch (a tuple) of network 1's and
        network 2's inputs, when they read different sensors; ``None``: both
        read the batch's first item.

    Returns
    -------
    result : sklearn.utils.Bunch
        Tidy DataFrames, layers numbered by ``depth_1`` / ``depth_2`` (1-based
        positions in ``layers_1`` / ``layers_2``):

        - ``similarity``: ``layer_1, depth_1, layer_2, depth_2, measure, value``
          for every layer pair and each of :data:`SIMILARITY_MEASURES`
          (``cca_top``: mean of the first ``K`` canonical correlations), on the
          training activations.
        - ``correlations``: ``layer_1, depth_1, layer_2, depth_2, component,
          correlation``, every canonical correlation of every layer pair.
        - ``probe``: ``layer_1, layer_2, depth, width, rank, method, n, metric,
          score, converged``, validation scores of a linear layer retrained on
          each paired layer projected on its ``K`` directions of each method, and
          on the whole layer (``method="full"``, ``n = width``). ``rank`` is the
          layer's rank kept by the whitener: when ``K >= rank`` every method
          keeps the whole layer.
        - ``alignment``: ``layer_1, layer_2, depth, source, component, cosine``,
          cosines of the principal angles between the span of the first
          ``K' - 1`` canonical variates of network 1's layer and its class
          directions, those of a probe trained on the whole layer
          (``source="probe"``) and, at the last pair, the network's own
          (``source="network"``); ``K'`` is the number of classes.

    Raises
    ------
    ValueError
        Before any layer is measured: when ``y_train`` holds a single class,
        ``n_directions`` is below 1, a pair names an unknown layer, is not a
        pair of names or is listed twice, a method is unknown, or
        ``class_layer`` has another number of rows than ``y_train`` has
        classes, another width than the last pair's layer of network 1, or a
        non-finite intercept.
    TypeError
        When ``n_directions`` is not an int (``2.7``), ``pairs`` is not a list
        of pairs, or ``class_layer`` is not a ``(coef, intercept)`` pair.

    See Also
    --------
    sklearn_ccafusion.nets.LayerFeatures : Activations of any named layers.
    subspace_study : The probe's machinery, at the penultimate layer.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion.study import layer_study
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 300)
    >>> def layers(seed):
    ...     r = np.random.default_rng(seed)
    ...     deep = np.eye(3)[y] @ r.normal(size=(3, 6)) + 0.3 * r.normal(size=(300, 6))
    ...     shallow = r.normal(size=(300, 6)) + 0.3 * deep
    ...     return {"shallow": (shallow[:200], shallow[200:]), "deep": (deep[:200], deep[200:])}
    >>> result = layer_study(layers(1), layers(2), y[:200], y[200:], progress=False)
    >>> sorted(result)
    ['alignment', 'correlations', 'probe', 'similarity']
    >>> top = result.similarity.query("measure == 'cca_top' and layer_1 == layer_2")
    >>> bool(top["value"].iloc[1] > top["value"].iloc[0])  # deep more correlated
    True
    """
    if loader is not None:
        check_n_directions(n_directions, None)
        return _streamed_study(
            layers_1,
            layers_2,
            y_train,
            loader,
            pairs="all",
            n_directions=n_directions,
            whitener=whitener,
            svcca_keep=svcca_keep,
            pooling=pooling,
            device=device,
            progress=progress,
            inputs=loader_inputs,
        )
    y_train, y_validation = column_or_1d(y_train), column_or_1d(y_validation)
    layers_1 = check_layers(layers_1, "layers_1", len(y_train), len(y_validation))
    layers_2 = check_layers(layers_2, "layers_2", len(y_train), len(y_validation))
    names_1, names_2 = list(layers_1), list(layers_2)
    pairs = resolve_pairs(pairs, names_1, names_2)
    classes = check_layer_labels(y_train)
    k = check_n_directions(n_directions, classes)
    methods = check_methods(methods)
    check_metric(metric)
    last = pairs[-1][0]
    own = check_class_layer(class_layer, classes, last, layers_1[last][0].shape[1])
    head_params = dict(head_params or {})
    depth_1 = {name: i + 1 for i, name in enumerate(names_1)}
    depth_2 = {name: i + 1 for i, name in enumerate(names_2)}

    similarity, correlations = [], []
    grid = [(a, b) for a in names_1 for b in names_2]
    for a, b in tqdm(grid, disable=not progress, desc="layer maps", unit="pair"):
        base = {"layer_1": a, "depth_1": depth_1[a], "layer_2": b, "depth_2": depth_2[b]}
        with threadpool_limits(1):  # small matrices: BLAS threads would only contend
            rows, rho = _map_rows(layers_1[a][0], layers_2[b][0], k, whitener, svcca_keep)
        similarity += [{**base, **row} for row in rows]
        correlations += [
            {**base, "component": i + 1, "correlation": float(r)} for i, r in enumerate(rho)
        ]

    probe, alignment = [], []
    keep = 0.9999 if whitener is None else whitener.n_components
    for a, b in tqdm(pairs, disable=not progress, desc="layer probes", unit="layer"):
        (train, val), (partner_train, partner_val) = layers_1[a], layers_2[b]
        width = train.shape[1]
        with threadpool_limits(1):
            rank = clone(whitener or PCAWhitener()).fit(train).n_components_
        base = {"layer_1": a, "layer_2": b, "depth": depth_1[a], "width": width, "rank": rank}
        with threadpool_limits(1):
            full = _full_probe(train, y_train, classes, head_params)
            score = metric_score(metric, y_validation, full.predict(val))
        probe.append(
            {
                **base,
                "method": "full",
                "n": width,
                "metric": metric,
                "score": float(score),
                "converged": full.n_iter_ < full.max_iter,
            }
        )
        if k < width and methods:
            probe += _subspace_probe(
                base,
                train,
                val,
                partner_train,
                partner_val,
                classes,
                k,
                y_train,
                y_validation,
                methods=methods,
                metric=metric,
                head_params=head_params,
                whitener=whitener,
                n_jobs=n_jobs,
                random_state=random_state,
            )
        align_base = {"layer_1": a, "layer_2": b, "depth": depth_1[a]}
        with threadpool_limits(1):
            alignment += _alignment_rows(
                train, partner_train, full.coef_, keep, {**align_base, "source": "probe"}
            )
        if own is not None and (a, b) == pairs[-1]:
            with threadpool_limits(1):
                alignment += _alignment_rows(
                    train, partner_train, own, keep, {**align_base, "source": "network"}
                )
    return Bunch(
        similarity=pd.DataFrame(similarity),
        correlations=pd.DataFrame(correlations),
        probe=pd.DataFrame(probe),
        alignment=pd.DataFrame(alignment, columns=_ALIGNMENT_COLUMNS),
    )
