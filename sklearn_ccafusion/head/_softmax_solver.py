"""The classification layer's training objective minimised by preconditioned L-BFGS.

Same objective as :func:`~sklearn_ccafusion.head._softmax_objective.softmax_objective`
(class-weighted mean cross-entropy plus ``(weight_decay / 2) * ||[W, b]||^2``),
same minimiser, reached in far fewer iterations than plain L-BFGS:

- **Class-centred coordinates.** The cross-entropy does not change when the same
  row is added to every row of ``[W, b]``, while the weight decay is smallest
  when the rows sum to zero; so with ``weight_decay > 0`` the minimiser has
  zero-mean rows, and the problem is solved exactly in the ``K - 1`` centred
  rows (an orthonormal basis ``U`` of the vectors orthogonal to ``1``). With no
  weight decay the mean row does not move (it cannot change the objective).
- **Class-block Hessian preconditioner.** The Hessian of the cross-entropy is
  ``sum_i s_i (diag(p_i) - p_i p_i^T) (x) x_i x_i^T`` for the augmented features
  ``x_i = [features, 1]``; its class-diagonal blocks
  ``B_k = sum_i s_i p_ik (1 - p_ik) x_i x_i^T`` capture the scale and
  correlation of the features, which is what makes plain L-BFGS slow on network
  features. The inverse of ``blockdiag(B_k + weight_decay * I)``, restricted to
  the centred rows, is L-BFGS's initial inverse Hessian; it is rebuilt each time
  the gradient has fallen a hundredfold, as the probabilities settle (the
  curvature pairs stay valid: they live in the same coordinates). On planted
  SHL-scale features its preconditioned Hessian has a condition number of 2 to 3
  (the raw one: 1,700 to 4,100).
- **Stopping rule a user can check.** The fit stops when the largest entry of the
  objective's gradient with respect to ``[W, b]`` is at most ``tol``, the gradient
  that :func:`softmax_objective` returns at the result.

A dense Newton step was measured too: forming the full Hessian costs
``n * (K * (d + 1))^2`` operations, about 40 objective evaluations at 13,000 x 128
with 8 classes, and Newton still needed 5 to 8 of them; the preconditioner costs
``K`` products of ``p x p`` on at most 2,048 sampled rows.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning

__all__ = ["fit_softmax_preconditioned"]

_MEMORY = 10  # curvature pairs kept by L-BFGS
_ARMIJO = 1e-4  # sufficient decrease of the backtracking line search
_REFRESH_DROP = 100.0  # rebuild the preconditioner once the gradient fell this much
_ROUNDING = 64 * np.finfo(float).eps  # relative size of rounding in the loss
_PRECONDITIONER_ROWS = 2048  # rows sampled for the preconditioner
_BACKTRACKS = 30  # halvings before the line search gives up (rounding level)


def centred_basis(n_classes: int) -> NDArray:
    """Orthonormal basis (columns) of the vectors of length ``n_classes`` summing to zero."""
    centring = np.eye(n_classes) - 1.0 / n_classes
    basis, _ = np.linalg.qr(centring[:, : n_classes - 1])
    return basis


class _CentredSoftmax:
    """The objective in class-centred coordinates ``phi`` (``[W, b] = U phi + 1 mean``).

    Samples run along the last axis (``K x n`` logits), so that the reductions
    over the few classes are elementwise operations over long rows.
    """

    def __init__(self, X, y_index, sample_weight, weight_decay, n_classes):
        n_samples = X.shape[0]
        self.features = np.empty((n_samples, X.shape[1] + 1))
        self.features[:, :-1] = X
        self.features[:, -1] = 1.0
        self.features_t = np.ascontiguousarray(self.features.T)
        self.y_index = np.asarray(y_index, dtype=np.intp)
        self.share = np.asarray(sample_weight, dtype=np.float64) / np.sum(sample_weight)
        self.weight_decay = float(weight_decay)
        self.basis = centred_basis(n_classes)
        self.rows = np.arange(n_samples)

    def value_grad(self, phi: NDArray) -> tuple[float, NDArray, NDArray]:
        """Objective, its gradient in ``phi`` and the class probabilities (``K x n``)."""
        logits = (self.basis @ phi) @ self.features_t
        logits -= logits.max(axis=0)
        proba = np.exp(logits)
        total = proba.sum(axis=0)
        picked = logits[self.y_index, self.rows] - np.log(total)
        loss = -float(self.share @ picked) + 0.5 * self.weight_decay * float(np.vdot(phi, phi))
        proba /= total
        residual = proba * self.share
        residual[self.y_index, self.rows] -= self.share
        gradient = self.basis.T @ (residual @ self.features) + self.weight_decay * phi
        return loss, gradient, proba

    def preconditioner(self, proba: NDArray) -> NDArray:
        """Inverses of the class blocks ``B_k + weight_decay * I`` of the Hessian.

        Applied to a gradient in centred coordinates ``g`` as
        ``U^T [(B_k + weight_decay I)^{-1} (U g)_k]_k``: the inverse of the
        class-block-diagonal Hessian restricted to the centred rows. The blocks
        come from a systematic sample of at most ``_PRECONDITIONER_ROWS`` rows
        in float32: they only shape the steps, while the objective, its
        gradient and the stopping rule stay exact float64.
        """
        n_samples, width = self.features.shape
        stride = max(1, n_samples // _PRECONDITIONER_ROWS)
        features = self.features[::stride].astype(np.float32)
        share = self.share[::stride] * (self.share.sum() / self.share[::stride].sum())
        sampled = proba[:, ::stride]
        curvature = (share * sampled * (1.0 - sampled)).astype(np.float32)
        blocks = np.stack([features.T @ (c[:, None] * features) for c in curvature])
        blocks = blocks.astype(np.float64)
        diagonal = np.einsum("kii->ki", blocks)
        jitter = np.maximum(self.weight_decay, 1e-6 * diagonal.mean(axis=1) + 1e-300)
        diagonal += jitter[:, None]
        for _ in range(10):  # singular features and no weight decay: a little more jitter
            try:
                inverses = np.linalg.inv(blocks)
                if np.all(np.isfinite(inverses)):
                    return inverses
            except np.linalg.LinAlgError:
                pass
            diagonal += 99.0 * jitter[:, None]
            jitter *= 100.0
        return np.broadcast_to(np.eye(width), blocks.shape) / np.maximum(jitter, 1.0)[:, None, None]

    def precondition(self, inverses: NDArray, gradient: NDArray) -> NDArray:
        """Apply the preconditioner to a flattened gradient in centred coordinates."""
        full = self.basis @ gradient.reshape(self.basis.shape[1], -1)
        solved = np.einsum("kij,kj->ki", inverses, full)
        return (self.basis.T @ solved).ravel()


def _two_loop(objective, gradient, pairs, inverses):
    """L-BFGS direction ``-H g`` with ``H_0`` the inverse preconditioner."""
    q = gradient.copy()
    alphas = []
    for s, y, rho in reversed(pairs):
        alpha = rho * np.vdot(s, q)
        q -= alpha * y
        alphas.append(alpha)
    r = objective.precondition(inverses, q)
    for (s, y, rho), alpha in zip(pairs, reversed(alphas)):
        beta = rho * np.vdot(y, r)
        r += (alpha - beta) * s
    return -r


def fit_softmax_preconditioned(
    X: NDArray,
    y_index: NDArray,
    coef: NDArray,
    intercept: NDArray,
    *,
    sample_weight: NDArray,
    weight_decay: float,
    tol: float,
    max_iter: int,
) -> tuple[NDArray, NDArray, int, bool]:
    """Minimise the layer's objective by preconditioned L-BFGS, warm-started from the layer.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y_index : ndarray of shape (n_samples,), int
        Class index of each sample.
    coef : ndarray of shape (n_classes, n_features)
        Starting weights.
    intercept : ndarray of shape (n_classes,)
        Starting bias.
    sample_weight : ndarray of shape (n_samples,)
        Weight of each sample's class.
    weight_decay : float
    tol : float
        Stop when the largest absolute entry of the gradient (with respect to
        ``[W, b]``) is at most ``tol``.
    max_iter : int
        Most iterations.

    Returns
    -------
    coef : ndarray of shape (n_classes, n_features)
    intercept : ndarray of shape (n_classes,)
    n_iter : int
        Iterations used.
    converged : bool
        Whether the gradient reached ``tol``; a
        :class:`~sklearn.exceptions.ConvergenceWarning` is issued when not.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> coef, intercept, n_iter, converged = fit_softmax_preconditioned(
    ...     X, np.array([0, 0, 1, 1]), np.zeros((2, 1)), np.zeros(2),
    ...     sample_weight=np.ones(4), weight_decay=0.1, tol=1e-10, max_iter=100)
    >>> converged, bool(np.allclose(coef.sum(axis=0), 0.0))
    (True, True)
    """
    n_classes, n_features = coef.shape
    objective = _CentredSoftmax(
        np.asarray(X, dtype=np.float64), y_index, sample_weight, weight_decay, n_classes
    )
    basis = objective.basis
    start = np.hstack([np.asarray(coef, float), np.asarray(intercept, float)[:, None]])
    mean_row = start.mean(axis=0) if weight_decay == 0 else np.zeros(n_features + 1)
    phi = (basis.T @ start).ravel()
    shape = (n_classes - 1, n_features + 1)

    loss, gradient, proba = objective.value_grad(phi.reshape(shape))
    gradient = gradient.ravel()
    largest = np.abs(basis @ gradient.reshape(shape)).max()
    inverses = objective.preconditioner(proba) if largest > tol else None
    at_refresh = largest
    pairs: list[tuple[NDArray, NDArray, float]] = []
    n_iter, stalled = 0, False
    while largest > tol and n_iter < max_iter:
        direction = _two_loop(objective, gradient, pairs, inverses)
        slope = float(np.vdot(gradient, direction))
        if not slope < 0:  # lost descent (rounding): restart from the preconditioned gradient
            pairs.clear()
            direction = _two_loop(objective, gradient, pairs, inverses)
            slope = float(np.vdot(gradient, direction))
        step = 1.0
        for _ in range(_BACKTRACKS):
            new_loss, new_gradient, new_proba = objective.value_grad(
                (phi + step * direction).reshape(shape)
            )
            if new_loss <= loss + _ARMIJO * step * slope:
                break
            # at rounding level the loss cannot show a decrease: the gradient still can
            new_largest = np.abs(basis @ new_gradient).max()
            if new_loss <= loss + _ROUNDING * abs(loss) and new_largest < largest:
                break
            step *= 0.5
        else:
            stalled = True
            break
        new_gradient = new_gradient.ravel()
        s, y = step * direction, new_gradient - gradient
        curvature = float(np.vdot(s, y))
        if curvature > 1e-12 * float(np.vdot(y, y)):
            pairs.append((s, y, 1.0 / curvature))
            del pairs[:-_MEMORY]
        phi, loss, gradient, proba = phi + s, new_loss, new_gradient, new_proba
        largest = np.abs(basis @ gradient.reshape(shape)).max()
        n_iter += 1
        if largest > tol and largest * _REFRESH_DROP < at_refresh:
            inverses, at_refresh = objective.preconditioner(proba), largest
    converged = bool(largest <= tol)
    if not converged and max_iter > 0:
        reason = (
            "the objective stopped decreasing at machine precision"
            if stalled
            else f"max_iter={max_iter} iterations were used"
        )
        warnings.warn(
            f"Preconditioned L-BFGS stopped before the largest gradient entry reached "
            f"tol={tol} (it is {largest:.2e}): {reason}; increase max_iter or tol.",
            ConvergenceWarning,
            stacklevel=3,
        )
    params = basis @ phi.reshape(shape) + mean_row
    return params[:, :-1].copy(), params[:, -1].copy(), n_iter, converged
