"""The features file: written, read back, and every hostile file named before any work."""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_ccafusion.cli import main
from sklearn_ccafusion.runs import (
    load_features_file,
    read_features_file,
    write_features_file,
)
from sklearn_ccafusion.study import NetworkFeatures

FAST = ["--quick", "--quiet", "--repeats", "1", "--n-jobs", "1"]
LABELS = np.array(["sit", "walk", "run"])


def _arrays(n_train=60, n_validation=30, sensors=(("acc", 6), ("gyr", 4)), pairs=1, seed=0):
    """A valid file's arrays: string labels, widths that differ between sensors."""
    rng = np.random.default_rng(seed)
    arrays = {
        "y_train": LABELS[np.arange(n_train) % 3],
        "y_validation": LABELS[np.arange(n_validation) % 3],
    }
    for sensor, width in sensors:
        for k in range(2 * pairs):
            arrays[f"{sensor}.{k}.train"] = rng.normal(size=(n_train, width))
            arrays[f"{sensor}.{k}.validation"] = rng.normal(size=(n_validation, width))
            arrays[f"{sensor}.{k}.coef"] = rng.normal(size=(3, width))
            arrays[f"{sensor}.{k}.intercept"] = rng.normal(size=3)
    return arrays


def test_written_file_reads_back_the_same_networks(tmp_path):
    rng = np.random.default_rng(1)
    classes = np.array(["run", "sit", "walk"])
    networks = {
        sensor: [
            NetworkFeatures(
                rng.normal(size=(9, width)).astype(np.float32),
                rng.normal(size=(4, width)).astype(np.float32),
                rng.normal(size=(3, width)),
                rng.normal(size=3),
                classes,
            )
            for _ in range(4)
        ]
        for sensor, width in (("left.wrist", 5), ("right", 2))  # a dot in a sensor name
    }
    y_train, y_validation = LABELS[np.arange(9) % 3].astype(object), LABELS[[0, 1, 2, 0]]
    path = write_features_file(
        tmp_path / "f.npz",
        networks,
        y_train,
        y_validation,
        name="mine",
        metric="f1_macro",
        head_params={"weight_decay": 1e-4, "class_weight": "balanced", "tol": None},
    )
    contents = read_features_file(path)
    assert contents["pairs"] == 2 and list(contents["networks"]) == ["left.wrist", "right"]
    assert contents["classes"].tolist() == classes.tolist()
    assert contents["y_train"].tolist() == y_train.tolist()
    assert (contents["name"], contents["metric"]) == ("mine", "f1_macro")
    assert contents["head_params"] == {"weight_decay": 1e-4, "class_weight": "balanced"}
    for sensor, nets in networks.items():
        for net, read in zip(nets, contents["networks"][sensor]):
            for part in ("train", "validation", "coef", "intercept"):
                assert getattr(read, part).dtype == getattr(net, part).dtype
                np.testing.assert_array_equal(getattr(read, part), getattr(net, part))
    weights = {"sit": 2.0, "run": 0.5}  # a dict of weights: one per class, in order
    again = write_features_file(
        tmp_path / "g.npz", networks, y_train, y_validation, head_params={"class_weight": weights}
    )
    assert read_features_file(again)["head_params"] == {"class_weight": [0.5, 2.0, 1.0]}
    with pytest.raises(TypeError, match="cannot be written"):
        write_features_file(
            tmp_path / "h.npz", networks, y_train, y_validation, head_params={"solver": object()}
        )
    data, _ = load_features_file(path, metric="accuracy")
    assert data.metric == "accuracy" and data.head_params["weight_decay"] == 1e-4
    assert "read from f.npz" in data.description  # where the features came from


def _drop(*keys):
    return lambda a: [a.pop(k) for k in keys]


def _set(key, value):
    return lambda a: a.__setitem__(key, value(a) if callable(value) else value)


def _renumber(sensor, old, new):
    def change(arrays):
        for part in ("train", "validation", "coef", "intercept"):
            arrays[f"{sensor}.{new}.{part}"] = arrays.pop(f"{sensor}.{old}.{part}")

    return change


HOSTILE = [
    (_drop("y_train"), "no array 'y_train'"),
    (_drop("y_validation"), "no array 'y_validation'"),
    (_drop("acc.1.coef"), "no array acc.1.coef"),
    (_drop(*[f"acc.1.{p}" for p in ("train", "validation", "coef", "intercept")]), "odd number"),
    (_renumber("gyr", 1, 3), "numbered 0 to 1, got [0, 3]"),
    (_set("gyr.2.train", np.ones((60, 4))), "no array gyr.2.validation"),
    (_set("acc.0.weights", np.ones(3)), "unknown array 'acc.0.weights'"),
    (_set("extra", np.ones(3)), "unknown array 'extra'"),
    (_set("acc.0.train", lambda a: a["acc.0.train"][:-1]), "acc.0.train has 59 rows"),
    (_set("gyr.1.validation", lambda a: a["gyr.1.validation"][:, :3]), "same width"),
    (_set("acc.1.coef", lambda a: a["acc.1.coef"][:2]), "acc.1.coef has 2 rows but the labels"),
    (_set("acc.0.intercept", np.zeros(4)), "acc.0.intercept must have shape (3,)"),
    (_set("acc.0.train", lambda a: np.where(np.eye(60, 6) > 0, np.nan, 1.0)), "NaN or infinite"),
    (_set("gyr.0.coef", lambda a: np.full((3, 4), np.inf)), "gyr.0.coef holds NaN"),
    (_set("acc.1.train", lambda a: a["acc.1.train"].astype(str)), "not numbers"),
    (_set("acc.0.train", lambda a: a["acc.0.train"][:, 0]), "must be 2-D"),
    (_set("gyr.1.train", lambda a: np.ones_like(a["gyr.1.train"])), "gyr.1.train is the same"),
    (_set("README", np.asarray("notes")), "unknown array 'README'"),
    (_set("y_train", lambda a: a["y_train"][:, None]), "one label per sample"),
    (_set("classes", np.array(["sit", "walk"])), "are not among classes"),
    (_set("classes", np.array(["sit", "sit", "run"])), "distinct labels"),
    (_set("y_validation", np.arange(30) % 3), "of one type"),
    (_set("y_train", np.full(60, "sit")), "single class"),
    (_set("y_train", np.arange(60) % 3 + 0.5), "y_train holds labels that are not whole numbers"),
    (_set("y_validation", np.where(np.arange(30) == 2, np.nan, 1.0)), "1 of its 30, at position 2"),
    (_set("y_train", np.arange(60) % 3 + 0j), "y_train holds complex numbers"),
    (_set("metric", np.asarray("auc")), "metric must be one of"),
    (_set("head.momentum", np.asarray(0.9)), "not a parameter of the retrained head"),
]


@pytest.mark.parametrize("change, match", HOSTILE)
def test_hostile_files_are_named_and_nothing_is_written(tmp_path, capsys, change, match):
    arrays = _arrays()
    change(arrays)
    path = tmp_path / "features.npz"
    np.savez(path, **arrays)
    out = tmp_path / "out"
    assert main(["study", "--features", str(path), "--out", str(out), *FAST]) == 2
    message = capsys.readouterr().err
    assert match in message, message
    assert "Traceback" not in message
    assert not out.exists()


def test_unreadable_files_are_named(tmp_path, capsys):
    out = tmp_path / "out"
    (tmp_path / "text.npz").write_text("not a zip")
    arrays = _arrays()
    arrays["y_train"] = arrays["y_train"].astype(object)
    np.savez(tmp_path / "objects.npz", **arrays)
    for name, match in (
        ("missing.npz", "no such file"),
        ("text.npz", "not an .npz file"),
        ("objects.npz", "object array"),
    ):
        assert main(["study", "--features", str(tmp_path / name), "--out", str(out)]) == 2
        assert match in capsys.readouterr().err
    assert not out.exists()


def test_every_problem_is_listed_at_once(tmp_path):
    arrays = _arrays()
    arrays.pop("y_validation")
    arrays["mystery"] = np.ones(2)
    arrays.pop("gyr.0.coef")
    np.savez(tmp_path / "f.npz", **arrays)
    with pytest.raises(ValueError, match="3 problems") as error:
        read_features_file(tmp_path / "f.npz")
    for part in ("y_validation", "mystery", "gyr.0.coef"):
        assert part in str(error.value)


def test_options_of_training_are_refused_with_features(tmp_path, capsys):
    np.savez(tmp_path / "f.npz", **_arrays())
    args = ["study", "--features", str(tmp_path / "f.npz"), "--out", str(tmp_path / "out")]
    assert main([*args, "--epochs", "3"]) == 2
    assert "--epochs: not an option of study --features" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*args, "--data", str(tmp_path / "f.npz")])  # one source, not both


def test_labels_of_any_type_are_written_with_their_names(tmp_path):
    rng = np.random.default_rng(0)
    days = np.array(["2021-03-01", "2021-03-02"], dtype="datetime64[D]")
    nets = [
        NetworkFeatures(
            rng.normal(size=(6, 3)), rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), np.zeros(2)
        )
        for _ in range(2)
    ]
    path = write_features_file(
        tmp_path / "f.npz", {"acc": nets}, days[[0, 1] * 3], days[[0, 1] * 2], classes=days
    )
    contents = read_features_file(path)
    assert contents["classes"].tolist() == ["2021-03-01", "2021-03-02"]
    assert contents["y_validation"].tolist() == ["2021-03-01", "2021-03-02"] * 2
    with pytest.raises(ValueError, match="y_train has missing labels"):
        write_features_file(tmp_path / "g.npz", {"acc": nets}, [0.0, np.nan] * 3, [0, 1] * 2)
