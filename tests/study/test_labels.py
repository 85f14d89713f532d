"""Labels against the layers' classes: wrong coding raises, labels of any type work."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.frozen import FrozenEstimator
from sklearn.svm import SVC

from sklearn_ccafusion.fusion import LogitAverageFusion
from sklearn_ccafusion.head import ClassLayerClassifier
from sklearn_ccafusion.study import (
    NetworkFeatures,
    cross_sensor_study,
    fusion_study,
    make_planted_features,
    subspace_study,
)

NAMES = np.array(["bike", "bus", "run", "walk"])  # sorted: row k of a layer is NAMES[k]
FIXES = r"Pass classes=, the label of each row"
STUDY = {"dimensions": [3, 40], "repeats": 1, "progress": False, "random_state": 0}


@pytest.fixture(scope="module")
def planted():
    X1, X2, y, ((W1, b1), (W2, b2)) = make_planted_features(
        900, n_classes=4, n_features=40, n_nuisance=4, random_state=0
    )
    tr, va = slice(0, 600), slice(600, None)
    return X1, X2, y, (W1, b1, W2, b2), tr, va


def _networks(planted, classes=None):
    X1, X2, _, (W1, b1, W2, b2), tr, va = planted
    return (
        NetworkFeatures(X1[tr], X1[va], W1, b1, classes),
        NetworkFeatures(X2[tr], X2[va], W2, b2, classes),
    )


def test_subspace_and_cross_sensor_study_reject_shifted_labels(planted):
    _, _, y, _, tr, va = planted
    net, partner = _networks(planted)
    match = r"y_train holds labels network 0's layer does not know, \[4\].*are \[0, 1, 2, 3\]"
    with pytest.raises(ValueError, match=match + ".*" + FIXES + r".*classes=\[1, 2, 3, 4\]"):
        subspace_study(net, partner, y[tr] + 1, y[va] + 1, **STUDY)
    with pytest.raises(ValueError, match=FIXES):
        cross_sensor_study({"a": [net, partner], "b": [partner, net]}, y[tr] + 1, y[va] + 1,
                           **STUDY)
    with pytest.raises(ValueError, match=r"y_validation holds labels .* \['bike'"):
        subspace_study(net, partner, y[tr], NAMES[y[va]], **STUDY)


def test_string_labels_give_the_integer_study(planted):
    _, _, y, _, tr, va = planted
    coded = subspace_study(*_networks(planted), y[tr], y[va], **STUDY)
    named = subspace_study(*_networks(planted, NAMES), NAMES[y[tr]], NAMES[y[va]], **STUDY)
    assert_allclose(named["score"].to_numpy(), coded["score"].to_numpy(), atol=1e-6)
    assert coded["score"].max() > 0.9  # a real study, not a constant


def test_fusion_study_checks_labels_and_takes_strings(planted):
    X1, X2, y, (W1, b1, W2, b2), tr, va = planted
    args = ((X1[tr], X2[tr]), y[tr], (X1[va], X2[va]), y[va], ((W1, b1), (W2, b2)))
    params = {"n_components": [3], "fusions": {"svm": ("sum", SVC(kernel="linear"))},
              "progress": False}
    with pytest.raises(ValueError, match=r"y_train holds labels each layer does not know.*"
                                         + FIXES):
        fusion_study(args[0], y[tr] + 1, args[2], y[va] + 1, args[4], **params)
    with pytest.raises(ValueError, match="4 distinct labels"):
        fusion_study(*args, classes=["a", "a", "b", "c"], **params)
    coded = fusion_study(*args, **params)
    named = fusion_study(args[0], NAMES[y[tr]], args[2], NAMES[y[va]], args[4], classes=NAMES,
                         **params)
    assert_allclose(named["value"].to_numpy(), coded["value"].to_numpy())
    logit = coded.query("method == 'logit_average' and measure == 'accuracy'")["value"]
    assert logit.iloc[0] > 0.9


def test_class_layer_and_logit_average_check_labels(planted):
    X1, X2, y, (W1, b1, W2, b2), tr, _ = planted
    with pytest.raises(ValueError, match=r"y holds labels the layer does not know, \[4\]"):
        ClassLayerClassifier(W1, b1).fit(X1[tr], y[tr] + 1)
    assert ClassLayerClassifier(W1, b1, NAMES).fit(X1[tr], NAMES[y[tr]]).score(
        X1[tr], NAMES[y[tr]]) > 0.9
    X = np.hstack([X1, X2])[tr]
    for wrap in (lambda head: head, lambda head: FrozenEstimator(head.fit(X1[:1]))):
        heads = [("a", wrap(ClassLayerClassifier(W1, b1))),
                 ("b", wrap(ClassLayerClassifier(W2, b2)))]
        fusion = LogitAverageFusion(heads, view_sizes=(40, 40))
        with pytest.raises(ValueError, match=r"holds labels .* does not know, \[4\].*" + FIXES):
            fusion.fit(X, y[tr] + 1)
        assert fusion.fit(X, y[tr]).score(X, y[tr]) > 0.9


def test_network_features_classes_checked():
    args = (np.ones((4, 3)), np.ones((2, 3)), np.zeros((2, 3)), np.zeros(2))
    assert NetworkFeatures(*args).classes.tolist() == [0, 1]
    with pytest.raises(ValueError, match="2 distinct labels, one per row of coef"):
        NetworkFeatures(*args, classes=["a", "b", "c"])
    with pytest.raises(ValueError, match="2 distinct labels"):
        NetworkFeatures(*args, classes=["a", "a"])
    with pytest.raises(TypeError, match="class_components_"):
        NetworkFeatures.from_net(object(), args[0], args[1])
    with pytest.raises(TypeError, match="fitted NetFeatures"):
        NetworkFeatures.from_net_features(object(), args[0], args[1])
