"""The study on networks trained elsewhere: a features file, torch modules, no training."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from sklearn_ccafusion.cli import main
from sklearn_ccafusion.runs import (
    _networks,
    load_features_file,
    load_study_file,
    run_study,
    write_features_file,
)
from sklearn_ccafusion.study import NetworkFeatures

FAST = ["--quick", "--quiet", "--repeats", "1", "--n-jobs", "1"]
TABLES = ("results", "cross_sensor", "fusion", "alignment", "bands")


def _no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a network was trained")

    monkeypatch.setattr(_networks, "_fit_group", refuse)


def _stages(report: str) -> list[str]:
    section = report.split("## Time by stage", 1)[1]
    return [line[2:].split(":")[0] for line in section.splitlines() if line.startswith("- ")]


def test_mlp_classifiers_trained_outside_give_their_own_accuracy(tmp_path, monkeypatch):
    """Two sensors (digits' image halves), two scikit-learn MLPs each, exported by hand."""
    digits = load_digits()
    X, y = digits.images[:900] / 16.0, digits.target[:900]
    halves = {"left": X[:, :, :4].reshape(900, -1), "right": X[:, :, 4:].reshape(900, -1)}
    train, validation = np.arange(900) < 600, np.arange(900) >= 600
    arrays = {"y_train": y[train], "y_validation": y[validation]}
    accuracy = {}
    for sensor, inputs in halves.items():
        for k in range(2):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                mlp = MLPClassifier((24,), max_iter=150, random_state=k).fit(
                    inputs[train], y[train]
                )

            def hidden(rows, mlp=mlp):
                return np.maximum(rows @ mlp.coefs_[0] + mlp.intercepts_[0], 0.0)

            arrays[f"{sensor}.{k}.train"] = hidden(inputs[train])
            arrays[f"{sensor}.{k}.validation"] = hidden(inputs[validation])
            arrays[f"{sensor}.{k}.coef"] = mlp.coefs_[1].T
            arrays[f"{sensor}.{k}.intercept"] = mlp.intercepts_[1]
            accuracy[sensor, k] = mlp.score(inputs[validation], y[validation])
    path = tmp_path / "mlps.npz"
    np.savez(path, **arrays)
    out = tmp_path / "out"
    _no_training(monkeypatch)
    assert main(["study", "--features", str(path), "--out", str(out), *FAST]) == 0
    results = pd.read_csv(out / "results.csv")
    for sensor in halves:
        rows = results[(results["sensor"] == sensor) & (results["head"] == "original")]
        full = rows[(rows["method"] == "cca_highest") & (rows["n"] == 24)]["score"]
        assert full.tolist() == [accuracy[sensor, 0]]  # network 0 is the projected one
    report = (out / "report.md").read_text()
    assert report.lower().count("no network was trained") == 1 and "mlps.npz" in report
    assert "Training settings" not in report  # nothing was trained: no recipe to state
    assert "networks" not in _stages(report)
    assert f"{accuracy['left', 0]:.3f}" in report  # the full-feature score, as reported
    for name in ("figure4_subspace.png", "figure5_cross_sensor.png", "fusion.png"):
        assert (out / name).exists()


def _class_features(y, width, seed, noise=0.5):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, width)) * 2
    return centres[y] + noise * rng.normal(size=(len(y), width))


def test_three_sensor_file_gives_every_sensor_pair(tmp_path, monkeypatch):
    y_train, y_validation = np.arange(150) % 3, np.arange(60) % 3
    arrays = {"y_train": y_train, "y_validation": y_validation}
    for s_index, (sensor, width) in enumerate((("acc", 6), ("gyr", 5), ("mag", 4))):
        for k in range(2):
            seed = 10 * s_index + k
            arrays[f"{sensor}.{k}.train"] = _class_features(y_train, width, seed)
            arrays[f"{sensor}.{k}.validation"] = _class_features(y_validation, width, seed)
            arrays[f"{sensor}.{k}.coef"] = np.random.default_rng(seed).normal(size=(3, width))
            arrays[f"{sensor}.{k}.intercept"] = np.zeros(3)
    np.savez(tmp_path / "three.npz", **arrays)
    out = tmp_path / "out"
    _no_training(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small samples: the study's own caveats
        assert (
            main(["study", "--features", str(tmp_path / "three.npz"), "--out", str(out), *FAST])
            == 0
        )
    sensors = {"acc", "gyr", "mag"}
    cross = pd.read_csv(out / "cross_sensor.csv")
    assert set(zip(cross["sensor"], cross["partner"])) == {(a, b) for a in sensors for b in sensors}
    fusion = pd.read_csv(out / "fusion.csv")
    pairs = {frozenset(pair) for pair in zip(fusion["view_1"], fusion["view_2"])}
    assert pairs == {frozenset(p) for p in (("acc", "gyr"), ("acc", "mag"), ("gyr", "mag"))}
    alignment = pd.read_csv(out / "alignment.csv")
    assert len(set(zip(alignment["sensor"], alignment["partner"]))) == 6


def _recordings(n=180, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 3, n)
    return {
        "y": np.array(["sit", "walk", "run"])[codes],
        "table": rng.normal(size=(3, 12))[codes] * 2 + rng.normal(size=(n, 12)),
        "other": rng.normal(size=(3, 8))[codes] * 2 + rng.normal(size=(n, 8)),
    }


def _tables(out):
    return {name: pd.read_csv(out / f"{name}.csv") for name in TABLES}


def _small_net(sensor, seed, device):
    from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier

    width = {"table": 12, "other": 8}[sensor]
    return SensorNetClassifier(
        MLPNet,
        module__n_features=width,
        module__n_classes=3,
        module__hidden=(8,),
        max_epochs=3,
        device=device,
        random_state=seed,
    )


def test_every_run_writes_features_that_rerun_the_same_study(tmp_path, monkeypatch):
    np.savez(tmp_path / "mine.npz", **_recordings())
    data = replace(load_study_file(tmp_path / "mine.npz", quick=True), make_net=_small_net)
    trained = tmp_path / "trained"
    run_study(data, out=trained, pairs=1, repeats=1, n_jobs=1, seed=3, quick=True, progress=False)
    assert (trained / "features.npz").exists()
    _no_training(monkeypatch)
    again = tmp_path / "again"
    command = ["study", "--features", str(trained / "features.npz"), "--out", str(again)]
    assert main([*command, *FAST, "--seed", "3"]) == 0
    first, second = _tables(trained), _tables(again)
    for name in TABLES:  # the same features, settings and seeds: the same numbers
        pd.testing.assert_frame_equal(first[name], second[name], check_exact=False, rtol=1e-12)
    settings = json.loads((again / "settings.json").read_text())
    assert settings["metric"] == "accuracy" and settings["pairs"] == 1
    assert "networks" in _stages((trained / "report.md").read_text())
    assert "networks" not in _stages((again / "report.md").read_text())


def test_run_study_takes_trained_torch_modules(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    np.savez(tmp_path / "mine.npz", **_recordings(seed=1))
    data = load_study_file(tmp_path / "mine.npz", quick=True)
    torch.manual_seed(0)
    modules = {
        sensor: [
            torch.nn.Sequential(torch.nn.Linear(width, 10), torch.nn.ReLU(), torch.nn.Linear(10, 3))
            for _ in range(4)
        ]
        for sensor, width in (("table", 12), ("other", 8))
    }
    _no_training(monkeypatch)
    options = {"quick": True, "repeats": 1, "n_jobs": 1, "progress": False}
    run = run_study(data, networks=modules, out=tmp_path / "modules", pairs=1, **options)
    assert len(run.networks["table"]) == 2  # pair 0: networks 0 and 2
    expected = NetworkFeatures.from_module(
        modules["other"][2],
        data.inputs_train["other"],
        data.inputs_validation["other"],
        classes=data.classes,
    )
    np.testing.assert_array_equal(run.networks["other"][1].train, expected.train)
    assert run.networks["other"][1].classes.tolist() == data.classes.tolist()
    assert "networks" not in run.timings
    report = (tmp_path / "modules" / "report.md").read_text()
    assert report.lower().count("no network was trained") == 1


@pytest.mark.parametrize(
    "networks, match",
    [
        (lambda nets: {"table": nets["table"]}, "map each sensor"),
        (lambda nets: {**nets, "table": nets["table"][:3]}, "same even number"),
        (lambda nets: {**nets, "other": ["a net"] * 4}, "is a str"),
        (
            lambda nets: {
                **nets,
                "table": [
                    NetworkFeatures(n.train[:-1], n.validation, n.coef, n.intercept, n.classes)
                    for n in nets["table"]
                ],
            },
            "training and",
        ),
        (
            lambda nets: {
                **nets,
                "table": [
                    NetworkFeatures(n.train, n.validation, n.coef, n.intercept)
                    for n in nets["table"]
                ],
            },
            "classes",
        ),
    ],
)
def test_given_networks_are_checked(tmp_path, networks, match):
    np.savez(tmp_path / "mine.npz", **_recordings(seed=2))
    data = load_study_file(tmp_path / "mine.npz", quick=True)
    rng = np.random.default_rng(0)
    nets = {
        sensor: [
            NetworkFeatures(
                rng.normal(size=(len(data.y_train), 4)),
                rng.normal(size=(len(data.y_validation), 4)),
                rng.normal(size=(3, 4)),
                np.zeros(3),
                data.classes,
            )
            for _ in range(4)
        ]
        for sensor in data.sensors
    }
    with pytest.raises((ValueError, TypeError), match=match):
        run_study(data, networks=networks(nets), out=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()
    features = tmp_path / "f.npz"
    write_features_file(features, nets, data.y_train, data.y_validation)
    with pytest.raises(ValueError, match="builds no network"):
        run_study(load_features_file(features)[0], out=tmp_path / "out", progress=False)
    with pytest.raises(ValueError, match="pairs=3"):
        run_study(data, networks=nets, pairs=3, out=tmp_path / "out", progress=False)


def test_fitted_sensor_nets_are_read_on_their_sensor(tmp_path):
    pytest.importorskip("torch")
    from sklearn.frozen import FrozenEstimator

    from sklearn_ccafusion.runs._given_networks import given_networks

    np.savez(tmp_path / "mine.npz", **_recordings(seed=3))
    data = load_study_file(tmp_path / "mine.npz", quick=True)
    codes = np.searchsorted(data.classes, data.y_train)
    nets = {
        sensor: [
            _small_net(sensor, seed, "cpu").fit(data.inputs_train[sensor], data.classes[codes])
            for seed in range(2)
        ]
        for sensor in data.sensors
    }
    nets["other"][1] = FrozenEstimator(nets["other"][1])
    features, pairs = given_networks(data, nets, None)
    assert pairs == 1
    expected = nets["table"][0].transform(data.inputs_validation["table"])
    np.testing.assert_array_equal(features["table"][0].validation, expected)
    assert features["other"][1].classes.tolist() == data.classes.tolist()


def test_given_networks_with_bytes_labels_take_the_data_sets_names():
    from sklearn_ccafusion.runs import StudyData
    from sklearn_ccafusion.runs._given_networks import given_networks
    from sklearn_ccafusion.study import NetworkFeatures

    rng = np.random.default_rng(0)
    layer = {"coef": rng.normal(size=(2, 3)), "intercept": np.zeros(2)}
    net = NetworkFeatures(
        rng.normal(size=(6, 3)), rng.normal(size=(4, 3)), **layer, classes=np.array([b"a", b"b"])
    )
    data = StudyData(
        name="x",
        inputs_train={"s": np.zeros((6, 0))},
        inputs_validation={"s": np.zeros((4, 0))},
        y_train=np.array([b"a", b"b"] * 3),
        y_validation=np.array([b"a", b"b"] * 2),
        classes=np.array([b"a", b"b"]),
        metric="accuracy",
        make_net=None,
        net_settings={},
    )
    networks, pairs = given_networks(data, {"s": [net, net]}, None)
    assert pairs == 1
    assert [n.classes.tolist() for n in networks["s"]] == [["a", "b"], ["a", "b"]]
    with pytest.raises(ValueError, match=r"layer has classes \[b'a', b'c'\]"):
        other = NetworkFeatures(net.train, net.validation, **layer, classes=np.array([b"a", b"c"]))
        given_networks(data, {"s": [other, other]}, None)
