"""The sequential permutation test of canonical correlations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sklearn_ccafusion.similarity import permutation_test


def _views(n, shared_strengths, widths=(5, 4), seed=0):
    """Two views sharing one latent factor per strength (0: independent views)."""
    rng = np.random.default_rng(seed)
    k = len(shared_strengths)
    latent = rng.normal(size=(n, k)) * np.asarray(shared_strengths)
    X1 = rng.normal(size=(n, widths[0]))
    X2 = rng.normal(size=(n, widths[1]))
    X1[:, :k] += latent
    X2[:, :k] += latent
    return np.hstack([X1, X2])


def _correlations(X1, X2):
    """Canonical correlations by QR of each centred view (an independent reference)."""
    q1, _ = np.linalg.qr(X1 - X1.mean(axis=0))
    q2, _ = np.linalg.qr(X2 - X2.mean(axis=0))
    return np.linalg.svd(q1.T @ q2, compute_uv=False)


def test_planted_signal_is_significant_and_the_rest_is_not():
    result = permutation_test(
        _views(200, [1.0]), view_sizes=(5, 4), n_permutations=199, random_state=0
    )
    X = _views(200, [1.0])
    np.testing.assert_allclose(result["correlation"], _correlations(X[:, :5], X[:, 5:]))
    assert list(result.columns) == [
        "component",
        "correlation",
        "statistic",
        "p_value",
        "p_value_fwer",
    ]
    assert result["p_value"].iloc[0] < 0.01
    assert result["p_value"].iloc[1] > 0.05
    assert np.all(np.diff(result["p_value_fwer"]) >= 0)
    assert np.all(result["p_value_fwer"] >= result["p_value"])


def test_independent_views_are_not_significant():
    result = permutation_test(_views(200, [0.0]), n_permutations=199, random_state=1)
    assert result["p_value"].iloc[0] > 0.05


@pytest.mark.parametrize("statistic", ["wilks", "roy"])
def test_p_values_are_uniform_under_the_null(statistic):
    """Over seeds, the first p-value of independent views is uniform, and so is the
    second one when a strong first pair is planted (the sequential removal)."""
    first, second = [], []
    for seed in range(40):
        null = permutation_test(
            _views(60, [0.0], seed=seed),
            n_permutations=49,
            n_components=1,
            statistic=statistic,
            random_state=seed,
        )
        first.append(null["p_value"].iloc[0])
        planted = permutation_test(
            _views(60, [2.0], seed=seed + 100),
            n_permutations=49,
            n_components=2,
            statistic=statistic,
            random_state=seed,
        )
        assert planted["p_value"].iloc[0] == pytest.approx(1 / 50)
        second.append(planted["p_value"].iloc[1])
    assert stats.kstest(first, "uniform").pvalue > 0.01
    assert stats.kstest(second, "uniform").pvalue > 0.01


def test_without_the_sequential_removal_the_second_test_would_be_wrong():
    """The reference: comparing r_2 with the permuted data's r_2 is too liberal when a
    strong first pair exists (the observed r_2 is the largest of the noise
    correlations, the permuted r_2 the second largest); the sequential p-values
    are not."""
    naive, sequential = [], []
    for seed in range(20):
        X = _views(60, [2.0], seed=seed)
        observed = permutation_test(X, n_permutations=19, statistic="roy", random_state=seed)
        rng = np.random.default_rng(seed)
        r2 = [_correlations(X[:, :5], X[rng.permutation(60), 5:])[1] for _ in range(19)]
        naive.append((1 + np.sum(np.asarray(r2) >= observed["correlation"].iloc[1])) / 20)
        sequential.append(observed["p_value"].iloc[1])
    assert np.mean(naive) < 0.35 < np.mean(sequential)


def test_same_seed_same_p_values_and_chunking_does_not_matter(monkeypatch):
    X = _views(100, [0.5])
    first = permutation_test(X, n_permutations=30, random_state=3)
    monkeypatch.setattr(
        "sklearn_ccafusion.similarity._permutation_test._CHUNK_BYTES", 8 * 100 * 4 * 7
    )
    pd.testing.assert_frame_equal(first, permutation_test(X, n_permutations=30, random_state=3))


def test_views_from_column_names_and_bad_inputs():
    X = _views(80, [1.0])
    frame = pd.DataFrame(X, columns=[f"a__{i}" for i in range(5)] + [f"b__{i}" for i in range(4)])
    by_name = permutation_test(frame, n_permutations=9, random_state=0)
    by_size = permutation_test(X, view_sizes=(5, 4), n_permutations=9, random_state=0)
    pd.testing.assert_frame_equal(by_name, by_size)
    with pytest.raises(ValueError, match="n_components=9 is larger than the number of"):
        permutation_test(X, view_sizes=(5, 4), n_components=9)
    with pytest.raises(ValueError, match="sum to 8 but X has 9 features"):
        permutation_test(X, view_sizes=(5, 3))
    with pytest.raises(ValueError, match="statistic"):
        permutation_test(X, statistic="pillai")


@pytest.mark.parametrize(
    "n_permutations, error, match",
    [
        (10**9, ValueError, "n_permutations=1000000000 is above the cap of 1,000,000"),
        (1_000_001, ValueError, "above the cap of 1,000,000"),
        (2.7, ValueError, "'n_permutations' parameter"),
        (0, ValueError, "'n_permutations' parameter"),
        (True, TypeError, "n_permutations must be an int, got True"),
    ],
)
def test_n_permutations_is_a_capped_count(n_permutations, error, match):
    with pytest.raises(error, match=match):
        permutation_test(_views(40, [1.0]), view_sizes=(5, 4), n_permutations=n_permutations)


def test_long_runs_show_progress_that_can_be_switched_off(monkeypatch, capsys):
    X = _views(60, [0.5])
    quiet = permutation_test(X, (5, 4), n_permutations=40, random_state=0, progress=True)
    assert "permutations" not in capsys.readouterr().err  # one batch: nothing to follow
    monkeypatch.setattr(
        "sklearn_ccafusion.similarity._permutation_test._CHUNK_BYTES", 8 * 60 * 4 * 7
    )
    shown = permutation_test(X, (5, 4), n_permutations=40, random_state=0, progress=True)
    assert "permutations" in capsys.readouterr().err
    hidden = permutation_test(X, (5, 4), n_permutations=40, random_state=0, progress=False)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown, quiet)
    pd.testing.assert_frame_equal(hidden, quiet)
