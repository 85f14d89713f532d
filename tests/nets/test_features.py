"""NetFeatures: several nets, each on its input, features stacked as views."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_ccafusion.nets import MLPNet, NetFeatures, SensorNetClassifier, SHLConvNet
from sklearn_ccafusion.nets._features import _features as _features_module
from sklearn_ccafusion.utils._views import resolve_view_sizes
from tests.nets._helpers import FLOAT32_TRAINING, make_mlp


def _half_net(**params):
    return make_mlp(
        **{"module__n_features": 32, "module__hidden": (16,), "max_epochs": 3, **params}
    )


@pytest.fixture(scope="module")
def two_sensor(digits_halves):
    """NetFeatures fitted on the two halves of the digits; do not refit it."""
    X, y = digits_halves
    feats = NetFeatures(
        [("left", _half_net()), ("right", _half_net(module__hidden=(8,)))],
        inputs={"left": slice(0, 32), "right": list(range(32, 64))},
    )
    return feats.fit(X, y)


class TestStacking:
    def test_features_are_each_nets_transform(self, two_sensor, digits_halves):
        X, _ = digits_halves
        F = two_sensor.transform(X)
        assert F.shape == (len(X), 24) and F.dtype == np.float32
        assert two_sensor.view_sizes_ == (16, 8)
        left, right = two_sensor.named_nets_.left, two_sensor.named_nets_.right
        assert_array_equal(F[:, :16], left.transform(X[:, :32]))
        assert_array_equal(F[:, 16:], right.transform(X[:, 32:]))
        assert two_sensor.n_features_in_ == 64

    def test_nets_are_clones_trained_on_their_input(self, two_sensor, digits_halves):
        X, y = digits_halves
        template = two_sensor.named_nets.left
        assert not template.initialized_  # the given nets stay untouched
        left = two_sensor.named_nets_.left
        assert left.module_.n_features == 32
        reference = _half_net().fit(X[:, :32], y)
        assert_array_equal(left.class_components_, reference.class_components_)

    def test_feature_names_and_pandas_output(self, two_sensor, digits_halves):
        X, _ = digits_halves
        names = two_sensor.get_feature_names_out()
        assert names[:2].tolist() == ["left__f0", "left__f1"]
        assert names[16:18].tolist() == ["right__f0", "right__f1"]
        out = copy.deepcopy(two_sensor).set_output(transform="pandas").transform(X[:5])
        assert isinstance(out, pd.DataFrame) and list(out.columns) == names.tolist()
        # the views contract reads the views back from the names
        assert resolve_view_sizes(None, out.shape[1], feature_names=out.columns) == (16, 8)

    def test_same_sensor_different_seeds(self, digits):
        X, y = digits
        feats = NetFeatures([("a", make_mlp(random_state=0)), ("b", make_mlp(random_state=1))])
        F = feats.fit_transform(X, y)
        assert feats.view_sizes_ == (32, 32)
        assert not np.allclose(F[:, :32], F[:, 32:])
        # NetFeatures trains same-architecture nets jointly (one vectorised model): each
        # net equals its lone same-seed fit up to float32 rounding, which eight epochs
        # amplify to about 1e-6 of features of order 1; the bits may differ by CPU.
        alone = make_mlp(random_state=0).fit(X, y).transform(X)
        assert_allclose(F[:, :32], alone, **FLOAT32_TRAINING)

    def test_channel_selection_of_stacked_sensors(self, sensor_stack):
        X, y = sensor_stack

        def shl():
            return SensorNetClassifier(
                SHLConvNet, module__n_classes=3, max_epochs=1, random_state=0
            )

        feats = NetFeatures([("acc", shl()), ("gyr", shl())], inputs={"acc": 0, "gyr": [1]})
        F = feats.fit_transform(X, y)
        assert F.shape == (len(X), 256) and feats.view_sizes_ == (128, 128)
        assert_array_equal(F[:, 128:], feats.named_nets_.gyr.transform(X[:, 1:2]))

    def test_dataframe_columns_by_name(self, digits_halves):
        X, y = digits_halves
        frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
        feats = NetFeatures(
            [("left", _half_net()), ("right", _half_net())],
            inputs=[[f"px{i}" for i in range(32)], [f"px{i}" for i in range(32, 64)]],
        )
        F = feats.fit_transform(frame, y)
        alone = _half_net().fit(X[:, :32], y).transform(X[:, :32])
        assert_allclose(F[:, :16], alone, **FLOAT32_TRAINING)


class TestErrors:
    @pytest.mark.parametrize(
        "inputs, match",
        [
            ({"left": 0}, r"missing \['right'\]"),
            ({"left": 0, "right": 1, "extra": 2}, r"unknown \['extra'\]"),
            ([0, 1, 2], "inputs has 3 entries but there are 2 nets"),
            ({"left": slice(0, 32), "right": [99]}, r"selects indices \[99\]"),
            ("left", "inputs must be None, a dict or a list"),
        ],
    )
    def test_inputs_that_do_not_match_the_nets(self, inputs, match, digits_halves):
        X, y = digits_halves
        feats = NetFeatures([("left", _half_net()), ("right", _half_net())], inputs=inputs)
        with pytest.raises((ValueError, TypeError), match=match):
            feats.fit(X, y)

    def test_bad_nets(self, digits):
        X, y = digits
        with pytest.raises(ValueError, match="list of \\(name, net\\) tuples"):
            NetFeatures([make_mlp()]).fit(X, y)
        with pytest.raises(ValueError, match="unique"):
            NetFeatures([("a", make_mlp()), ("a", make_mlp())]).fit(X, y)
        with pytest.raises(TypeError, match="fit and transform"):
            NetFeatures([("a", RidgeClassifier())]).fit(X, y)

    def test_transform_before_fit(self, digits):
        X, _ = digits
        feats = NetFeatures([("a", make_mlp())])
        with pytest.raises(NotFittedError):
            feats.transform(X)
        with pytest.raises(NotFittedError):
            feats.get_feature_names_out()

    def test_wrong_input_shape_names_the_net(self, sensor_stack):
        X, y = sensor_stack
        net = SensorNetClassifier(SHLConvNet, module__n_classes=3, max_epochs=1)
        with pytest.raises(ValueError, match=r"\(n, 1, 48, 48\).*\(48, 2, 48, 48\)"):
            NetFeatures([("acc", net)]).fit(X, y)


class TestComposition:
    def test_params_reach_the_nets(self):
        feats = NetFeatures([("a", make_mlp()), ("b", make_mlp())])
        params = feats.get_params()
        assert params["a__max_epochs"] == 8 and "b__module__hidden" in params
        feats.set_params(a__max_epochs=2, b__module__hidden=(4,))
        assert feats.named_nets.a.max_epochs == 2
        assert feats.named_nets.b.module__hidden == (4,)

    def test_grid_search_in_a_pipeline(self, digits_halves):
        X, y = digits_halves
        pipe = Pipeline(
            [
                (
                    "feat",
                    NetFeatures(
                        [("left", _half_net()), ("right", _half_net())],
                        inputs=[slice(0, 32), slice(32, 64)],
                    ),
                ),
                ("clf", RidgeClassifier()),
            ]
        )
        grid = GridSearchCV(
            pipe,
            {"feat__left__max_epochs": [1, 4], "feat__right__module__hidden": [(4,), (16,)]},
            cv=2,
        ).fit(X, y)
        assert grid.best_params_["feat__left__max_epochs"] == 4
        assert grid.best_score_ > 0.85
        assert grid.best_estimator_["feat"].view_sizes_[1] in (4, 16)

    def test_frozen_prefit_nets_are_not_retrained(self, fitted_mlp, digits):
        X, y = digits
        feats = NetFeatures([("a", FrozenEstimator(fitted_mlp)), ("b", make_mlp(max_epochs=1))])
        F = feats.fit_transform(X[:100], y[:100])
        assert feats.named_nets_.a.estimator is fitted_mlp
        assert_array_equal(F[:, :32], fitted_mlp.transform(X[:100]))
        assert len(fitted_mlp.history) == 8

    def test_clone_and_pickle(self, two_sensor, digits_halves):
        X, _ = digits_halves
        twin = clone(two_sensor)
        assert not hasattr(twin, "nets_")
        assert twin.get_params()["left__max_epochs"] == 3
        loaded = pickle.loads(pickle.dumps(two_sensor))
        assert_array_equal(loaded.transform(X), two_sensor.transform(X))


class TestPersistence:
    def test_save_and_load(self, two_sensor, digits_halves, tmp_path):
        X, _ = digits_halves
        two_sensor.save(tmp_path / "nets")
        assert {p.name for p in (tmp_path / "nets").iterdir()} == {
            "left.pt",
            "right.pt",
            "manifest.json",
        }
        loaded = NetFeatures.load(tmp_path / "nets", nets=two_sensor.nets)
        assert loaded.view_sizes_ == (16, 8) and loaded.n_features_in_ == 64
        assert_array_equal(loaded.transform(X), two_sensor.transform(X))
        for name in ("left", "right"):
            net, original = loaded.named_nets_[name].estimator, two_sensor.named_nets_[name]
            assert_array_equal(net.class_components_, original.class_components_)
            assert_array_equal(net.class_bias_, original.class_bias_)
            assert_array_equal(net.classes_, original.classes_)
            assert net.history[:, "train_loss"] == original.history[:, "train_loss"]
        assert isinstance(loaded.named_nets.left, FrozenEstimator)
        # refitting a loaded NetFeatures does not retrain its nets
        refit = loaded.fit(X, np.zeros(len(X)))
        assert_array_equal(refit.transform(X[:5]), two_sensor.transform(X[:5]))
        assert loaded.inputs["left"] == slice(0, 32) and loaded.inputs["right"] == list(
            range(32, 64)
        )

    def test_cache_dir_reuses_trained_nets(self, digits, tmp_path, monkeypatch):
        X, y = digits
        trained = []
        real_fit_jointly = _features_module.fit_jointly

        def counting_fit_jointly(nets, inputs, y):
            trained.extend(nets)
            return real_fit_jointly(nets, inputs, y)

        monkeypatch.setattr(_features_module, "fit_jointly", counting_fit_jointly)
        feats = NetFeatures([("a", make_mlp(max_epochs=2))], cache_dir=tmp_path)
        F = feats.fit_transform(X, y)
        files = sorted(tmp_path.glob("a-*.pt"))
        assert len(files) == 1 and len(trained) == 1
        stamp = files[0].stat().st_mtime_ns
        again = clone(feats).fit(X, y)
        assert files[0].stat().st_mtime_ns == stamp
        assert_array_equal(again.transform(X), F)
        assert len(again.named_nets_.a.history) == 2  # restored, not retrained
        # a progress bar or a verbose log does not change the net: still no training
        clone(feats).set_params(a__progress=True, a__verbose=1).fit(X, y)
        assert len(trained) == 1 and len(list(tmp_path.glob("a-*.pt"))) == 1
        # another parameter, or other data, is another entry
        clone(feats).set_params(a__max_epochs=1).fit(X, y)
        clone(feats).fit(X[:500], y[:500])
        assert len(list(tmp_path.glob("a-*.pt"))) == 3

    @pytest.mark.parametrize(
        "damage",
        [
            lambda path: path.write_bytes(path.read_bytes()[:100]),  # truncated
            lambda path: path.write_bytes(b"not a torch file"),
        ],
    )
    def test_damaged_cache_entry_is_retrained(self, digits, tmp_path, damage):
        X, y = digits[0][:300], digits[1][:300]
        feats = NetFeatures([("a", make_mlp(max_epochs=2))], cache_dir=tmp_path)
        F = feats.fit_transform(X, y)
        (path,) = tmp_path.glob("a-*.pt")
        damage(path)
        message = rf"{path.name} fails its checksum.*trained again"
        with pytest.warns(UserWarning, match=message):
            again = clone(feats).fit(X, y)
        assert_array_equal(again.transform(X), F)  # same seed, trained again
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the file was replaced: read without a word
            assert_array_equal(clone(feats).fit(X, y).transform(X), F)

    def test_mlp_module_params_survive_set_params(self):
        net = SensorNetClassifier(MLPNet, module__n_features=4, module__n_classes=2)
        feats = NetFeatures([("x", net)]).set_params(x__module__hidden=3)
        assert feats.named_nets.x.module__hidden == 3


class TestNamesAsFiles:
    @pytest.mark.parametrize("names", [("../../x", "/abs/y"), ("Left", "left"), ("CON", "..")])
    def test_nets_named_anything_are_saved_inside_the_folder(
        self, names, digits_halves, tmp_path
    ):
        X, y = digits_halves
        nets = [(names[0], _half_net(max_epochs=1)), (names[1], _half_net(max_epochs=1))]
        inputs = {names[0]: slice(0, 32), names[1]: slice(32, 64)}
        feats = NetFeatures(nets, inputs=inputs).fit(X[:200], y[:200])
        folder = tmp_path / "run" / "nets"
        feats.save(folder)
        written = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert len(written) == 3 and all(p.parent == folder for p in written)
        assert len({p.name.casefold() for p in written}) == 3  # apart on any file system
        loaded = NetFeatures.load(folder, nets=nets)
        assert [name for name, _ in loaded.nets_] == list(names)
        assert_array_equal(loaded.transform(X[:20]), feats.transform(X[:20]))

    def test_a_manifest_naming_a_file_outside_is_refused(self, two_sensor, tmp_path):
        import json

        two_sensor.save(tmp_path / "nets")
        manifest = json.loads((tmp_path / "nets" / "manifest.json").read_text())
        manifest["files"]["left"] = "../../elsewhere.pt"
        (tmp_path / "nets" / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(ValueError, match="'../../elsewhere.pt' is not a file name in"):
            NetFeatures.load(tmp_path / "nets", nets=two_sensor.nets)
