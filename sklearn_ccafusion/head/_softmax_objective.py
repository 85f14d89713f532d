"""The classification layer's training objective, its gradient and a plain L-BFGS fit.

The objective is exactly the one a network's last layer is trained with in the
original study: the class-weighted MEAN cross-entropy (torch's
``CrossEntropyLoss(weight=w)``, which divides by the sum of the weights of the
targets) plus torch's coupled weight decay, ``(weight_decay / 2) * ||[W, b]||^2``
(the bias is penalised too).
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

__all__ = ["fit_softmax_lbfgs", "softmax_objective"]


def softmax_objective(
    params: NDArray,
    X: NDArray,
    y_index: NDArray,
    sample_weight: NDArray,
    weight_decay: float,
    n_classes: int,
) -> tuple[float, NDArray]:
    """Weighted mean cross-entropy plus ``weight_decay / 2 * ||params||^2``, and its gradient.

    Parameters
    ----------
    params : ndarray of shape (n_classes * (n_features + 1),)
        ``W`` (n_classes x n_features, row-major) then ``b``.
    X : ndarray of shape (n_samples, n_features)
    y_index : ndarray of shape (n_samples,), int
        Class index of each sample.
    sample_weight : ndarray of shape (n_samples,)
        Weight of each sample's class (torch's ``weight[y]``).
    weight_decay : float
    n_classes : int

    Returns
    -------
    loss : float
    gradient : ndarray like ``params``

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> loss, grad = softmax_objective(np.zeros(6), X, np.array([0, 1]), np.ones(2), 0.0, 2)
    >>> bool(np.isclose(loss, np.log(2)))
    True
    """
    n_features = X.shape[1]
    W = params[: n_classes * n_features].reshape(n_classes, n_features)
    b = params[n_classes * n_features :]
    logits = X @ W.T + b
    logits -= logits.max(axis=1, keepdims=True)
    log_proba = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    rows = np.arange(X.shape[0])
    total = sample_weight.sum()
    loss = -np.dot(sample_weight, log_proba[rows, y_index]) / total
    loss += 0.5 * weight_decay * np.dot(params, params)
    residual = np.exp(log_proba)
    residual[rows, y_index] -= 1.0
    residual *= (sample_weight / total)[:, None]
    grad_W = residual.T @ X
    grad_b = residual.sum(axis=0)
    gradient = np.concatenate([grad_W.ravel(), grad_b]) + weight_decay * params
    return float(loss), gradient


def fit_softmax_lbfgs(
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
    """Minimise :func:`softmax_objective` by scipy's plain L-BFGS, warm-started.

    The reference solver: no preconditioning, so it needs many iterations on
    features of unequal scales (see :mod:`sklearn_ccafusion.head._softmax_solver`).

    Returns
    -------
    coef : ndarray of shape (n_classes, n_features)
    intercept : ndarray of shape (n_classes,)
    n_iter : int
        Iterations used.
    converged : bool
        Whether scipy's stopping test (largest projected gradient entry below
        ``tol``, or no more progress) ended the fit; a
        :class:`~sklearn.exceptions.ConvergenceWarning` is issued when
        ``max_iter`` did.
    """
    n_classes, n_features = coef.shape
    X = np.asarray(X, dtype=np.float64)
    start = np.concatenate([np.ravel(coef), np.ravel(intercept)]).astype(np.float64)
    result = minimize(
        softmax_objective,
        start,
        args=(X, y_index, sample_weight, weight_decay, n_classes),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "gtol": tol, "ftol": 64 * np.finfo(float).eps},
    )
    converged = result.status != 1
    if not converged:
        warnings.warn(
            f"L-BFGS stopped after max_iter={max_iter} iterations before reaching tol={tol}; "
            "increase max_iter.",
            ConvergenceWarning,
            stacklevel=3,
        )
    params = result.x
    coef = params[: n_classes * n_features].reshape(n_classes, n_features)
    return coef, params[n_classes * n_features :], int(result.nit), converged
