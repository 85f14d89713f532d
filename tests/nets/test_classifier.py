"""SensorNetClassifier: features, final layer, data handling, seeding, sklearn contract."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.utils.class_weight import compute_class_weight
from skorch.dataset import ValidSplit
from skorch.exceptions import NotInitializedError
from torch.utils.data import DataLoader

from sklearn_ccafusion.nets import SensorNetClassifier, SHLConvNet, training_recipe
from sklearn_ccafusion.nets._classifier._data import TensorBatches
from tests.nets._helpers import PlainModule, make_mlp, requires_cuda


def _manual_features(net, X):
    module = net.module_.eval()
    with torch.no_grad():
        return module.features(torch.as_tensor(X, dtype=torch.float32)).numpy()


class TestFeaturesAndLayer:
    def test_transform_equals_manual_forward(self, fitted_mlp, digits):
        X, _ = digits
        F = fitted_mlp.transform(X)
        assert F.dtype == np.float32 and F.shape == (len(X), 32)
        assert_allclose(F, _manual_features(fitted_mlp, X), rtol=1e-5, atol=1e-6)

    def test_class_components_are_the_final_layer(self, fitted_mlp):
        layer = fitted_mlp.module_.classifier
        assert_array_equal(fitted_mlp.class_components_, layer.weight.detach().numpy())
        assert_array_equal(fitted_mlp.class_bias_, layer.bias.detach().numpy())
        assert fitted_mlp.class_components_.dtype == np.float32
        # copies: changing them does not touch the module
        fitted_mlp.class_components_[:] = 0
        assert np.abs(fitted_mlp.class_components_).sum() > 0

    def test_logits_are_features_times_components(self, fitted_mlp, digits):
        X, _ = digits
        F = fitted_mlp.transform(X)
        logits = F @ fitted_mlp.class_components_.T + fitted_mlp.class_bias_
        assert_allclose(fitted_mlp.decision_function(X), logits, rtol=1e-5, atol=1e-5)
        proba = fitted_mlp.predict_proba(X)
        expected = torch.softmax(torch.as_tensor(logits), dim=1).numpy()
        assert_allclose(proba, expected, rtol=1e-4, atol=1e-6)
        assert_array_equal(fitted_mlp.predict(X), logits.argmax(axis=1))

    def test_not_fitted_errors(self, digits):
        X, _ = digits
        net = make_mlp()
        for method in (net.transform, net.predict, net.decision_function):
            with pytest.raises(NotFittedError):
                method(X)
        with pytest.raises(NotInitializedError):
            net.transform(X)
        assert not hasattr(net, "class_components_")
        assert not hasattr(net, "class_bias_")

    def test_module_without_convention_is_rejected(self, digits):
        X, y = digits
        net = SensorNetClassifier(torch.nn.Linear, module__in_features=64, module__out_features=10)
        with pytest.raises(TypeError, match="features\\(x\\).*classifier"):
            net.fit(X, y)


class TestInputs:
    @pytest.mark.parametrize(
        "convert, scale",
        [
            (lambda X: X, 1.0),  # float64
            (lambda X: X.astype(np.float32), 1.0),
            (lambda X: pd.DataFrame(X), 1.0),
            (lambda X: torch.as_tensor(X), 1.0),  # float64 tensor
            (lambda X: (X * 16).astype(np.int64), 16.0),
        ],
        ids=["float64", "float32", "dataframe", "tensor64", "int64"],
    )
    def test_dtypes_and_containers(self, convert, scale, fitted_mlp, digits):
        X, y = digits
        F = fitted_mlp.transform(convert(X[:50]))
        assert F.dtype == np.float32
        assert_allclose(F, _manual_features(fitted_mlp, X[:50] * scale), rtol=1e-5, atol=1e-5)
        net = make_mlp(max_epochs=1).fit(convert(X[:200]), y[:200])
        assert net.predict(convert(X[:5])).shape == (5,)

    def test_any_labels(self, digits):
        X, y = digits
        names = np.array(list("abcdefghij"))[y]
        net = make_mlp(max_epochs=3).fit(X, names)
        assert_array_equal(net.classes_, list("abcdefghij"))
        assert set(net.predict(X[:20])) <= set("abcdefghij")
        assert net.score(X, names) > 0.5
        shifted = make_mlp(max_epochs=3).fit(X, y + 10)
        assert_array_equal(shifted.classes_, np.arange(10, 20))
        assert_array_equal(
            shifted.predict(X[:50]) - 10, shifted.decision_function(X[:50]).argmax(1)
        )

    def test_wrong_number_of_outputs(self, digits):
        X, y = digits
        with pytest.raises(ValueError, match="10 outputs but there are 9 classes"):
            make_mlp(max_epochs=1).fit(X[y < 9], y[y < 9])

    def test_bad_image_shape_for_shl(self):
        net = SensorNetClassifier(SHLConvNet, module__n_classes=2, max_epochs=1)
        X = np.zeros((4, 1, 32, 32))
        with pytest.raises(ValueError, match=r"\(n, 1, 48, 48\).*\(4, 1, 32, 32\)"):
            net.fit(X, np.array([0, 1, 0, 1]))

    def test_data_on_device_off_uses_skorch_dataloader(self, digits):
        X, y = digits
        on = make_mlp(max_epochs=4).fit(X, y)
        off = make_mlp(max_epochs=4, data_on_device=False).fit(X, y)
        dataset = off.get_dataset(X, y)
        assert isinstance(off.get_iterator(dataset, training=True), DataLoader)
        assert isinstance(on.get_iterator(dataset, training=True), TensorBatches)
        assert abs(on.score(X, y) - off.score(X, y)) < 0.05
        # the DataLoader path is seeded too
        again = make_mlp(max_epochs=4, data_on_device=False).fit(X, y)
        assert_array_equal(again.class_components_, off.class_components_)


class TestSeeding:
    def test_same_seed_same_net_and_global_rng_untouched(self, digits):
        X, y = digits
        torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
        a = make_mlp(max_epochs=2, module__dropout=0.2, random_state=3).fit(X, y)
        b = make_mlp(max_epochs=2, module__dropout=0.2, random_state=3).fit(X, y)
        assert torch.equal(torch.get_rng_state(), torch_state)
        assert_array_equal(np.random.get_state()[1], np_state)
        assert_array_equal(a.class_components_, b.class_components_)
        assert_array_equal(a.transform(X), b.transform(X))
        c = make_mlp(max_epochs=2, module__dropout=0.2, random_state=4).fit(X, y)
        assert not np.array_equal(a.class_components_, c.class_components_)

    def test_partial_fit_continues_with_new_batches(self, digits):
        X, y = digits
        net = make_mlp(max_epochs=1).fit(X, y)
        before = net.class_components_
        net.partial_fit(X, y)
        assert len(net.history) == 2
        assert not np.array_equal(before, net.class_components_)
        twice = make_mlp(max_epochs=1).fit(X, y).partial_fit(X, y)
        assert_array_equal(twice.class_components_, net.class_components_)


class TestTrainingOptions:
    def test_net_learns_digits(self, digits):
        X, y = digits
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
        net = make_mlp(max_epochs=40, module__hidden=(64,)).fit(X_train, y_train)
        assert net.score(X_test, y_test) > 0.95
        losses = net.history[:, "train_loss"]
        assert losses[-1] < 0.5 * losses[0]

    @pytest.mark.parametrize("class_weight", ["balanced", "dict", "array"])
    def test_class_weight_reaches_the_criterion(self, class_weight, digits):
        X, y = digits
        X, y = X[:300], y[:300]
        expected = compute_class_weight("balanced", classes=np.arange(10), y=y)
        param = {
            "balanced": "balanced",
            "dict": dict(enumerate(expected)),
            "array": expected,
        }[class_weight]
        net = make_mlp(max_epochs=1, class_weight=param).fit(X, y)
        assert_allclose(net.criterion_.weight.numpy(), expected, rtol=1e-6)

    def test_class_weight_errors(self, digits):
        X, y = digits
        with pytest.raises(ValueError, match="one weight per class"):
            make_mlp(max_epochs=1, class_weight=[1.0, 2.0]).fit(X, y)
        with pytest.raises(ValueError, match="not both"):
            make_mlp(max_epochs=1, class_weight="balanced", criterion__weight=torch.ones(10)).fit(
                X, y
            )

    @pytest.mark.parametrize("steps, expected", [(2, 0.01 * 0.5**2), ([1, 3], 0.01 * 0.25)])
    def test_lr_schedule(self, steps, expected, digits):
        X, y = digits
        net = make_mlp(max_epochs=5, lr_step_epochs=steps, lr_gamma=0.5).fit(X[:200], y[:200])
        assert net.optimizer_.param_groups[0]["lr"] == pytest.approx(expected)
        assert "lr_schedule" in dict(net.callbacks_)

    def test_internal_validation_scores_labels(self, digits):
        X, y = digits
        names = np.array(list("abcdefghij"))[y]
        net = make_mlp(max_epochs=4, train_split=ValidSplit(5, stratified=True))
        net.fit(X, names)
        assert net.history[-1, "valid_acc"] > 0.8

    def test_verbose_switches_the_log(self, digits, capsys):
        X, y = digits
        make_mlp(max_epochs=1).fit(X[:100], y[:100])
        assert capsys.readouterr().out == ""
        make_mlp(max_epochs=1, verbose=1).fit(X[:100], y[:100])
        assert "train_loss" in capsys.readouterr().out

    def test_augment_only_in_training(self, digits):
        X, y = digits
        calls = []

        def record(x):
            calls.append(len(x))
            return x

        net = make_mlp(max_epochs=2, batch_size=100, augment=record).fit(X[:250], y[:250])
        assert calls == [100, 100, 50] * 2
        net.transform(X[:10])
        net.predict(X[:10])
        assert len(calls) == 6

    @pytest.mark.parametrize("precision", ["bf16", "bf16-mixed"])
    def test_bf16_autocast_on_cpu(self, precision, digits):
        X, y = digits
        net = make_mlp(max_epochs=3, precision=precision).fit(X, y)
        assert net.score(X, y) > 0.8
        F = net.transform(X[:100])
        assert F.dtype == np.float32
        if precision == "bf16-mixed":  # inference stays fp32
            assert_allclose(F, _manual_features(net, X[:100]), rtol=1e-5, atol=1e-6)
        else:
            assert_allclose(F, _manual_features(net, X[:100]), rtol=0.05, atol=0.05)

    def test_channels_last_cnn(self, sensor_stack):
        X, y = sensor_stack
        net = SensorNetClassifier(
            SHLConvNet, module__n_classes=3, max_epochs=2, channels_last=True, random_state=0
        ).fit(X[:, :1], y)
        assert net.module_.conv[0].weight.is_contiguous(memory_format=torch.channels_last)
        module = net.module_.eval()
        with torch.no_grad():
            expected = module.features(torch.as_tensor(X[:, :1], dtype=torch.float32))
        assert_allclose(net.transform(X[:, :1]), expected.numpy(), rtol=1e-4, atol=1e-5)

    def test_device_auto_is_resolved(self):
        expected = "cuda" if torch.cuda.is_available() else "cpu"
        assert make_mlp(device="auto").device == expected
        assert make_mlp().set_params(device="auto").device == expected

    def test_recipes_build_nets(self, sensor_stack):
        X, y = sensor_stack
        params = training_recipe("shl") | {"max_epochs": 1, "class_weight": "balanced"}
        net = SensorNetClassifier(SHLConvNet, module__n_classes=3, **params).fit(X[:, :1], y)
        assert net.optimizer_.param_groups[0]["weight_decay"] == 1e-3
        assert isinstance(net.optimizer_, torch.optim.Adam)
        with pytest.raises(ValueError, match="Unknown recipe"):
            training_recipe("imagenet")


class TestSklearnContract:
    def test_clone_keeps_params_and_drops_fit(self, fitted_mlp):
        twin = clone(fitted_mlp)
        assert not twin.initialized_
        params = twin.get_params(deep=False)
        for key in ("random_state", "precision", "class_weight", "module__hidden"):
            assert params[key] == fitted_mlp.get_params(deep=False)[key]

    def test_pickle_round_trip(self, fitted_mlp, digits):
        X, _ = digits
        loaded = pickle.loads(pickle.dumps(fitted_mlp))
        assert_array_equal(loaded.transform(X), fitted_mlp.transform(X))
        assert_array_equal(loaded.class_components_, fitted_mlp.class_components_)

    @pytest.mark.skipif(torch.cuda.is_available(), reason="TestCUDA covers it with CUDA")
    def test_net_placed_on_cuda_unpickles_without_cuda(self, digits):
        """What a pickle made on a GPU machine holds: device="cuda" (skorch maps it)."""
        X, y = digits
        net = make_mlp(max_epochs=1).fit(X, y)
        F = net.transform(X[:10])
        net.device = "cuda"  # as if trained there; the tensors are mapped at load time
        with pytest.warns(UserWarning, match="(?i)cuda"):
            loaded = pickle.loads(pickle.dumps(net))
        assert torch.device(loaded.device).type == "cpu"
        assert_array_equal(loaded.transform(X[:10]), F)
        loaded.set_params(max_epochs=1).fit(X[:100], y[:100])  # and trains on the CPU

    def test_grid_search_over_module_and_epochs(self, digits):
        X, y = digits
        grid = GridSearchCV(
            make_mlp(),
            {"module__hidden": [(8,), (24,)], "max_epochs": [1, 3]},
            cv=2,
        ).fit(X, y)
        assert grid.best_params_ == {"module__hidden": (24,), "max_epochs": 3}
        assert grid.best_estimator_.transform(X[:3]).shape == (3, 24)

    def test_in_pipelines_as_classifier_and_as_transformer(self, fitted_mlp, digits):
        X, y = digits
        pipe = Pipeline([("net", make_mlp(max_epochs=3))]).fit(X, y)
        assert pipe.score(X, y) > 0.8
        head = Pipeline(
            [("features", FrozenEstimator(fitted_mlp)), ("clf", RidgeClassifier())]
        ).fit(X, y)
        assert head.score(X, y) > 0.9


@requires_cuda
class TestCUDA:
    def test_cuda_training_and_cpu_unpickling(self, digits, monkeypatch):
        X, y = digits
        net = make_mlp(device="cuda", max_epochs=2).fit(X, y)
        assert net.module_.classifier.weight.is_cuda
        F = net.transform(X)
        blob = pickle.dumps(net)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        with pytest.warns(UserWarning, match="(?i)cuda"):
            loaded = pickle.loads(blob)
        assert torch.device(loaded.device).type == "cpu"
        assert not loaded.module_.classifier.weight.is_cuda
        assert_allclose(loaded.transform(X), F, rtol=1e-4, atol=1e-4)

    def test_auto_precision_and_channels_last_on_cuda(self, sensor_stack):
        X, y = sensor_stack
        net = SensorNetClassifier(
            SHLConvNet,
            module__n_classes=3,
            max_epochs=2,
            device="auto",
            random_state=0,
            batch_size=512,
        ).fit(X[:, :1], y)
        assert net.module_.conv[0].weight.is_contiguous(memory_format=torch.channels_last)
        assert net._amp() == (True, False)
        small = SensorNetClassifier(SHLConvNet, module__n_classes=3, device="auto", batch_size=64)
        small.initialize()
        assert not small.module_.conv[0].weight.is_contiguous(memory_format=torch.channels_last)
        assert small._amp() == (False, False)  # launch-bound steps train in fp32
        F = net.transform(X[:, :1])
        assert F.dtype == np.float32 and np.isfinite(F).all()


def test_compiled_module_keeps_the_convention(digits):
    """``compile=True`` wraps ``module_``; features, layer and pickling see through it."""
    X, y = digits
    net = make_mlp(max_epochs=1, compile=True, compile__backend="eager").fit(X, y)
    assert type(net.module_).__name__ == "OptimizedModule"
    layer = net.module_._orig_mod.classifier
    assert_array_equal(net.class_components_, layer.weight.detach().numpy())
    F = net.transform(X[:20])
    logits = F @ net.class_components_.T + net.class_bias_
    assert_allclose(net.decision_function(X[:20]), logits, rtol=1e-5, atol=1e-5)


def test_ctrl_c_stops_training_instead_of_keeping_a_half_trained_net():
    """skorch ends ``fit`` quietly on KeyboardInterrupt; ours passes it on."""
    from skorch.callbacks import Callback

    class Interrupt(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    X = np.random.default_rng(0).random((40, 8), dtype=np.float32)
    net = make_mlp(module__n_features=8, max_epochs=5, callbacks=[Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, np.arange(40) % 10)
    assert len(net.history) == 2


@pytest.mark.parametrize("rows", ["X", "y"])
def test_no_samples_is_named_not_blamed_on_the_classes(rows):
    X = np.zeros((0 if rows == "X" else 4, 64), dtype=np.float32)
    y = np.zeros(0 if rows == "y" else 4, dtype=np.int64)
    for method in ("fit", "partial_fit"):
        with pytest.raises(ValueError, match=f"got no samples: {rows} has 0 rows") as error:
            getattr(make_mlp(max_epochs=1), method)(X, y)
        assert "n_classes" not in str(error.value)


def test_an_input_the_module_cannot_take_is_named_with_its_shape():
    net = SensorNetClassifier(PlainModule, max_epochs=1, random_state=0)
    wide, y = np.zeros((6, 7), np.float32), np.arange(6) % 2
    with pytest.raises(ValueError, match=r"PlainModule cannot run on a batch of shape \(6, 7\)"):
        net.fit(wide, y)
    net.fit(np.zeros((6, 4), np.float32), y)
    for method in ("transform", "predict", "predict_proba", "decision_function"):
        with pytest.raises(ValueError, match=r"batch of shape \(6, 7\) .*: mat1 and mat2"):
            getattr(net, method)(wide)
