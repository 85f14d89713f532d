"""``return_X_y``: the loaders that return arrays give ``(data, target)`` on request."""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_ccafusion.datasets import (
    load_cifar10,
    load_digits_views,
    load_shl2018,
    make_multisensor_classification,
    write_cifar10_folder,
    write_shl2018_folder,
)


@pytest.fixture(scope="module")
def shl_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shl")
    write_shl2018_folder(folder, 6, segment_length=64, random_state=0, progress=False)
    return folder


@pytest.fixture(scope="module")
def cifar_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cifar")
    write_cifar10_folder(folder, 10, 5, random_state=0, progress=False)
    return folder


LOADERS = {
    "digits": lambda folders, **kw: load_digits_views(random_state=0, **kw),
    "synthetic": lambda folders, **kw: make_multisensor_classification(
        12, segment_length=64, random_state=0, **kw
    ),
    "shl": lambda folders, **kw: load_shl2018(
        folders["shl"], validation_size=2, cache=False, **kw
    ),
    "cifar10": lambda folders, **kw: load_cifar10(folders["cifar10"], subset="test", **kw),
}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_return_x_y_gives_the_bunchs_data_and_target(name, shl_folder, cifar_folder):
    folders = {"shl": shl_folder, "cifar10": cifar_folder}
    bunch = LOADERS[name](folders)
    X, y = LOADERS[name](folders, return_X_y=True)
    assert isinstance(X, np.ndarray) and isinstance(y, np.ndarray)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    assert X.dtype == bunch.data.dtype and len(X) == len(y)
    # the default keeps the Bunch every current caller reads
    assert LOADERS[name](folders, return_X_y=False).keys() == bunch.keys()


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_return_x_y_must_be_a_bool(name, shl_folder, cifar_folder):
    folders = {"shl": shl_folder, "cifar10": cifar_folder}
    with pytest.raises(ValueError, match="return_X_y"):
        LOADERS[name](folders, return_X_y="yes")
