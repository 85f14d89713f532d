"""Torch side of ClassLayerClassifier: layer_from_net and fit_linear_layer_adam."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.frozen import FrozenEstimator

from sklearn_ccafusion.nets import fit_linear_layer_adam, layer_from_net
from sklearn_ccafusion.runs._recipes import head_recipe
from tests.nets._helpers import make_mlp


@pytest.fixture(scope="module")
def features(fitted_mlp, digits):
    """Penultimate features of the fitted digits MLP, float64, with labels and layer."""
    X, y = digits
    return fitted_mlp.transform(X).astype(np.float64), y, *layer_from_net(fitted_mlp)[:2]


def _loss(X, y, coef, intercept, weight=None, weight_decay=0.0):
    """The objective: class-weighted mean cross-entropy + (wd / 2) ||[W, b]||^2."""
    logits = torch.as_tensor(X @ coef.T + intercept)
    w = None if weight is None else torch.as_tensor(weight)
    ce = torch.nn.functional.cross_entropy(logits, torch.as_tensor(y), weight=w).item()
    return ce + 0.5 * weight_decay * (np.sum(coef**2) + np.sum(intercept**2))


class TestLayerFromNet:
    def test_reads_the_final_layer(self, fitted_mlp):
        coef, intercept, classes = layer_from_net(fitted_mlp)
        assert coef.dtype == np.float64 and intercept.dtype == np.float64
        assert_array_equal(coef, fitted_mlp.class_components_.astype(np.float64))
        assert_array_equal(intercept, fitted_mlp.class_bias_.astype(np.float64))
        assert_array_equal(classes, np.arange(10))

    def test_frozen_and_logits(self, fitted_mlp, digits):
        X, _ = digits
        coef, intercept, _ = layer_from_net(FrozenEstimator(fitted_mlp))
        logits = fitted_mlp.transform(X) @ coef.T + intercept
        assert_allclose(logits, fitted_mlp.decision_function(X), rtol=1e-5, atol=1e-5)

    def test_string_classes_follow_the_net(self, digits):
        X, y = digits
        net = make_mlp(max_epochs=1).fit(X[:200], np.array(list("abcdefghij"))[y[:200]])
        assert layer_from_net(net)[2].tolist() == list("abcdefghij")

    def test_errors(self):
        from sklearn.exceptions import NotFittedError
        from sklearn.linear_model import LogisticRegression

        with pytest.raises(NotFittedError):
            layer_from_net(make_mlp())
        with pytest.raises(TypeError, match="SensorNetClassifier"):
            layer_from_net(LogisticRegression())


class TestAdamRetraining:
    def test_zero_epochs_returns_the_start(self, features):
        X, y, coef, intercept = features
        new_coef, new_intercept, n = fit_linear_layer_adam(X, y, coef, intercept, max_epochs=0)
        assert n == 0
        assert_array_equal(new_coef, coef) and assert_array_equal(new_intercept, intercept)
        assert new_coef is not coef

    def test_training_lowers_the_objective(self, features):
        X, y, coef, intercept = features
        start = np.zeros_like(coef), np.zeros_like(intercept)
        new_coef, new_intercept, n = fit_linear_layer_adam(
            X, y, *start, weight_decay=1e-3, max_epochs=5, random_state=0
        )
        assert n == 5 and new_coef.dtype == np.float64 and new_coef.shape == coef.shape
        before = _loss(X, y, *start, weight_decay=1e-3)
        after = _loss(X, y, new_coef, new_intercept, weight_decay=1e-3)
        assert after < 0.5 * before

    def test_deterministic_under_a_seed(self, features):
        X, y, coef, intercept = features
        kwargs = {"max_epochs": 2, "batch_size": 32, "lr": 1e-2}
        a = fit_linear_layer_adam(X, y, coef, intercept, random_state=0, **kwargs)
        b = fit_linear_layer_adam(X, y, coef, intercept, random_state=0, **kwargs)
        c = fit_linear_layer_adam(X, y, coef, intercept, random_state=1, **kwargs)
        assert_array_equal(a[0], b[0]) and assert_array_equal(a[1], b[1])
        assert not np.array_equal(a[0], c[0])

    def test_matches_the_papers_torch_loop(self, features):
        """Same steps as the study's code: nn.Linear, CrossEntropyLoss(weight), Adam, StepLR."""
        X, y, coef, intercept = features
        weight = np.linspace(0.5, 2.0, 10)
        kwargs = {
            "class_weight": weight,
            "weight_decay": 1e-3,
            "lr": 1e-2,
            "max_epochs": 3,
            "batch_size": 128,
            "lr_step_epochs": 1,
            "lr_gamma": 1 / 3,
        }
        got_coef, got_intercept, _ = fit_linear_layer_adam(
            X, y, coef, intercept, random_state=5, **kwargs
        )
        # reference: replay the same batch order with a plain torch training loop
        from sklearn_ccafusion.nets._classifier._device import derive_seed

        generator = torch.Generator().manual_seed(derive_seed(5, 0))
        layer = torch.nn.Linear(coef.shape[1], coef.shape[0])
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(coef))
            layer.bias.copy_(torch.as_tensor(intercept))
        criterion = torch.nn.CrossEntropyLoss(weight=torch.as_tensor(weight, dtype=torch.float32))
        optimizer = torch.optim.Adam(layer.parameters(), lr=1e-2, weight_decay=1e-3)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=1 / 3)
        Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)
        for _ in range(3):
            order = torch.randperm(len(X), generator=generator)
            for start in range(0, len(X), 128):
                idx = order[start : start + 128]
                optimizer.zero_grad()
                criterion(layer(Xt[idx]), yt[idx]).backward()
                optimizer.step()
            scheduler.step()
        assert_allclose(got_coef, layer.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
        assert_allclose(got_intercept, layer.bias.detach().numpy(), rtol=1e-5, atol=1e-6)

    def test_weight_decay_shrinks_the_layer(self, features):
        X, y, coef, intercept = features
        kwargs = {"max_epochs": 3, "lr": 1e-2, "random_state": 0}
        free = fit_linear_layer_adam(X, y, coef, intercept, weight_decay=0.0, **kwargs)
        decayed = fit_linear_layer_adam(X, y, coef, intercept, weight_decay=0.1, **kwargs)
        assert np.linalg.norm(decayed[0]) < np.linalg.norm(free[0])
        assert np.linalg.norm(decayed[1]) < np.linalg.norm(free[1])

    def test_head_recipes_run(self, features):
        X, y, coef, intercept = features
        for name in ("shl", "cifar"):
            kwargs = head_recipe(name) | {"max_epochs": 1}
            if name == "shl":
                kwargs["class_weight"] = np.ones(10)
            out = fit_linear_layer_adam(X, y, coef, intercept, random_state=0, **kwargs)
            assert np.isfinite(out[0]).all()

    @pytest.mark.parametrize(
        "change, match",
        [
            ({"coef": np.zeros((10, 5))}, "coef must have shape"),
            ({"intercept": np.zeros(3)}, "intercept must have shape"),
            ({"y": np.full(1797, 10)}, "class indices"),
            ({"y": np.array(["a"] * 1797)}, "class indices"),
            ({"class_weight": np.ones(3)}, "one weight per class"),
        ],
    )
    def test_bad_inputs(self, features, change, match):
        X, y, coef, intercept = features
        args = {"X": X, "y": y, "coef": coef, "intercept": intercept} | change
        weight = args.pop("class_weight", None)
        with pytest.raises(ValueError, match=match):
            fit_linear_layer_adam(**args, class_weight=weight, max_epochs=1)

    def test_class_weight_alias(self, features):
        X, y, coef, intercept = features
        weight = np.linspace(1, 2, 10)
        kwargs = {"max_epochs": 1, "random_state": 0}
        a = fit_linear_layer_adam(X, y, coef, intercept, class_weight=weight, **kwargs)
        b = fit_linear_layer_adam(X, y, coef, intercept, sample_class_weight=weight, **kwargs)
        assert_array_equal(a[0], b[0])
        with pytest.raises(ValueError, match="not both"):
            fit_linear_layer_adam(
                X, y, coef, intercept, class_weight=weight, sample_class_weight=weight
            )
