"""The evidence behind the verdicts: validation predictions of every network pair, and bands.

The subspace and fusion studies report scores. The claims
(:mod:`~sklearn_ccafusion.runs._claims`) need what is behind them, per network
pair, so that the validation samples can be resampled: the predictions of the
full layer and of ``cca_highest`` / ``cca_lowest`` at ``n = K`` for every sensor
and pair; those of each network, of logit and probability averaging, of
CCA-sum fusion and of a logit average of two other, independently trained
networks for every sensor pair and pair; and the class-subspace alignment of
every pair, on the training samples (``alignment.csv``) and on each resample
of the validation samples. Every task is cached like the studies' tasks.

The bands (``bands.csv``) are the percentile bootstrap bands of the headline
scores of every pair (:func:`~sklearn_ccafusion.study.bootstrap_scores`).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import linalg

from sklearn_ccafusion import __version__
from sklearn_ccafusion.cca._cca import CCAProjector
from sklearn_ccafusion.cca._cca_whitening import default_max_rank
from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.fusion import CCASumFusion
from sklearn_ccafusion.runs._claim_measures import PairEvidence, Rules, bootstrap_rows
from sklearn_ccafusion.runs._data import StudyData
from sklearn_ccafusion.study import (
    NetworkFeatures,
    TaskCache,
    bootstrap_scores,
    fingerprint,
    headline_predictions,
)
from sklearn_ccafusion.study._cache import network_key
from sklearn_ccafusion.study._fusion import network_predictions
from sklearn_ccafusion.study._pairing import network_pairs

__all__ = ["bootstrap_bands", "claim_evidence", "fusion_groups"]

#: Resamples of every band (the percentile interval's tails need about a thousand).
N_RESAMPLES = 1000


def _predict(net: NetworkFeatures, classes: np.ndarray) -> np.ndarray:
    return classes[np.argmax(net.validation @ net.coef.T + net.intercept, axis=1)]


def _cached(cache: TaskCache, key: str, compute) -> dict:
    return cache.load_or_compute(key, lambda: [compute()])[0]


def _as_lists(predictions: dict) -> dict:
    return {name: np.asarray(p).tolist() for name, p in predictions.items()}


def _as_arrays(predictions: dict, classes: np.ndarray) -> dict:
    return {name: np.asarray(p, dtype=classes.dtype) for name, p in predictions.items()}


def fusion_groups(sensors: list[str], networks, pairs: int) -> list[tuple]:
    """Every sensor pair (or the only sensor with itself) and network pair, named.

    Returns
    -------
    groups : list of (view_1, view_2, pair, first, second, independent)
        ``first`` and ``second`` are fused; ``independent`` is another pair of
        networks of the same sensors, trained independently of them (``None``
        when the run has none: one sensor and one pair), whose logit average is
        the noise floor of "equivalent".
    """
    groups = []
    if len(sensors) >= 2:
        for a, b in combinations(sensors, 2):
            fused = network_pairs(networks[a], networks[b], n_pairs=pairs)
            # the other halves: network i + pairs of a with network i of b
            others = [
                (net_a, net_b)
                for net_b, net_a in network_pairs(networks[b], networks[a], n_pairs=pairs)
            ]
            for i, ((first, second), independent) in enumerate(zip(fused, others)):
                groups.append((a, b, i, first, second, independent))
    else:
        only = sensors[0]
        fused = network_pairs(networks[only], n_pairs=pairs)
        for i, (first, second) in enumerate(fused):
            independent = fused[(i + 1) % pairs] if pairs > 1 else None
            groups.append((only, only, i, first, second, independent))
    return groups


def _alignment_keep(net: NetworkFeatures, other: NetworkFeatures) -> float | int:
    """The studies' whitening: 0.9999 of the variance, at most the default rank cap."""
    max_rank = default_max_rank(net.train.shape[0])
    if max(net.n_features, other.n_features) <= max_rank:
        return 0.9999
    return max(net.n_classes, max_rank)


def _cosines(X: np.ndarray, directions: np.ndarray, centred_coef: np.ndarray) -> np.ndarray:
    Xc = X - X.mean(axis=0)
    angles = linalg.subspace_angles(Xc @ directions, Xc @ centred_coef.T)
    return np.sort(np.cos(angles))[::-1][: directions.shape[1]]


def _inverse_sqrt(gram: np.ndarray) -> np.ndarray:
    """``G^(-1/2)`` of a stack of symmetric matrices (null directions dropped)."""
    values, vectors = np.linalg.eigh(gram)
    floor = values.max(axis=-1, keepdims=True) * 1e-12
    scale = np.where(values > floor, 1.0 / np.sqrt(np.maximum(values, floor)), 0.0)
    return (vectors * scale[..., None, :]) @ np.swapaxes(vectors, -1, -2)


def _resampled_cosines(
    X: np.ndarray, directions: np.ndarray, centred_coef: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Mean cosine of the principal angles on each resample of the rows of ``X``.

    Both spans are linear in the centred ``X``, so each resample needs only the
    covariance of ``Z = X [A, B]`` (``A`` the directions, ``B`` an orthonormal
    basis of the class-centred rows) under the resample's row counts: one product
    for all resamples, then the cosines are the singular values of
    ``C_AA^(-1/2) C_AB C_BB^(-1/2)``, the same as the principal angles of the
    resampled, centred spans.
    """
    n, k = X.shape[0], directions.shape[1]
    basis = linalg.orth(centred_coef.T)
    Z = X @ np.hstack([directions, basis])
    m = Z.shape[1]
    counts = np.zeros((len(rows), n))
    np.add.at(counts, (np.arange(len(rows))[:, None], rows), 1.0)
    weights = counts / n
    means = weights @ Z
    second = (weights @ (Z[:, :, None] * Z[:, None, :]).reshape(n, m * m)).reshape(-1, m, m)
    cov = second - means[:, :, None] * means[:, None, :]
    a = _inverse_sqrt(cov[:, :k, :k])
    b = _inverse_sqrt(cov[:, k:, k:])
    cosines = np.linalg.svd(a @ cov[:, :k, k:] @ b, compute_uv=False)
    return np.clip(cosines, 0.0, 1.0)[:, :k].mean(axis=1)


def _alignment_pair(net, other, reg, rows) -> dict:
    """Cosines on the training samples, and the mean cosine on each validation resample."""
    k = net.n_classes - 1
    cca = CCAProjector(
        view_sizes=(net.n_features, other.n_features),
        whitener=PCAWhitener(_alignment_keep(net, other)),
        reg=reg,
    ).fit(np.hstack([net.train, other.train]))
    kept = int(cca.n_components_)
    if kept < k:
        return {"kept": kept, "train": [], "validation": [], "replicates": []}
    directions = cca.x_weights_[:, :k]
    centred = net.coef - net.coef.mean(axis=0)
    return {
        "kept": kept,
        "train": _cosines(net.train, directions, centred).tolist(),
        "validation": _cosines(net.validation, directions, centred).tolist(),
        "replicates": _resampled_cosines(net.validation, directions, centred, rows).tolist(),
    }


def _subspace_pair(data: StudyData, net, partner, reg, seed) -> dict:
    predictions = headline_predictions(
        net, partner, data.y_train, head_params=data.head_params, reg=reg, random_state=seed
    )
    lowest = headline_predictions(
        net, partner, data.y_train, methods=("cca_lowest",), heads=("original",), reg=reg
    )
    predictions.update(lowest)
    cca = CCAProjector(view_sizes=(net.n_features, partner.n_features), reg=reg)
    cca.fit(np.hstack([net.train, partner.train]))
    return {"kept": int(cca.n_components_), "predictions": _as_lists(predictions)}


def _fusion_pair(data: StudyData, first, second, independent, reg) -> dict:
    classes = data.classes
    logits = [f.validation @ f.coef.T + f.intercept for f in (first, second)]
    predictions = network_predictions(logits, classes)
    if independent is not None:
        other = sum(f.validation @ f.coef.T + f.intercept for f in independent)
        predictions["independent_logit_average"] = classes[np.argmax(other, axis=1)]
    fusion = CCASumFusion(view_sizes=(first.n_features, second.n_features), reg=reg)
    fusion.fit(np.hstack([first.train, second.train]), data.y_train)
    predictions["cca_sum_svm"] = fusion.predict(np.hstack([first.validation, second.validation]))
    return {"kept": int(fusion.n_components_), "predictions": _as_lists(predictions)}


def claim_evidence(
    data: StudyData,
    networks: dict[str, list[NetworkFeatures]],
    pairs: int,
    cache: TaskCache,
    *,
    reg: float = 0.0,
    seed: int = 0,
    rules: Rules | None = None,
) -> tuple[dict[str, list[PairEvidence]], pd.DataFrame]:
    """The evidence of every network pair, and the alignment table.

    Returns
    -------
    evidence : dict of str to list of PairEvidence
        ``"subspace"``, ``"fusion"`` and ``"alignment"``, for
        :func:`~sklearn_ccafusion.runs._claims.judge_claims`.
    alignment : pandas.DataFrame
        ``alignment.csv``: ``sensor``, ``partner``, ``pair``, ``direction``,
        ``cosine`` (on the training samples, CCA with the run's ``reg``).
    """
    rules = Rules(seed=seed) if rules is None else rules
    classes = data.classes
    labels_key = fingerprint(data.y_train, data.y_validation, classes)
    common = {"version": __version__, "reg": reg, "seed": seed, "metric": data.metric}
    evidence: dict[str, list[PairEvidence]] = {"subspace": [], "fusion": [], "alignment": []}

    for sensor, nets in networks.items():
        for i, (net, partner) in enumerate(network_pairs(nets, n_pairs=pairs)):
            key = fingerprint(
                {"task": "claim subspace", "head": data.head_params, **common},
                network_key(net),
                network_key(partner),
                labels_key,
            )
            item = _cached(cache, key, lambda: _subspace_pair(data, net, partner, reg, seed))
            evidence["subspace"].append(
                PairEvidence(
                    sensor=sensor,
                    pair=i,
                    kept_pairs=item["kept"],
                    predictions=_as_arrays(item["predictions"], classes),
                )
            )

    for view_1, view_2, i, first, second, independent in fusion_groups(
        list(networks), networks, pairs
    ):
        keys = [network_key(n) for n in (first, second, *(independent or ()))]
        key = fingerprint({"task": "claim fusion", **common}, *keys, labels_key)
        item = _cached(cache, key, lambda: _fusion_pair(data, first, second, independent, reg))
        evidence["fusion"].append(
            PairEvidence(
                sensor=f"{view_1}+{view_2}",
                pair=i,
                kept_pairs=item["kept"],
                predictions=_as_arrays(item["predictions"], classes),
            )
        )

    rows = bootstrap_rows(len(data.y_validation), rules.n_resamples, rules.seed)
    table = []
    sensors = list(networks)
    for sensor, partner in [(s, s) for s in sensors] + list(combinations(sensors, 2)):
        couples = network_pairs(networks[sensor], networks[partner], n_pairs=pairs)
        for i, (net, other) in enumerate(couples):
            key = fingerprint(
                {"task": "claim alignment", "n_resamples": rules.n_resamples, **common},
                network_key(net),
                network_key(other),
                labels_key,
            )
            item = _cached(cache, key, lambda: _alignment_pair(net, other, reg, rows))
            table += [
                {"sensor": sensor, "partner": partner, "pair": i, "direction": d, "cosine": c}
                for d, c in enumerate(item["train"], start=1)
            ]
            name = sensor if sensor == partner else f"{sensor}+{partner}"
            cosines = item["validation"] or [np.nan]  # too few pairs: judged inconclusive
            evidence["alignment"].append(
                PairEvidence(
                    sensor=name,
                    pair=i,
                    kept_pairs=item["kept"],
                    predictions={"full/original": _predict(net, classes)},
                    alignment=float(np.mean(cosines)),
                    alignment_replicates=np.asarray(item["replicates"] or [np.nan]),
                    smallest_cosine=float(np.min(cosines)),
                )
            )
    return evidence, pd.DataFrame(
        table, columns=["sensor", "partner", "pair", "direction", "cosine"]
    )


def bootstrap_bands(
    data: StudyData, evidence: dict[str, list[PairEvidence]], *, seed: int = 0
) -> pd.DataFrame:
    """Bands of the headline scores of every pair, from the evidence's predictions.

    Returns
    -------
    bands : pandas.DataFrame
        :func:`~sklearn_ccafusion.study.bootstrap_scores`'s columns plus ``sensor``
        (``"<sensor 1>+<sensor 2>"`` for the fusion rows) and ``pair``.
    """
    frames = []
    for ev in evidence.get("subspace", ()):
        frame = bootstrap_scores(
            data.y_validation,
            ev.predictions,
            reference="full/original",
            metric=data.metric,
            n_resamples=N_RESAMPLES,
            random_state=seed,
        )
        frames.append(frame.assign(sensor=ev.sensor, pair=ev.pair))
    for ev in evidence.get("fusion", ()):
        frame = bootstrap_scores(
            data.y_validation,
            ev.predictions,
            reference="logit_average",
            metric=data.metric,
            n_resamples=N_RESAMPLES,
            random_state=seed,
        )
        frames.append(frame.assign(sensor=ev.sensor, pair=ev.pair))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
