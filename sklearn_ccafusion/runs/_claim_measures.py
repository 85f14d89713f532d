"""What the verdicts measure with: rules' numbers, a pair's evidence, resamples, chance.

:mod:`~sklearn_ccafusion.runs._claims` decides; this module holds the
measurements every rule shares: the :class:`Rules` numbers, the evidence of one
network pair (:class:`PairEvidence`), the bootstrap resamples of the validation
samples shared by every score of a run (:func:`bootstrap_rows`), scores and
agreements with their replicates on those resamples, and the chance levels of
the validation labels (:func:`chance_levels`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.validation import column_or_1d

from sklearn_ccafusion.study._bootstrap import _resampled_scores
from sklearn_ccafusion.study._metrics import check_metric, score

__all__ = [
    "PairEvidence",
    "Rules",
    "Scores",
    "bootstrap_rows",
    "chance_levels",
    "percentile_interval",
]


@dataclass(frozen=True, kw_only=True)
class Rules:
    """The numbers the decision rules use.

    Parameters
    ----------
    tolerance : float, default=0.05
        Score gap (most correlated), distance to chance (least correlated),
        agreement below the noise floor (fusion) and cosine resolution
        (alignment) that still counts as "the same".
    alignment : float, default=0.9
        Mean cosine above which the two spans count as the same subspace.
    confidence : float, default=0.95
        Coverage of the percentile bootstrap intervals.
    n_resamples : int, default=1000
        Bootstrap resamples of the validation samples.
    seed : int, default=0
        Seed of the resamples.
    """

    tolerance: float = 0.05
    alignment: float = 0.9
    confidence: float = 0.95
    n_resamples: int = 1000
    seed: int = 0


@dataclass(frozen=True, kw_only=True)
class PairEvidence:
    """What one network pair contributes to the claims.

    Parameters
    ----------
    sensor : str
        The sensor (subspace claims), or ``"A+B"`` (fusion and cross-sensor alignment).
    pair : int
        Index of the network pair.
    kept_pairs : int
        Canonical pairs the pair's CCA keeps.
    predictions : dict of str to ndarray, default={}
        Validation predictions by name. Subspace: ``"full/original"``,
        ``"cca_highest@K/original"``, ``"cca_lowest@K/original"``. Fusion:
        ``"view_1"``, ``"view_2"``, ``"logit_average"``, ``"proba_average"``,
        ``"cca_sum_svm"``, ``"independent_logit_average"``. Alignment:
        ``"full/original"`` (the network whose class subspace is tested).
    alignment : float or None, default=None
        Mean cosine on the validation samples (alignment only).
    alignment_replicates : ndarray of shape (n_resamples,) or None, default=None
        The same on each resample of :func:`bootstrap_rows` (alignment only).
    smallest_cosine : float or None, default=None
        The smallest of those cosines, for the reason.
    """

    sensor: str
    pair: int
    kept_pairs: int
    predictions: dict[str, NDArray] = field(default_factory=dict)
    alignment: float | None = None
    alignment_replicates: NDArray | None = None
    smallest_cosine: float | None = None


def bootstrap_rows(n_samples: int, n_resamples: int = 1000, seed: int = 0) -> NDArray:
    """Row indices of the bootstrap resamples, shared by every score of a run.

    Parameters
    ----------
    n_samples : int
        Validation samples.
    n_resamples : int, default=1000
    seed : int, default=0

    Returns
    -------
    rows : ndarray of shape (n_resamples, n_samples)

    Examples
    --------
    >>> bootstrap_rows(5, 3, seed=0).shape
    (3, 5)
    """
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_samples, size=(n_resamples, n_samples))


def chance_levels(y: ArrayLike, classes: ArrayLike, metric: str = "accuracy") -> dict:
    """What a guess that ignores the input scores on these labels.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Validation labels.
    classes : array-like of shape (n_classes,)
    metric : {"accuracy", "f1_macro"}, default="accuracy"

    Returns
    -------
    levels : dict
        ``uniform`` (1/K), ``majority`` (share of the most frequent class),
        ``counts`` (samples per class, every class listed) and ``chance``: the
        best expected score of a guess that ignores the input (always one
        class, uniform guessing, guessing with the label frequencies), the
        level a score must beat to carry anything of the class.

    Examples
    --------
    >>> levels = chance_levels([0, 0, 0, 1], [0, 1, 2])
    >>> round(levels["uniform"], 3), levels["majority"], levels["chance"], levels["counts"]
    (0.333, 0.75, 0.75, {0: 3, 1: 1, 2: 0})
    """
    check_metric(metric)
    y = column_or_1d(y)
    classes = column_or_1d(classes)
    counts = np.array([(y == c).sum() for c in classes], dtype=float)
    k = len(classes)
    p = counts / max(len(y), 1)
    if metric == "accuracy":
        chance = float(p.max())  # always the majority class; no guess does better
    else:
        # macro F1 of: always class c; uniform guessing; guessing with the frequencies
        constant = 2 * p.max() / (1 + p.max()) / k
        uniform = float(np.mean(np.where(p > 0, 2 * p / (k * p + 1), 0.0)))
        chance = max(constant, uniform, 1.0 / k)  # the last: guessing with the frequencies
    return {
        "uniform": 1.0 / k,
        "majority": float(p.max()),
        "counts": {c.item() if hasattr(c, "item") else c: int(n) for c, n in zip(classes, counts)},
        "chance": float(chance),
    }


def percentile_interval(replicates: NDArray, rules: Rules) -> tuple[float, float]:
    tails = [(1 - rules.confidence) / 2, (1 + rules.confidence) / 2]
    low, high = np.quantile(replicates, tails)
    return float(low), float(high)


class Scores:
    """Scores and their bootstrap replicates, all from the same resamples."""

    def __init__(self, y: NDArray, rows: NDArray, metric: str) -> None:
        self.y, self.rows, self.metric = y, rows, metric

    def score(self, predicted: NDArray) -> tuple[float, NDArray]:
        predicted = np.asarray(predicted)
        return (
            score(self.metric, self.y, predicted),
            _resampled_scores(self.y, predicted, self.rows, self.metric),
        )

    def agreement(self, predicted: NDArray, reference: NDArray) -> tuple[float, NDArray]:
        same = (np.asarray(predicted) == np.asarray(reference)).astype(np.float64)
        return float(same.mean()), same[self.rows].mean(axis=1)
