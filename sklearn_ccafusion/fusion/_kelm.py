"""Kernel extreme learning machine (KELM), the classifier of Imran & Raman's CCA fusion.

Huang et al. (2012) write the kernel ELM as ``f(x) = k(x)^T (I / C + K)^{-1} T``: kernel ridge
regression without bias on the class-indicator targets ``T``, with ridge ``alpha = 1 / C``,
then the argmax over classes. :class:`KernelELMClassifier` computes exactly that, with
scikit-learn's kernels (:func:`sklearn.metrics.pairwise.pairwise_kernels`) and a Cholesky solve.

Its cost is the ``n x n`` kernel: O(n^2) memory and O(n^3) time. ``solver="nystroem"`` is the
large-sample path: the same model on a Nystroem approximation of the kernel, linear in n
(``solver="auto"`` takes it above 10,000 training samples);
:func:`make_nystroem_kelm` builds the same approximation as a scikit-learn pipeline.

Reference: G.-B. Huang, H. Zhou, X. Ding, R. Zhang, "Extreme learning machine for regression
and multiclass classification", IEEE Trans. SMC-B 42(2), 2012.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy import linalg
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics.pairwise import PAIRWISE_KERNEL_FUNCTIONS, pairwise_kernels
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_ccafusion.fusion._kelm_nystroem import landmark_indices, nystroem_solve
from sklearn_ccafusion.utils._memory import MemoryBudgetError, available_memory, format_bytes

__all__ = ["EXACT_MAX_SAMPLES", "KernelELMClassifier", "exact_kernel_bytes", "make_nystroem_kelm"]

#: ``solver="auto"`` solves exactly up to this many training samples (a 10,000 x 10,000
#: float64 kernel is 0.8 GB and its Cholesky factorisation takes seconds), with the
#: Nystroem approximation above.
EXACT_MAX_SAMPLES = 10_000


def exact_kernel_bytes(n_samples: int) -> int:
    """Bytes the exact kernel ELM allocates to fit ``n_samples``: one float64 kernel matrix."""
    return 8 * int(n_samples) ** 2


def _check_exact_fits(n_samples: int, copies: int = 1) -> None:
    """Refuse, before allocating it, an exact kernel larger than the available memory."""
    needed = copies * exact_kernel_bytes(n_samples)
    available = available_memory()
    if available is not None and needed > available:
        raise MemoryBudgetError(
            f"The exact kernel ELM of {n_samples} samples needs a {n_samples} x {n_samples} "
            f"kernel matrix of {format_bytes(needed)}, more than the {format_bytes(available)} "
            'of memory available; use solver="nystroem" (or "auto"), whose memory is linear '
            "in the samples."
        )


def _indicator_targets(y_encoded: NDArray, n_classes: int) -> NDArray:
    """Targets ``T`` of the kernel ELM: one-hot columns, or one +-1 column for two classes.

    For two classes the +-1 column gives the difference of the two one-hot solutions, so
    its sign is the argmax; for more classes one-hot and Huang's +-1 coding differ by the
    same term in every class, so they share the argmax.
    """
    if n_classes == 2:
        return (2.0 * y_encoded - 1.0)[:, np.newaxis]
    return (y_encoded[:, np.newaxis] == np.arange(n_classes)).astype(np.float64)


def _solve_regularised(K: NDArray, T: NDArray, ridge: float) -> NDArray:
    """Solve ``(K + ridge I) A = T`` in place of ``K`` by Cholesky.

    ``K`` is overwritten. Raises :class:`numpy.linalg.LinAlgError` when ``K + ridge I``
    is not positive definite (an indefinite kernel such as ``"sigmoid"``).
    """
    K.flat[:: K.shape[0] + 1] += ridge
    # cho_factor + cho_solve: scipy.linalg.solve(assume_a="pos") adds a costly condition
    # estimate (10-30x slower at n = 1500 with scipy 1.17). K is symmetric, so its
    # transpose is the same matrix in Fortran order: LAPACK factors it in place, no copy.
    factor = linalg.cho_factor(K.T, lower=True, overwrite_a=True, check_finite=False)
    return linalg.cho_solve(factor, T, check_finite=False)


class KernelELMClassifier(ClassifierMixin, BaseEstimator):
    """Kernel extreme learning machine classifier (Huang et al. 2012).

    Fits ``f(x) = k(x)^T (I / C + K)^{-1} T`` with ``K`` the kernel matrix of the training
    samples and ``T`` their class-indicator targets, and predicts the class of largest
    ``f``. This is kernel ridge regression without intercept on one-hot targets with
    ``alpha = 1 / C`` (:class:`~sklearn.kernel_ridge.KernelRidge`), as used by Imran & Raman
    after CCA-sum fusion (:class:`~sklearn_ccafusion.CCASumFusion`).

    Parameters
    ----------
    C : float, default=1.0
        Regularisation trade-off, ``> 0``: the ridge added to the kernel diagonal is
        ``1 / C``. Larger ``C`` fits the training data more closely.
    kernel : str or callable, default="rbf"
        Kernel name accepted by :func:`sklearn.metrics.pairwise.pairwise_kernels`
        (``"rbf"``, ``"linear"``, ``"poly"``, ``"laplacian"``, ...), ``"precomputed"`` (then
        ``X`` is a kernel matrix, ``(n_samples, n_samples_fit)`` at predict time), or a
        callable of two rows returning a float.
    gamma : float or None, default=None
        Kernel coefficient of the ``rbf``, ``laplacian``, ``poly``, ``sigmoid`` and ``chi2``
        kernels; ``None`` lets the kernel choose (``1 / n_features`` for ``rbf``).
    degree : float, default=3
        Degree of the ``poly`` kernel.
    coef0 : float, default=1
        Independent term of the ``poly`` and ``sigmoid`` kernels.
    kernel_params : dict or None, default=None
        Extra keyword arguments of a callable kernel.
    solver : {"exact", "nystroem", "auto"}, default="exact"
        ``"exact"``: the ``n x n`` kernel and its Cholesky factorisation, O(n^2) memory and
        O(n^3) time (refused with a :class:`~sklearn_ccafusion.utils.MemoryBudgetError`
        before any allocation when the kernel would not fit in the available memory).
        ``"nystroem"``: the kernel ELM of the rank-``n_components`` Nystroem approximation
        of the kernel (landmarks drawn from the training samples), O(n m^2) time and
        O(m^2) memory beyond the data for ``m = n_components``; with ``n_components >=
        n_samples`` it equals the exact solution. ``"auto"``: exact up to 10,000 training
        samples, Nystroem above.
    n_components : int, default=1000
        Number ``m`` of landmark samples of the Nystroem solver (all the samples when
        there are fewer); ignored by the exact solver.
    random_state : int, RandomState instance or None, default=None
        Seed of the landmarks' draw (Nystroem solver only): a fixed value gives the same
        landmarks, hence the same model, on every fit of the same data.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    solver_ : {"exact", "nystroem"}
        The solver used (``"auto"`` resolved).
    dual_coef_ : ndarray of shape (n_samples_fit, n_classes) or (n_samples_fit, 1)
        Coefficients of the kernel against ``X_fit_``: ``(I / C + K)^{-1} T`` for the
        exact solver, one column per class, or one column of the +-1 coded problem for
        two classes; the Nystroem solver's equivalent against the landmarks.
    X_fit_ : {ndarray, sparse matrix} of shape (n_samples_fit, n_features)
        The samples the kernel is evaluated against at prediction: the training samples
        (exact) or the landmarks (Nystroem); the kernel matrix itself for
        ``kernel="precomputed"`` and the exact solver.
    landmark_indices_ : ndarray of shape (n_landmarks,) or None
        Rows of the training samples used as landmarks (Nystroem solver), else ``None``.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during ``fit``, when ``X`` had string column names.

    See Also
    --------
    make_nystroem_kelm : The same model on a Nystroem kernel approximation, for large n.
    sklearn.kernel_ridge.KernelRidge : The regressor this classifier equals on one-hot targets.

    Notes
    -----
    The exact solver costs O(n^2) memory (the kernel matrix, overwritten by its Cholesky
    factor) and O(n^3) time: 1.35 GB of float64 at n = 13,000, 20 GB at n = 50,000
    (``benchmarks/bench_fusion_scale.py`` measures both solvers against n). The Nystroem
    solver draws ``m = n_components`` landmarks ``L`` among the training samples, maps
    every sample to ``phi(x) = k(x, L) K_LL^{-1/2}`` (directions of ``K_LL`` with a zero
    eigenvalue dropped) and solves the kernel ELM of the approximated kernel ``phi(x)^T
    phi(x')`` in ``m`` dimensions, accumulating ``Phi^T Phi`` over blocks of rows: the
    kernel against the landmarks is all it ever computes. Its predictions need the
    kernel against the ``m`` landmarks only. :func:`make_nystroem_kelm` is the same model
    as a scikit-learn pipeline (``Nystroem`` then ``RidgeClassifier``), which holds the
    ``n x m`` feature matrix at once.

    There is no ``predict_proba``: the kernel ELM outputs are regression scores, not
    probabilities. For two classes, ``decision_function`` is 1-D (positive means
    ``classes_[1]``), as scikit-learn's classifiers.

    Indefinite kernels (``"sigmoid"``) can make ``I / C + K`` singular or indefinite; the
    solve then falls back to least squares with a warning.

    References
    ----------
    .. [1] G.-B. Huang, H. Zhou, X. Ding, R. Zhang, "Extreme learning machine for regression
       and multiclass classification", IEEE Trans. SMC-B 42(2), 513-529, 2012.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_ccafusion.fusion import KernelELMClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = KernelELMClassifier(C=10.0, gamma=0.5).fit(X, y)
    >>> clf.decision_function(X[:2]).shape
    (2, 3)
    >>> round(clf.score(X, y), 2)
    0.99
    """

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "kernel": [
            StrOptions(set(PAIRWISE_KERNEL_FUNCTIONS) | {"precomputed"}),
            callable,
        ],
        "gamma": [Interval(Real, 0, None, closed="left"), None],
        "degree": [Interval(Real, 0, None, closed="left")],
        "coef0": [Interval(Real, None, None, closed="neither")],
        "kernel_params": [dict, None],
        "solver": [StrOptions({"exact", "nystroem", "auto"})],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        C: float = 1.0,
        *,
        kernel: str = "rbf",
        gamma: float | None = None,
        degree: float = 3,
        coef0: float = 1,
        kernel_params: dict | None = None,
        solver: str = "exact",
        n_components: int = 1000,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.solver = solver
        self.n_components = n_components
        self.random_state = random_state

    def _resolved_solver(self, n_samples: int) -> str:
        if self.solver != "auto":
            return self.solver
        return "exact" if n_samples <= EXACT_MAX_SAMPLES else "nystroem"

    def _get_kernel(self, X: NDArray, Y: NDArray | None = None) -> NDArray:
        if callable(self.kernel):
            params = self.kernel_params or {}
        else:
            params = {"gamma": self.gamma, "degree": self.degree, "coef0": self.coef0}
        K = pairwise_kernels(X, Y, metric=self.kernel, filter_params=True, **params)
        if sp.issparse(K):  # a precomputed kernel given as a sparse matrix
            K = K.toarray()
        return np.asarray(K, dtype=np.float64)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike) -> KernelELMClassifier:
        """Fit the kernel ELM: solve ``(I / C + K) A = T`` (exactly, or on the Nystroem kernel).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples, or the ``(n_samples, n_samples)`` kernel matrix when
            ``kernel="precomputed"``.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).

        Returns
        -------
        self : KernelELMClassifier
            Fitted classifier.
        """
        X, y = validate_data(
            self, X, y, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32]
        )
        check_classification_targets(y)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                "KernelELMClassifier needs samples of at least 2 classes, got 1 class "
                f"({self.classes_[0]!r})."
            )
        T = _indicator_targets(y_encoded, len(self.classes_))
        self.solver_ = self._resolved_solver(X.shape[0])
        if self.solver_ == "nystroem":
            return self._fit_nystroem(X, T)
        self.landmark_indices_ = None
        _check_exact_fits(X.shape[0], copies=2 if self.kernel == "precomputed" else 1)
        K = self._get_kernel(X)
        if self.kernel == "precomputed":
            K = K.copy()  # never overwrite the user's matrix
        try:
            self.dual_coef_ = _solve_regularised(K, T, 1.0 / self.C)
        except (np.linalg.LinAlgError, linalg.LinAlgError):
            warnings.warn(
                "I / C + K is not positive definite (indefinite kernel?); using the "
                "least-squares solution instead.",
                RuntimeWarning,
                stacklevel=2,
            )
            K = self._get_kernel(X)
            K.flat[:: K.shape[0] + 1] += 1.0 / self.C
            self.dual_coef_ = linalg.lstsq(K, T)[0]
        self.X_fit_ = X
        return self

    def _fit_nystroem(self, X, T: NDArray) -> KernelELMClassifier:
        """Fit the kernel ELM of the Nystroem approximation on ``n_components`` landmarks."""
        if self.kernel == "precomputed" and X.shape[0] != X.shape[1]:
            raise ValueError(
                f"kernel='precomputed' needs a square training kernel, got shape {X.shape}."
            )
        indices = landmark_indices(X.shape[0], self.n_components, self.random_state)
        try:
            if self.kernel == "precomputed":
                self.dual_coef_ = nystroem_solve(
                    None, X, None, T, 1.0 / self.C, landmark_columns=indices
                )
                self.X_fit_ = None
            else:
                landmarks = X[indices]
                self.dual_coef_ = nystroem_solve(self._get_kernel, X, landmarks, T, 1.0 / self.C)
                self.X_fit_ = landmarks
        except (np.linalg.LinAlgError, linalg.LinAlgError):
            raise ValueError(
                "The Nystroem kernel ELM's normal equations are not positive definite "
                "(an indefinite kernel?); use solver=\"exact\", which falls back to least "
                "squares, or a positive definite kernel."
            ) from None
        self.landmark_indices_ = indices
        return self

    def decision_function(self, X: ArrayLike) -> NDArray:
        """Kernel ELM outputs ``k(x)^T (I / C + K)^{-1} T``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples, or the ``(n_samples, n_samples_fit)`` kernel against the training
            samples when ``kernel="precomputed"``.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            One score per class; for two classes a 1-D score, positive for
            ``classes_[1]``.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32], reset=False
        )
        if self.kernel != "precomputed":
            K = self._get_kernel(X, self.X_fit_)
        elif self.landmark_indices_ is not None:
            K = X[:, self.landmark_indices_]
        else:
            K = X
        scores = np.asarray(K @ self.dual_coef_, dtype=np.float64)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X: ArrayLike) -> NDArray:
        """Class of largest kernel ELM output.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples (kernel against the training samples for ``kernel="precomputed"``).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.pairwise = self.kernel == "precomputed"
        return tags


def make_nystroem_kelm(
    C: float = 1.0,
    *,
    kernel: str = "rbf",
    gamma: float | None = None,
    n_components: int = 1000,
    random_state: int | np.random.RandomState | None = None,
) -> Pipeline:
    """Kernel ELM on a Nystroem kernel approximation: the large-sample path.

    ``Nystroem`` maps the samples to ``n_components`` features ``phi(x)`` whose inner
    products approximate the kernel, and ``RidgeClassifier(alpha=1 / C, fit_intercept=False)``
    solves the kernel ELM of that approximation in the primal:
    ``f(x) = phi(x)^T (Phi^T Phi + I / C)^{-1} Phi^T T``, which equals
    ``k~(x)^T (K~ + I / C)^{-1} T`` for the approximated kernel ``k~``. Time O(n m^2) and
    memory O(n m) for ``m = n_components`` instead of O(n^3) and O(n^2); with
    ``n_components >= n_samples`` it reproduces :class:`KernelELMClassifier` (up to
    round-off). ``RidgeClassifier`` codes the classes +-1, which has the same argmax as the
    one-hot coding of the kernel ELM.

    Parameters
    ----------
    C : float, default=1.0
        Regularisation trade-off of the kernel ELM (ridge ``1 / C``).
    kernel : str, default="rbf"
        Kernel name accepted by :class:`~sklearn.kernel_approximation.Nystroem`.
    gamma : float or None, default=None
        Kernel coefficient; ``None`` lets the kernel choose (``1 / n_features`` for ``rbf``).
    n_components : int, default=1000
        Number of landmark samples of the approximation (capped at ``n_samples`` by
        ``Nystroem``, with a warning).
    random_state : int, RandomState instance or None, default=None
        Seed of the landmark draw.

    Returns
    -------
    pipeline : Pipeline
        Unfitted ``Pipeline([("nystroem", Nystroem(...)), ("ridgeclassifier",
        RidgeClassifier(...))])``; grid-search it as ``nystroem__n_components`` or
        ``ridgeclassifier__alpha``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_ccafusion.fusion import make_nystroem_kelm
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_nystroem_kelm(C=10.0, gamma=0.5, n_components=50, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """
    if not isinstance(n_components, Integral) or n_components < 1:
        raise ValueError(f"n_components must be a positive int, got {n_components!r}.")
    if not C > 0:
        raise ValueError(f"C must be > 0, got {C!r}.")
    return Pipeline(
        [
            (
                "nystroem",
                Nystroem(
                    kernel=kernel,
                    gamma=gamma,
                    n_components=n_components,
                    random_state=random_state,
                ),
            ),
            ("ridgeclassifier", RidgeClassifier(alpha=1.0 / C, fit_intercept=False)),
        ]
    )
