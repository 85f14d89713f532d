"""``ccafusion study`` on three sensors: every pair fused, claims.csv, caveats; the file rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sklearn_ccafusion.cli import main
from sklearn_ccafusion.runs._claims import COLUMNS
from sklearn_ccafusion.runs._user_data import load_study_file

FAST = ["--quick", "--quiet", "--pairs", "1", "--repeats", "1", "--n-jobs", "1", "--epochs", "2"]


def _arrays(n=240, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 3, n)
    centres = rng.normal(size=(3, 10)) * 2
    windows = rng.normal(size=(n, 8, 6)).astype(np.float32)  # 8 channels, 6 steps: warned
    windows[:, 0] += codes[:, None]
    return {
        "y": np.array(["sit", "walk", "run"])[codes],
        "acc": centres[codes] + rng.normal(size=(n, 10)),
        "gyr": centres[codes][:, ::-1] + rng.normal(size=(n, 10)),
        "mag": windows,
        "t0": np.arange(n)[:, None] * 50,  # window start times: metadata
    }


def _save(tmp_path, **arrays):
    path = tmp_path / "three.npz"
    np.savez(path, **arrays)
    return path


def test_three_sensors_end_to_end(tmp_path, capsys):
    path = _save(tmp_path, **_arrays())
    out = tmp_path / "out"
    argv = ["study", "--data", str(path), "--out", str(out), *FAST]
    assert main(argv) == 2  # t0 is refused, by name
    err = capsys.readouterr().err
    assert "'t0'" in err and "look like metadata" in err and "--sensors acc,gyr,mag" in err
    assert main([*argv, "--sensors", "acc,gyr,mag"]) == 0
    printed = capsys.readouterr()
    assert "UserWarning" not in printed.err  # caveats are printed once, formatted
    assert "Caveats (warnings raised during the run)" in printed.out
    assert "time-major" in printed.out

    fusion = pd.read_csv(out / "fusion.csv")
    pairs = set(map(tuple, fusion[["view_1", "view_2"]].drop_duplicates().values))
    assert pairs == {("acc", "gyr"), ("acc", "mag"), ("gyr", "mag")}
    assert "independent_logit_average" in set(fusion["method"])

    claims = pd.read_csv(out / "claims.csv")
    assert list(claims.columns) == COLUMNS
    fused = claims[claims["claim"] == "fusion_equals_logit_average"]
    assert set(fused["sensor"]) == {"acc+gyr", "acc+mag", "gyr+mag"}
    assert set(claims["pair"].astype(str)) == {"0", "all"}
    assert claims["reason"].str.contains("indicative only").all()
    # the fusion claim's value is fusion.csv's agreement with every canonical pair
    for sensors, group in fusion.groupby(["view_1", "view_2"]):
        swept = group[(group["method"] == "cca_sum_svm") & (group["measure"] == "agreement")]
        at_all = swept.loc[swept["n_components"].idxmax(), "value"]
        row = fused[(fused["sensor"] == "+".join(sensors)) & (fused["pair"] == "0")]
        assert row["value"].iloc[0] == pytest.approx(at_all)

    report = (out / "report.md").read_text()
    caveats = report.split("## Caveats", 1)[1].split("\n## ", 1)[0]
    assert "time-major" in caveats and "np.swapaxes(mag, 1, 2)" in caveats
    assert "### acc + mag" in report and "Class counts" in report
    for name in ("fusion.png", "fusion_acc_mag.png", "fusion_gyr_mag.png"):
        assert (out / name).stat().st_size > 0


def test_sensors_named_in_the_file(tmp_path):
    arrays = _arrays(90)
    arrays["sensors"] = np.array(["gyr", "acc"])
    data = load_study_file(_save(tmp_path, **arrays))
    assert data.sensors == ["gyr", "acc"]
    with pytest.raises(ValueError, match="'nope'|nope"):
        load_study_file(_save(tmp_path, **arrays), sensors=["acc", "nope"])


@pytest.mark.parametrize(
    "name, array, why",
    [
        ("time", np.linspace(0, 1, 90)[:, None].repeat(3, axis=1), "name"),
        ("start", np.zeros((90, 2)), "name"),
        ("extra", np.ones((90, 1)), "one column"),
        ("frame", np.arange(180).reshape(90, 2), "only grow"),
    ],
)
def test_metadata_like_arrays_are_refused(tmp_path, name, array, why):
    arrays = _arrays(90)
    del arrays["t0"]
    arrays[name] = array
    with pytest.raises(ValueError, match=why) as error:
        load_study_file(_save(tmp_path, **arrays))
    assert repr(name) in str(error.value)


def test_nan_labels_are_named(tmp_path):
    arrays = _arrays(90)
    del arrays["t0"]
    y = np.arange(90) % 3 * 1.0
    y[[4, 7]] = np.nan
    arrays["y"] = y
    with pytest.raises(
        ValueError,
        match=r"y has missing labels \(NaN, None or NaT\): 2 of its 90, at positions 4, 7",
    ):
        load_study_file(_save(tmp_path, **arrays))
