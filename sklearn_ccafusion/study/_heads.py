"""The two heads that classify features projected on a subspace.

The "original" head is the network's own classification layer, applied as it is;
the "retrained" head is that layer retrained on the projected training features
(warm-started from the trained weights). :func:`predict_heads` gives both for one
fitted :class:`~sklearn_ccafusion.SubspaceProjector` and one dimension: the
subspace study and the bootstrap of its headline number share it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy import linalg
from sklearn.exceptions import ConvergenceWarning

from sklearn_ccafusion.cca._subspace import SubspaceProjector
from sklearn_ccafusion.head._class_layer import ClassLayerClassifier
from sklearn_ccafusion.study._features import NetworkFeatures

__all__ = ["HEADS", "HeadPrediction", "check_heads", "predict_heads", "span_basis"]

HEADS = ("original", "retrained")


class HeadPrediction(NamedTuple):
    """One head's validation predictions, with its solver's iterations and convergence.

    ``coef`` and ``intercept``: the retrained layer in the features' coordinates (a
    warm start for the next dimension); ``None`` for the original head.
    """

    predicted: NDArray
    n_iter: int = 0
    converged: bool = True
    coef: NDArray | None = None
    intercept: NDArray | None = None


def check_heads(heads: Sequence[str]) -> None:
    """Raise a ValueError naming the valid heads when ``heads`` holds another one."""
    unknown = sorted(set(heads) - set(HEADS))
    if unknown:
        raise ValueError(f"Unknown head(s) {unknown}; valid heads are {list(HEADS)}.")


def span_basis(projector: SubspaceProjector, n: int) -> NDArray | None:
    """Orthonormal basis of the affine span of the projected rows (None: everything).

    The retrained layer's optimum has no component outside that span (the
    loss does not see it and the weight decay removes it), so the layer is
    retrained in those ``n + 1`` coordinates: the same minimiser, far cheaper.
    """
    if n >= projector._limit():
        return None
    keep = projector._basis.order[:n]
    spanning = np.vstack([projector._basis.inverse[keep], projector.mean_[None, :]])
    return linalg.orth(spanning.T)


def _retrained_prediction(
    projector: SubspaceProjector,
    network: NetworkFeatures,
    n: int,
    projected_validation: NDArray,
    y_train: NDArray,
    head_params: Mapping,
    start: tuple[NDArray, NDArray] | None,
) -> HeadPrediction:
    """The layer retrained on the projected training features, in their span's coordinates.

    A ``ConvergenceWarning`` of the retraining is recorded in ``converged``, not shown.
    """
    coef, intercept = (network.coef, network.intercept) if start is None else start
    train, validation = projector._project(network.train, n), projected_validation
    span = span_basis(projector, n)
    if span is not None:
        train, validation, coef = train @ span, validation @ span, coef @ span
    layer = ClassLayerClassifier(coef, intercept, network.classes, retrain=True, **head_params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        layer.fit(train, y_train)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    converged = bool(getattr(layer, "converged_", True)) and not warned
    full_coef = layer.coef_ if span is None else layer.coef_ @ span.T
    return HeadPrediction(
        layer.predict(validation), layer.n_iter_, converged, full_coef, layer.intercept_
    )


def predict_heads(
    projector: SubspaceProjector,
    network: NetworkFeatures,
    n: int,
    heads: Sequence[str],
    y_train: NDArray,
    head_params: Mapping,
    start: tuple[NDArray, NDArray] | None = None,
) -> dict[str, HeadPrediction]:
    """Each head's predictions of ``network``'s validation features projected on ``n`` dims.

    ``projector`` is fitted with ``network``'s training features as its first view. The
    retrained head starts from ``start`` (a layer's ``coef, intercept`` in the features'
    coordinates, e.g. a previous dimension's), by default from the network's own layer.
    """
    check_heads(heads)
    projected_validation = projector._project(network.validation, n)
    predictions = {}
    for head in heads:
        if head == "original":
            layer = ClassLayerClassifier(network.coef, network.intercept, network.classes)
            layer.fit(projected_validation[:1])
            predictions[head] = HeadPrediction(layer.predict(projected_validation))
        else:
            predictions[head] = _retrained_prediction(
                projector, network, n, projected_validation, y_train, head_params, start
            )
    return predictions
