"""A network's linear classification layer as a scikit-learn classifier."""

from __future__ import annotations

from contextlib import nullcontext
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from sklearn_ccafusion.head._softmax_objective import fit_softmax_lbfgs
from sklearn_ccafusion.head._softmax_solver import fit_softmax_preconditioned
from sklearn_ccafusion.utils._validation import check_labels_in_classes

__all__ = ["ClassLayerClassifier"]

#: array solvers: name -> function(X, y_index, coef, intercept, **options)
_ARRAY_SOLVERS = {
    "preconditioned-lbfgs": fit_softmax_preconditioned,
    "lbfgs": fit_softmax_lbfgs,
}
# BLAS threads only contend on the layer's skinny products: one objective evaluation of
# 13,000 x 129 x 8 is slower on 2 threads than on 1; the layer pins BLAS to one thread
# between these many multiply-adds per evaluation (n_samples x (width + 1) x classes).
# Below, pinning (a few milliseconds: threadpoolctl scans the loaded libraries) would
# cost more than the threads could, and callers running many small fits (the subspace
# study) pin once around all of them.
_PIN_BLAS = (2e6, 2e8)


def __dir__() -> list[str]:
    """Public names only: what ``from module import *`` gives."""
    return sorted(__all__)


class ClassLayerClassifier(ClassifierMixin, BaseEstimator):
    """A linear classification layer: a network's own last layer, or a retrained one.

    Given a trained layer (``coef``, ``intercept``, or :meth:`from_net`) and
    ``retrain=False``, :meth:`fit` only checks the width and the layer is applied
    as it is: the "original head" of the subspace study, and the per-view
    estimator of :class:`~sklearn_ccafusion.LogitAverageFusion`. ``classes_``
    then comes from the layer (``classes``, default ``arange(n_classes)``), never
    from ``y``, so a ``y`` that lacks a class still works.

    With ``retrain=True`` the layer is retrained on the given (for instance
    projected) features, warm-started from the trained weights, minimising the
    objective the network was trained with: class-weighted MEAN cross-entropy
    (torch's ``CrossEntropyLoss(weight=...)``) plus
    ``(weight_decay / 2) * ||[W, b]||^2`` (torch's coupled weight decay, which
    penalises the bias too). Without a trained layer it is a plain multinomial
    linear classifier fitted the same way from zero weights. The objective is
    strictly convex when ``weight_decay > 0``: its minimiser does not depend on
    the solver or the starting layer, and the default solver reaches it to
    ``tol``. BLAS is pinned to one thread during fits of the size of a
    network's last layer, where threads only contend.

    Parameters
    ----------
    coef : array-like of shape (n_classes, n_features) or None, default=None
        Weights of the trained layer (its rows are the class components).
    intercept : array-like of shape (n_classes,) or None, default=None
        Bias of the trained layer; zeros when ``coef`` is given alone.
    classes : array-like of shape (n_classes,) or None, default=None
        Labels of the layer's outputs; ``None``: ``arange(n_classes)``.
    retrain : bool, default=False
        Retrain the given layer in :meth:`fit` (always done without one).
    solver : {"preconditioned-lbfgs", "lbfgs", "adam"}, default="preconditioned-lbfgs"
        ``"preconditioned-lbfgs"``: the exact minimiser of the objective, by
        L-BFGS in class-centred coordinates (with ``weight_decay > 0`` the
        minimiser's rows sum to zero, so ``K - 1`` rows are free), whose initial
        inverse Hessian is the inverse of the Hessian's class blocks
        ``sum_i s_i p_ik (1 - p_ik) [x_i, 1] [x_i, 1]^T`` (rebuilt as the
        probabilities settle). Those blocks carry the scale and correlation of
        the features, which is what makes plain L-BFGS slow on network
        features: at 13,000 x 128 with 8 classes it needs about 15 iterations
        where plain L-BFGS needs about 120 to come within 1e-6 of the minimum,
        and it is 4 to 10 times faster (``benchmarks/bench_head.py``). A dense
        Newton step was measured as well: forming the full Hessian costs about
        40 objective evaluations at that size. ``"lbfgs"``: scipy's plain L-BFGS
        on the same objective (the previous default, kept for comparison).
        ``"adam"``: the study's schedule in torch (needs
        :mod:`sklearn_ccafusion.nets`), ``max_iter`` epochs of mini-batches.
    weight_decay : float, default=1e-3
        Coupled L2 penalty. The default is the SHL recipe's, and makes the
        minimiser unique on nearly separable features; the CIFAR recipe has
        none, for which use ``solver="adam"`` (early stopping by the epoch
        budget) or a small positive value. With no weight decay the row added
        to every class (which cannot change the loss) stays as given.
    class_weight : dict, "balanced", array-like or None, default=None
        Class weights of the cross-entropy: finite, non-negative, and positive
        for at least one class present in ``y``; a dict maps the layer's
        labels to weights (others get 1). ``"balanced"`` is proportional to
        ``1 / class count``, the study's SHL weighting (the mean is weighted,
        so the scale does not matter).
    tol : float, default=1e-6
        The array solvers stop when the largest absolute entry of the
        objective's gradient with respect to ``[W, b]`` is at most ``tol``
        (``"lbfgs"``: scipy's projected-gradient test), a number a user can
        check with the returned layer. With ``weight_decay > 0`` the objective
        is then within ``||gradient||^2 / (2 * weight_decay)`` of its minimum;
        in practice far closer (1e-9 relative at 13,000 x 128).
    max_iter : int, default=500
        Iterations of the array solvers, or Adam epochs; at least 1.
    learning_rate : float, default=1e-3
        Adam's learning rate.
    batch_size : int, default=64
        Adam's mini-batch size.
    lr_schedule : tuple of (int, float) or None, default=None
        Adam only: multiply the learning rate by ``gamma > 0`` every
        ``step >= 1`` epochs, e.g. ``(20, 1 / 3)`` for the CIFAR recipe.
    device : str, default="cpu"
        Adam only: torch device (``"auto"`` picks CUDA when present).
    random_state : int or None, default=None
        Adam only: seed of the mini-batch order.

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_features_in_)
    intercept_ : ndarray of shape (n_classes,)
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : int
        Iterations (array solvers) or epochs (Adam) of the last fit; 0 when the
        layer was only applied.
    converged_ : bool
        Whether the last fit met ``tol`` (array solvers; True for Adam, which
        runs its epochs, and when the layer was only applied). A
        :class:`~sklearn.exceptions.ConvergenceWarning` accompanies False.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion import ClassLayerClassifier
    >>> W, b = np.array([[1.0, -1.0], [-1.0, 1.0], [0.0, 0.0]]), np.zeros(3)
    >>> head = ClassLayerClassifier(coef=W, intercept=b).fit(np.zeros((1, 2)))
    >>> head.predict(np.array([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]]))
    array([0, 1, 0])
    >>> head.classes_
    array([0, 1, 2])
    """

    _parameter_constraints: dict = {
        "coef": ["array-like", None],
        "intercept": ["array-like", None],
        "classes": ["array-like", None],
        "retrain": ["boolean"],
        "solver": [StrOptions({*_ARRAY_SOLVERS, "adam"})],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), "array-like", None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr_schedule": [tuple, None],
        "device": [str],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        coef: ArrayLike | None = None,
        intercept: ArrayLike | None = None,
        classes: ArrayLike | None = None,
        *,
        retrain: bool = False,
        solver: str = "preconditioned-lbfgs",
        weight_decay: float = 1e-3,
        class_weight: dict | str | ArrayLike | None = None,
        tol: float = 1e-6,
        max_iter: int = 500,
        learning_rate: float = 1e-3,
        batch_size: int = 64,
        lr_schedule: tuple[int, float] | None = None,
        device: str = "cpu",
        random_state: int | None = None,
    ):
        self.coef = coef
        self.intercept = intercept
        self.classes = classes
        self.retrain = retrain
        self.solver = solver
        self.weight_decay = weight_decay
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.lr_schedule = lr_schedule
        self.device = device
        self.random_state = random_state

    @classmethod
    def from_net(cls, net, **params) -> ClassLayerClassifier:
        """The classification layer of a fitted network.

        Parameters
        ----------
        net : SensorNetClassifier or FrozenEstimator wrapping one
            A fitted network of :mod:`sklearn_ccafusion.nets`.
        **params
            Other parameters of the classifier (``retrain``, ``solver``, ...).

        Returns
        -------
        head : ClassLayerClassifier
            Unfitted; ``coef``, ``intercept`` and ``classes`` are the network's.
        """
        from sklearn_ccafusion.nets._head import layer_from_net

        coef, intercept, classes = layer_from_net(net)
        return cls(coef=coef, intercept=intercept, classes=classes, **params)

    def _given_layer(self) -> tuple[NDArray, NDArray, NDArray] | None:
        """The trained layer's (coef, intercept, classes), checked, or None."""
        if self.coef is None:
            if self.intercept is not None or self.classes is not None:
                raise ValueError("intercept and classes need the layer's coef as well.")
            return None
        coef = np.asarray(self.coef, dtype=np.float64)
        if coef.ndim != 2:
            raise ValueError(f"coef must be 2-D (n_classes, n_features), got shape {coef.shape}.")
        n_classes = coef.shape[0]
        intercept = (
            np.zeros(n_classes)
            if self.intercept is None
            else np.asarray(self.intercept, dtype=np.float64).ravel()
        )
        if intercept.shape != (n_classes,):
            raise ValueError(
                f"intercept has {intercept.size} entries but coef has {n_classes} rows."
            )
        classes = np.arange(n_classes) if self.classes is None else np.asarray(self.classes)
        if classes.shape != (n_classes,):
            raise ValueError(f"classes has {classes.size} labels but coef has {n_classes} rows.")
        labels, counts = np.unique(classes, return_counts=True)
        if np.any(counts > 1):
            raise ValueError(
                f"classes must name each of the layer's rows once; {labels[counts > 1].tolist()} "
                "appear more than once. Pass the layer's labels in row order, without repeats."
            )
        for part, values in (("coef", coef), ("intercept", intercept)):
            bad = np.flatnonzero(~np.isfinite(values).reshape(n_classes, -1).all(axis=1))
            if bad.size:
                raise ValueError(
                    f"The layer's {part} must be finite: it holds NaN or infinite values in "
                    f"the rows of classes {classes[bad].tolist()[:10]} (a diverged or damaged "
                    "layer)."
                )
        return coef, intercept, classes

    def _class_weights(self, y_index: NDArray, n_classes: int) -> NDArray:
        """Per-class weights of the cross-entropy, checked."""
        class_weight = self.class_weight
        if class_weight is None:
            weights = np.ones(n_classes)
        elif isinstance(class_weight, str):  # "balanced": n_samples / (n_present * count)
            counts = np.bincount(y_index, minlength=n_classes).astype(np.float64)
            present = counts > 0
            weights = np.ones(n_classes)
            weights[present] = y_index.size / (present.sum() * counts[present])
        elif isinstance(class_weight, dict):
            known = set(self.classes_.tolist())
            unknown = [label for label in class_weight if label not in known]
            if unknown:
                raise ValueError(
                    f"class_weight has labels the layer does not know: {unknown[:5]}; the "
                    f"layer's classes are {self.classes_}."
                )
            weights = np.array([class_weight.get(c, 1.0) for c in self.classes_.tolist()])
        else:
            weights = np.asarray(class_weight).ravel()
            if weights.shape != (n_classes,):
                raise ValueError(
                    f"class_weight must hold one weight per class ({n_classes}), got shape "
                    f"{weights.shape}."
                )
        try:
            weights = weights.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"class_weight must hold numbers, got {class_weight!r}.") from None
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError(
                f"class_weight must be finite and non-negative, got {weights.tolist()} "
                f"for classes {self.classes_.tolist()}."
            )
        if not np.any(weights[y_index] > 0):
            raise ValueError(
                "class_weight gives weight 0 to every class present in y, so the loss is "
                "empty; give at least one of them a positive weight."
            )
        return weights

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> ClassLayerClassifier:
        """Check the width (given layer), or (re)train the layer on ``X, y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features the layer reads (for instance projected features).
        y : array-like of shape (n_samples,) or None
            Labels; may be ``None`` when a given layer is only applied.

        Returns
        -------
        self : ClassLayerClassifier
        """
        layer = self._given_layer()
        needs_training = layer is None or self.retrain
        if not needs_training and y is None:
            X = validate_data(self, X, dtype=[np.float64, np.float32])
        else:
            if y is None:
                raise ValueError(
                    "ClassLayerClassifier requires y to be passed, but the target y is None: "
                    "y is needed to train the classification layer."
                )
            X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
            check_classification_targets(y)
        if layer is None:
            self.classes_, y_index = np.unique(y, return_inverse=True)
            if self.classes_.size < 2:
                raise ValueError(
                    "ClassLayerClassifier needs samples of at least 2 classes, got 1 class."
                )
            n_classes = self.classes_.size
            coef, intercept = np.zeros((n_classes, X.shape[1])), np.zeros(n_classes)
        else:
            coef, intercept, self.classes_ = layer
            if y is not None:
                check_labels_in_classes(y, self.classes_)
            if coef.shape[1] != X.shape[1]:
                raise ValueError(
                    f"The layer reads {coef.shape[1]} features but X has {X.shape[1]}; "
                    "pass the features of the view this layer belongs to."
                )
            if needs_training:
                y_index = self._labels_to_index(y)
        self.n_iter_, self.converged_ = 0, True
        if needs_training:
            coef, intercept = self._train(X, y_index, coef, intercept)
        self.coef_, self.intercept_ = coef, intercept
        return self

    def _labels_to_index(self, y: NDArray) -> NDArray:
        """Positions of the labels in ``classes_``; unknown labels raise."""
        order = np.argsort(self.classes_)
        positions = np.searchsorted(self.classes_, y, sorter=order)
        positions = np.clip(positions, 0, self.classes_.size - 1)
        index = order[positions]
        unknown = self.classes_[index] != y
        if np.any(unknown):
            raise ValueError(
                f"y holds labels the layer does not know: {np.unique(y[unknown])[:5]}; the "
                f"layer's classes are {self.classes_}."
            )
        return index

    def _lr_schedule(self) -> tuple[int | None, float | None]:
        """``(step, gamma)`` of the Adam schedule, checked."""
        if self.lr_schedule is None:
            return None, None
        schedule = tuple(self.lr_schedule)
        valid = (
            len(schedule) == 2
            and isinstance(schedule[0], Integral)
            and not isinstance(schedule[0], bool)
            and schedule[0] >= 1
            and isinstance(schedule[1], Real)
            and 0 < schedule[1]
        )
        if not valid:
            raise ValueError(
                f"lr_schedule must be a pair (step, gamma): multiply the learning rate by "
                f"gamma > 0 every step >= 1 epochs, e.g. (20, 1 / 3); got {self.lr_schedule!r}."
            )
        return int(schedule[0]), float(schedule[1])

    def _train(self, X, y_index, coef, intercept):
        weights = self._class_weights(y_index, coef.shape[0])
        step, gamma = self._lr_schedule()
        if self.solver == "adam":
            from sklearn_ccafusion.nets._head import fit_linear_layer_adam

            coef, intercept, self.n_iter_ = fit_linear_layer_adam(
                X,
                y_index,
                coef,
                intercept,
                class_weight=weights,
                weight_decay=self.weight_decay,
                lr=self.learning_rate,
                max_epochs=self.max_iter,
                batch_size=self.batch_size,
                lr_step_epochs=step,
                lr_gamma=gamma,
                device=self.device,
                random_state=self.random_state,
            )
            return coef, intercept
        work = X.shape[0] * (X.shape[1] + 1) * coef.shape[0]
        pin = _PIN_BLAS[0] <= work < _PIN_BLAS[1]
        with threadpool_limits(limits=1, user_api="blas") if pin else nullcontext():
            coef, intercept, self.n_iter_, self.converged_ = _ARRAY_SOLVERS[self.solver](
                X,
                y_index,
                coef,
                intercept,
                sample_weight=weights[y_index],
                weight_decay=self.weight_decay,
                tol=self.tol,
                max_iter=self.max_iter,
            )
        return coef, intercept

    def _logits(self, X: ArrayLike) -> NDArray:
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return X @ self.coef_.T.astype(X.dtype) + self.intercept_.astype(X.dtype)

    def decision_function(self, X: ArrayLike) -> NDArray:
        """The layer's logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        logits : ndarray of shape (n_samples, n_classes) or (n_samples,)
            For a 2-class layer, the logit difference (class 1 minus class 0).
        """
        logits = self._logits(X)
        if logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X: ArrayLike) -> NDArray:
        """Softmax of the logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return softmax(self._logits(X), axis=1)

    def predict_log_proba(self, X: ArrayLike) -> NDArray:
        """Log-softmax of the logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return log_softmax(self._logits(X), axis=1)

    def predict(self, X: ArrayLike) -> NDArray:
        """The class of the largest logit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        logits = self._logits(X)
        return self.classes_[np.argmax(logits, axis=1)]
