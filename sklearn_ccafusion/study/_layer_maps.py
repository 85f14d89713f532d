"""The layer study's similarity and correlation maps, streamed over a loader.

With a loader instead of activations in memory, :func:`layer_study` accumulates
the moments of every layer pair in one pass over the data
(:func:`~sklearn_ccafusion.similarity.stream_layer_similarity`'s engine), so its
memory does not grow with the number of samples; the probes and the alignment
need the activations themselves, so they come back empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch
from sklearn.utils.validation import column_or_1d
from threadpoolctl import threadpool_limits

from sklearn_ccafusion.similarity._streaming import (
    measure_rows,
    stream_layer_moments,
    warn_map_accuracy,
)
from sklearn_ccafusion.study._layer_checks import check_n_directions

__all__ = ["SIMILARITY_MEASURES"]

#: The measures of the layer x layer maps, by name.
SIMILARITY_MEASURES = ("cca_top", "svcca", "pwcca", "cka", "cka_debiased")

_PROBE_COLUMNS = [
    "layer_1",
    "layer_2",
    "depth",
    "width",
    "rank",
    "method",
    "n",
    "metric",
    "score",
    "converged",
]
_ALIGNMENT_COLUMNS = ["layer_1", "layer_2", "depth", "source", "component", "cosine"]


def _model_and_layers(value: Any, name: str) -> tuple[Any, list[str]]:
    if not isinstance(value, (tuple, list)) or len(value) != 2 or isinstance(value[1], Mapping):
        raise TypeError(
            f"With a loader, {name} must be a pair (model, [layer names]), got "
            f"{type(value).__name__}."
        )
    model, names = value
    return model, [names] if isinstance(names, str) else list(names)


def _streamed_study(
    layers_1,
    layers_2,
    y_train,
    loader,
    *,
    pairs,
    n_directions,
    whitener,
    svcca_keep,
    pooling,
    device,
    progress,
    inputs=None,
) -> Bunch:
    """The similarity and correlation maps of :func:`layer_study`, streamed over a loader."""
    model_1, names_1 = _model_and_layers(layers_1, "layers_1")
    model_2, names_2 = _model_and_layers(layers_2, "layers_2")
    k = check_n_directions(
        n_directions, None if y_train is None else np.unique(column_or_1d(y_train))
    )
    moments = stream_layer_moments(
        model_1,
        model_2,
        loader,
        names_1,
        names_2,
        pairs=pairs,
        pooling=pooling,
        device=device,
        progress=progress,
        desc="layer maps (one pass)",
        inputs=inputs,
    )
    depth_1 = {name: i + 1 for i, name in enumerate(names_1)}
    depth_2 = {name: i + 1 for i, name in enumerate(names_2)}
    similarity, correlations, accuracies = [], [], {}
    for (a, b), accumulator in moments.items():
        base = {"layer_1": a, "depth_1": depth_1[a], "layer_2": b, "depth_2": depth_2[b]}
        with threadpool_limits(1):
            rows, rho, accuracies[(a, b)] = measure_rows(
                accumulator,
                SIMILARITY_MEASURES,
                n_top=k,
                whitener=whitener,
                svcca_keep=svcca_keep,
            )
        similarity += [{**base, **row} for row in rows]
        correlations += [
            {**base, "component": i + 1, "correlation": float(r)} for i, r in enumerate(rho)
        ]
    warn_map_accuracy(accuracies, "layer_study")
    return Bunch(
        similarity=pd.DataFrame(similarity),
        correlations=pd.DataFrame(correlations),
        probe=pd.DataFrame(columns=_PROBE_COLUMNS),
        alignment=pd.DataFrame(columns=_ALIGNMENT_COLUMNS),
    )
