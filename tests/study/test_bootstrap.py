"""Bootstrap bands and the headline predictions behind them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from sklearn_ccafusion.study import (
    NetworkFeatures,
    bootstrap_scores,
    headline_predictions,
    subspace_study,
)
from sklearn_ccafusion.study import _bootstrap as bootstrap_module


def test_bands_cover_the_true_accuracy():
    """Over many validation sets, the 90 % band holds the true accuracy ~90 % of the time."""
    rng = np.random.default_rng(0)
    covered = []
    for seed in range(200):
        y = rng.integers(0, 3, 150)
        hits = rng.random(150) < 0.8
        predicted = np.where(hits, y, (y + 1) % 3)
        bands = bootstrap_scores(
            y, {"net": predicted}, n_resamples=300, confidence=0.9, random_state=seed
        )
        covered.append(bands["low"].iloc[0] <= 0.8 <= bands["high"].iloc[0])
    assert 0.84 <= np.mean(covered) <= 0.96


def test_agreement_and_f1_bands():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, 200)
    a = np.where(rng.random(200) < 0.9, y, 0)
    b = np.where(rng.random(200) < 0.7, a, 3)
    bands = bootstrap_scores(
        y,
        {"a": a, "b": b, "a_again": a.copy()},
        reference="a",
        metric="f1_macro",
        n_resamples=200,
        random_state=0,
    )
    assert list(bands["measure"]) == ["f1_macro", "f1_macro", "agreement", "f1_macro", "agreement"]
    agreement = bands[bands["measure"] == "agreement"].set_index("name")
    assert agreement.loc["b", "value"] == pytest.approx(np.mean(a == b))
    assert agreement.loc["b", "low"] < agreement.loc["b", "value"] < agreement.loc["b", "high"]
    assert agreement.loc["a_again", ["low", "high"]].tolist() == [1.0, 1.0]
    assert (bands["low"] <= bands["value"] + 1e-12).all()
    with pytest.raises(ValueError, match="one entry per validation row"):
        bootstrap_scores(y, {"a": a[:10]})
    with pytest.raises(ValueError, match="reference 'c' is not one of"):
        bootstrap_scores(y, {"a": a}, reference="c")


def test_headline_predictions_score_as_the_subspace_study():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)

    def net(seed):
        r = np.random.default_rng(seed)
        W = r.normal(size=(3, 8))
        X = np.eye(3)[y] @ W + 0.8 * r.normal(size=(400, 8))
        return NetworkFeatures(X[:300], X[300:], W, np.zeros(3))

    network, partner = net(1), net(2)
    predictions = headline_predictions(network, partner, y[:300], n_components=2)
    study = subspace_study(
        network,
        partner,
        y[:300],
        y[300:],
        methods=["cca_highest"],
        dimensions=[2, 8],
        progress=False,
    ).set_index(["n", "head"])
    for head in ("original", "retrained"):
        assert np.mean(predictions[f"cca_highest@2/{head}"] == y[300:]) == pytest.approx(
            study.loc[(2, head), "score"], abs=1e-9
        )
        assert np.mean(predictions[f"full/{head}"] == y[300:]) == pytest.approx(
            study.loc[(8, head), "score"], abs=1e-9
        )


def test_resampled_macro_f1_equals_scikit_learn():
    from sklearn.metrics import f1_score

    from sklearn_ccafusion.study._bootstrap import _resampled_scores

    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, 60)
    predicted = np.where(rng.random(60) < 0.6, y, rng.integers(0, 6, 60))  # a class y lacks
    rows = rng.integers(0, 60, (40, 60))
    expected = [f1_score(y[r], predicted[r], average="macro", zero_division=0.0) for r in rows]
    np.testing.assert_allclose(
        _resampled_scores(y, predicted, rows, "f1_macro"), expected, atol=1e-12
    )


class _RecordingState(np.random.RandomState):
    """A RandomState that records the shape of every ``randint`` draw."""

    def __init__(self, seed):
        super().__init__(seed)
        self.shapes = []

    def randint(self, *args, size=None, **kwargs):
        self.shapes.append(size)
        return super().randint(*args, size=size, **kwargs)


@pytest.mark.parametrize("metric", ["accuracy", "f1_macro"])
def test_batches_give_the_bands_of_one_draw_with_bounded_memory(monkeypatch, metric):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 50)
    predictions = {"a": np.where(rng.random(50) < 0.8, y, 0), "b": rng.integers(0, 3, 50)}
    params = {"reference": "a", "metric": metric, "n_resamples": 101, "progress": False}
    whole = bootstrap_scores(y, predictions, random_state=_RecordingState(7), **params)
    # an independent reference: every resample drawn at once, scored one by one
    rows_of = np.random.RandomState(7).randint(0, 50, size=(101, 50))

    def scored(p):
        if metric == "accuracy":
            return [np.mean(p[rows] == y[rows]) for rows in rows_of]
        return [f1_score(y[rows], p[rows], average="macro", zero_division=0) for rows in rows_of]

    for name, p in predictions.items():
        low, high = np.quantile(scored(p), [0.025, 0.975])
        row = whole[(whole["name"] == name) & (whole["measure"] == metric)].iloc[0]
        assert row["low"] == pytest.approx(low, abs=1e-12)
        assert row["high"] == pytest.approx(high, abs=1e-12)

    monkeypatch.setattr(bootstrap_module, "_BATCH_BYTES", 8 * 50 * 7)  # 7 resamples a batch
    state = _RecordingState(7)
    batched = bootstrap_scores(y, predictions, random_state=state, **params)
    pd.testing.assert_frame_equal(batched, whole)
    assert max(shape[0] for shape in state.shapes) == 7
    assert sum(shape[0] for shape in state.shapes) == 101


@pytest.mark.parametrize(
    "n_resamples, error, match",
    [
        (2.7, TypeError, "n_resamples must be an int, got 2.7"),
        (True, TypeError, "n_resamples must be an int, got True"),
        (0, ValueError, "n_resamples must be at least 1"),
        (10**7, ValueError, "n_resamples must be at most 1000000"),
        (10**6 + 1, ValueError, "n_resamples must be at most 1000000"),
    ],
)
def test_n_resamples_is_a_bounded_count(n_resamples, error, match):
    y = np.arange(10) % 2
    with pytest.raises(error, match=match):
        bootstrap_scores(y, {"a": y}, n_resamples=n_resamples)


def test_progress_over_batches_can_be_switched_off(monkeypatch, capsys):
    y = np.arange(30) % 3
    predictions = {"a": y, "b": np.roll(y, 1)}
    bootstrap_scores(y, predictions, n_resamples=50, random_state=0)
    assert "bootstrap" not in capsys.readouterr().err  # one batch: nothing to follow
    monkeypatch.setattr(bootstrap_module, "_BATCH_BYTES", 8 * 30 * 10)
    shown = bootstrap_scores(y, predictions, n_resamples=50, random_state=0)
    assert "bootstrap" in capsys.readouterr().err
    hidden = bootstrap_scores(y, predictions, n_resamples=50, random_state=0, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown, hidden)


def test_work_beyond_the_budget_is_refused_before_any_draw(monkeypatch):
    y = np.arange(50) % 2
    predictions = {"a": y, "b": 1 - y}
    drawn = []
    real_resample = bootstrap_module._resample
    monkeypatch.setattr(
        bootstrap_module, "_resample", lambda *a: drawn.append(a) or real_resample(*a)
    )
    monkeypatch.setattr(bootstrap_module, "_MAX_ROWS", 50 * 40)
    # at the budget: the same bands as without one
    bands = bootstrap_scores(y, predictions, n_resamples=40, random_state=0, progress=False)
    monkeypatch.setattr(bootstrap_module, "_MAX_ROWS", 10**9)
    again = bootstrap_scores(y, predictions, n_resamples=40, random_state=0, progress=False)
    pd.testing.assert_frame_equal(bands, again)
    monkeypatch.setattr(bootstrap_module, "_MAX_ROWS", 50 * 40)
    drawn.clear()
    with pytest.raises(ValueError, match=r"n_resamples=41 on 50 .*2,050 rows .*at most 40 "):
        bootstrap_scores(y, predictions, n_resamples=41, progress=False)
    per_f1 = 50 + 2 * bootstrap_module._F1_ROWS  # two classifiers' class counts
    monkeypatch.setattr(bootstrap_module, "_MAX_ROWS", per_f1 * 3)
    bootstrap_scores(y, predictions, metric="f1_macro", n_resamples=3, progress=False)
    with pytest.raises(ValueError, match="set n_resamples to at most 3 "):
        bootstrap_scores(y, predictions, metric="f1_macro", n_resamples=4, progress=False)
    assert len(drawn) == 1  # only the accepted f1 call drew
