"""``ccafusion cca``'s comparison: the whitener's choice beside scikit-learn's CCA."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits

from sklearn_ccafusion.cca._sklearn_comparison import (
    compare_with_sklearn_cca,
    digits_halves,
    format_comparison,
)


def _views_with_near_null_directions(seed=0, n=400):
    """Two views sharing a signal, each with one direction of tiny variance."""
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal((n, 3))
    X1 = shared @ rng.standard_normal((3, 5)) + 0.5 * rng.standard_normal((n, 5))
    X2 = shared @ rng.standard_normal((3, 4)) + 0.5 * rng.standard_normal((n, 4))
    X1 = np.hstack([X1, 1e-4 * rng.standard_normal((n, 1))])
    X2 = np.hstack([X2, 1e-4 * rng.standard_normal((n, 1))])
    return np.hstack([X1, X2]), (6, 5)


def test_digits_halves_are_the_image_halves():
    X, width = digits_halves()
    assert X.shape == (1797, 64) and width == 32
    image = load_digits().images[0]
    assert np.array_equal(X[0, :4], image[0, :4])
    assert np.array_equal(X[0, 32:36], image[0, 4:])


def test_all_directions_agree_with_sklearn_and_dropping_lowers_correlations():
    X, sizes = _views_with_near_null_directions()
    result = compare_with_sklearn_cca(X, sizes, n_components=5, variance=0.999)
    table = result.table
    assert list(table.columns) == ["pair", "kept", "all_directions", "sklearn"]
    assert result.full_ranks == (6, 5)
    assert result.ranks == (5, 4)  # the tiny direction holds far less than 0.001
    # every direction kept: the same problem as scikit-learn's, solved to its tol=1e-10
    np.testing.assert_allclose(table["all_directions"], table["sklearn"], atol=1e-6)
    assert result.max_gap_all < 1e-6
    # a subspace of each view can only lower each canonical correlation (interlacing)
    assert np.all(table["kept"].to_numpy() <= table["all_directions"].to_numpy() + 1e-12)
    assert result.max_gap_kept == np.abs(table["kept"] - table["sklearn"]).max()


def test_text_states_the_choice_and_the_reason():
    X, sizes = _views_with_near_null_directions(seed=1)
    text = format_comparison(compare_with_sklearn_cca(X, sizes, n_components=3), "toy")
    assert text.startswith("toy; views of 6 and 5 features")
    assert "PCAWhitener(0.9999)" in text and "ranks 6 and 5" in text
    assert "PCAWhitener(n_components=None)" in text and "agree to" in text
    assert "Why the default differs" in text
    assert all(len(line) <= 90 for line in text.splitlines())


def test_nonconvergence_of_sklearn_is_reported_not_hidden():
    X, sizes = _views_with_near_null_directions(seed=2)
    result = compare_with_sklearn_cca(X, sizes, n_components=4, max_iter=1)
    text = format_comparison(result, "toy")
    assert result.warnings and "scikit-learn warned" in text
