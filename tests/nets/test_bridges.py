"""From fitted networks to the study in one call, with string labels end to end."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.frozen import FrozenEstimator
from sklearn.svm import SVC

from sklearn_ccafusion.nets import NetFeatures
from sklearn_ccafusion.study import NetworkFeatures, fusion_study, subspace_study
from tests.nets._helpers import make_mlp

NAMES = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])


@pytest.fixture(scope="module")
def named_digits(digits_halves):
    """Digit halves with string labels, split 1200 / rest; two nets per half trained once."""
    X, y = digits_halves
    X = X.astype(np.float32)
    labels = NAMES[y]
    params = {"module__n_features": 32, "module__hidden": (24,), "max_epochs": 15}
    features = NetFeatures(
        [("left", make_mlp(**params)), ("right", make_mlp(random_state=1, **params))],
        inputs={"left": slice(0, 32), "right": slice(32, 64)},
    ).fit(X[:1200], labels[:1200])
    return X, labels, features


def test_from_net_reads_features_layer_and_classes(named_digits):
    X, labels, features = named_digits
    net = features.named_nets_["left"]
    network = NetworkFeatures.from_net(FrozenEstimator(net), X[:1200, :32], X[1200:, :32])
    assert network.classes.tolist() == sorted(NAMES.tolist())
    assert_allclose(network.train, net.transform(X[:1200, :32]))
    logits = network.validation @ network.coef.T + network.intercept
    assert_allclose(logits, net.decision_function(X[1200:, :32]), rtol=1e-4, atol=1e-4)
    predicted = network.classes[np.argmax(logits, axis=1)]
    assert np.array_equal(predicted, net.predict(X[1200:, :32]))


def test_from_net_features_one_per_net(named_digits):
    X, _, features = named_digits
    left, right = NetworkFeatures.from_net_features(features, X[:1200], X[1200:])
    alone = NetworkFeatures.from_net(features.named_nets_["right"], X[:1200, 32:], X[1200:, 32:])
    for name in ("train", "validation", "coef", "intercept"):
        assert_allclose(getattr(right, name), getattr(alone, name))
    assert left.n_features == right.n_features == 24
    assert np.array_equal(left.classes, right.classes)


def test_string_labels_through_subspace_and_fusion_study(named_digits):
    X, labels, features = named_digits
    left, right = NetworkFeatures.from_net_features(features, X[:1200], X[1200:])
    y_train, y_val = labels[:1200], labels[1200:]
    df = subspace_study(
        left,
        right,
        y_train,
        y_val,
        methods=["cca_highest", "cca_lowest"],
        dimensions=[10, 24],
        progress=False,
        random_state=0,
    )
    net_accuracy = np.mean(features.named_nets_["left"].predict(X[1200:, :32]) == y_val)
    full = df.query("n == 24 and head == 'original'")["score"]
    assert_allclose(full, net_accuracy)  # all features: the net's own accuracy
    assert net_accuracy > 0.7
    fusion = fusion_study(
        (left.train, right.train),
        y_train,
        (left.validation, right.validation),
        y_val,
        ((left.coef, left.intercept), (right.coef, right.intercept)),
        classes=left.classes,
        n_components=[9],
        fusions={"svm": ("sum", SVC(kernel="linear"))},
        progress=False,
    )
    averaged = left.classes[
        np.argmax(
            features.named_nets_["left"].decision_function(X[1200:, :32])
            + features.named_nets_["right"].decision_function(X[1200:, 32:]),
            axis=1,
        )
    ]
    logit = fusion.query("method == 'logit_average' and measure == 'accuracy'")["value"]
    assert logit.iloc[0] == pytest.approx(np.mean(averaged == y_val), abs=2e-3)
