"""The study's networks stage: trained once, then read from the cache of trained networks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_ccafusion.nets import MLPNet
from sklearn_ccafusion.runs import StudyData, _networks
from sklearn_ccafusion.runs._networks import network_factory, train_networks
from sklearn_ccafusion.utils._net_cache import write_check
from tests.nets._helpers import FLOAT32_TRAINING

_ARRAYS = ("train", "validation", "coef", "intercept")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    y_train, y_validation = np.arange(60) % 3, np.arange(30) % 3
    inputs = {
        s: (rng.normal(size=(60, 5)) + y_train[:, None], rng.normal(size=(30, 5)))
        for s in ("a", "b")
    }
    recipe = {"max_epochs": 2, "batch_size": 16, "lr": 0.01}
    modules = {s: (MLPNet, {"n_features": 5, "n_classes": 3, "hidden": (4,)}) for s in inputs}
    return StudyData(
        name="toy",
        inputs_train={s: train for s, (train, _) in inputs.items()},
        inputs_validation={s: validation for s, (_, validation) in inputs.items()},
        y_train=y_train,
        y_validation=y_validation,
        classes=np.arange(3),
        metric="accuracy",
        make_net=network_factory(modules, recipe),
        net_settings={"module": "MLPNet", "hidden": 4, **recipe},
    )


@pytest.fixture
def counted(monkeypatch):
    """The networks trained, one entry each, through the stage's one training call."""
    trained = []
    real_fit_group = _networks._fit_group

    def counting_fit_group(nets, X, y, n_jobs=None):
        trained.extend(nets)
        return real_fit_group(nets, X, y, n_jobs=n_jobs)

    monkeypatch.setattr(_networks, "_fit_group", counting_fit_group)
    return trained


def _train(data, folder, progress=False, seed=0):
    return train_networks(data, 1, seed, "cpu", folder, progress, n_jobs=1)


def _assert_same(first, second, **tolerance):
    for sensor in first:
        for one, other in zip(first[sensor], second[sensor]):
            for name in _ARRAYS:
                if tolerance:
                    assert_allclose(getattr(one, name), getattr(other, name), **tolerance)
                else:
                    assert_array_equal(getattr(one, name), getattr(other, name))


def test_cached_networks_are_not_trained_again(data, tmp_path, counted):
    first = _train(data, tmp_path)
    assert len(counted) == 4 and len(list(tmp_path.glob("*.npz"))) == 4  # 2 sensors x 2 nets
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # read without a word
        again = _train(data, tmp_path, progress=True)  # progress does not change a network
    assert len(counted) == 4
    _assert_same(first, again)
    _train(data, tmp_path, seed=1)  # another seed: other networks
    assert len(counted) == 8 and len(list(tmp_path.glob("*.npz"))) == 8


def test_damaged_entry_is_trained_again_with_a_warning_naming_it(data, tmp_path, counted):
    first = _train(data, tmp_path)
    damaged = sorted(tmp_path.glob("b-1-*.npz"))[0]
    damaged.write_bytes(damaged.read_bytes()[:60])
    with pytest.warns(UserWarning, match=rf"{damaged.name}.*trained again"):
        again = _train(data, tmp_path)
    assert len(counted) == 5  # only the damaged one
    # same seed, same network: trained alone now, with its sensor's other network before
    _assert_same(first, again, **FLOAT32_TRAINING)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the file was replaced
        _train(data, tmp_path)
    assert len(counted) == 5


def test_sensor_names_from_data_stay_inside_the_cache(data, tmp_path):
    renamed = {"a": "../../planted", "b": "/any/dir/x"}
    hostile = data.with_changes(
        inputs_train={renamed[s]: a for s, a in data.inputs_train.items()},
        inputs_validation={renamed[s]: a for s, a in data.inputs_validation.items()},
        make_net=lambda sensor, seed, device: data.make_net("a", seed, device),
    )
    cache = tmp_path / "run" / "out" / "cache"
    networks = _train(hostile, cache)
    assert sorted(networks) == sorted(renamed.values())  # the names themselves, as given
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 8 and all(p.parent == cache for p in written)  # files and checksums
    written = [p for p in written if p.suffix == ".npz"]
    assert sorted(p.name.split("-")[0] for p in written) == ["any_dir_x"] * 2 + ["planted"] * 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a.update(train=a["train"][:-1]),  # other sample counts
        lambda a: a.update(coef=a["coef"][:-1], intercept=a["intercept"][:-1]),  # other classes
        lambda a: a.update(coef=a["coef"][:, :-1]),  # inconsistent widths
        lambda a: a["validation"].__setitem__((0, 0), np.nan),
        lambda a: a.update(train=np.full(a["train"].shape, "x")),
    ],
)
def test_a_cache_file_that_reads_but_does_not_fit_is_named_and_trained_again(
    data, tmp_path, counted, damage
):
    first = _train(data, tmp_path)
    damaged = sorted(tmp_path.glob("a-0-*.npz"))[0]
    with np.load(damaged) as stored:
        arrays = {name: stored[name] for name in stored.files}
    damage(arrays)
    np.savez(damaged, **arrays)
    write_check(damaged)  # a whole file as written: only its content does not fit
    with pytest.warns(UserWarning, match=rf"{damaged.name}.*trained again"):
        again = _train(data, tmp_path)
    assert len(counted) == 5  # only the damaged one
    _assert_same(first, again, **FLOAT32_TRAINING)


@pytest.mark.parametrize("part", ["intercept", "coef"])
def test_a_diverged_layer_is_named_and_nothing_is_cached(data, tmp_path, monkeypatch, part):
    real_fit_group = _networks._fit_group

    def diverging_fit_group(nets, X, y, n_jobs=None):
        fitted = real_fit_group(nets, X, y, n_jobs=n_jobs)
        layer = fitted[0].module_.classifier
        with torch.no_grad():
            (layer.bias if part == "intercept" else layer.weight)[1] = float("nan")
        return fitted

    monkeypatch.setattr(_networks, "_fit_group", diverging_fit_group)
    match = f"Network 0 of sensor 'a' diverged: its classification layer's {part} holds NaN"
    with pytest.raises(ValueError, match=match) as error:
        _train(data, tmp_path)
    assert "features" not in str(error.value)
    assert not list(tmp_path.rglob("*.npz"))


def test_a_dead_network_is_named_before_the_study_and_nothing_is_cached(
    data, tmp_path, monkeypatch
):
    real_fit_group = _networks._fit_group

    def dying_fit_group(nets, X, y, n_jobs=None):
        fitted = real_fit_group(nets, X, y, n_jobs=n_jobs)
        hidden = fitted[1].module_.hidden_layers[0]
        with torch.no_grad():  # every unit below zero for every sample: ReLU gives zeros
            hidden.weight.zero_()
            hidden.bias.fill_(-1.0)
        return fitted

    monkeypatch.setattr(_networks, "_fit_group", dying_fit_group)
    match = r"Network 1 of sensor 'a' gives the same features for every training sample"
    with pytest.raises(ValueError, match=match):
        _train(data, tmp_path)
    assert not list(tmp_path.rglob("a-1-*.npz"))
