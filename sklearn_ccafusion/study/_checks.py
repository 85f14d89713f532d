"""Checks a study makes before its tasks: labels against the layers, CCA ranks against n."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from sklearn_ccafusion.cca._cca_whitening import (
    default_max_rank,
    per_view_reg,
    warn_spurious_correlations,
)
from sklearn_ccafusion.cca._subspace import SubspaceProjector
from sklearn_ccafusion.study._features import NetworkFeatures
from sklearn_ccafusion.utils._validation import check_labels_in_classes

__all__ = ["check_network_labels", "check_cca_ranks"]


def check_network_labels(
    networks: Sequence[NetworkFeatures], y_train: NDArray, y_validation: NDArray
) -> None:
    """Raise when the labels are not among a network's ``classes``."""
    for index, network in enumerate(networks):
        for name, y in (("y_train", y_train), ("y_validation", y_validation)):
            check_labels_in_classes(
                y, network.classes, y_name=name, layer=f"network {index}'s layer"
            )


def check_cca_ranks(
    networks: Sequence[NetworkFeatures],
    partners: Sequence[NetworkFeatures],
    methods: Sequence[str],
    whitener,
    reg,
) -> None:
    """Warn, once, when the CCA of a pair cannot support the study's comparison.

    Two cases, both only possible when the views are wide beside the training
    rows: the kept ranks let noise reach canonical correlations of 1 (an explicit
    whitener; see :func:`~sklearn_ccafusion.cca._cca_whitening.warn_spurious_correlations`),
    or view 1 keeps fewer than ``2 * n_classes - 1`` directions, so that at
    ``n = n_classes`` ``cca_lowest`` shares directions with ``cca_highest`` (and both
    are the identity from ``n = k_1`` on).
    """
    if not {"cca_highest", "cca_lowest", "cca_random"} & set(methods):
        return
    seen: set[tuple[int, int]] = set()
    said_spurious = said_small = False
    for network, partner in zip(networks, partners):
        n_samples = network.train.shape[0]
        needed = 2 * network.n_classes - 1
        small = default_max_rank(n_samples) < needed  # the default cap keeps too few
        wide = 2 * (network.n_features + partner.n_features) > n_samples  # k1 + k2 > n / 2?
        key = (id(network), id(partner))
        if not (small or wide) or key in seen:
            continue
        seen.add(key)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            projector = SubspaceProjector(
                view_sizes=(network.n_features, partner.n_features), whitener=whitener, reg=reg
            ).fit(np.hstack([network.train, partner.train]))
        if not said_spurious:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", UserWarning)
                warn_spurious_correlations(
                    projector.canonical_correlations_,
                    projector._basis.ranks,
                    n_samples,
                    per_view_reg(reg),
                    "subspace_study",
                )
            for record in caught:
                warnings.warn(record.message, UserWarning, stacklevel=3)
                said_spurious = True
        k1 = projector.basis_size_
        if small and k1 < needed and not said_small:
            said_small = True
            default = whitener is None and not any(per_view_reg(reg))
            cause = " (whitener=None keeps at most n_train // 4)" if default else ""
            warnings.warn(
                f"subspace_study: the CCA keeps k1 = {k1} directions of the projected view"
                f"{cause} with {n_samples} training rows, fewer than 2 * n_classes - 1 = "
                f"{needed}: at n = n_classes, cca_lowest then shares class directions with "
                "cca_highest, and from n = k1 on both return all the features, so their "
                "comparison says nothing. Use more training rows, or a regularised CCA "
                "that keeps every direction: reg=0.1, whitener=PCAWhitener(0.9999).",
                UserWarning,
                stacklevel=3,
            )
