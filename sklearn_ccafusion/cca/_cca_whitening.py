"""Per-view whitening of a CCA, and how many directions a sample can support.

The canonical correlations of two views are computed in the span of each view's
whitened directions. With ``k_1`` and ``k_2`` directions kept and ``n`` samples,
independent views already reach large sample canonical correlations: after
centring, ``n - 1`` samples span at most ``n - 1`` dimensions, so when
``k_1 + k_2 > n - 1`` at least ``k_1 + k_2 - (n - 1)`` correlations are exactly 1,
whatever the data. Below that, for independent Gaussian views the squared sample
canonical correlations follow Wachter's distribution as ``k_i / n -> c_i``, whose
upper edge is (Wachter 1980; Bai and Silverstein 2010)

    ``lambda_+ = (sqrt(c_1 (1 - c_2)) + sqrt(c_2 (1 - c_1)))^2``,

which tends to 1 as ``c_1 + c_2 -> 1``. Keeping at most ``n / 4`` directions per
view (``c_1 + c_2 <= 1/2``) holds pure noise to canonical correlations of at most
``sqrt(lambda_+) = sqrt(3) / 2 ~ 0.87``, so that the correlations of structure
shared by the views stand above it. That cap is the default of every CCA of the
package (``whitener=None``, ``reg=0``); an explicit whitener is used as given, and
:func:`warn_spurious_correlations` warns when its ranks leave the canonical
correlations indistinguishable from noise.

References
----------
K. W. Wachter (1980), "The limiting empirical measure of multiple discriminant
ratios", Annals of Statistics 8(5).
Z. Bai and J. W. Silverstein (2010), "Spectral Analysis of Large Dimensional Random
Matrices", Springer.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Real

import numpy as np
from numpy.typing import NDArray
from sklearn.base import clone

from sklearn_ccafusion.cca._moments import Moments
from sklearn_ccafusion.cca._whitening import PCAWhitener

__all__ = [
    "SAMPLES_PER_DIRECTION",
    "SPURIOUS_MESSAGE",
    "default_max_rank",
    "noise_correlation_edge",
    "per_view_reg",
    "warn_spurious_correlations",
    "whiten_views",
]

#: The default whitening keeps at most ``n_samples // SAMPLES_PER_DIRECTION``
#: directions per view.
SAMPLES_PER_DIRECTION = 4
# canonical correlations above this count as "at 1" in the warning
_AT_ONE = 0.999
#: Regular expression matching the warning of :func:`warn_spurious_correlations`.
SPURIOUS_MESSAGE = r".*canonical correlations are above 0\.999"


def per_view_reg(value: float | Sequence[float]) -> tuple[float, float]:
    """Broadcast ``reg``, given once or as a pair, to one value per view.

    Examples
    --------
    >>> per_view_reg(0.1), per_view_reg([0.0, 0.5])
    ((0.1, 0.1), (0.0, 0.5))
    """
    if isinstance(value, Real):
        return float(value), float(value)
    values = tuple(value)
    if len(values) != 2 or not all(isinstance(v, Real) and 0 <= v <= 1 for v in values):
        raise ValueError(f"reg must be a float in [0, 1] or a pair of them, got {value!r}.")
    return float(values[0]), float(values[1])


def default_max_rank(n_samples: int) -> int:
    """Most directions per view that the default whitening keeps: ``n_samples // 4``.

    Parameters
    ----------
    n_samples : int
        Rows the CCA is fitted on.

    Returns
    -------
    max_rank : int
        At least 1.

    Examples
    --------
    >>> default_max_rank(40), default_max_rank(13000), default_max_rank(3)
    (10, 3250, 1)
    """
    return max(1, int(n_samples) // SAMPLES_PER_DIRECTION)


def noise_correlation_edge(k1: int, k2: int, n_samples: int) -> float:
    """Largest canonical correlation of independent views, in the large-sample limit.

    The square root of the upper edge of Wachter's distribution for ``c_i = k_i / n``
    (``n = n_samples - 1``, the centred degrees of freedom); 1 when
    ``k_1 + k_2 >= n``.

    Parameters
    ----------
    k1, k2 : int
        Directions kept in each view.
    n_samples : int
        Rows the CCA is fitted on.

    Returns
    -------
    edge : float
        In [0, 1].

    Examples
    --------
    >>> round(noise_correlation_edge(20, 20, 81), 3)
    0.866
    >>> noise_correlation_edge(27, 27, 40)
    1.0
    """
    dof = n_samples - 1
    if dof <= 0 or k1 + k2 >= dof:
        return 1.0
    c1, c2 = k1 / dof, k2 / dof
    root = np.sqrt(c1 * (1 - c2)) + np.sqrt(c2 * (1 - c1))
    return float(min(root, 1.0))


def whiten_views(
    moments: Sequence[Moments],
    whitener: PCAWhitener | None,
    regs: Sequence[float],
) -> list[PCAWhitener]:
    """Fit one whitener per view from that view's moments.

    ``whitener=None`` means ``PCAWhitener(0.9999)``, and, for a view whose ``reg``
    is 0, at most :func:`default_max_rank` directions: that view's fitted whitener
    is then ``PCAWhitener(n_samples // 4)``, so its ``n_components`` shows the cap.
    A given whitener is cloned and used as it is.

    Parameters
    ----------
    moments : sequence of Moments
        Each view's moments.
    whitener : PCAWhitener or None
        Template of the whitening.
    regs : sequence of float
        Each view's shrinkage toward a scaled identity.

    Returns
    -------
    whiteners : list of fitted PCAWhitener
    """
    template = PCAWhitener() if whitener is None else whitener
    if not template.whiten:
        raise ValueError("CCA needs whitened views: pass a PCAWhitener with whiten=True.")
    fitted = []
    for index, (view, reg) in enumerate(zip(moments, regs), start=1):
        view_whitener = clone(template)
        view_whitener._validate_params()
        try:
            view_whitener._fit_from_moments(view, reg=reg)
            max_rank = default_max_rank(view.count)
            if whitener is None and reg == 0 and view_whitener.n_components_ > max_rank:
                view_whitener = PCAWhitener(max_rank)._fit_from_moments(view, reg=reg)
        except ValueError as error:
            raise ValueError(
                f"View {index} has no variance: all of its {view.mean.size} features are "
                "constant, so it cannot be correlated with anything."
            ) from error
        fitted.append(view_whitener)
    return fitted


def warn_spurious_correlations(
    correlations: NDArray,
    ranks: tuple[int, int],
    n_samples: int,
    regs: Sequence[float],
    owner: str,
) -> None:
    """Warn when the kept ranks let noise alone reach canonical correlations near 1.

    Warns when neither view is regularised, ``k_1 + k_2 > n_samples / 2`` (more
    than the default whitening keeps) and some canonical correlations are above
    0.999; the message counts them and names the fixes.

    Parameters
    ----------
    correlations : ndarray
        All canonical correlations.
    ranks : (int, int)
        Directions kept in each view.
    n_samples : int
        Rows the CCA was fitted on.
    regs : sequence of float
        Each view's ``reg``.
    owner : str
        Name of the estimator or function, for the message.
    """
    k1, k2 = ranks
    if any(regs) or SAMPLES_PER_DIRECTION * (k1 + k2) <= 2 * n_samples:
        return
    at_one = int(np.count_nonzero(np.asarray(correlations) > _AT_ONE))
    if at_one == 0:
        return
    cap = default_max_rank(n_samples)
    warnings.warn(
        f"{owner}: {at_one} of {len(correlations)} canonical correlations are above "
        f"{_AT_ONE}, with k1 + k2 = {k1} + {k2} directions kept for {n_samples} samples. "
        f"Independent noise alone reaches canonical correlations up to "
        f"{noise_correlation_edge(k1, k2, n_samples):.3f} at these ranks, so the canonical "
        f"directions are not meaningful. Keep at most n_samples // 4 = {cap} directions "
        f"per view (whitener=None does; or whitener=PCAWhitener({cap})), or regularise "
        "the CCA (reg=0.1).",
        UserWarning,
        stacklevel=4,
    )
