"""The in-memory similarity measures and the class-subspace alignment.

The measures, their references and conventions are described in
:mod:`sklearn_ccafusion.similarity`.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg
from sklearn.utils._param_validation import Interval, RealNotInt, validate_params
from sklearn.utils.validation import check_array

from sklearn_ccafusion.cca._cca import CCAProjector
from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.similarity._permutation_test import permutation_test
from sklearn_ccafusion.utils._validation import check_min_samples, check_same_n_samples

__all__ = ["class_subspace_alignment", "linear_cka", "permutation_test", "pwcca", "svcca"]


def __dir__() -> list[str]:
    """Public names only: what ``from module import *`` gives."""
    return sorted(__all__)


# what each view's whitener keeps: a fraction of the variance or a number of directions
_KEEP = [Interval(RealNotInt, 0, 1, closed="neither"), Interval(Integral, 1, None, closed="left")]


def _check_pair(features_1: ArrayLike, features_2: ArrayLike) -> tuple[NDArray, NDArray]:
    X = check_array(features_1, dtype=[np.float64, np.float32], input_name="features_1")
    Y = check_array(features_2, dtype=[np.float64, np.float32], input_name="features_2")
    check_same_n_samples(X, Y, names=("features_1", "features_2"))
    check_min_samples(X.shape[0], 2, "A similarity measure")
    return X, Y


def _fit_cca(X: NDArray, Y: NDArray, keep: float | int | None) -> CCAProjector:
    cca = CCAProjector(view_sizes=(X.shape[1], Y.shape[1]), whitener=PCAWhitener(keep))
    return cca.fit(np.hstack([X, Y]))


def _unbiased_hsic(X: NDArray, Y: NDArray) -> float:
    """Song et al.'s unbiased HSIC of linear kernels, computed in feature space.

    With ``K = X X'`` and ``L = Y Y'`` whose diagonals are zeroed (``Kt``, ``Lt``),
    ``[tr(Kt Lt) + 1'Kt1 1'Lt1 / ((n-1)(n-2)) - 2/(n-2) 1'Kt Lt 1] / (n (n-3))``;
    every term is a product of ``X' Y``, column sums and row norms, so no
    ``n x n`` matrix is formed.
    """
    n = X.shape[0]
    k_diag = np.einsum("ij,ij->i", X, X)
    l_diag = np.einsum("ij,ij->i", Y, Y)
    trace = np.linalg.norm(X.T @ Y) ** 2 - np.dot(k_diag, l_diag)
    k_rows = X @ X.sum(axis=0) - k_diag  # Kt 1
    l_rows = Y @ Y.sum(axis=0) - l_diag  # Lt 1
    total = k_rows.sum() * l_rows.sum() / ((n - 1) * (n - 2))
    return float((trace + total - 2.0 / (n - 2) * np.dot(k_rows, l_rows)) / (n * (n - 3)))


@validate_params(
    {"features_1": ["array-like"], "features_2": ["array-like"], "debiased": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def linear_cka(features_1: ArrayLike, features_2: ArrayLike, debiased: bool = False) -> float:
    """Linear centred kernel alignment, biased (Kornblith et al.) or debiased.

    ``||Y'X||_F^2 / (||X'X||_F ||Y'Y||_F)`` on centred features: 1 for features
    equal up to an orthogonal transform and isotropic scaling. This plug-in
    estimate is biased upward when features are wide beside the number of
    samples (two independent random views of 4 samples score near 1).
    ``debiased=True`` replaces each HSIC by Song et al.'s unbiased estimator,
    as Nguyen, Raghu and Kornblith (2021) do; its expectation for independent
    views is 0.

    Parameters
    ----------
    features_1 : array-like of shape (n_samples, n_features_1)
    features_2 : array-like of shape (n_samples, n_features_2)
    debiased : bool, default=False
        Use the unbiased HSIC estimator (needs at least 4 samples).

    Returns
    -------
    cka : float
        In [0, 1] when biased. The debiased value can fall slightly below 0
        (or, rarely, above 1) by chance, as an unbiased estimator may.

    References
    ----------
    Song, Smola, Gretton, Bedo and Borgwardt (2012), "Feature selection via
    dependence maximization", JMLR 13 (the unbiased HSIC).
    Nguyen, Raghu and Kornblith (2021), "Do wide and deep networks learn the
    same things?", ICLR (debiased CKA).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(100, 5))
    >>> Q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(5, 5)))
    >>> round(linear_cka(X, 3 * X @ Q), 10), round(linear_cka(X, 3 * X @ Q, debiased=True), 10)
    (1.0, 1.0)
    """
    X, Y = _check_pair(features_1, features_2)
    # CKA does not change when a view is multiplied by a constant: each centred view is
    # scaled to a largest entry of 1, so that its Gram products neither overflow
    # (features near 1e200) nor underflow (near 1e-200) float64.
    X, Y = (_unit_scaled(V - V.mean(axis=0)) for V in (X, Y))
    if debiased:
        check_min_samples(X.shape[0], 4, "The debiased linear CKA")
        X, Y = X.astype(np.float64, copy=False), Y.astype(np.float64, copy=False)
        norms = np.sqrt(max(_unbiased_hsic(X, X), 0.0) * max(_unbiased_hsic(Y, Y), 0.0))
        return float(_unbiased_hsic(X, Y) / norms) if norms > 0 else 0.0
    cross = np.linalg.norm(Y.T @ X) ** 2
    norms = np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y)
    return float(cross / norms) if norms > 0 else 0.0


def mean_of_first(rho: NDArray, n_components: int | None, keep: float | int | None) -> float:
    """SVCCA's mean of the first ``n_components`` correlations, refusing more than exist."""
    if isinstance(n_components, (bool, np.bool_)):
        raise TypeError(f"n_components must be an int or None, got {n_components!r}.")
    if n_components is not None and n_components > rho.size:
        raise ValueError(
            f"svcca: n_components={n_components} is more than the {rho.size} canonical pairs "
            f"of the two views (each reduced with keep={keep!r}); lower n_components or "
            "raise keep."
        )
    return float(np.mean(rho if n_components is None else rho[:n_components]))


def _unit_scaled(centred: NDArray) -> NDArray:
    """``centred`` divided by its largest absolute entry (unchanged when all zero)."""
    largest = np.max(np.abs(centred))
    return centred / largest if largest > 0 else centred


@validate_params(
    {
        "features_1": ["array-like"],
        "features_2": ["array-like"],
        "keep": _KEEP,
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def svcca(
    features_1: ArrayLike,
    features_2: ArrayLike,
    keep: float | int = 0.99,
    n_components: int | None = None,
) -> float:
    """Singular vector CCA: the mean canonical correlation after an SVD of each view.

    Each centred view keeps the principal directions that explain ``keep`` of
    its variance (SVCCA's 99 %), then CCA is computed between them.

    Parameters
    ----------
    features_1 : array-like of shape (n_samples, n_features_1)
    features_2 : array-like of shape (n_samples, n_features_2)
    keep : float in (0, 1) or int, default=0.99
        Fraction of variance (or number of directions) kept in each view.
    n_components : int or None, default=None
        Average the first ``n_components`` canonical correlations; ``None``:
        all of them.

    Returns
    -------
    similarity : float in [0, 1]

    Raises
    ------
    ValueError
        When ``n_components`` exceeds the number of canonical pairs (the
        smaller number of directions the two views keep); the message states
        that number.
    TypeError
        When ``n_components`` is a bool.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(200, 4))
    >>> round(svcca(X, X @ np.diag([1.0, 2.0, 3.0, 4.0]), keep=4), 10)
    1.0
    """
    X, Y = _check_pair(features_1, features_2)
    return mean_of_first(_fit_cca(X, Y, keep).canonical_correlations_, n_components, keep)


@validate_params(
    {
        "features_1": ["array-like"],
        "features_2": ["array-like"],
        "keep": [*_KEEP, None],
    },
    prefer_skip_nested_validation=True,
)
def pwcca(features_1: ArrayLike, features_2: ArrayLike, keep: float | int | None = None) -> float:
    """Projection-weighted CCA of Morcos et al.

    The canonical correlations are averaged with weights that measure how much
    of ``features_1`` each canonical direction accounts for: the canonical
    variates of ``features_1`` are orthonormalised (QR) and the weight of each
    is the sum, over the centred features of ``features_1``, of the absolute
    value of their projection on it. Not symmetric in its arguments.

    Parameters
    ----------
    features_1 : array-like of shape (n_samples, n_features_1)
        The representation whose directions weight the correlations.
    features_2 : array-like of shape (n_samples, n_features_2)
    keep : float in (0, 1), int or None, default=None
        Per-view whitener's components; ``None``: every direction with
        variance.

    Returns
    -------
    similarity : float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(200, 4))
    >>> round(pwcca(X, X + 0.0), 10)
    1.0
    """
    X, Y = _check_pair(features_1, features_2)
    cca = _fit_cca(X, Y, keep)
    Xc = X - X.mean(axis=0)
    variates = Xc @ cca.x_weights_
    q, _ = linalg.qr(variates, mode="economic")
    weights = np.abs(q.T @ Xc).sum(axis=1)
    weights /= weights.sum()
    return float(np.dot(weights, cca.canonical_correlations_[: weights.size]))


@validate_params(
    {
        "features_1": ["array-like"],
        "features_2": ["array-like"],
        "class_components": ["array-like"],
        "keep": [*_KEEP, None],
    },
    prefer_skip_nested_validation=True,
)
def class_subspace_alignment(
    features_1: ArrayLike,
    features_2: ArrayLike,
    class_components: ArrayLike,
    keep: float | int | None = 0.9999,
) -> NDArray[np.float64]:
    """How well view 1's first K-1 canonical directions span its class directions.

    Cosines of the principal angles, in data space, between the span of view
    1's first ``K - 1`` canonical variates (CCA with view 2) and the span of
    its class-centred logits ``X1 (W - mean row of W)^T``. Softmax leaves the
    mean row of ``W`` undetermined, so only ``K - 1`` class directions are
    identified by training; comparing spans of variates in data space, not raw
    weight vectors, keeps low-variance directions from dominating the angles.
    All cosines near 1 is the claim that CCA finds the class components.

    Parameters
    ----------
    features_1 : array-like of shape (n_samples, n_features_1)
        Features of the network whose class components are tested.
    features_2 : array-like of shape (n_samples, n_features_2)
        Features of its CCA partner.
    class_components : array-like of shape (n_classes, n_features_1)
        The last layer's weight ``W`` of the first network.
    keep : float in (0, 1), int or None, default=0.9999
        Components kept by each view's whitener before CCA.

    Returns
    -------
    cosines : ndarray of shape (n_classes - 1,)
        Descending, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> shared = rng.normal(size=(500, 2))  # two class directions seen by both views
    >>> X1 = np.hstack([shared, rng.normal(size=(500, 3))])
    >>> X2 = np.hstack([shared + 0.1 * rng.normal(size=(500, 2)), rng.normal(size=(500, 2))])
    >>> W = np.array([[1.0, 0, 0, 0, 0], [0, 1.0, 0, 0, 0], [-1.0, -1.0, 0, 0, 0]])
    >>> bool(np.all(class_subspace_alignment(X1, X2, W) > 0.99))
    True
    """
    X, Y = _check_pair(features_1, features_2)
    W = np.asarray(class_components, dtype=np.float64)
    if not np.all(np.isfinite(W)):
        raise ValueError(
            "class_components holds NaN or infinite values; pass the class layer's coef."
        )
    if W.ndim != 2 or W.shape[1] != X.shape[1]:
        raise ValueError(
            f"class_components must have shape (n_classes, {X.shape[1]}) to match "
            f"features_1, got {W.shape}."
        )
    n_directions = W.shape[0] - 1
    if n_directions < 1:
        raise ValueError("class_components needs at least 2 classes (rows).")
    if not np.any(W - W.mean(axis=0)):
        raise ValueError(
            "class_components has identical rows: the classes differ in no direction, so "
            "there is nothing to align with; pass the class layer's coef."
        )
    cca = _fit_cca(X, Y, keep)
    if cca.n_components_ < n_directions:
        raise ValueError(
            f"Only {cca.n_components_} canonical pairs exist, fewer than the "
            f"{n_directions} class directions; keep more components or use more samples."
        )
    Xc = X - X.mean(axis=0)
    variates = Xc @ cca.x_weights_[:, :n_directions]
    centred_logits = Xc @ (W - W.mean(axis=0)).T
    angles = linalg.subspace_angles(variates, centred_logits)
    return np.sort(np.cos(angles))[::-1][:n_directions]
