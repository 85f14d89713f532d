"""Real-size folders in the official layouts: written, then read as a real run reads them.

Slow (``-m slow``): the SHL folder holds about 16 GB of text and takes minutes to write
and parse; the CIFAR folder about 184 MB. The folders go to pytest's temporary
directory (``--basetemp`` chooses where) and are deleted at the end of each test.
"""

import shutil

import numpy as np
import pytest

from sklearn_ccafusion.datasets import (
    load_cifar10,
    load_shl2018,
    write_cifar10_folder,
    write_shl2018_folder,
)


@pytest.mark.slow
def test_full_size_shl2018(tmp_path):
    try:
        folder = write_shl2018_folder(tmp_path, random_state=0, progress=False)
        sizes = {p.name: p.stat().st_size for p in (folder / "train").iterdir()}
        assert sizes["Acc_x.txt"] == 16310 * (6000 * 16 + 1)  # as the challenge's files
        train = load_shl2018(folder, "train")
        assert train.data.shape == (13000, 3, 6000) and train.data.dtype == np.float32
        assert sorted(p.name for p in (folder / "train").glob("*.npy")) == [
            "Acc_norm.chrono.npy", "Gyr_y.chrono.npy", "Label.chrono.npy", "Mag_norm.chrono.npy"
        ]
        validation = load_shl2018(folder, "validation")  # from the binary copies
        assert validation.data.shape == (3310, 3, 6000)
        counts = np.bincount(np.r_[train.target, validation.target], minlength=8)
        assert counts.tolist() == [2302, 2190, 686, 2101, 2475, 2083, 2520, 1953]
        again = load_shl2018(folder, "train")
        np.testing.assert_array_equal(again.data[::500], train.data[::500])
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize("archive", [False, True])
def test_full_size_cifar10(tmp_path, archive):
    try:
        folder = write_cifar10_folder(tmp_path, archive=archive, random_state=0, progress=False)
        train, test = load_cifar10(folder, "train"), load_cifar10(folder, "test")
        assert train.data.shape == (50000, 3, 32, 32) and test.data.shape == (10000, 3, 32, 32)
        assert np.bincount(train.target).tolist() == [5000] * 10
        assert np.bincount(test.target).tolist() == [1000] * 10
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)
