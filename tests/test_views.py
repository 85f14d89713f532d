"""The stacked-views contract."""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_ccafusion._views import resolve_view_sizes, split_views


def test_even_split_first_view_takes_extra():
    assert resolve_view_sizes(None, 7) == (4, 3)
    assert resolve_view_sizes(None, 8) == (4, 4)


def test_names_define_views():
    names = np.array(["a__x", "a__y", "b__x", "b__y", "b__z"], dtype=object)
    assert resolve_view_sizes(None, 5, names) == (2, 3)


def test_names_without_prefix_fall_back_to_even_split():
    assert resolve_view_sizes(None, 4, np.array(["p", "q", "r", "s"])) == (2, 2)
    assert resolve_view_sizes(None, 4, np.array(["a__p", "a__q", "a__r", "a__s"])) == (2, 2)


def test_interleaved_names_raise():
    names = np.array(["a__x", "b__x", "a__y"])
    with pytest.raises(ValueError, match="not contiguous"):
        resolve_view_sizes(None, 3, names)


def test_explicit_sizes_checked():
    assert resolve_view_sizes([3, 2], 5) == (3, 2)
    with pytest.raises(ValueError, match="sum to 4 but X has 5"):
        resolve_view_sizes([2, 2], 5)
    with pytest.raises(ValueError, match="at least one column"):
        resolve_view_sizes([5, 0], 5)
    with pytest.raises(TypeError, match="ints"):
        resolve_view_sizes([2.5, 2.5], 5)
    with pytest.raises(TypeError, match="sequence"):
        resolve_view_sizes(5, 5)


def test_any_number_of_views():
    assert resolve_view_sizes([1, 2, 3], 6, n_views=None) == (1, 2, 3)


def test_split_views_are_views():
    X = np.arange(12.0).reshape(2, 6)
    left, right = split_views(X, (4, 2))
    assert np.shares_memory(left, X)
    assert right.tolist() == [[4.0, 5.0], [10.0, 11.0]]
