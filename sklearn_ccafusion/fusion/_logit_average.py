"""Late fusion by averaging the views' logits (or probabilities).

The baseline the CCA-sum fusion is compared with (Moreau et al. 2021, section on fusion): each
view has its own classifier, typically the network's own classification layer, and the
fused prediction is the argmax of the average of their logits. The TMD benchmark's ``scores``
late fusion is the same average with equal weights.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import ClassifierMixin, _fit_context, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import _BaseComposition, available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_ccafusion.utils._docstrings import fill_doc
from sklearn_ccafusion.utils._validation import check_labels_in_classes
from sklearn_ccafusion.utils._views import estimator_view_sizes, split_views

__all__ = ["LogitAverageFusion"]


def _view_logits(estimator, X: NDArray, n_classes: int) -> NDArray:
    """Decision function of one view, 1-D for two classes, ``(n, n_classes)`` otherwise."""
    scores = np.asarray(estimator.decision_function(X), dtype=np.float64)
    if n_classes == 2 and scores.ndim == 2:
        if scores.shape[1] == 1:
            return scores[:, 0]
        return scores[:, 1] - scores[:, 0]  # a two-row layer: the logit difference
    return scores


def _view_proba(estimator, X: NDArray, n_classes: int) -> NDArray:
    """Class probabilities of one view, ``(n, n_classes)``."""
    return np.asarray(estimator.predict_proba(X), dtype=np.float64)


# combine -> (method each view estimator needs, function returning that view's scores)
_COMBINERS: dict[str, tuple[str, Callable[..., NDArray]]] = {
    "logits": ("decision_function", _view_logits),
    "proba": ("predict_proba", _view_proba),
}


def _combine_is(value: str) -> Callable[[object], bool]:
    """Check for ``available_if``: the method exists only for ``combine == value``."""
    return lambda estimator: estimator.combine == value


@fill_doc
class LogitAverageFusion(ClassifierMixin, _BaseComposition):
    """Late fusion: average the views' logits (or class probabilities).

    One classifier per view, each fitted on its own view's columns of the stacked ``X``;
    the fused prediction is the class of largest weighted average of their
    ``decision_function`` (``combine="logits"``, the networks' logit average) or of their
    ``predict_proba`` (``combine="proba"``). The networks' own trained classification
    layers take part unchanged through
    :class:`~sklearn_ccafusion.ClassLayerClassifier` (``retrain=False``), or any prefit
    classifier wrapped in :class:`sklearn.frozen.FrozenEstimator`.

    Parameters
    ----------
    estimators : list of (str, estimator) tuples or None, default=None
        One classifier per view, in the order of the views in ``X``; cloned in ``fit``.
        ``None`` means ``LogisticRegression()`` for each of two views (pass them
        explicitly to grid-search them). Parameters of the given estimators are reachable
        as ``<name>__<param>`` (``GridSearchCV``).
    %(view_sizes)s
    combine : {"logits", "proba"}, default="logits"
        What is averaged: ``decision_function`` (logits) or ``predict_proba``. For two
        classes, logits are the 1-D decision function (a 2-column one is turned into the
        difference of its columns).
    weights : array-like of shape (n_views,) or None, default=None
        Non-negative weight of each view in the average; ``None``: equal weights.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted classifiers, one per view.
    named_estimators_ : :class:`~sklearn.utils.Bunch`
        The fitted classifiers by name.
    classes_ : ndarray of shape (n_classes,)
        Class labels, common to all the view classifiers (taken from them, not from ``y``,
        so prefit heads keep their classes).
    view_sizes_ : tuple of int
        Widths of the views.
    n_features_in_ : int
        Number of features (all views) seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during ``fit``, when ``X`` had string column names.

    See Also
    --------
    CCASumFusion : Early fusion by summing canonical variates.
    sklearn.ensemble.VotingClassifier : The same average when all models see the same
        features.

    Notes
    -----
    The softmax is unchanged when the same number is added to every logit of a sample,
    so logit averaging is defined up to such a shift per view; the argmax of the average is
    not affected.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_ccafusion.fusion import LogitAverageFusion
    >>> X, y = make_classification(n_samples=200, n_features=8, n_classes=3,
    ...                            n_informative=6, random_state=0)
    >>> fusion = LogitAverageFusion(
    ...     [("left", LogisticRegression()), ("right", LogisticRegression(C=0.1))],
    ...     view_sizes=[3, 5],
    ... ).fit(X, y)
    >>> fusion.decision_function(X[:2]).shape
    (2, 3)
    >>> fusion.view_sizes_
    (3, 5)
    """

    _parameter_constraints: dict = {
        "estimators": [list, None],
        "view_sizes": ["array-like", None],
        "combine": [StrOptions(set(_COMBINERS))],
        "weights": ["array-like", None],
    }

    def __init__(
        self,
        estimators: list | None = None,
        *,
        view_sizes: ArrayLike | None = None,
        combine: str = "logits",
        weights: ArrayLike | None = None,
    ) -> None:
        self.estimators = estimators
        self.view_sizes = view_sizes
        self.combine = combine
        self.weights = weights

    def get_params(self, deep: bool = True) -> dict:
        """Parameters of this estimator, and of the view estimators when ``deep``.

        Parameters
        ----------
        deep : bool, default=True
            Also return ``<name>__<param>`` for every view estimator.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return self._get_params("estimators", deep=deep)

    def set_params(self, **params) -> LogitAverageFusion:
        """Set parameters, including ``<name>__<param>`` of the view estimators.

        Parameters
        ----------
        **params : dict
            Parameters, or whole view estimators by name.

        Returns
        -------
        self : LogitAverageFusion
            This estimator.
        """
        self._set_params("estimators", **params)
        return self

    def _checked_estimators(self) -> list[tuple[str, object]]:
        if self.estimators is None:
            return [("view_1", LogisticRegression()), ("view_2", LogisticRegression())]
        try:
            names, estimators = zip(*self.estimators)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "estimators must be a list of (name, estimator) pairs, one per view, got "
                f"{self.estimators!r}."
            ) from exc
        if len(names) < 2:
            raise ValueError(
                f"LogitAverageFusion needs one estimator per view (at least 2), got {len(names)}."
            )
        self._validate_names(names)
        self._check_estimators_are_instances(estimators)
        needed = _COMBINERS[self.combine][0]
        for name, estimator in self.estimators:
            for method in ("fit", needed):
                if not hasattr(estimator, method):
                    raise TypeError(
                        f"The estimator of view {name!r} ({type(estimator).__name__}) has no "
                        f"{method}; combine={self.combine!r} needs view classifiers with fit "
                        f"and {needed}."
                    )
        return list(self.estimators)

    def _checked_weights(self, n_views: int) -> NDArray | None:
        if self.weights is None:
            return None
        weights = np.asarray(self.weights, dtype=np.float64)
        if weights.shape != (n_views,):
            raise ValueError(
                f"weights must have one value per view ({n_views}), got {self.weights!r}."
            )
        if np.any(weights < 0) or not np.all(np.isfinite(weights)) or weights.sum() == 0:
            raise ValueError(
                f"weights must be finite, non-negative and not all zero, got {self.weights!r}."
            )
        return weights

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: ArrayLike, y: ArrayLike) -> LogitAverageFusion:
        """Fit each view's classifier on its view.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The views stacked column-wise, ``np.hstack([X1, X2])``.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : LogitAverageFusion
            Fitted estimator.
        """
        estimators = self._checked_estimators()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.view_sizes_ = estimator_view_sizes(self, X.shape[1], n_views=len(estimators))
        self._weights = self._checked_weights(len(estimators))
        self.estimators_ = [
            clone(estimator).fit(X_view, y)
            for (_, estimator), X_view in zip(estimators, split_views(X, self.view_sizes_))
        ]
        self.named_estimators_ = Bunch(
            **{name: est for (name, _), est in zip(estimators, self.estimators_)}
        )
        classes = [np.asarray(est.classes_) for est in self.estimators_]
        for (name, _), view_classes in zip(estimators[1:], classes[1:]):
            if not np.array_equal(view_classes, classes[0]):
                raise ValueError(
                    f"The view classifiers disagree on the classes: {estimators[0][0]!r} has "
                    f"{classes[0].tolist()}, {name!r} has {view_classes.tolist()}."
                )
        self.classes_ = classes[0]
        check_labels_in_classes(y, self.classes_, layer="each view classifier")
        method, _ = _COMBINERS[self.combine]
        for name, est in self.named_estimators_.items():
            if not hasattr(est, method):
                raise TypeError(
                    f"The fitted estimator of view {name!r} ({type(est).__name__}) has no "
                    f"{method}, which combine={self.combine!r} needs."
                )
        return self

    def _average(self, X: ArrayLike) -> NDArray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        _, view_scores = _COMBINERS[self.combine]
        scores = [
            view_scores(est, X_view, len(self.classes_))
            for est, X_view in zip(self.estimators_, split_views(X, self.view_sizes_))
        ]
        return np.average(np.stack(scores), axis=0, weights=self._weights)

    def predict(self, X: ArrayLike) -> NDArray:
        """Class of largest averaged logit (or probability).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The views stacked column-wise.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        scores = self._average(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    @available_if(_combine_is("logits"))
    def decision_function(self, X: ArrayLike) -> NDArray:
        """Weighted average of the views' logits (``combine="logits"`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The views stacked column-wise.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            Averaged logits; 1-D for two classes (positive means ``classes_[1]``).
        """
        return self._average(X)

    @available_if(_combine_is("proba"))
    def predict_proba(self, X: ArrayLike) -> NDArray:
        """Weighted average of the views' class probabilities (``combine="proba"`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The views stacked column-wise.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Averaged probabilities, rows summing to 1.
        """
        return self._average(X)
