"""load_shl2018 on tiny files written in the official SHL 2018 layout."""

import os
import time

import numpy as np
import pytest

from sklearn_ccafusion.datasets import SHL2018_CLASSES, _shl2018, load_shl2018
from sklearn_ccafusion.datasets._shl2018_writer import _write_shl2018

N_SEGMENTS, N_SAMPLES = 7, 40
ORDER = np.array([4, 7, 1, 3, 6, 2, 5])  # chronological position of each file line
AXES = [
    "Acc_x",
    "Acc_y",
    "Acc_z",
    "Gyr_y",
    "Mag_x",
    "Mag_y",
    "Mag_z",
    "Ori_w",
    "Ori_x",
    "Ori_y",
    "Ori_z",
]


def _raw(stem_index):
    """Values that tell which line and sample they come from: 1000 line + sample."""
    line = np.arange(N_SEGMENTS)[:, None]
    sample = np.arange(N_SAMPLES)[None, :]
    return (stem_index + 1) * 0.01 + 1000.0 * line + sample


def _labels():
    """Labels 1..8 that change at the middle sample, so the middle one is checked."""
    first_half = np.array([1, 2, 3, 4, 5, 6, 7])
    second_half = np.array([2, 3, 4, 5, 6, 7, 8])
    labels = np.empty((N_SEGMENTS, N_SAMPLES), dtype=int)
    labels[:, : N_SAMPLES // 2] = first_half[:, None]
    labels[:, N_SAMPLES // 2 :] = second_half[:, None]
    return labels, second_half


@pytest.fixture
def shl_dir(tmp_path):
    labels, _ = _labels()
    _write_shl2018(tmp_path, {stem: _raw(i) for i, stem in enumerate(AXES)}, labels, ORDER)
    return tmp_path


def _file_lines(positions):
    inverse = np.empty(N_SEGMENTS, dtype=int)
    inverse[ORDER - 1] = np.arange(N_SEGMENTS)
    return inverse[positions]


@pytest.mark.parametrize(
    "subset, positions",
    [("validation", [0, 1, 2]), ("train", [3, 4, 5, 6]), ("all", list(range(7)))],
)
def test_reordering_split_and_middle_label(shl_dir, subset, positions):
    shl = load_shl2018(shl_dir, subset, signals=("Gyr_y", "Acc_x"), validation_size=3)
    lines = _file_lines(positions)
    np.testing.assert_array_equal(shl.index, positions)
    assert shl.data.shape == (len(positions), 2, N_SAMPLES)
    assert shl.data.dtype == np.float32
    np.testing.assert_allclose(shl.data[:, 0], _raw(AXES.index("Gyr_y"))[lines], rtol=1e-7)
    np.testing.assert_allclose(shl.data[:, 1], _raw(AXES.index("Acc_x"))[lines], rtol=1e-7)
    _, middle = _labels()
    np.testing.assert_array_equal(shl.target, middle[lines] - 1)
    assert shl.target.dtype == np.int64
    assert list(shl.target_names) == list(SHL2018_CLASSES)
    assert shl.signal_names == ["Gyr_y", "Acc_x"]
    assert shl.sampling_rate == 100
    assert "SHL" in shl.DESCR


def test_the_paper_split_is_the_default(shl_dir):
    with pytest.raises(ValueError, match=r"validation_size=3310 asks for 3310 .* holds 7"):
        load_shl2018(shl_dir, "train", signals="Gyr_y")


def test_validation_size_as_fraction(shl_dir):
    shl = load_shl2018(shl_dir, "validation", signals="Gyr_y", validation_size=0.3)
    np.testing.assert_array_equal(shl.index, [0, 1, 2])  # ceil(0.3 * 7)


@pytest.mark.parametrize(
    "sensor, stems", [("Acc", AXES[:3]), ("Mag", AXES[4:7]), ("Ori", AXES[7:])]
)
def test_norms(shl_dir, sensor, stems):
    shl = load_shl2018(shl_dir, "all", signals=[f"{sensor}_norm"])
    lines = _file_lines(np.arange(N_SEGMENTS))
    axes = [_raw(AXES.index(stem)).astype(np.float32)[lines] for stem in stems]
    expected = np.sqrt(sum(a * a for a in axes))  # quaternion norm for Ori (4 axes)
    np.testing.assert_allclose(shl.data[:, 0], expected, rtol=1e-6)


def test_data_dir_may_be_the_train_folder(shl_dir):
    a = load_shl2018(shl_dir, "all", signals="Gyr_y")
    b = load_shl2018(shl_dir / "train", "all", signals="Gyr_y")
    np.testing.assert_array_equal(a.data, b.data)


def test_second_load_reads_the_cache(shl_dir, monkeypatch):
    first = load_shl2018(shl_dir, "train", signals=("Acc_norm", "Gyr_y"), validation_size=3)
    folder = shl_dir / "train"
    caches = sorted(p.name for p in folder.glob("*.npy"))
    assert caches == ["Acc_norm.chrono.npy", "Gyr_y.chrono.npy", "Label.chrono.npy"]
    assert np.load(folder / "Label.chrono.npy").dtype == np.uint8
    # The copies are in chronological order, all segments.
    lines = _file_lines(np.arange(N_SEGMENTS))
    np.testing.assert_allclose(
        np.load(folder / "Gyr_y.chrono.npy"), _raw(AXES.index("Gyr_y"))[lines], rtol=1e-7
    )
    # Unchanged text files are not parsed again, even with other modification times
    # (their bytes are hashed again, once).
    stamp = (folder / "Gyr_y.chrono.npy").stat().st_mtime_ns + 10**9
    for stem in ["Acc_x", "Gyr_y", "train_order"]:
        os.utime(folder / f"{stem}.txt", ns=(stamp, stamp))
    monkeypatch.setattr(_shl2018, "read_text_matrix", _no_parsing)
    for subset in ("train", "validation"):
        second = load_shl2018(shl_dir, subset, signals=("Acc_norm", "Gyr_y"), validation_size=3)
        if subset == "train":
            np.testing.assert_array_equal(first.data, second.data)
            np.testing.assert_array_equal(first.target, second.target)
            np.testing.assert_array_equal(first.index, second.index)
        assert type(second.data) is np.ndarray and second.data.flags.writeable
    # A signal without a copy needs the text files.
    with pytest.raises(AssertionError, match="parsed"):
        load_shl2018(shl_dir, signals="Mag_norm", validation_size=3)


def _no_parsing(path, **kwargs):
    raise AssertionError(f"{path} parsed")


@pytest.mark.parametrize("stem", ["Gyr_y", "train_order", "Label"])
def test_cache_follows_content_not_modification_times(shl_dir, stem):
    # Files restored from a backup keep their older times: the copies must not survive.
    first = load_shl2018(shl_dir, "all", signals="Gyr_y")
    folder = shl_dir / "train"
    path = folder / f"{stem}.txt"
    old = path.stat()
    text = path.read_text()
    if stem == "Gyr_y":
        changed = text.replace("1.0400000e+00", "9.0400000e+00")  # same size
    elif stem == "train_order":
        lines = text.splitlines()
        lines[0], lines[1] = lines[1], lines[0]
        changed = "\n".join(lines) + "\n"
    else:
        changed = text.replace("8", "7")
    assert changed != text and len(changed) == len(text)
    path.write_text(changed)
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns - 10**9))
    again = load_shl2018(shl_dir, "all", signals="Gyr_y", cache=False)
    cached = load_shl2018(shl_dir, "all", signals="Gyr_y")
    np.testing.assert_array_equal(cached.data, again.data)
    np.testing.assert_array_equal(cached.target, again.target)
    assert not (
        np.array_equal(first.data, again.data) and np.array_equal(first.target, again.target)
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda npy: npy.write_bytes(npy.read_bytes()[:100]),  # truncated
        lambda npy: np.save(npy, np.zeros(5, np.float32)),  # another shape
        lambda npy: np.save(npy, np.zeros((N_SEGMENTS, N_SAMPLES))),  # another dtype
        lambda npy: np.save(npy, np.array([{"a": 1}], dtype=object), allow_pickle=True),
        lambda npy: npy.with_suffix(".json").write_text("{not json"),  # damaged key
    ],
    ids=["truncated", "shape", "dtype", "pickle", "key"],
)
@pytest.mark.parametrize("name", ["Gyr_y", "Label"])
def test_damaged_cache_is_rebuilt(shl_dir, damage, name):
    first = load_shl2018(shl_dir, "all", signals="Gyr_y")
    damage(shl_dir / "train" / f"{name}.chrono.npy")
    again = load_shl2018(shl_dir, "all", signals="Gyr_y")
    np.testing.assert_array_equal(again.data, first.data)
    np.testing.assert_array_equal(again.target, first.target)
    third = load_shl2018(shl_dir, "all", signals="Gyr_y")  # the rebuilt copy is used
    np.testing.assert_array_equal(third.data, first.data)


def test_nan_token_names_file_and_line(shl_dir):
    path = shl_dir / "train" / "Gyr_y.txt"
    lines = path.read_text().splitlines()
    tokens = lines[2].split()
    tokens[4] = "NaN"
    lines[2] = " ".join(tokens)
    path.write_text("\n".join(lines) + "\n")
    for cache in (True, False):
        with pytest.raises(ValueError, match=r"Gyr_y\.txt, line 3, value 5: nan is not a sensor"):
            load_shl2018(shl_dir, "all", signals="Gyr_y", cache=cache)
    assert not (shl_dir / "train" / "Gyr_y.chrono.npy").exists()
    assert np.isfinite(load_shl2018(shl_dir, "all", signals="Ori_norm").data).all()


def test_archive_instead_of_folder(shl_dir):
    archive = shl_dir / "challenge-2018-train.zip"
    archive.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match="is a file, not a folder: unzip"):
        load_shl2018(archive)


def test_stale_cache_is_rebuilt(shl_dir):
    load_shl2018(shl_dir, "all", signals="Gyr_y")
    folder = shl_dir / "train"
    new = np.full((N_SEGMENTS, N_SAMPLES), 5.0)
    np.savetxt(folder / "Gyr_y.txt", new, fmt="%16.7e", delimiter="")
    future = time.time_ns() + 10**9
    os.utime(folder / "Gyr_y.txt", ns=(future, future))
    np.testing.assert_array_equal(load_shl2018(shl_dir, "all", signals="Gyr_y").data, 5.0)


def test_no_cache(shl_dir):
    load_shl2018(shl_dir, "all", signals="Gyr_y", cache=False)
    assert not list((shl_dir / "train").glob("*.npy"))


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_parallel_parsing(shl_dir, n_jobs):
    shl = load_shl2018(shl_dir, "all", signals="Mag_norm", cache=False, n_jobs=n_jobs)
    assert shl.data.shape == (N_SEGMENTS, 1, N_SAMPLES)


def test_missing_directory(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as info:
        load_shl2018(missing)
    message = str(info.value)
    assert str(missing) in message
    assert "http://www.shl-dataset.org/activity-recognition-challenge/" in message


def test_missing_order_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train/train_order\.txt is missing"):
        load_shl2018(tmp_path)


def test_missing_signal_file(shl_dir):
    (shl_dir / "train" / "Acc_y.txt").unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_shl2018(shl_dir, signals=("Gyr_y", "Acc_norm"), validation_size=3)
    assert str(shl_dir / "train" / "Acc_y.txt") in str(info.value)
    assert "SHL Challenge 2018" in str(info.value)


def test_missing_label_file(shl_dir):
    (shl_dir / "train" / "Label.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"Label\.txt is missing"):
        load_shl2018(shl_dir, signals="Gyr_y", validation_size=3)


def test_malformed_line_names_file_and_line(shl_dir):
    path = shl_dir / "train" / "Gyr_y.txt"
    lines = path.read_text().splitlines()
    lines[4] = lines[4][:-16]  # one value short
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"Gyr_y\.txt, line 5: expected 40 values .* found 39"):
        load_shl2018(shl_dir, signals="Gyr_y", validation_size=3)


def test_unreadable_value_names_file_line_and_value(shl_dir):
    path = shl_dir / "train" / "Acc_z.txt"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace("e+03", "e+0?", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"Acc_z\.txt, line 3, value \d+: cannot read"):
        load_shl2018(shl_dir, signals="Acc_norm", validation_size=3)


def test_files_of_different_lengths(shl_dir):
    path = shl_dir / "train" / "Gyr_y.txt"
    path.write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n")
    with pytest.raises(ValueError, match=r"Gyr_y\.txt has 6 lines but .*train_order\.txt has 7"):
        load_shl2018(shl_dir, signals="Gyr_y", validation_size=3)


def test_signal_of_another_length(shl_dir):
    np.savetxt(shl_dir / "train" / "Gyr_y.txt", np.zeros((N_SEGMENTS, 10)))
    with pytest.raises(ValueError, match=r"has 10 samples per line but Label\.txt has 40"):
        load_shl2018(shl_dir, signals="Gyr_y", validation_size=3)


@pytest.mark.parametrize(
    "order, message",
    [
        ([4, 7, 1, 3, 6, 2, 2], r"line 7: position 2 appears more than once"),
        ([4, 7, 1, 3, 6, 2, 8], r"line 7: 8 is not a position in 1\.\.7"),
        ([4, 7, 1, 3, 6, 2, 0.5], r"line 7: 0\.5 is not a position"),
    ],
)
def test_bad_order_file(shl_dir, order, message):
    np.savetxt(shl_dir / "train" / "train_order.txt", order)
    with pytest.raises(ValueError, match=r"train_order\.txt, " + message):
        load_shl2018(shl_dir, signals="Gyr_y", validation_size=3)


def test_bad_labels(shl_dir):
    labels, _ = _labels()
    labels[5, N_SAMPLES // 2] = 0  # Null label at the middle sample of line 6
    np.savetxt(shl_dir / "train" / "Label.txt", labels, fmt="%d")
    with pytest.raises(ValueError, match=r"Label\.txt, line 6: the middle sample's label is 0"):
        load_shl2018(shl_dir, "all", signals="Gyr_y", cache=False)
    position = ORDER[5] - 1  # chronological position 1: in the validation part
    load_shl2018(shl_dir, "train", signals="Gyr_y", validation_size=3)  # fine, writes caches
    message = rf"Label\.txt \(chronological segment {position}\): the middle"
    with pytest.raises(ValueError, match=message):
        load_shl2018(shl_dir, "validation", signals="Gyr_y", validation_size=3)
    with pytest.raises(ValueError, match=message):
        load_shl2018(shl_dir, "all", signals="Gyr_y")
    labels[5, 0] = 3.5
    np.savetxt(shl_dir / "train" / "Label.txt", labels.astype(float) / 2)
    with pytest.raises(ValueError, match=r"Label\.txt, line 1, value 1: 0\.5 is not a label"):
        load_shl2018(shl_dir, "all", signals="Gyr_y")


@pytest.mark.parametrize("signals", [("Gyr/y",), ("../Acc_x",), ("Acc_x_y_z",), ()])
def test_bad_signal_names(shl_dir, signals):
    with pytest.raises(ValueError, match="signal"):
        load_shl2018(shl_dir, signals=signals, validation_size=3)


def test_empty_subset(shl_dir):
    with pytest.raises(ValueError, match="'validation' subset is empty"):
        load_shl2018(shl_dir, "validation", signals="Gyr_y", validation_size=0)


def test_parameter_validation(shl_dir):
    with pytest.raises(ValueError, match="subset"):
        load_shl2018(shl_dir, "test")
    with pytest.raises(ValueError, match="validation_size"):
        load_shl2018(shl_dir, validation_size=1.5)
