"""``ccafusion study --data FILE.npz``: a user's own sensors, end to end, and bad files."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sklearn_ccafusion.cli import main
from sklearn_ccafusion.runs import StudyData, _networks, run_study
from sklearn_ccafusion.runs._user_data import load_study_file

FAST = ["--quick", "--quiet", "--pairs", "1", "--repeats", "1", "--n-jobs", "1", "--epochs", "3"]


def _recordings(n=240, seed=0):
    """Sensors that see the class: (n, 16) features, (n, 2, 48, 48) images, (n, 3, 32) windows."""
    rng = np.random.default_rng(seed)
    labels = np.array(["sit", "walk", "run"])
    codes = rng.integers(0, 3, n)
    centres = rng.normal(size=(3, 16)) * 2
    table = centres[codes] + rng.normal(size=(n, 16))
    images = rng.normal(size=(n, 2, 48, 48)).astype(np.float32)
    images[:, 0, :8, :8] += codes[:, None, None]
    windows = rng.normal(size=(n, 3, 32)).astype(np.float32)
    windows[:, 1] += np.sin(np.arange(32) * (1 + codes[:, None]) / 3)
    groups = np.repeat(np.arange(12), n // 12)
    return {"y": labels[codes], "groups": groups, "table": table, "image": images, "watch": windows}


def _save(tmp_path, name="mine.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_study_on_string_labels_and_groups(tmp_path):
    path = _save(tmp_path, **_recordings())
    out = tmp_path / "out"
    assert main(["study", "--data", str(path), "--out", str(out), *FAST]) == 0
    results = pd.read_csv(out / "results.csv")
    assert set(results["sensor"]) == {"table", "image", "watch"}
    assert set(results["head"]) == {"original", "retrained"}
    assert (out / "cross_sensor.csv").exists() and (out / "fusion.csv").exists()
    report = (out / "report.md").read_text()
    assert "groups for training" in report and "## Verdicts" in report
    assert "fusion_equals_logit_average" in report.split("## Verdicts")[1]
    # the training settings as resolved: --epochs 3, the sensors recipe's optimiser and decay
    assert "None" not in report.split("## Subspace")[0], report.split("## Subspace")[0]
    assert "epochs=3" in report
    assert "optimiser Adam, learning rate 0.001, weight decay 0.0001, epochs 3" in report
    assert all(f"- {sensor}: " in report for sensor in ("table", "image", "watch"))
    full = results[(results["sensor"] == "table") & (results["n"] == results["n"].max())]
    assert full["score"].mean() > 0.6  # the table sensor's class signal is learnt


def test_same_data_same_keys_other_content_retrains(tmp_path, monkeypatch):
    first = load_study_file(_save(tmp_path, "a.npz", **_recordings(seed=0)), quick=True)
    trained = []
    real_fit = _networks._fit_group

    def counting(nets, X, y, **kwargs):
        trained.append(len(nets))
        return real_fit(nets, X, y, **kwargs)

    monkeypatch.setattr(_networks, "_fit_group", counting)
    options = {
        "out": tmp_path / "out",
        "pairs": 1,
        "repeats": 1,
        "n_jobs": 1,
        "quick": True,
        "progress": False,
    }
    run_study(first, **options)
    assert sum(trained) == 6
    run_study(first, **options)
    assert sum(trained) == 6  # everything cached
    # the same name, shapes and settings, other content: nothing stale is reused
    second = load_study_file(_save(tmp_path, "a.npz", **_recordings(seed=1)), quick=True)
    notes = second.notes
    run = run_study(second, **options)
    assert sum(trained) == 12
    assert second.notes == notes and run.notes[: len(notes)] == notes
    direct = run.networks["table"][0]
    assert not np.allclose(
        direct.train[:5], run_study(first, **options).networks["table"][0].train[:5]
    )


def _error(tmp_path, capsys, **arrays):
    path = _save(tmp_path, **arrays)
    assert main(["study", "--data", str(path), "--out", str(tmp_path / "out"), *FAST]) == 2
    message = capsys.readouterr().err
    assert not (tmp_path / "out" / "results.csv").exists()
    return message


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda a: a.pop("y"), "no array 'y'"),
        (lambda a: a.update(table=a["table"][:-1]), "rows but y has"),
        (lambda a: a.update(table=a["table"][:, 0]), "a sensor array is"),
        (lambda a: a.update(table=a["table"][:, :, None, None, None]), "a sensor array is"),
        (lambda a: a["table"].__setitem__((3, 2), np.nan), "NaN or infinite"),
        (lambda a: a["table"].__setitem__((3, 2), np.inf), "NaN or infinite"),
        (lambda a: a.update(table=a["table"][:, :0]), "shape (240, 0): no values per sample"),
        (lambda a: a.update({"": a.pop("table")}), "sensor array named '': give every sensor"),
        (lambda a: a.update({"  ": a.pop("table")}), "sensor array named '  '"),
        (lambda a: a.update(watch=a["watch"][:, :, :0]), "'watch' has shape (240, 3, 0)"),
        (lambda a: a["table"].__setitem__((3, 2), 1e300), "1e+300, beyond float32's range"),
        (lambda a: a.update(y=np.where(np.arange(240) == 0, "rare", a["y"])), "single sample"),
        (lambda a: a.update(groups=np.zeros(240)), "one group"),
        (lambda a: a.update(split=np.full(240, "test")), "only 'train' and 'validation'"),
    ],
)
def test_bad_files_are_named(tmp_path, capsys, change, match):
    arrays = _recordings()
    change(arrays)
    assert match in _error(tmp_path, capsys, **arrays)


def test_object_labels_are_refused_without_unpickling(tmp_path, capsys):
    arrays = _recordings()
    arrays["y"] = arrays["y"].astype(object)
    assert "object array" in _error(tmp_path, capsys, **arrays)


def test_unknown_net_and_missing_file(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sklearn_ccafusion",
            "study",
            "--data",
            str(tmp_path / "x.npz"),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "no such file" in result.stderr
    assert "Traceback" not in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_ccafusion", "study", "--data", "x.npz", "--net", "rnn"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_study_data_checks_its_labels():
    with pytest.raises(ValueError, match="not among classes"):
        StudyData(
            name="x",
            inputs_train={"a": np.zeros((3, 2))},
            inputs_validation={"a": np.zeros((1, 2))},
            y_train=np.array([1, 2, 3]),
            y_validation=np.array([1]),
            classes=np.array([0, 1, 2]),
            metric="accuracy",
            make_net=None,
            net_settings={},
        )


@pytest.mark.parametrize(
    "labels, names",
    [
        (np.array([b"sit", b"walk", b"run"]), ["run", "sit", "walk"]),
        (np.array(["2021-03-01", "2021-03-02", "2021-03-03"], "datetime64[D]"), None),
        (np.array([1, 2, 3], "timedelta64[m]"), ["1 minutes", "2 minutes", "3 minutes"]),
        (np.array([0.0, 1.0, 2.0], np.float16), [0, 1, 2]),
        (np.array([7, 8, 9], np.uint16), [7, 8, 9]),
    ],
)
def test_labels_of_any_type_are_read_with_their_names(tmp_path, labels, names):
    arrays = _recordings(n=60)
    codes = np.searchsorted(np.unique(arrays["y"]), arrays["y"])
    data = load_study_file(_save(tmp_path, y=labels[codes], table=arrays["table"]))
    expected = names or ["2021-03-01", "2021-03-02", "2021-03-03"]
    assert sorted(data.classes.tolist()) == expected
    assert data.y_train.dtype.kind in "iU" and set(data.y_validation.tolist()) == set(expected)


@pytest.mark.parametrize(
    "y, match",
    [
        (np.arange(60) % 3 + 0.5, "y holds labels that are not whole numbers: 60 of its 60"),
        (np.where(np.arange(60) == 4, np.nan, np.arange(60) % 3), "1 of its 60, at position 4"),
        (np.arange(60) % 3 + 1j, "y holds complex numbers"),
    ],
)
def test_labels_that_cannot_be_classes_stop_before_any_work(tmp_path, capsys, y, match):
    table = _recordings(n=60)["table"]
    assert match in _error(tmp_path, capsys, y=y, table=table)
    assert not (tmp_path / "out").exists()


def test_small_classes_keep_a_sample_on_each_side(tmp_path):
    # 60 classes of 2 samples: a 0.2 share would have kept 1 validation sample in all
    rng = np.random.default_rng(0)
    path = _save(tmp_path, y=np.repeat(np.arange(60), 2), table=rng.normal(size=(120, 4)))
    with pytest.warns(UserWarning, match="60 of 60 classes"):
        data = load_study_file(path)
    assert_sides = [
        np.bincount(y, minlength=60).tolist() for y in (data.y_train, data.y_validation)
    ]
    assert assert_sides == [[1] * 60, [1] * 60]
    assert "(20% asked for validation, 50% given: every class keeps a sample" in data.notes[0]


def test_groups_that_cannot_hold_a_class_out_are_named_before_training(tmp_path, capsys):
    arrays = _recordings(n=240)
    arrays["y"][arrays["groups"] == 5] = "jump"  # 'jump' only in subject 5
    message = _error(tmp_path, capsys, **arrays)
    assert "class 'jump': 20 samples in 1 group (5)" in message
    assert not (tmp_path / "out").exists()


def test_a_split_array_must_give_every_class_both_sides(tmp_path, capsys):
    arrays = _recordings(n=60)
    arrays["split"] = np.where(arrays["y"] == "run", "train", "validation")
    arrays["split"][:6] = "train"
    message = _error(tmp_path, capsys, **arrays)
    assert "'run' (" in message and "0 validation)" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("constant", [np.zeros((240, 16)), np.full((240, 3, 32), 7.0, np.float32)])
def test_a_constant_sensor_is_named_before_any_training(tmp_path, monkeypatch, constant):
    def no_training(*args, **kwargs):
        raise AssertionError("a network was trained")

    monkeypatch.setattr(_networks, "_fit_group", no_training)
    arrays = {**_recordings(), "table": constant}
    with pytest.raises(
        ValueError,
        match=r"Sensor 'table' has the same values in every training "
        r"sample .*leave it out \(sensors=image,watch\)",
    ):
        load_study_file(_save(tmp_path, **arrays))
    arrays["table"] = np.where(np.arange(240) % 7 == 0, 1.0, 0.0)[:, None] * np.ones(16)
    load_study_file(_save(tmp_path, **arrays))  # varies: a sensor like any other


def test_a_fraction_that_leaves_a_class_one_training_sample_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b", "c"], 20)
    path = _save(tmp_path, y=y, acc=rng.normal(size=(60, 4)), gyr=rng.normal(size=(60, 3)))
    # 20 samples a class: round(0.9 x 20) = 18 to validation keeps 2, 0.925 keeps 1
    assert len(load_study_file(path, validation_fraction=0.9).y_train) == 6
    for fraction in (0.925, 0.99):
        with pytest.raises(ValueError, match=(
            rf"validation_fraction={fraction} leaves 3 of the 60 samples for training, fewer "
            r"than 2 of 3 of the 3 classes \(class 'a': 1 of 20, .*below 0\.925 keeps 2"
        )):
            load_study_file(path, validation_fraction=fraction)
    # a class of 2 samples can give only one to each side: the split's own rule
    pairs = np.repeat(np.arange(10), 2)
    path = _save(tmp_path, "pairs.npz", y=pairs, acc=rng.normal(size=(20, 4)))
    assert len(load_study_file(path, validation_fraction=0.5).y_train) == 10
    # with groups, the same guarantee
    groups = np.tile(np.arange(20), 3)
    path = _save(tmp_path, "groups.npz", y=y, groups=groups, acc=rng.normal(size=(60, 4)))
    with pytest.raises(ValueError, match="fewer than 2 of .*whole groups"):
        load_study_file(path, validation_fraction=0.99)
