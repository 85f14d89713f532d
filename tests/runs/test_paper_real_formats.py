"""``ccafusion make-data`` and ``ccafusion reproduce`` on files in the official layouts.

Small SHL 2018 text folders and CIFAR-10 python batches (folder and archive), written
by ``ccafusion make-data``, go through the whole reproduction from the command line:
every output file, a verdict line for each claim, and a report that states the split.
"""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_ccafusion.cli import main
from sklearn_ccafusion.datasets import load_cifar10, load_shl2018
from sklearn_ccafusion.runs._paper import SHL_VALIDATION_FRACTION, DataOptions, prepare
from tests._reproduce_outputs import check_run

FAST = ["--quick", "--quiet", "--pairs", "1", "--repeats", "1", "--n-jobs", "1"]
SHL_SENSORS = ("Acc_norm", "Gyr_y", "Mag_norm")
N_SEGMENTS = 240


@pytest.fixture(scope="module")
def shl_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("shl")
    command = ["make-data", "shl", "--out", str(out), "--segments", str(N_SEGMENTS)]
    assert main([*command, "--segment-length", "600", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def cifar_dirs(tmp_path_factory):
    folders = {}
    for archive in (False, True):
        out = tmp_path_factory.mktemp("cifar")
        command = ["make-data", "cifar10", "--out", str(out), "--train", "160", "--test", "60"]
        assert main([*command, "--quiet", *(["--archive"] if archive else [])]) == 0
        folders[archive] = out
    return folders


def test_make_data_writes_what_the_loaders_read(shl_dir, cifar_dirs):
    shl = load_shl2018(shl_dir, "all", cache=False)
    assert shl.data.shape == (N_SEGMENTS, 3, 600)
    assert len(np.unique(shl.target)) == 8
    for archive, folder in cifar_dirs.items():
        name = "cifar-10-python.tar.gz" if archive else "cifar-10-batches-py"
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [name, "ccafusion-make-data.json"]  # the data, and the marker saying it is synthetic
        )
        assert load_cifar10(folder, "train").data.shape == (160, 3, 32, 32)
        assert load_cifar10(folder, "test").data.shape == (60, 3, 32, 32)


def test_make_data_refuses_the_other_data_sets_options(tmp_path, capsys):
    assert main(["make-data", "cifar10", "--out", str(tmp_path), "--segments", "5"]) == 2
    assert "--segments: not an option of make-data cifar10" in capsys.readouterr().err
    assert main(["make-data", "shl", "--out", str(tmp_path), "--archive", "--test", "3"]) == 2
    assert "--archive, --test: not an option of make-data shl" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_shl_small_folder_runs_end_to_end_with_the_papers_share(shl_dir, tmp_path):
    out = tmp_path / "out"
    assert main(["reproduce", "--dataset", "shl", "--data-dir", str(shl_dir), *FAST,
                 "--out", str(out)]) == 0  # fmt: skip
    report = check_run(out, SHL_SENSORS, 8)
    n_val = int(np.ceil(SHL_VALIDATION_FRACTION * N_SEGMENTS))  # 49 of 240
    assert f"{N_SEGMENTS - n_val} training and {n_val} validation segments" in report
    assert "the paper's share, 3,310 of 16,310 segments" in report
    row = next(line for line in report.splitlines() if line.startswith("| Acc_norm |"))
    assert "| 0.83 / 0.87 |" in row  # the paper's numbers beside the measured ones
    # make-data's marker: the report says the data is synthetic before any number
    rehearsal = report.index("REHEARSAL on synthetic data")
    before = report[:rehearsal].split("\n", 1)[1]  # after the title
    assert not any(character.isdigit() for character in before), before


@pytest.mark.parametrize(
    ("validation", "n_val", "rule"),
    [(60, 60, "60 segments"), (0.5, 120, "a share of 0.5 of the segments")],
)
def test_shl_validation_part_follows_the_options(shl_dir, validation, n_val, rule):
    data = prepare("shl", DataOptions(shl_dir, quick=True, validation=validation))
    assert len(data.y_validation) == n_val and len(data.y_train) == N_SEGMENTS - n_val
    notes = " ".join(data.notes)
    assert rule in notes and f"{N_SEGMENTS - n_val} training and {n_val} validation" in notes
    assert data.notes[0].startswith(f"REHEARSAL on synthetic data: {shl_dir} was written by")
    # validation = the first segments in time: the loader's chronological order
    everything = load_shl2018(shl_dir, "all", cache=False)
    np.testing.assert_array_equal(data.y_validation, everything.target[:n_val])


@pytest.mark.parametrize("size", ["240", "100000"])
def test_shl_validation_larger_than_the_data_is_refused(shl_dir, tmp_path, capsys, size):
    command = ["reproduce", "--dataset", "shl", "--data-dir", str(shl_dir), *FAST]
    assert main([*command, "--validation-size", size, "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    said = f"--validation-size {size} asks for {int(size):,} validation samples of the 240 "
    assert said in error
    assert "between 1 and 239" in error and "Traceback" not in error
    assert "validation_size" not in error and "validation=" not in error


@pytest.mark.parametrize("validation", [240, 10**9, 0.9999])
def test_shl_validation_is_checked_in_the_options_words_before_reading(
    shl_dir, monkeypatch, validation
):
    from sklearn_ccafusion import datasets

    def no_reading(*args, **kwargs):
        raise AssertionError("the signals were read")

    monkeypatch.setattr(datasets, "load_shl2018", no_reading)
    with pytest.raises(ValueError, match=rf"^validation={validation!r} asks for .* of the 240 "):
        prepare("shl", DataOptions(shl_dir, quick=True, validation=validation))


def test_cifar10_batches_with_a_validation_fraction(cifar_dirs, tmp_path):
    out = tmp_path / "out"
    command = ["reproduce", "--dataset", "cifar10", "--data-dir", str(cifar_dirs[False])]
    assert main([*command, *FAST, "--validation-fraction", "0.25", "--out", str(out)]) == 0
    report = check_run(out, ["cifar10"], 10)
    assert "validation: the last 40 training images; the test set is unused." in report
    assert "quick: the first 120 training and 40 validation images" in report
    assert "ResNet-8" in report


def test_cifar10_archive_with_the_official_test_set(cifar_dirs, tmp_path):
    out = tmp_path / "out"
    command = ["reproduce", "--dataset", "cifar10", "--data-dir", str(cifar_dirs[True])]
    assert main([*command, *FAST, "--out", str(out)]) == 0
    report = check_run(out, ["cifar10"], 10)
    assert "160 training images; validation: the official test set (60 images)" in report
    assert "quick: the first 160 training and 60 validation images" in report
