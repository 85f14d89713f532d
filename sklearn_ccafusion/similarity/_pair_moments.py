"""Exact similarity of two representations from moments accumulated batch by batch.

:class:`PairMoments` keeps, for two views ``X`` (``d_1`` features) and ``Y``
(``d_2``) seen batch by batch, the count, the means and the centred second moments
of the stacked pair (:class:`~sklearn_ccafusion.cca._moments.Moments`, merged by
Chan et al.'s pairwise update), and the moments of the per-sample squared norms
``a_i = ||x_i - mean_x||^2`` and ``b_i = ||y_i - mean_y||^2`` that the unbiased
HSIC needs: ``sum a_i b_i``, ``sum a_i^2``, ``sum b_i^2`` and the vectors
``sum a_i (z_i - mean_z)``, ``sum b_i (z_i - mean_z)`` of the stacked rows
``z_i = (x_i, y_i)``. Each batch is summarised about its own mean; merging two
summaries re-centres both on the common mean in closed form (the same idea as
Chan's update, carried to the third and fourth moments of the norms), so no sum of
large uncentred powers is ever formed. The memory is ``(d_1 + d_2)^2 + 3 (d_1 +
d_2) + 3`` float64 numbers whatever the number of samples.

Every measure of :mod:`sklearn_ccafusion.similarity` is a function of these
moments: canonical correlations (so SVCCA, PWCCA and mean CCA) through the same
whitening and SVD as :class:`~sklearn_ccafusion.CCAProjector`, PWCCA's weights as
inner products of canonical variates with the centred features, and linear CKA,
biased and debiased (the derivation of the debiased form is in the user guide,
"Similarity at scale").

References
----------
Chan, Golub and LeVeque (1979), "Updating formulae and a pairwise algorithm for
computing sample variances".
Song, Smola, Gretton, Bedo and Borgwardt (2012), "Feature selection via dependence
maximization", JMLR 13 (the unbiased HSIC).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import linalg

from sklearn_ccafusion.cca._cca import CCAProjector, warn_moments_accuracy
from sklearn_ccafusion.cca._whitening import PCAWhitener
from sklearn_ccafusion.similarity._measures import mean_of_first
from sklearn_ccafusion.similarity._pair_state import (
    _as_float64,
    _check_finite,
    _is_tensor,
    _merge_states,
    _pair_state,
    _Side,
    _side,
    _State,
    _state_like,
    _to_numpy,
)
from sklearn_ccafusion.utils._validation import check_count, check_min_samples

__all__ = ["PairMoments"]


def _check_keep(keep: Any) -> None:
    """What a view's whitener keeps: a fraction in (0, 1), a count >= 1, or ``None``."""
    if keep is None:
        return
    if isinstance(keep, (bool, np.bool_)) or not isinstance(keep, Real):
        raise TypeError(
            f"keep must be a variance fraction in (0, 1), a number of directions or None, "
            f"got {keep!r} ({type(keep).__name__})."
        )
    if isinstance(keep, Integral):
        if keep < 1:
            raise ValueError(f"keep as a number of directions must be at least 1, got {keep}.")
    elif not 0 < keep < 1:  # NaN fails too
        raise ValueError(
            f"keep as a variance fraction must be strictly between 0 and 1, got {keep}; "
            "give an int to keep a number of directions."
        )


class PairMoments:
    """Exact similarity measures of two representations, accumulated batch by batch.

    ``update`` adds a batch of each representation (the same samples, in the same
    order); ``merge`` adds another accumulator's samples (another worker's, or
    another device's). The measures then equal the in-memory functions of
    :mod:`sklearn_ccafusion.similarity` on all the samples seen, to rounding
    (``1e-8`` in float64 for well-conditioned features), with memory that does
    not grow with the number of samples: ``(d_1 + d_2)^2`` float64 numbers.

    Batches may be NumPy arrays or torch tensors on any device. With tensors the
    accumulation runs in float64 on the first tensor's device (the models'
    device, so a GPU does the products and nothing is copied to the CPU until a
    measure is asked for); NumPy batches are accumulated in float64 on the CPU.
    float32 (or half-precision) batches are accumulated in float64; their
    precision is remembered, as :class:`~sklearn_ccafusion.CCAProjector` does,
    to tell directions of rounding noise from directions of variance.

    Attributes
    ----------
    n_samples_seen_ : int
        Samples accumulated so far.
    view_sizes_ : tuple of int or None
        Widths ``(d_1, d_2)`` of the two representations (``None`` before the
        first batch).

    See Also
    --------
    sklearn_ccafusion.similarity.stream_layer_similarity : Streams two models'
        layers over a data loader into these accumulators.
    sklearn_ccafusion.CCAProjector.partial_fit : Streaming CCA as an estimator.

    Notes
    -----
    Canonical correlations read off accumulated moments are accurate to about
    ``eps * cond``, ``cond`` the ratio of the largest to the smallest retained
    variance of a view; above a ``1e-9`` error a ``UserWarning`` says so
    (:meth:`CCAProjector.fit`, which holds the data, refines them further).
    Linear CKA involves no inversion and keeps full float64 accuracy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion.similarity import PairMoments, linear_cka, svcca
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 6))
    >>> Y = X[:, :4] @ rng.normal(size=(4, 5)) + 0.5 * rng.normal(size=(1000, 5))
    >>> moments = PairMoments()
    >>> for start in range(0, 1000, 300):  # batches of 300, 300, 300 and 100
    ...     _ = moments.update(X[start : start + 300], Y[start : start + 300])
    >>> moments.n_samples_seen_
    1000
    >>> bool(np.isclose(moments.linear_cka(debiased=True),
    ...                 linear_cka(X, Y, debiased=True), rtol=0, atol=1e-12))
    True
    >>> bool(np.isclose(moments.svcca(), svcca(X, Y), rtol=0, atol=1e-12))
    True
    """

    def __init__(self) -> None:
        self._state: _State | None = None
        self._sizes: tuple[int, int] | None = None
        self._device: Any = None
        self.n_samples_seen_ = 0
        self.view_sizes_: tuple[int, int] | None = None

    # ------------------------------------------------------------ accumulation
    def _set_state(self, state: _State, sizes: tuple[int, int]) -> None:
        self._state, self._sizes = state, sizes
        self.n_samples_seen_, self.view_sizes_ = state.moments.count, sizes

    def _check_sizes(self, sizes: tuple[int, int], what: str) -> None:
        if self._sizes is not None and sizes != self._sizes:
            raise ValueError(
                f"{what} has widths {sizes}, but this PairMoments accumulated widths "
                f"{self._sizes}; use one PairMoments per pair of representations."
            )

    def update(self, features_1: Any, features_2: Any) -> PairMoments:
        """Add one batch of each representation.

        Parameters
        ----------
        features_1 : array-like or torch.Tensor of shape (n_batch, d_1)
            The batch's features of representation 1.
        features_2 : array-like or torch.Tensor of shape (n_batch, d_2)
            The same samples' features of representation 2.

        Returns
        -------
        self : PairMoments
        """
        if self._state is None:  # the first batch chooses where the moments live
            tensors = [f for f in (features_1, features_2) if _is_tensor(f)]
            self._device = tensors[0].device if tensors else None
        X, eps_1 = _as_float64(features_1, "features_1", self._device)
        Y, eps_2 = _as_float64(features_2, "features_2", self._device)
        if X.shape[0] != Y.shape[0]:
            raise ValueError(
                "features_1 and features_2 must have the same number of samples (rows), "
                f"got {X.shape[0]} and {Y.shape[0]}."
            )
        sizes = (int(X.shape[1]), int(Y.shape[1]))
        if min(sizes) < 1:
            raise ValueError(f"Both representations need at least 1 feature, got {sizes}.")
        self._check_sizes(sizes, "This batch")
        if X.shape[0] == 0:
            return self
        sides = [_side(X, eps_1), _side(Y, eps_2)]
        for side in sides:
            _check_finite(side)
        return self._update_sides(*sides)

    def _update_sides(self, first: _Side, second: _Side) -> PairMoments:
        """Add one batch given as each representation's summary (shared by a layer map)."""
        sizes = (int(first.mean.shape[0]), int(second.mean.shape[0]))
        self._check_sizes(sizes, "This batch")
        if self._state is None:
            self._device = first.mean.device if _is_tensor(first.mean) else None
        batch = _pair_state(first, second)
        self._set_state(_merge_states(self._state, batch, sizes[0]), sizes)
        return self

    def merge(self, other: PairMoments) -> PairMoments:
        """Add the samples accumulated by ``other`` (another worker's or device's).

        Parameters
        ----------
        other : PairMoments
            Accumulated on other samples of the same two representations.

        Returns
        -------
        self : PairMoments
        """
        if not isinstance(other, PairMoments):
            raise TypeError(f"merge takes a PairMoments, got {type(other).__name__}.")
        if other._state is None:
            return self
        self._check_sizes(other._sizes, "The merged PairMoments")
        if self._state is None:
            self._device = other._device
            self._set_state(other._state, other._sizes)
            return self
        theirs = _state_like(other._state, self._state.moments.m2)
        self._set_state(_merge_states(self._state, theirs, self._sizes[0]), self._sizes)
        return self

    # ---------------------------------------------------------------- results
    def _numpy_state(self, minimum: int, what: str) -> _State:
        if self._state is None:
            raise ValueError(f"{what} needs samples: call update() first.")
        check_min_samples(self._state.moments.count, minimum, what)
        return _state_like(self._state, np.zeros(0))

    def _projector(self, whitener: PCAWhitener | None, what: str) -> CCAProjector:
        """The CCA of the two representations, fitted from the moments."""
        state = self._numpy_state(2, what)
        cca = CCAProjector(view_sizes=self._sizes, whitener=whitener)
        cca.view_sizes_ = self._sizes
        cca._fit_from_moments(state.moments)
        warn_moments_accuracy(cca, f"PairMoments.{what}")
        return cca

    def canonical_correlations(self, keep: float | int | None = None) -> NDArray[np.float64]:
        """All canonical correlations, descending.

        Equal to ``CCAProjector(view_sizes=(d_1, d_2), whitener=PCAWhitener(keep))
        .fit(np.hstack([X, Y])).canonical_correlations_`` on all the samples seen.

        Parameters
        ----------
        keep : float in (0, 1), int or None, default=None
            Directions each view's whitener keeps (a variance fraction or a
            count); ``None``: every direction with variance.

        Returns
        -------
        correlations : ndarray of shape (min(k_1, k_2),)
        """
        _check_keep(keep)
        return self._projector(PCAWhitener(keep), "canonical_correlations").canonical_correlations_

    def svcca(self, keep: float | int = 0.99, n_components: int | None = None) -> float:
        """SVCCA, as :func:`sklearn_ccafusion.similarity.svcca`.

        Parameters
        ----------
        keep : float in (0, 1) or int, default=0.99
            Fraction of variance (or number of directions) kept in each view.
        n_components : int or None, default=None
            Average the first ``n_components`` correlations; ``None``: all.

        Returns
        -------
        similarity : float in [0, 1]

        Raises
        ------
        TypeError
            When ``n_components`` is not an int.
        ValueError
            When ``n_components`` is below 1 or exceeds the number of canonical
            pairs.
        """
        _check_keep(keep)
        if n_components is not None:
            n_components = check_count(n_components, "n_components")
        rho = self._projector(PCAWhitener(keep), "svcca").canonical_correlations_
        return mean_of_first(rho, n_components, keep)

    def pwcca(self, keep: float | int | None = None) -> float:
        """Projection-weighted CCA, as :func:`sklearn_ccafusion.similarity.pwcca`.

        The weight of a canonical direction is the sum over the centred features
        of representation 1 of the absolute inner products with the direction's
        orthonormalised variate. With ``A`` the canonical weights and ``M`` the
        centred second moments of representation 1, the variates' Gram matrix is
        ``G = A' M A = R' R`` (Cholesky: the ``R`` of their QR factorisation), so
        those inner products are ``R^{-T} A' M``: moments only.

        Parameters
        ----------
        keep : float in (0, 1), int or None, default=None
            Per-view whitener's components; ``None``: every direction with variance.

        Returns
        -------
        similarity : float in [0, 1]
        """
        _check_keep(keep)
        cca = self._projector(PCAWhitener(keep), "pwcca")
        d1 = self._sizes[0]
        m2 = _to_numpy(self._state.moments.m2[:d1, :d1])
        weights = cca.x_weights_
        products = weights.T @ m2  # A' M: variates' inner products with the features
        try:
            upper = linalg.cholesky(products @ weights, lower=False)
            inner = linalg.solve_triangular(upper, products, trans="T")
        except linalg.LinAlgError:  # variates numerically dependent: they are orthogonal
            inner = products / np.sqrt(np.maximum(np.diag(products @ weights), 1e-300))[:, None]
        projection = np.abs(inner).sum(axis=1)
        projection /= projection.sum()
        return float(np.dot(projection, cca.canonical_correlations_[: projection.size]))

    def linear_cka(self, debiased: bool = False) -> float:
        """Linear CKA, as :func:`sklearn_ccafusion.similarity.linear_cka`.

        Biased: ``||M_xy||_F^2 / (||M_xx||_F ||M_yy||_F)`` with ``M`` the centred
        second moments. Debiased: each HSIC is Song et al.'s unbiased estimator,
        which for centred features equals
        ``(||M_xy||_F^2 + A B / ((n-1)(n-2)) - n / (n-2) sum_i a_i b_i) / (n (n-3))``
        with ``a_i, b_i`` the centred squared norms and ``A, B`` their sums.

        Parameters
        ----------
        debiased : bool, default=False
            Use the unbiased HSIC estimator (needs at least 4 samples).

        Returns
        -------
        cka : float
        """
        if not isinstance(debiased, (bool, np.bool_)):
            raise TypeError(f"debiased must be True or False, got {debiased!r}.")
        state = self._numpy_state(4 if debiased else 2, "linear_cka")
        n, d1 = state.moments.count, self._sizes[0]
        m2 = state.moments.m2
        # CKA does not change when a view is scaled: each view is scaled to unit total
        # variance, so that the fourth-order terms neither overflow nor underflow.
        trace_a, trace_b = float(np.trace(m2[:d1, :d1])), float(np.trace(m2[d1:, d1:]))
        if trace_a <= 0 or trace_b <= 0:
            return 0.0
        scales = np.concatenate([np.full(d1, trace_a), np.full(m2.shape[0] - d1, trace_b)])
        root = np.sqrt(scales)
        m2 = m2 / np.outer(root, root)
        m_xx, m_yy, m_xy = m2[:d1, :d1], m2[d1:, d1:], m2[:d1, d1:]
        if not debiased:
            norms = np.linalg.norm(m_xx) * np.linalg.norm(m_yy)
            return float(np.linalg.norm(m_xy) ** 2 / norms) if norms > 0 else 0.0
        s_aa, s_ab, s_bb = state.powers / np.array(
            [trace_a * trace_a, trace_a * trace_b, trace_b * trace_b]
        )

        def hsic(cross: NDArray, power: float) -> float:
            # trace terms are 1 after scaling: sum a_i = sum b_i = 1
            value = np.linalg.norm(cross) ** 2 + 1.0 / ((n - 1) * (n - 2)) - n / (n - 2) * power
            return float(value / (n * (n - 3)))

        norms = np.sqrt(max(hsic(m_xx, s_aa), 0.0) * max(hsic(m_yy, s_bb), 0.0))
        return float(hsic(m_xy, s_ab) / norms) if norms > 0 else 0.0
