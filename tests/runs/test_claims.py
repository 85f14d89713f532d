"""The decision rules of the claims, each on constructed predictions and tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sklearn_ccafusion.runs._claims import (
    COLUMNS,
    PairEvidence,
    Rules,
    bootstrap_rows,
    chance_levels,
    judge_claims,
)

K = 3


def _labels(n=600):
    return np.arange(n) % K


def _wrong(y, share, seed=0):
    """``y`` with a ``share`` of its entries moved to another class, at random rows."""
    rng = np.random.default_rng(seed)
    out = y.copy()
    rows = rng.choice(len(y), int(round(share * len(y))), replace=False)
    out[rows] = (y[rows] + 1) % K
    return out


def _subspace(y, *, pair=0, full=0.1, highest=0.12, lowest=None, kept=20, seed=0):
    good = _wrong(y, full, seed)
    lowest = np.zeros_like(y) if lowest is None else lowest
    return PairEvidence(
        sensor="acc",
        pair=pair,
        kept_pairs=kept,
        predictions={
            "full/original": good,
            f"cca_highest@{K}/original": _wrong(y, highest, seed),
            f"cca_lowest@{K}/original": lowest,
        },
    )


def _judge(y, evidence, **kwargs):
    claims = judge_claims(y, np.arange(K), evidence, **kwargs)
    assert list(claims.columns) == COLUMNS
    return claims


def _verdict(claims, claim, pair):
    rows = claims[(claims["claim"] == claim) & (claims["pair"].astype(str) == str(pair))]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_chance_levels_name_both_levels_and_the_counts():
    levels = chance_levels(["a", "a", "a", "b"], ["a", "b", "c"])
    assert levels["uniform"] == pytest.approx(1 / 3)
    assert levels["majority"] == 0.75 and levels["chance"] == 0.75
    assert levels["counts"] == {"a": 3, "b": 1, "c": 0}
    # macro F1 of the best input-blind guess, checked against scikit-learn on its guesses
    from sklearn.metrics import f1_score

    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    f1 = chance_levels(y, [0, 1, 2], "f1_macro")["chance"]
    constant = f1_score(y, np.zeros_like(y), average="macro", zero_division=0)
    assert f1 >= constant - 1e-12 and f1 >= 1 / 3 - 1e-12


def test_clear_pass_and_clear_fail_of_the_most_correlated_claim():
    y = _labels()
    claims = _judge(y, {"subspace": [_subspace(y, full=0.1, highest=0.11)]})
    row = _verdict(claims, "most_correlated_keep_score", 0)
    assert row["verdict"] == "PASS"
    assert row["ci_low"] <= row["value"] <= row["ci_high"] <= 0.05
    claims = _judge(y, {"subspace": [_subspace(y, full=0.1, highest=0.4)]})
    row = _verdict(claims, "most_correlated_keep_score", 0)
    assert row["verdict"] == "FAIL" and row["ci_low"] > 0.05


@pytest.mark.parametrize("lowest", ["constant", "random", "below"])
def test_a_score_at_chance_never_fails_the_least_correlated_claim(lowest):
    y = _labels()
    rng = np.random.default_rng(1)
    predictions = {
        "constant": np.zeros_like(y),  # one class for every sample: the majority share
        "random": rng.integers(0, K, y.size),  # uniform guessing
        "below": (y + 1) % K,  # always wrong: below chance, carries nothing usable either
    }[lowest]
    claims = _judge(y, {"subspace": [_subspace(y, lowest=predictions)]})
    row = _verdict(claims, "least_correlated_at_chance", 0)
    assert row["verdict"] == "PASS", row["reason"]
    assert row["reference"] == pytest.approx(chance_levels(y, np.arange(K))["chance"])


def test_least_correlated_directions_that_carry_the_class_fail():
    y = _labels()
    claims = _judge(y, {"subspace": [_subspace(y, lowest=_wrong(y, 0.3))]})
    assert _verdict(claims, "least_correlated_at_chance", 0)["verdict"] == "FAIL"


def test_ten_validation_samples_decide_nothing():
    y = _labels(10)
    good = y.copy()  # even a perfect network
    ev = PairEvidence(
        sensor="acc",
        pair=0,
        kept_pairs=20,
        predictions={
            "full/original": good,
            f"cca_highest@{K}/original": good,
            f"cca_lowest@{K}/original": np.zeros_like(y),
        },
    )
    claims = _judge(y, {"subspace": [ev]})
    assert set(claims["verdict"]) == {"INCONCLUSIVE"}
    assert claims["reason"].str.contains("10 validation samples").all()


def test_a_wide_interval_decides_nothing():
    y = _labels(90)  # enough for the rule of three, not for a +-0.05 band on a 0.5 score
    ev = _subspace(y, full=0.1, highest=0.1, lowest=_wrong(y, 0.5))
    claims = _judge(y, {"subspace": [ev]})
    row = _verdict(claims, "least_correlated_at_chance", 0)
    assert row["verdict"] == "INCONCLUSIVE" and "wider than the tolerance" in row["reason"]


def test_a_cca_with_fewer_than_2k_minus_1_pairs_decides_nothing():
    y = _labels()
    claims = _judge(y, {"subspace": [_subspace(y, kept=2 * K - 2)]})
    assert set(claims["verdict"]) == {"INCONCLUSIVE"}
    assert claims["reason"].str.contains("fewer than 2K - 1").all()
    claims = _judge(y, {"subspace": [_subspace(y, highest=0.1, kept=2 * K - 1)]})
    assert set(claims["verdict"]) == {"PASS"}


def test_a_network_at_chance_decides_nothing():
    y = _labels()
    claims = _judge(y, {"subspace": [_subspace(y, full=2 / 3, highest=2 / 3)]})
    assert set(claims["verdict"]) == {"INCONCLUSIVE"}
    assert claims["reason"].str.contains("does not beat chance").all()


def test_random_subspaces_keeping_the_full_score_decide_nothing():
    y = _labels()
    ev = _subspace(y, full=0.1, highest=0.1)
    results = pd.DataFrame(
        [
            {
                "sensor": "acc",
                "pair": 0,
                "n": K,
                "head": "original",
                "method": m,
                "repeat": r,
                "score": 0.89,
            }
            for m in ("random_selection", "random_projection", "cca_random")
            for r in range(2)
        ]
    )
    claims = _judge(y, {"subspace": [ev]}, results=results)
    row = _verdict(claims, "most_correlated_keep_score", 0)
    assert row["verdict"] == "INCONCLUSIVE" and "single out" in row["reason"]
    results.loc[results["method"] == "random_selection", "score"] = 0.3
    claims = _judge(y, {"subspace": [ev]}, results=results)
    assert _verdict(claims, "most_correlated_keep_score", 0)["verdict"] == "PASS"


def test_a_failing_pair_shows_in_its_row_and_in_the_summary():
    y = _labels()
    evidence = [
        _subspace(y, pair=0, highest=0.1, seed=0),
        _subspace(y, pair=1, highest=0.4, seed=1),
        _subspace(y, pair=2, highest=0.11, seed=2),
    ]
    claims = _judge(y, {"subspace": evidence})
    rows = claims[claims["claim"] == "most_correlated_keep_score"]
    assert rows["verdict"].tolist() == ["PASS", "FAIL", "PASS", "INCONCLUSIVE"]
    summary = rows.iloc[-1]
    assert summary["pair"] == "all"
    assert "holds for 2 of 3 pairs, fails for 1" in summary["reason"]
    # the summary's interval is the mean's, from the same resamples
    assert summary["value"] == pytest.approx(rows["value"].iloc[:3].mean())
    assert summary["ci_low"] <= summary["value"] <= summary["ci_high"]
    # most pairs failing: FAIL
    evidence[0] = _subspace(y, pair=0, highest=0.5)
    claims = _judge(y, {"subspace": evidence})
    assert _verdict(claims, "most_correlated_keep_score", "all")["verdict"] == "FAIL"


def _fusion(y, *, view_1=0.3, fused=0.03, floor=0.02, seed=0):
    average = _wrong(y, 0.1, seed)
    return PairEvidence(
        sensor="acc+gyr",
        pair=0,
        kept_pairs=20,
        predictions={
            "view_1": _wrong(average, view_1, seed + 1),
            "view_2": _wrong(average, 0.3, seed + 2),
            "logit_average": average,
            "proba_average": _wrong(average, 0.05, seed + 3),
            "cca_sum_svm": _wrong(average, fused, seed + 4),
            "independent_logit_average": _wrong(average, floor, seed + 5),
        },
    )


def test_fusion_passes_at_the_noise_floor_and_fails_far_below_it():
    y = _labels()
    row = _verdict(_judge(y, {"fusion": [_fusion(y)]}), "fusion_equals_logit_average", 0)
    assert row["verdict"] == "PASS", row["reason"]
    assert row["reference"] == pytest.approx(0.98) and row["threshold"] == pytest.approx(0.93)
    assert "the acc network alone" in row["reason"] and "noise floor" in row["reason"]
    row = _verdict(_judge(y, {"fusion": [_fusion(y, fused=0.2)]}), "fusion_equals_logit_average", 0)
    assert row["verdict"] == "FAIL", row["reason"]


@pytest.mark.parametrize("fused", [0.03, 0.2])
def test_a_single_network_matching_logit_averaging_forbids_a_pass(fused):
    y = _labels()
    claims = _judge(y, {"fusion": [_fusion(y, view_1=0.02, fused=fused)]})
    row = _verdict(claims, "fusion_equals_logit_average", 0)
    assert row["verdict"] == "INCONCLUSIVE"
    assert "cannot tell fusion from one network" in row["reason"]


def test_fusion_without_independent_networks_is_inconclusive():
    y = _labels()
    ev = _fusion(y)
    del ev.predictions["independent_logit_average"]
    row = _verdict(_judge(y, {"fusion": [ev]}), "fusion_equals_logit_average", 0)
    assert row["verdict"] == "INCONCLUSIVE" and "noise floor" in row["reason"]


def test_alignment_against_its_threshold():
    y = _labels()
    rows = bootstrap_rows(y.size)

    def evidence(level):
        replicates = level + 0.005 * np.random.default_rng(0).standard_normal(len(rows))
        return PairEvidence(
            sensor="acc",
            pair=0,
            kept_pairs=20,
            predictions={"full/original": _wrong(y, 0.1)},
            alignment=level,
            alignment_replicates=replicates,
            smallest_cosine=level - 0.1,
        )

    for level, expected in ((0.95, "PASS"), (0.85, "FAIL"), (0.9, "INCONCLUSIVE")):
        claims = _judge(y, {"alignment": [evidence(level)]})
        assert _verdict(claims, "class_subspace_alignment", 0)["verdict"] == expected


def test_quick_runs_are_marked_indicative():
    y = _labels()
    claims = _judge(y, {"subspace": [_subspace(y)]}, quick=True)
    assert claims["reason"].str.contains("indicative only").all()


def test_rules_are_deterministic_and_use_the_given_resamples():
    y = _labels()
    ev = {"subspace": [_subspace(y)]}
    first = _judge(y, ev, rules=Rules(seed=3))
    assert first.equals(_judge(y, ev, rules=Rules(seed=3)))
    assert bootstrap_rows(7, 4, seed=1).max() < 7
