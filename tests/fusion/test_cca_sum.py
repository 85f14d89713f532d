"""``CCASumFusion``: canonical variates of two views, summed or concatenated, then a classifier."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_ccafusion.cca import CCAProjector
from sklearn_ccafusion.fusion import CCASumFusion, KernelELMClassifier
from sklearn_ccafusion.study import make_planted_features
from sklearn_ccafusion.whitening import PCAWhitener


# the checks' 3-column tables are split (2, 1) with a warning that the views may be unequal
@pytest.mark.filterwarnings("ignore:.*no view_sizes, which cannot be:UserWarning")
@parametrize_with_checks(
    [
        CCASumFusion(),
        CCASumFusion(fusion="concat", classifier=KernelELMClassifier()),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _canonical_correlations(A, B):
    """Canonical correlations by QR of each centred block and SVD of Q_A' Q_B.

    Written independently of the package; rank-deficient blocks keep their range only.
    """

    def basis(M):
        U, s, _ = np.linalg.svd(M - M.mean(axis=0), full_matrices=False)
        return U[:, s > 1e-9 * s[0]]

    return np.linalg.svd(basis(A).T @ basis(B), compute_uv=False)


def _planted_case(shared, seed=0):
    """Planted-layer features: train/validation halves, and the networks' logits."""
    n_classes = 4
    X1, X2, y, ((W1, b1), (W2, b2)) = make_planted_features(
        2500, n_classes=n_classes, n_features=40, n_nuisance=4, view_noise=0.3,
        shared=shared, random_state=seed,
    )
    logits = X1 @ W1.T + b1 + X2 @ W2.T + b2
    centred = logits - logits.mean(axis=1, keepdims=True)  # the softmax-determined part
    X = np.hstack([X1, X2])
    train, val = slice(0, 1500), slice(1500, None)
    return n_classes, X[train], y[train], X[val], y[val], centred[val]


def test_cca_sum_is_logit_sum_when_layers_are_shared():
    """The paper's claim, planted: first K-1 fused features = summed class-centred logits."""
    K, X_train, y_train, X_val, y_val, logits_val = _planted_case("logits")
    fusion = CCASumFusion(n_components=K - 1).fit(X_train, y_train)
    fused = fusion.transform(X_val)
    assert fused.shape == (len(X_val), K - 1)
    corr = _canonical_correlations(fused, logits_val)
    assert len(corr) == K - 1  # class-centred logits have rank K - 1
    assert corr.min() > 0.99, corr
    agreement = np.mean(fusion.predict(X_val) == np.argmax(logits_val, axis=1))
    assert agreement > 0.95, agreement


def test_negative_control_shared_nuisance_is_not_logit_sum():
    """Views sharing a class-free factor: the top canonical pairs are not the classes."""
    K, X_train, y_train, X_val, y_val, logits_val = _planted_case("nuisance")
    fusion = CCASumFusion(n_components=K - 1).fit(X_train, y_train)
    corr = _canonical_correlations(fusion.transform(X_val), logits_val)
    assert corr.max() < 0.5, corr
    agreement = np.mean(fusion.predict(X_val) == np.argmax(logits_val, axis=1))
    assert agreement < 0.5, agreement
    # with all canonical pairs the class directions are back among the fused features
    assert CCASumFusion().fit(X_train, y_train).score(X_val, y_val) > 0.9


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_features_are_unit_variance_variates(dtype):
    K, X_train, y_train, X_val, _, _ = _planted_case("logits")
    X_train = X_train.astype(dtype)
    concat = CCASumFusion(fusion="concat").fit(X_train, y_train)
    k = concat.n_components_
    assert k == len(concat.cca_.canonical_correlations_)  # None: all canonical pairs
    both = concat.transform(X_train)
    assert both.shape == (len(X_train), 2 * k)
    tol = 1e-6 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(both.var(axis=0, ddof=1), 1.0, rtol=tol)
    pair_corr = [np.corrcoef(both[:, i], both[:, k + i])[0, 1] for i in range(k)]
    np.testing.assert_allclose(pair_corr, concat.cca_.canonical_correlations_, atol=tol)
    both_val = concat.transform(X_val)
    summed = CCASumFusion().fit(X_train, y_train)
    np.testing.assert_allclose(
        summed.transform(X_val), both_val[:, :k] + both_val[:, k:], rtol=tol, atol=tol
    )
    reference = CCAProjector(output="sum").fit(X_train).transform(X_val)
    np.testing.assert_allclose(summed.transform(X_val), reference, rtol=tol, atol=tol)
    assert summed.get_feature_names_out()[0] == "cca_sum0"
    assert concat.get_feature_names_out()[k] == "view2_cca0"


def test_kelm_classifier_on_fused_features():
    K, X_train, y_train, X_val, y_val, _ = _planted_case("logits")
    fusion = CCASumFusion(K - 1, classifier=KernelELMClassifier(C=10.0)).fit(X_train, y_train)
    assert isinstance(fusion.classifier_, KernelELMClassifier)
    direct = KernelELMClassifier(C=10.0).fit(fusion.transform(X_train), y_train)
    np.testing.assert_array_equal(fusion.predict(X_val), direct.predict(fusion.transform(X_val)))
    assert fusion.score(X_val, y_val) > 0.9
    assert hasattr(fusion, "decision_function") and not hasattr(fusion, "predict_proba")
    assert hasattr(CCASumFusion(classifier=SVC(probability=True)), "predict_proba")


def test_cca_sum_pipeline_grid_search_clone_pickle():
    K, X_train, y_train, X_val, y_val, _ = _planted_case("logits")
    X_train, y_train = X_train[:600], y_train[:600]
    fusion = CCASumFusion(whitener=PCAWhitener(0.999), classifier=SVC(kernel="linear"))
    pipe = make_pipeline(StandardScaler(), fusion)
    grid = {"ccasumfusion__n_components": [1, K - 1], "ccasumfusion__classifier__C": [0.1, 1.0]}
    search = GridSearchCV(pipe, grid, cv=3).fit(X_train, y_train)
    assert search.best_params_["ccasumfusion__n_components"] == K - 1
    assert search.score(X_val, y_val) > 0.9
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(restored.predict(X_val), search.predict(X_val))
    clone(search.best_estimator_).fit(X_train, y_train)


def test_cca_sum_bad_input_messages():
    K, X_train, y_train, _, _, _ = _planted_case("logits")
    with pytest.raises(ValueError, match=r"view_sizes=\(40, 39\) sum to 79 but X has 80"):
        CCASumFusion(view_sizes=(40, 39)).fit(X_train, y_train)
    with pytest.raises(InvalidParameterError, match="'classifier' parameter"):
        CCASumFusion(classifier=object()).fit(X_train, y_train)
    with pytest.raises(InvalidParameterError, match="'fusion' parameter"):
        CCASumFusion(fusion="product").fit(X_train, y_train)
    with pytest.raises(ValueError, match="n_components=500"):
        CCASumFusion(n_components=500).fit(X_train, y_train)
    fitted = CCASumFusion(2).fit(X_train, y_train)
    with pytest.raises(ValueError, match="expecting 80 features"):
        fitted.predict(X_train[:, :79])
