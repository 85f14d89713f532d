"""The stacked-views contract: several views travel as one 2-D array.

Every multi-view estimator of the package takes ``X = np.hstack([X1, X2])``. This
module is the one place that knows how to find the views again: from an explicit
``view_sizes``, from ``<view>__<feature>`` column names, or by an even split.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Integral

import numpy as np
from numpy.typing import NDArray

__all__ = ["estimator_view_sizes", "resolve_view_sizes", "split_views", "view_slices"]


def _sizes_from_feature_names(feature_names: NDArray | None) -> tuple[int, ...] | None:
    """Group contiguous ``<view>__<feature>`` names by their prefix.

    Returns ``None`` when the names do not all carry a ``__`` prefix or define a
    single group only.
    """
    if feature_names is None:
        return None
    names = [str(name) for name in feature_names]
    named = ["__" in name for name in names]
    if not any(named):
        return None
    if not all(named):
        bare = [name for name, has in zip(names, named) if not has]
        raise ValueError(
            f"Some columns of X are named '<view>__<feature>' and others are not "
            f"({bare[:3]}{' ...' if len(bare) > 3 else ''}), so the views cannot be told "
            "apart: name every column '<view>__<feature>', or pass view_sizes=(d1, d2)."
        )
    prefixes = [name.split("__", 1)[0] for name in names]
    sizes: list[int] = []
    seen: list[str] = []
    for prefix in prefixes:
        if seen and prefix == seen[-1]:
            sizes[-1] += 1
            continue
        if prefix in seen:
            raise ValueError(
                f"The columns of view {prefix!r} are not contiguous in X; stack each "
                "view's columns together (np.hstack([X1, X2]))."
            )
        seen.append(prefix)
        sizes.append(1)
    if len(sizes) < 2:
        return None
    return tuple(sizes)


def resolve_view_sizes(
    view_sizes: Sequence[int] | None,
    n_features: int,
    feature_names: NDArray | None = None,
    n_views: int | None = 2,
    estimator_name: str = "The estimator",
    stacklevel: int = 2,
) -> tuple[int, ...]:
    """Return the width of each view stacked in ``X``.

    Parameters
    ----------
    view_sizes : sequence of int or None
        Explicit widths. ``None``: take the views from ``<view>__<feature>`` column
        names when ``feature_names`` has them, else split ``n_features`` evenly
        into ``n_views`` views, the first views taking the extra columns. When
        the columns cannot make views of equal width, the split is a guess and a
        ``UserWarning`` says so (an ``n_features`` of 11 may well be 8 + 3).
    n_features : int
        Number of columns of ``X``.
    feature_names : ndarray of str or None
        ``feature_names_in_`` of the estimator, if ``X`` had column names.
    n_views : int or None, default=2
        Number of views the estimator needs; ``None`` accepts any number of
        explicit or named views (and splits evenly into two otherwise).
    estimator_name : str
        Used in error messages.
    stacklevel : int, default=2
        Of the warning, so that it points at the caller's code.

    Returns
    -------
    view_sizes : tuple of int

    Examples
    --------
    >>> resolve_view_sizes(None, 6)
    (3, 3)
    >>> resolve_view_sizes([2, 3], 5)
    (2, 3)
    >>> resolve_view_sizes(None, 3, feature_names=["a__f0", "b__f0", "b__f1"])
    (1, 2)
    """
    if view_sizes is None:
        sizes = _sizes_from_feature_names(feature_names)
        if sizes is None:
            parts = 2 if n_views is None else n_views
            if n_features < parts:
                raise ValueError(
                    f"{estimator_name} needs at least {parts} features (one per view), "
                    f"got {n_features} feature(s)."
                )
            base, extra = divmod(n_features, parts)
            sizes = tuple(base + (1 if i < extra else 0) for i in range(parts))
            if extra:
                warnings.warn(
                    f"{estimator_name}: X has {n_features} columns and no view_sizes, which "
                    f"cannot be {parts} views of equal width; the columns are split as "
                    f"{sizes}. If the views have other widths (8 + 3, say), pass "
                    "view_sizes=(d1, d2) or name the columns '<view>__<feature>'; pass "
                    f"view_sizes={sizes} to keep this split without the warning.",
                    UserWarning,
                    stacklevel=stacklevel,
                )
    else:
        is_sequence = isinstance(view_sizes, Sequence | np.ndarray)
        if isinstance(view_sizes, str | bytes) or not is_sequence:
            raise TypeError(f"view_sizes must be None or a sequence of ints, got {view_sizes!r}.")
        sizes = tuple(view_sizes)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) for s in sizes):
            raise TypeError(f"view_sizes must contain ints, got {view_sizes!r}.")
        sizes = tuple(int(s) for s in sizes)
        if any(s < 1 for s in sizes):
            raise ValueError(f"Every view needs at least one column, got view_sizes={sizes}.")
        if sum(sizes) != n_features:
            raise ValueError(
                f"view_sizes={sizes} sum to {sum(sizes)} but X has {n_features} features; "
                "the views must be stacked column-wise, X = np.hstack([X1, X2])."
            )
    if n_views is not None and len(sizes) != n_views:
        raise ValueError(
            f"{estimator_name} needs exactly {n_views} views, got {len(sizes)} "
            f"(view_sizes={sizes})."
        )
    return sizes


def estimator_view_sizes(
    estimator, n_features: int, n_views: int | None = 2, stacklevel: int = 5
) -> tuple[int, ...]:
    """The view widths of a multi-view estimator being fitted.

    Reads the estimator's ``view_sizes`` parameter and its ``feature_names_in_``
    (set by ``validate_data`` when ``X`` has column names). ``stacklevel`` of a
    warning counts this function, the estimator's ``fit`` and its ``_fit_context``
    wrapper: add one per helper between ``fit`` and this call.

    Examples
    --------
    >>> from sklearn_ccafusion import CCAProjector
    >>> estimator_view_sizes(CCAProjector(view_sizes=(3, 1)), 4)
    (3, 1)
    """
    return resolve_view_sizes(
        estimator.view_sizes,
        n_features,
        getattr(estimator, "feature_names_in_", None),
        n_views=n_views,
        estimator_name=type(estimator).__name__,
        stacklevel=stacklevel,
    )


def view_slices(view_sizes: Sequence[int]) -> list[slice]:
    """Column slices of each view, in order.

    Examples
    --------
    >>> view_slices((2, 3))
    [slice(0, 2, None), slice(2, 5, None)]
    """
    bounds = np.concatenate([[0], np.cumsum(view_sizes)]).astype(int)
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


def split_views(X: NDArray, view_sizes: Sequence[int]) -> list[NDArray]:
    """Split a stacked array into its views (views of the data, no copy).

    Examples
    --------
    >>> import numpy as np
    >>> X1, X2 = split_views(np.arange(10.0).reshape(2, 5), (2, 3))
    >>> X1.shape, X2.shape
    ((2, 2), (2, 3))
    """
    return [X[:, s] for s in view_slices(view_sizes)]
