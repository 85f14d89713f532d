"""The suite's warning filters: deprecations are errors in our code only."""

from __future__ import annotations

import warnings

import pytest


@pytest.mark.parametrize("category", [DeprecationWarning, FutureWarning])
def test_third_party_deprecation_stays_a_warning(category):
    # A dependency warning about its own optional dependencies (skorch importing
    # torch_geometric, say) must not fail the suite.
    # record=True keeps the configured filters (pytest.warns would reset them).
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn_explicit(
            "third-party deprecation", category, "site-packages/other/x.py", 1, module="other.x"
        )
    assert [w.category for w in caught] == [category]


@pytest.mark.parametrize("category", [DeprecationWarning, FutureWarning])
@pytest.mark.parametrize(
    "module", ["sklearn_ccafusion.cca", "tests.cca.test_cca", "tests.nets.test_features"]
)
def test_own_deprecation_is_an_error(category, module):
    with pytest.raises(category, match="ours"):
        warnings.warn_explicit("ours", category, "x.py", 1, module=module)
