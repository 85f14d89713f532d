"""The verdict of each claim of the paper: decision rules written once, applied per pair.

A verdict is a statistical decision, not a comparison of means. Each claim is
judged on every network pair with a percentile bootstrap interval over the
validation samples (the same resamples for every score, so that two scores of
the same samples are compared pair by pair), against the chance levels of the
validation labels and against yardsticks measured in the same run; the pairs'
verdicts are then summarised per sensor ("holds for 2 of 3 pairs"). Each
verdict is ``PASS``, ``FAIL`` or ``INCONCLUSIVE``, with its reason.

The claims (``K`` classes, every score with the network's own layer):

``most_correlated_keep_score``
    The ``K`` most correlated canonical directions keep the full score. Value:
    the gap, full-layer score minus ``cca_highest`` at ``n = K`` (paired).
    PASS when the interval's upper end is within the tolerance; FAIL when its
    lower end is beyond it.
``least_correlated_at_chance``
    The ``K`` least correlated directions carry nothing of the class. Value:
    ``cca_lowest`` at ``n = K``. Reference: chance, the best score a guess that
    ignores the input reaches on the validation labels (the majority share for
    accuracy). PASS when the interval's upper end is within the tolerance of
    chance (a score below chance carries nothing either); FAIL when its lower
    end is beyond it.
``fusion_equals_logit_average``
    CCA-sum fusion (all canonical pairs, linear SVM) predicts as logit averaging
    does. Value: its agreement with logit averaging. Reference: the noise floor
    of "equivalent", the agreement between two logit averages of independently
    trained networks of the same sensors. PASS when the interval's lower end
    reaches the noise floor minus the tolerance; FAIL when its upper end stays
    below it. A single network is a yardstick: when one agrees with logit
    averaging as well (at or above the interval's lower end), the test cannot
    tell fusion from one network: INCONCLUSIVE.
``class_subspace_alignment``
    The first ``K - 1`` canonical directions span the class-centred logits.
    Value: the mean cosine of the principal angles between the two spans on the
    validation samples (CCA fitted on the training samples). PASS when the
    interval's lower end is at least the threshold (0.9); FAIL when its upper
    end is below it.

Before any of these, a pair is INCONCLUSIVE, with the reason, when:

- the network (each network, for fusion) does not beat chance: the lower end
  of its full-layer score's interval is at or below chance;
- the CCA keeps fewer than ``2K - 1`` canonical pairs: the ``K`` least
  correlated directions then include some of the ``K - 1`` class directions;
- the validation samples cannot resolve the tolerance: fewer than ``3 /
  tolerance`` of them (an error never seen in ``n`` samples can still happen
  at a rate of ``3 / n`` at 95 %, the "rule of three"), or an interval wider
  than the tolerance band (``2 * tolerance``, the band ``+-tolerance`` any
  interval must fit in to decide);
- (``most_correlated_keep_score``) every random subspace method keeps the full
  score at ``n = K`` too: the test does not single out the canonical directions.

Per sensor (``pair == "all"``): the value is the mean over the pairs and the
interval that of the mean, from the same resamples; the verdict is PASS when
every pair passes, FAIL when most pairs fail, INCONCLUSIVE otherwise (the
pairs disagree, or some cannot decide). The run's quick mode marks every
verdict indicative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.validation import column_or_1d

from sklearn_ccafusion.runs._claim_measures import (
    PairEvidence,
    Rules,
    Scores,
    bootstrap_rows,
    chance_levels,
    percentile_interval,
)

__all__ = [
    "CLAIMS",
    "COLUMNS",
    "PairEvidence",
    "Rules",
    "bootstrap_rows",
    "chance_levels",
    "judge_claims",
]

#: The claims, in the order of the report.
CLAIMS = (
    "most_correlated_keep_score",
    "least_correlated_at_chance",
    "fusion_equals_logit_average",
    "class_subspace_alignment",
)
#: The columns of ``claims.csv``.
COLUMNS = [
    "claim",
    "sensor",
    "pair",
    "value",
    "ci_low",
    "ci_high",
    "reference",
    "threshold",
    "verdict",
    "reason",
]
_RANDOM_METHODS = ("random_selection", "random_projection", "cca_random")
_QUICK = "indicative only: a quick run (fewer samples, epochs, pairs and dimensions)"


# --------------------------------------------------------------------- helpers
def _gate(
    *,
    rules: Rules,
    n_samples: int,
    n_classes: int,
    kept_pairs: int,
    beats: Sequence[tuple[str, float, float]],
    chance: float,
    interval: tuple[float, float],
) -> str | None:
    """The reason a pair cannot be judged, or ``None``."""
    for name, value, low in beats:
        if low <= chance:
            return (
                f"{name} does not beat chance: {value:.3f}, interval down to {low:.3f}, "
                f"chance {chance:.3f}"
            )
    needed = 2 * n_classes - 1
    if kept_pairs < needed:
        return (
            f"the CCA keeps {kept_pairs} canonical pairs, fewer than 2K - 1 = {needed}: the "
            "K least correlated directions overlap the K - 1 class directions"
        )
    if 3 / n_samples > rules.tolerance:
        return (
            f"{n_samples} validation samples cannot resolve the tolerance {rules.tolerance}: an "
            f"error never seen in them can still occur at 3/n = {3 / n_samples:.3f} "
            "(rule of three)"
        )
    low, high = interval
    if high - low > 2 * rules.tolerance:
        return (
            f"the interval [{low:.3f}, {high:.3f}] is wider than the tolerance band "
            f"(+-{rules.tolerance}): the {n_samples} validation samples cannot decide"
        )
    return None


def _row(claim, sensor, pair, value, interval, reference, threshold, verdict, reason) -> dict:
    return {
        "claim": claim,
        "sensor": sensor,
        "pair": pair,
        "value": float(value),
        "ci_low": interval[0],
        "ci_high": interval[1],
        "reference": float(reference),
        "threshold": float(threshold),
        "verdict": verdict,
        "reason": reason,
    }


def _decide(low, high, *, passes, fails) -> str:
    if passes(low, high):
        return "PASS"
    if fails(low, high):
        return "FAIL"
    return "INCONCLUSIVE"


def _random_keep_full(results, sensor, pair, k, full, tolerance) -> str | None:
    if results is None or not len(results):
        return None
    rows = results[
        (results["sensor"] == sensor)
        & (results["pair"] == pair)
        & (results["n"] == k)
        & (results["head"] == "original")
        & results["method"].isin(_RANDOM_METHODS)
    ]
    if not len(rows):
        return None
    means = rows.groupby("method")["score"].mean()
    if set(means.index) == set(_RANDOM_METHODS) and (means >= full - tolerance).all():
        listed = ", ".join(f"{m} {v:.3f}" for m, v in means.items())
        return (
            f"random subspaces keep the full score {full:.3f} at n = {k} too ({listed}): the "
            "test does not single out the canonical directions"
        )
    return None


# ----------------------------------------------------------------- the rules
def _most_correlated(ev, scores, k, chance, results, rules):
    full, full_reps = scores.score(ev.predictions["full/original"])
    high, high_reps = scores.score(ev.predictions[f"cca_highest@{k}/original"])
    reps = full_reps - high_reps
    gap, interval = full - high, percentile_interval(reps, rules)
    reason = _gate(
        rules=rules,
        n_samples=len(scores.y),
        n_classes=k,
        kept_pairs=ev.kept_pairs,
        beats=[("the network", full, percentile_interval(full_reps, rules)[0])],
        chance=chance,
        interval=interval,
    ) or _random_keep_full(results, ev.sensor, ev.pair, k, full, rules.tolerance)
    tol = rules.tolerance
    if reason is None:
        verdict = _decide(*interval, passes=lambda lo, hi: hi <= tol, fails=lambda lo, hi: lo > tol)
        reason = (
            f"cca_highest at n = {k} scores {high:.3f} against {full:.3f} with every feature: "
            f"gap {gap:+.3f} [{interval[0]:+.3f}, {interval[1]:+.3f}], tolerance {tol}"
        )
    else:
        verdict = "INCONCLUSIVE"
    row = _row(
        "most_correlated_keep_score", ev.sensor, ev.pair, gap, interval, full, tol, verdict, reason
    )
    return row, reps, full


def _least_correlated(ev, scores, k, chance, rules):
    full, full_reps = scores.score(ev.predictions["full/original"])
    low_score, reps = scores.score(ev.predictions[f"cca_lowest@{k}/original"])
    interval = percentile_interval(reps, rules)
    threshold = chance + rules.tolerance
    reason = _gate(
        rules=rules,
        n_samples=len(scores.y),
        n_classes=k,
        kept_pairs=ev.kept_pairs,
        beats=[("the network", full, percentile_interval(full_reps, rules)[0])],
        chance=chance,
        interval=interval,
    )
    if reason is None:
        verdict = _decide(
            *interval, passes=lambda lo, hi: hi <= threshold, fails=lambda lo, hi: lo > threshold
        )
        reason = (
            f"cca_lowest at n = {k} scores {low_score:.3f} [{interval[0]:.3f}, "
            f"{interval[1]:.3f}]; chance {chance:.3f}, tolerance {rules.tolerance}"
        )
    else:
        verdict = "INCONCLUSIVE"
    row = _row(
        "least_correlated_at_chance",
        ev.sensor,
        ev.pair,
        low_score,
        interval,
        chance,
        threshold,
        verdict,
        reason,
    )
    return row, reps, chance


def _fusion(ev, scores, k, chance, rules, names):
    p = ev.predictions
    reference = p["logit_average"]
    value, reps = scores.agreement(p["cca_sum_svm"], reference)
    independent = p.get("independent_logit_average")
    floor = np.nan if independent is None else scores.agreement(independent, reference)[0]
    singles = {name: scores.agreement(p[key], reference)[0] for key, name in names.items()}
    proba, _ = scores.agreement(p["proba_average"], reference)
    interval = percentile_interval(reps, rules)
    threshold = floor - rules.tolerance
    beats = []
    for key, name in names.items():
        own, own_reps = scores.score(p[key])
        beats.append((f"the {name} network", own, percentile_interval(own_reps, rules)[0]))
    reason = _gate(
        rules=rules,
        n_samples=len(scores.y),
        n_classes=k,
        kept_pairs=ev.kept_pairs,
        beats=beats,
        chance=chance,
        interval=interval,
    )
    yardsticks = (
        f"; yardsticks: two independent logit averages agree on {floor:.3f} (noise floor), "
        + ", ".join(f"the {name} network alone {v:.3f}" for name, v in singles.items())
        + f", probability averaging {proba:.3f}"
    )
    best_name, best = max(singles.items(), key=lambda item: item[1])
    if reason is None and independent is None:
        reason = (
            "no second pair of networks of these sensors to measure the noise floor of "
            "'equivalent' (run with 2 or more pairs)"
        )
    if reason is None and best >= interval[0]:
        reason = (
            f"the {best_name} network alone agrees with logit averaging on {best:.3f}, as much "
            f"as CCA-sum ({value:.3f} [{interval[0]:.3f}, {interval[1]:.3f}]): the test "
            "cannot tell fusion from one network"
        )
    if reason is None:
        verdict = _decide(
            *interval, passes=lambda lo, hi: lo >= threshold, fails=lambda lo, hi: hi < threshold
        )
        reason = (
            f"CCA-sum + SVM agrees with logit averaging on {value:.3f} [{interval[0]:.3f}, "
            f"{interval[1]:.3f}] of the validation predictions, against the noise floor "
            f"{floor:.3f} less the tolerance {rules.tolerance}"
        )
    else:
        verdict = "INCONCLUSIVE"
    row = _row(
        "fusion_equals_logit_average",
        ev.sensor,
        ev.pair,
        value,
        interval,
        floor,
        threshold,
        verdict,
        reason + yardsticks,
    )
    return row, reps, floor


def _alignment(ev, scores, k, chance, rules):
    full, full_reps = scores.score(ev.predictions["full/original"])
    reps = np.asarray(ev.alignment_replicates, dtype=float)
    interval = percentile_interval(reps, rules)
    reason = _gate(
        rules=rules,
        n_samples=len(scores.y),
        n_classes=k,
        kept_pairs=ev.kept_pairs,
        beats=[("the network", full, percentile_interval(full_reps, rules)[0])],
        chance=chance,
        interval=interval,
    )
    if reason is None:
        bar = rules.alignment
        verdict = _decide(*interval, passes=lambda lo, hi: lo >= bar, fails=lambda lo, hi: hi < bar)
        reason = (
            f"mean cosine {ev.alignment:.3f} [{interval[0]:.3f}, {interval[1]:.3f}] between the "
            f"first K - 1 canonical variates and the class-centred logits on the validation "
            f"samples (smallest {ev.smallest_cosine:.3f}); threshold {bar}"
        )
    else:
        verdict = "INCONCLUSIVE"
    row = _row(
        "class_subspace_alignment",
        ev.sensor,
        ev.pair,
        ev.alignment,
        interval,
        1.0,
        rules.alignment,
        verdict,
        reason,
    )
    return row, reps, 1.0


def _summary(claim, sensor, rows, replicates, references, rules) -> dict:
    verdicts = [row["verdict"] for row in rows]
    n = len(rows)
    n_pass, n_fail = verdicts.count("PASS"), verdicts.count("FAIL")
    n_open = n - n_pass - n_fail
    counts = f"holds for {n_pass} of {n} pairs"
    if n_fail:
        counts += f", fails for {n_fail}"
    if n_open:
        counts += f", undecided for {n_open}"
    if n_pass == n:
        verdict = "PASS"
    elif 2 * n_fail > n:
        verdict = "FAIL"
    else:
        verdict = "INCONCLUSIVE"
    reasons = list(dict.fromkeys(r["reason"] for r in rows if r["verdict"] == verdict))
    if not reasons:
        reasons = list(dict.fromkeys(r["reason"] for r in rows if r["verdict"] != "PASS"))
    detail = f"{counts}; pair {rows[0]['pair']}: {rows[0]['reason']}" if n == 1 else counts
    if n > 1 and reasons:
        first = next(r for r in rows if r["reason"] == reasons[0])
        detail += f"; pair {first['pair']}: {reasons[0]}"
    mean_reps = np.mean(np.vstack(replicates), axis=0)
    return _row(
        claim,
        sensor,
        "all",
        np.mean([r["value"] for r in rows]),
        percentile_interval(mean_reps, rules),
        np.mean(references),
        np.mean([r["threshold"] for r in rows]),
        verdict,
        detail,
    )


def judge_claims(
    y_validation: ArrayLike,
    classes: ArrayLike,
    evidence: Mapping[str, Sequence[PairEvidence]],
    *,
    metric: str = "accuracy",
    results: pd.DataFrame | None = None,
    quick: bool = False,
    rules: Rules | None = None,
) -> pd.DataFrame:
    """Judge every claim on every network pair, then per sensor.

    Parameters
    ----------
    y_validation : array-like of shape (n_validation,)
        Validation labels: the samples every score and agreement is measured on.
    classes : array-like of shape (n_classes,)
    evidence : mapping of str to sequence of PairEvidence
        ``"subspace"``: one per sensor and pair; ``"fusion"``: one per sensor pair
        and pair, named ``"A+B"``; ``"alignment"``: one per sensor (and sensor
        pair) and network pair. A missing key skips its claims.
    metric : {"accuracy", "f1_macro"}, default="accuracy"
    results : pandas.DataFrame or None, default=None
        The subspace study (``results.csv``): the random methods at ``n = K``.
    quick : bool, default=False
        Mark every verdict indicative.
    rules : Rules or None, default=None
        ``None``: :class:`Rules`'s defaults.

    Returns
    -------
    claims : pandas.DataFrame
        Columns :data:`COLUMNS`; per claim and sensor, one row per pair then the
        summary row (``pair == "all"``).

    Examples
    --------
    A network at 0.9 whose 3 most correlated directions keep its score, judged
    on 400 validation samples:

    >>> import numpy as np
    >>> y = np.arange(400) % 3
    >>> good = np.where(np.arange(400) % 10 == 0, (y + 1) % 3, y)
    >>> ev = PairEvidence(sensor="acc", pair=0, kept_pairs=16, predictions={
    ...     "full/original": good, "cca_highest@3/original": good,
    ...     "cca_lowest@3/original": np.zeros(400, dtype=int)})
    >>> claims = judge_claims(y, [0, 1, 2], {"subspace": [ev]})
    >>> claims[["claim", "pair", "verdict"]].values.tolist()[:2]
    [['most_correlated_keep_score', 0, 'PASS'], ['most_correlated_keep_score', 'all', 'PASS']]
    """
    rules = Rules() if rules is None else rules
    y = column_or_1d(y_validation)
    classes = column_or_1d(classes)
    k = len(classes)
    chance = chance_levels(y, classes, metric)["chance"]
    scores = Scores(y, bootstrap_rows(len(y), rules.n_resamples, rules.seed), metric)
    judged: dict[tuple[str, str], list[tuple[dict, NDArray, float]]] = {}

    def add(item):
        row = item[0]
        judged.setdefault((row["claim"], row["sensor"]), []).append(item)

    for ev in evidence.get("subspace", ()):
        add(_most_correlated(ev, scores, k, chance, results, rules))
        add(_least_correlated(ev, scores, k, chance, rules))
    for ev in evidence.get("fusion", ()):
        first, _, second = ev.sensor.partition("+")
        names = {"view_1": first, "view_2": second or first}
        if names["view_1"] == names["view_2"]:
            names = {"view_1": f"first {first}", "view_2": f"second {first}"}
        add(_fusion(ev, scores, k, chance, rules, names))
    for ev in evidence.get("alignment", ()):
        add(_alignment(ev, scores, k, chance, rules))

    rows = []
    for claim in CLAIMS:
        for (name, sensor), items in judged.items():
            if name != claim:
                continue
            pair_rows = [row for row, _, _ in items]
            rows += pair_rows
            rows.append(
                _summary(
                    claim,
                    sensor,
                    pair_rows,
                    [r for _, r, _ in items],
                    [ref for _, _, ref in items],
                    rules,
                )
            )
    if quick:
        for row in rows:
            row["reason"] = f"{row['reason']} ({_QUICK})"
    return pd.DataFrame(rows, columns=COLUMNS)
