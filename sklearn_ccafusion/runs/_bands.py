"""Bootstrap bands of a run's headline numbers: ``cca_highest`` at K, and the fusion agreement.

The subspace and fusion studies report point estimates on one validation set.
This stage keeps the predictions behind the claims' numbers (the first pair of
each sensor, and the first fusion pair) and resamples the validation rows
(:func:`~sklearn_ccafusion.study.bootstrap_scores`), so that ``report.md`` shows
each verdict's number with its 95 % band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sklearn_ccafusion import __version__
from sklearn_ccafusion.fusion import CCASumFusion
from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.study import (
    NetworkFeatures,
    TaskCache,
    bootstrap_scores,
    fingerprint,
    headline_predictions,
)
from sklearn_ccafusion.study._cache import network_key
from sklearn_ccafusion.study._pairing import network_pairs

__all__ = ["bootstrap_bands"]

#: Resamples of every band (the percentile interval's tails need about a thousand).
N_RESAMPLES = 1000


def _cached(cache: TaskCache, key: str, compute) -> pd.DataFrame:
    return pd.DataFrame(cache.load_or_compute(key, lambda: compute().to_dict("records")))


def _subspace_bands(data: StudyData, net, partner, reg, seed) -> pd.DataFrame:
    predictions = headline_predictions(
        net, partner, data.y_train, head_params=data.head_params, reg=reg, random_state=seed
    )
    return bootstrap_scores(
        data.y_validation,
        predictions,
        reference="full/original",
        metric=data.metric,
        n_resamples=N_RESAMPLES,
        random_state=seed,
    )


def _fusion_bands(data: StudyData, first, second, reg, seed) -> pd.DataFrame:
    logits = sum(f.validation @ f.coef.T + f.intercept for f in (first, second))
    logit_average = data.classes[np.argmax(logits, axis=1)]
    fusion = CCASumFusion(view_sizes=(first.n_features, second.n_features), reg=reg)
    fusion.fit(np.hstack([first.train, second.train]), data.y_train)
    fused = fusion.predict(np.hstack([first.validation, second.validation]))
    return bootstrap_scores(
        data.y_validation,
        {"logit_average": logit_average, "cca_sum_svm": fused},
        reference="logit_average",
        metric=data.metric,
        n_resamples=N_RESAMPLES,
        random_state=seed,
    )


def bootstrap_bands(
    data: StudyData,
    networks: dict[str, list[NetworkFeatures]],
    pairs: int,
    cache: TaskCache,
    *,
    reg: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Bands of the headline scores of each sensor's first pair and of the first fusion pair.

    Returns
    -------
    bands : pandas.DataFrame
        :func:`~sklearn_ccafusion.study.bootstrap_scores`'s columns plus ``sensor``
        (``"<sensor 1>+<sensor 2>"`` for the fusion rows).
    """
    frames = []
    labels_key = fingerprint(data.y_train, data.y_validation, data.classes)
    common = {
        "version": __version__,
        "reg": reg,
        "seed": seed,
        "metric": data.metric,
        "n_resamples": N_RESAMPLES,
    }
    for sensor, nets in networks.items():
        net, partner = network_pairs(nets, n_pairs=pairs)[0]
        key = fingerprint(
            {"task": "bands", "head": data.head_params, **common},
            network_key(net),
            network_key(partner),
            labels_key,
        )
        frame = _cached(cache, key, lambda: _subspace_bands(data, net, partner, reg, seed))
        frames.append(frame.assign(sensor=sensor))
    sensors = list(networks)
    view_1, view_2 = sensors[0], sensors[1 if len(sensors) >= 2 else 0]
    first, second = network_pairs(networks[view_1], networks[view_2], n_pairs=pairs)[0]
    name = f"{view_1}+{view_2}"
    key = fingerprint(
        {"task": "fusion bands", **common}, network_key(first), network_key(second), labels_key
    )
    frame = _cached(cache, key, lambda: _fusion_bands(data, first, second, reg, seed))
    frames.append(frame.assign(sensor=name))
    return pd.concat(frames, ignore_index=True)
