"""Permutation p-values for canonical correlations, with the sequential procedure.

The first canonical correlation is tested against its distribution over random
permutations of the rows of one view. A later correlation cannot be tested the
same way: the permuted data still hold the first, strong, correlations, so the
null distribution of the ``k``-th correlation would be wrong. Winkler et al.
(2020) test the ``k``-th one after removing the first ``k - 1`` canonical pairs
(found on the unpermuted data) from both views, then permuting; the statistic
is Wilks' lambda over the remaining correlations (or Roy's largest root), and
familywise error is controlled by the closure of the sequential tests
(cumulative maximum of the p-values).

Each view is whitened once (the within-view covariances do not change under a
permutation of rows), so a permutation costs one product of the canonical
variates and one SVD per tested component.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array
from tqdm.auto import tqdm

from sklearn_ccafusion.cca._cca import CCAProjector
from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.utils._validation import check_min_samples
from sklearn_ccafusion.utils._views import resolve_view_sizes, view_slices

__all__ = ["permutation_test"]

_TINY = 1e-300  # floor of 1 - r^2 in Wilks' lambda: r = 1 gives a large finite value
_CHUNK_BYTES = 64 * 2**20  # memory of one batch of permuted views
# Most permutations permutation_test runs: its smallest p-value is then about 1e-6.
_MAX_PERMUTATIONS = 1_000_000


def _statistics(correlations: NDArray, statistic: str) -> NDArray:
    """Statistic of each step from the correlations of its reduced problem (last axis)."""
    if statistic == "roy":
        return correlations[..., 0]
    return -np.log(np.clip(1.0 - correlations**2, _TINY, None)).sum(axis=-1)


def _canonical_variates(X: NDArray, sizes, whitener, reg) -> tuple[NDArray, NDArray, NDArray]:
    """Both views' complete sets of canonical variates, unit norm, and the correlations."""
    cca = CCAProjector(view_sizes=sizes, whitener=whitener, reg=reg).fit(X)
    variates = []
    for columns, fitted, mean in zip(view_slices(sizes), cca.whiteners_, cca.means_):
        view = X[:, columns].astype(np.float64) - mean
        variates.append(view @ fitted._basis.weights / np.sqrt(X.shape[0] - 1))
    u, correlations, vt = np.linalg.svd(variates[0].T @ variates[1], full_matrices=True)
    return variates[0] @ u, variates[1] @ vt.T, np.clip(correlations, 0.0, 1.0)


@validate_params(
    {
        "X": ["array-like"],
        "view_sizes": ["array-like", None],
        "n_permutations": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "statistic": [StrOptions({"wilks", "roy"})],
        "whitener": [PCAWhitener, None],
        "reg": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "random_state": ["random_state"],
        "progress": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def permutation_test(
    X: ArrayLike,
    view_sizes: ArrayLike | None = None,
    *,
    n_permutations: int = 999,
    n_components: int | None = None,
    statistic: str = "wilks",
    whitener: PCAWhitener | None = None,
    reg: float | tuple[float, float] = 0.0,
    random_state: int | np.random.RandomState | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Permutation p-value of each canonical correlation between two stacked views.

    The rows of view 2 are permuted ``n_permutations`` times. The ``k``-th
    canonical correlation is tested with the sequential procedure of Winkler et
    al. (2020): the first ``k - 1`` canonical pairs of the unpermuted data are
    removed from both views, view 2's remainder is permuted, and the statistic
    of the reduced problem (Wilks' lambda over its correlations, or Roy's
    largest root, its first correlation) is compared with the observed one.
    Each step's p-value tests "no correlation left beyond the first ``k - 1``
    pairs"; ``p_value_fwer``, the running maximum over steps, controls the
    familywise error rate over all the tested components.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The two views stacked column-wise, ``np.hstack([X1, X2])``.
    view_sizes : sequence of int or None, default=None
        Widths of the two views. ``None``: from ``<view>__<feature>`` column
        names of a DataFrame, otherwise an even split (the first view taking
        the extra column); views of different widths given as a bare array
        need explicit ``view_sizes``.
    n_permutations : int, default=999
        Number of random permutations, at most 1,000,000; the smallest attainable p-value is
        ``1 / (n_permutations + 1)``. They run in batches of at most 64 MiB of
        permuted data (the p-values do not depend on the batches).
    n_components : int or None, default=None
        Test the first ``n_components`` correlations; ``None``: all of them.
    statistic : {"wilks", "roy"}, default="wilks"
        ``"wilks"``: ``-sum(log(1 - r_j^2))`` over the remaining correlations;
        ``"roy"``: the largest remaining correlation.
    whitener : PCAWhitener or None, default=None
        Per-view whitening, as :class:`~sklearn_ccafusion.CCAProjector`'s
        (``None``: ``PCAWhitener(0.9999)``).
    reg : float in [0, 1] or pair of them, default=0.0
        Shrinkage of each view's covariance, as ``CCAProjector``'s ``reg``
        (the within-view covariances do not change under a permutation, so
        the test stays exact for the regularised correlations).
    random_state : int, RandomState instance or None, default=None
        Seed of the permutations. Pass an int for reproducible results.
    progress : bool, default=True
        Show a progress bar over the batches of permutations when there is
        more than one (a long run: its time grows with ``n_permutations`` times
        the number of samples).

    Returns
    -------
    result : pandas.DataFrame
        One row per tested component: ``component`` (1-based),
        ``correlation`` (observed), ``statistic`` (observed, at that step),
        ``p_value`` (of that step) and ``p_value_fwer`` (familywise). The
        p-values are ``(1 + #{permuted >= observed}) / (1 + n_permutations)``.

    Raises
    ------
    TypeError
        When ``n_permutations`` or ``n_components`` is a bool.
    ValueError
        When ``n_permutations`` is above 1,000,000, or
        ``n_components`` above the number of canonical pairs.
    sklearn.utils._param_validation.InvalidParameterError
        (a ``ValueError``) When a parameter has the wrong type or range, such
        as ``n_permutations=2.7`` or ``0``.

    See Also
    --------
    sklearn_ccafusion.CCAProjector : The canonical correlations tested here.

    References
    ----------
    Winkler, Renaud, Smith and Nichols (2020), "Permutation inference for
    canonical correlation analysis", NeuroImage 220, 117065.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> shared = rng.normal(size=(200, 1))
    >>> X = np.hstack([shared + rng.normal(size=(200, 3)), shared + rng.normal(size=(200, 3))])
    >>> result = permutation_test(X, n_permutations=99, random_state=0)
    >>> result["p_value"].round(2).tolist()[0]
    0.01
    >>> bool(result["p_value"].iloc[1] > 0.05)
    True
    """
    for name, count in (("n_permutations", n_permutations), ("n_components", n_components)):
        if isinstance(count, (bool, np.bool_)):
            raise TypeError(f"{name} must be an int, got {count!r}.")
    if n_permutations > _MAX_PERMUTATIONS:
        raise ValueError(
            f"n_permutations={n_permutations} is above the cap of {_MAX_PERMUTATIONS:,} "
            f"permutations: the smallest p-value is already 1 / {_MAX_PERMUTATIONS + 1:,} "
            "there, and the time grows with n_permutations (each permutation shuffles "
            "every sample); use at most 1,000,000."
        )
    names = getattr(X, "columns", None)
    X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
    check_min_samples(X.shape[0], 3, "permutation_test")
    sizes = resolve_view_sizes(
        None if view_sizes is None else tuple(np.asarray(view_sizes).tolist()),
        X.shape[1],
        None if names is None else np.asarray(names),
        estimator_name="permutation_test",
    )
    A, B, observed = _canonical_variates(X, sizes, whitener, reg)
    n_pairs = observed.size
    if n_components is not None and n_components > n_pairs:
        raise ValueError(
            f"n_components={n_components} is larger than the number of canonical pairs, "
            f"{n_pairs}; lower n_components or keep more components in the whitener."
        )
    n_tested = n_pairs if n_components is None else n_components
    observed_stats = np.array(
        [_statistics(observed[k:], statistic) for k in range(n_tested)], dtype=np.float64
    )
    rng = check_random_state(random_state)
    exceed = np.zeros(n_tested, dtype=np.int64)
    n = X.shape[0]
    chunk = max(1, min(n_permutations, _CHUNK_BYTES // (8 * n * B.shape[1])))
    done = 0
    n_chunks = -(-n_permutations // chunk)
    shown = progress and n_chunks > 1
    with tqdm(total=n_permutations, desc="permutations", disable=not shown) as bar:
        while done < n_permutations:
            size = min(chunk, n_permutations - done)
            order = np.argsort(rng.random_sample((size, n)), axis=1)
            cross = np.matmul(A.T[None], B[order])  # (size, k1, k2): A' P B per permutation
            for k in range(n_tested):
                reduced = np.linalg.svd(cross[:, k:, k:], compute_uv=False)
                # ties within rounding count as exceedances (conservative)
                tolerance = 1e-10 * max(1.0, abs(observed_stats[k]))
                exceed[k] += np.count_nonzero(
                    _statistics(reduced, statistic) >= observed_stats[k] - tolerance
                )
            done += size
            bar.update(size)
    p_values = (1.0 + exceed) / (1.0 + n_permutations)
    return pd.DataFrame(
        {
            "component": np.arange(1, n_tested + 1),
            "correlation": observed[:n_tested],
            "statistic": observed_stats,
            "p_value": p_values,
            "p_value_fwer": np.maximum.accumulate(p_values),
        }
    )
