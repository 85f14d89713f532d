"""Training recipes: keyword overrides, and class weights computed from the labels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.utils.class_weight import compute_class_weight

from sklearn_ccafusion.nets import (
    MLPNet,
    SensorNetClassifier,
    fit_linear_layer_adam,
    head_recipe,
    training_recipe,
)
from sklearn_ccafusion.runs._recipes import SHL_CLASS_COUNTS


def test_overrides_by_keyword():
    params = training_recipe("shl", max_epochs=3, class_weight=None, module__n_classes=6)
    assert params["max_epochs"] == 3 and params["class_weight"] is None
    assert params["module__n_classes"] == 6 and params["batch_size"] == 64
    assert training_recipe("shl")["max_epochs"] == 50  # a fresh dict each call
    assert head_recipe("cifar", lr_step_epochs=5)["lr_step_epochs"] == 5


def test_unknown_overrides_name_the_choices():
    with pytest.raises(
        TypeError, match=r"Unknown SensorNetClassifier parameter\(s\) \['max_epoch'\]"
    ):
        training_recipe("shl", max_epoch=3)
    with pytest.raises(TypeError, match=r"fit_linear_layer_adam parameter\(s\) \['epochs'\]"):
        head_recipe("shl", epochs=3)
    with pytest.raises(TypeError, match="fit_linear_layer_adam"):
        head_recipe("shl", module__x=3)  # nothing is routed there
    with pytest.raises(ValueError, match="Unknown recipe"):
        training_recipe("imagenet", max_epochs=1)


def test_every_recipe_entry_is_a_constructor_parameter():
    for name in ("shl", "cifar", "cifar-he"):
        params = training_recipe(name, max_epochs=1)
        net = SensorNetClassifier(MLPNet, module__n_features=4, module__n_classes=2, **params)
        assert all(net.get_params()[k] is v for k, v in params.items())


@pytest.mark.parametrize("labels", [np.arange(4), np.array(["bus", "car", "still", "walk"])])
def test_balanced_weights_are_computed_from_the_training_labels(labels):
    rng = np.random.default_rng(0)
    counts = np.array([50, 10, 25, 5])
    y = labels[np.repeat(np.arange(4), counts)]
    X = rng.normal(size=(len(y), 6)).astype(np.float32)
    params = training_recipe("shl", max_epochs=1, module__n_features=6, module__n_classes=4)
    net = SensorNetClassifier(MLPNet, **params, random_state=0).fit(X, y)
    expected = compute_class_weight("balanced", classes=np.unique(y), y=y)
    assert_allclose(net.class_weight_, expected)
    assert_allclose(net.criterion_.weight.numpy(), expected, rtol=1e-6)
    assert_allclose(expected, len(y) / (4 * counts))


def test_balanced_is_the_studys_inverse_counts_up_to_scale():
    y = np.repeat(np.arange(8), SHL_CLASS_COUNTS)
    balanced = compute_class_weight("balanced", classes=np.arange(8), y=y)
    ratio = balanced / (1.0 / np.asarray(SHL_CLASS_COUNTS))
    assert_allclose(ratio, ratio[0])


def test_head_recipe_balanced_equals_the_explicit_weights(monkeypatch):
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(3), [40, 10, 5])
    X = rng.normal(size=(len(y), 4)) + y[:, None]
    start = (np.zeros((3, 4)), np.zeros(3))
    kwargs = head_recipe("shl", max_epochs=2, random_state=0)
    assert kwargs["class_weight"] == "balanced"
    got = fit_linear_layer_adam(X, y, *start, **kwargs)
    explicit = kwargs | {
        "class_weight": compute_class_weight("balanced", classes=np.arange(3), y=y)
    }
    expected = fit_linear_layer_adam(X, y, *start, **explicit)
    assert_allclose(got[0], expected[0])
    assert_allclose(got[1], expected[1])
    # a class absent from y: its weight never enters the loss
    weights_used = []
    original = torch.nn.functional.cross_entropy

    def spy(*args, weight=None, **kw):
        weights_used.append(weight)
        return original(*args, weight=weight, **kw)

    monkeypatch.setattr(torch.nn.functional, "cross_entropy", spy)
    fit_linear_layer_adam(X, y, np.zeros((4, 4)), np.zeros(4), **kwargs)
    assert_allclose(weights_used[0].numpy()[:3], len(y) / (4 * np.array([40, 10, 5])), rtol=1e-6)
