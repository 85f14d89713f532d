"""write_shl2018_folder: the official text layout, read back, with a class signal."""

import tracemalloc

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ccafusion.datasets import SHL2018_CLASSES, load_shl2018, write_shl2018_folder
from sklearn_ccafusion.datasets._synthetic import _SHL_COUNTS, _class_counts
from sklearn_ccafusion.datasets._textio import read_text_matrix

N, LENGTH = 300, 500  # more than one chunk of 256 segments
AXES = [f"{s}_{a}" for s in ("Acc", "Gyr", "Mag") for a in "xyz"]


@pytest.fixture(scope="module")
def shl_dir(tmp_path_factory):
    return write_shl2018_folder(
        tmp_path_factory.mktemp("shl"), N, segment_length=LENGTH, random_state=0, progress=False
    )


def test_official_layout(shl_dir):
    train = shl_dir / "train"
    names = sorted(p.name for p in train.iterdir())
    assert names == sorted([f"{a}.txt" for a in AXES] + ["Label.txt", "train_order.txt"])
    for name in names:
        lines = (train / name).read_bytes().split(b"\n")
        assert len(lines) == N + 1 and lines[-1] == b""  # one line per segment
        width = 16 if name == "train_order.txt" else 16 * LENGTH
        assert {len(line) for line in lines[:-1]} == {width}  # MATLAB's %16.7e, no separator
    assert lines[0][:16].strip()[1:2] == b"."


def test_reads_back_as_the_challenge_data(shl_dir):
    shl = load_shl2018(shl_dir, "all", signals=["Acc_norm", "Gyr_y", "Mag_norm", "Acc_x"])
    assert shl.data.shape == (N, 4, LENGTH)
    assert list(shl.target_names) == list(SHL2018_CLASSES)
    # each class gets its share of the challenge's proportions
    expected = _class_counts(N, _SHL_COUNTS / _SHL_COUNTS.sum())
    np.testing.assert_array_equal(np.bincount(shl.target, minlength=8), expected)
    # physical levels of the generator: gravity and the Earth field
    assert abs(np.median(shl.data[:, 0]) - 9.81) < 0.5
    assert 35 < np.median(shl.data[:, 2]) < 60
    # a label per sample, constant along the segment; lines shuffled in time
    labels = read_text_matrix(shl_dir / "train" / "Label.txt")
    assert np.all(labels == labels[:, :1])
    order = read_text_matrix(shl_dir / "train" / "train_order.txt")[:, 0].astype(int)
    np.testing.assert_array_equal(np.sort(order), np.arange(1, N + 1))
    assert not np.array_equal(order, np.arange(1, N + 1))
    np.testing.assert_array_equal(labels[np.argsort(order), LENGTH // 2] - 1, shl.target)


def test_class_signal_is_learnable(shl_dir):
    shl = load_shl2018(shl_dir, "all")
    spectrum = np.abs(np.fft.rfft(shl.data - shl.data.mean(-1, keepdims=True), axis=-1))
    bands = np.log1p(np.add.reduceat(spectrum, np.r_[0, 2, 5, 10, 20, 40, 80, 160], axis=-1))
    X = bands.reshape(N, -1)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    accuracy = cross_val_score(model, X, shl.target, cv=3).mean()
    majority = np.bincount(shl.target).max() / N
    assert accuracy > majority + 0.3


def test_same_seed_same_files(tmp_path, shl_dir):
    again = write_shl2018_folder(  # in threads: the files do not depend on them
        tmp_path / "again", N, segment_length=LENGTH, random_state=0, progress=False, n_jobs=2
    )
    for name in ("Gyr_y.txt", "Label.txt", "train_order.txt"):
        assert (again / "train" / name).read_bytes() == (shl_dir / "train" / name).read_bytes()
    other = write_shl2018_folder(
        tmp_path / "other", N, segment_length=LENGTH, signals="Gyr_y", random_state=1,
        progress=False,
    )
    assert (other / "train" / "Gyr_y.txt").read_bytes() != (
        shl_dir / "train" / "Gyr_y.txt"
    ).read_bytes()
    assert sorted(p.name for p in (other / "train").iterdir()) == [
        "Gyr_y.txt", "Label.txt", "train_order.txt"
    ]


def test_runs_of_one_class_in_time(tmp_path):
    def changes(mean_run_length):
        folder = write_shl2018_folder(
            tmp_path / str(mean_run_length), 400, segment_length=16, signals="Acc_x",
            mean_run_length=mean_run_length, random_state=0, progress=False,
        )
        target = load_shl2018(folder, "all", signals="Acc_x", cache=False).target
        counts = np.bincount(target, minlength=8)
        return np.count_nonzero(np.diff(target)), counts

    independent, counts_1 = changes(1.0)
    runs, counts_20 = changes(20.0)
    np.testing.assert_array_equal(counts_1, counts_20)  # the same class shares
    assert independent > 250  # about 400 * (1 - sum p^2) for independent draws
    assert runs < 60  # about 400 / 20 runs


def test_memory_stays_far_below_the_file_size(tmp_path):
    tracemalloc.start()
    try:
        folder = write_shl2018_folder(
            tmp_path, 8192, segment_length=100, signals="Acc_x", random_state=0, progress=False
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = (folder / "train" / "Acc_x.txt").stat().st_size
    assert size == 8192 * (100 * 16 + 1)
    # written by chunks of 256 segments (32 here), a few of them in memory at once
    assert peak < size / 3


def test_progress_bar(tmp_path, capsys):
    write_shl2018_folder(tmp_path, 8, segment_length=16, signals="Acc_x", random_state=0)
    assert "SHL 2018 files" in capsys.readouterr().err


@pytest.mark.parametrize(
    "signals, message",
    [
        ("Acc_norm", r"Unknown signal file 'Acc_norm'.*load_shl2018 computes the _norm"),
        (["Ori_w"], "Unknown signal file 'Ori_w'"),
        (["Acc_x", "Acc_x"], "names a file twice"),
        ([], "at least one signal file"),
    ],
)
def test_bad_signals(tmp_path, signals, message):
    with pytest.raises(ValueError, match=message):
        write_shl2018_folder(tmp_path, 8, signals=signals, progress=False)


def test_parameter_validation(tmp_path):
    with pytest.raises(ValueError, match="n_segments"):
        write_shl2018_folder(tmp_path, 0)
    with pytest.raises(ValueError, match="mean_run_length"):
        write_shl2018_folder(tmp_path, 8, mean_run_length=0.5)
