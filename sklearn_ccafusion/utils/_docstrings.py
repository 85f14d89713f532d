"""Parameter descriptions shared by several estimators, written once.

Docstrings use ``%(name)s`` placeholders filled by :func:`fill_doc`, so one text
about ``view_sizes`` or ``whitener`` serves every estimator.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["DOCS", "fill_doc"]

T = TypeVar("T")

DOCS: dict[str, str] = {
    "view_sizes": """view_sizes : sequence of int or None, default=None
        Widths of the views stacked column-wise in ``X`` (``X = np.hstack([X1, X2])``).
        ``None``: when ``X`` has column names of the form ``<view>__<feature>``
        (what :class:`~sklearn_ccafusion.nets.NetFeatures` emits with
        ``set_output(transform="pandas")``), the views are the name prefixes;
        otherwise the columns are split evenly, which is right for views of equal
        width. Views of different widths given as a bare array need explicit
        ``view_sizes``: an odd number of columns, which cannot be two equal views,
        is split with the first view taking the extra column and a ``UserWarning``;
        an even number is split silently, as the estimator cannot tell 6 + 6 from
        8 + 4.""",
    "whitener": """whitener : PCAWhitener or None, default=None
        Template of the per-view whitening, cloned for each view. ``None`` means
        ``PCAWhitener(n_components=0.9999)`` (each view keeps the principal
        directions that carry all but the last 0.01 % of its variance, as the
        original study) capped, for a view whose ``reg`` is 0, at
        ``n_samples // 4`` directions: with more, independent noise alone has
        canonical correlations near 1 (see the user guide's CCA page). A given
        whitener is used as it is, and a ``UserWarning`` says when its ranks make
        canonical correlations of 1 meaningless. Grid-search it as
        ``whitener__n_components``.""",
    "reg": """reg : float in [0, 1] or pair of floats, default=0.0
        Shrinks each view's covariance toward a scaled identity before whitening,
        ``(1 - reg) C_ii + reg * trace(C_ii) / d_i * I``: 0 is CCA, 1 is PLS-like.
        A pair gives one value per view. With ``reg > 0`` the canonical
        correlations are those of the regularised problem (clipped to [0, 1]),
        and no rank cap applies: the shrinkage keeps directions of little
        variance from matching noise, so ``reg`` is the small-sample
        alternative to a low-rank whitener.""",
    "random_state": """random_state : int, RandomState instance or None, default=None
        Seed of the random choices. Pass an int for reproducible results.""",
}


def fill_doc(obj: T) -> T:
    """Substitute the ``%(name)s`` placeholders of ``obj.__doc__`` from :data:`DOCS`."""
    if obj.__doc__:
        obj.__doc__ = obj.__doc__ % DOCS
    return obj
