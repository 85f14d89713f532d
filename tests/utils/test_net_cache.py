"""The cache of trained networks: the one key, and the file layer (atomic, no pickles, repair)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.preprocessing import StandardScaler

from sklearn_ccafusion.utils import _net_cache
from sklearn_ccafusion.utils._net_cache import (
    NetCache,
    check_path,
    read_arrays,
    trained_net_key,
)

X = np.arange(24.0).reshape(6, 4)
Y = np.array([0, 1, 0, 1, 0, 1])
RECIPE = {
    "class": StandardScaler,
    "hidden": (8,),
    "lr": 0.01,
    "split": StandardScaler(with_std=True),
    "progress": False,
}


def _key(data=(X, Y), seed=0, recipe=RECIPE, device="cpu"):
    return trained_net_key(data, seed=seed, recipe=recipe, device=device)


def test_key_is_a_function_of_content_not_identity():
    assert _key() == _key(data=(X.copy(), Y.copy()))
    assert _key() == _key(recipe={**RECIPE, "split": StandardScaler()})  # equal object, new id
    assert _key(seed=np.int64(3)) == _key(seed=3)


@pytest.mark.parametrize(
    "changed",
    [
        {"data": (X + 1e-12 * (X == 5), Y)},  # one value of the inputs
        {"data": (X, Y[::-1])},  # the labels
        {"data": (X.astype(np.float32), Y)},  # the dtype
        {"seed": 1},
        {"seed": None},
        {"recipe": {**RECIPE, "lr": 0.02}},
        {"recipe": {**RECIPE, "hidden": (8, 8)}},
        {"recipe": {**RECIPE, "class": np.ndarray}},  # another class
        {"recipe": {**RECIPE, "split": StandardScaler(with_std=False)}},  # an object's parameter
        {"recipe": {**RECIPE, "max_epochs": 5}},  # a parameter more
        {"device": "cuda"},
    ],
    ids=[
        "inputs",
        "labels",
        "dtype",
        "seed",
        "no seed",
        "lr",
        "architecture",
        "class",
        "object parameter",
        "parameter added",
        "device",
    ],
)
def test_key_changes_with_every_determining_input(changed):
    assert _key(**changed) != _key()


def test_key_changes_with_the_package_version(monkeypatch):
    before = _key()
    monkeypatch.setattr(_net_cache, "__version__", "0.0.0")
    assert _key() != before


def test_key_changes_with_the_code(monkeypatch):
    before = _key()
    monkeypatch.setattr(_net_cache, "code_identity", lambda: "0" * 32)
    assert _key() != before


@pytest.mark.parametrize(
    "unfaithful", [lambda x: x, object(), {"nested": [np.ma.array([1, 2])]}], ids=str
)
def test_key_refuses_what_it_cannot_hash_faithfully(unfaithful):
    with pytest.raises(TypeError, match="fingerprint cannot hash"):
        _key(recipe={**RECIPE, "augment": unfaithful})


def test_integer_keys_of_the_recipe_keep_their_type():
    assert _key(recipe={**RECIPE, "w": {1: 2.0}}) != _key(recipe={**RECIPE, "w": {"1": 2.0}})


@pytest.mark.parametrize("label", [{"progress": True}, {"progress": "left#0"}, {"verbose": 2}])
def test_key_ignores_what_only_shows_training(label):
    assert _key(recipe={**RECIPE, **label}) == _key()
    assert _key(recipe={k: v for k, v in RECIPE.items() if k != "progress"}) == _key()


def test_arrays_round_trip_atomically(tmp_path):
    cache = NetCache(tmp_path / "nets")
    path = cache.path("left-0", _key(), ".npz")
    assert path.parent == tmp_path / "nets" and path.name == f"left-0-{_key()}.npz"
    assert cache.load(path, lambda p: read_arrays(p, ("coef",))) is None  # not there: no word
    cache.save_arrays(path, coef=X, intercept=Y)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == [path.name, path.name + ".check.json"]  # no temporary left
    stored = cache.load(path, lambda p: read_arrays(p, ("coef", "intercept")))
    assert_array_equal(stored["coef"], X) and stored["coef"].dtype == X.dtype


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(path.read_bytes()[:40]),  # truncated
        lambda path: path.write_bytes(b"not an npz file"),
        lambda path: np.savez(path, coef=np.array([{"code": 1}], dtype=object)),
        lambda path: np.savez(path, other=X),  # an array missing
        lambda path: np.savez(path, coef=X + 1),  # a valid file with other numbers
        lambda path: check_path(path).unlink(),  # no checksum (an earlier version's file)
        lambda path: check_path(path).write_text("{"),  # damaged checksum file
        lambda path: check_path(path).write_text(
            check_path(path).read_text().replace(path.name, "other.npz")
        ),  # the checksum of another file
    ],
    ids=[
        "truncated",
        "garbage",
        "pickled object",
        "missing array",
        "changed numbers",
        "no checksum",
        "damaged checksum",
        "foreign checksum",
    ],
)
def test_damaged_file_is_reported_by_name_and_recomputed(tmp_path, damage):
    cache = NetCache(tmp_path)
    path = cache.path("net", _key(), ".npz")
    cache.save_arrays(path, coef=X)
    damage(path)
    with pytest.warns(UserWarning, match=rf"{path.name}.*trained again and the file replaced"):
        assert cache.load(path, lambda p: read_arrays(p, ("coef",))) is None
    cache.save_arrays(path, coef=X)  # what the caller does next
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_array_equal(cache.load(path, lambda p: read_arrays(p, ("coef",)))["coef"], X)


def test_a_failed_write_leaves_the_old_file(tmp_path):
    cache = NetCache(tmp_path)
    path = cache.path("net", _key(), ".npz")
    cache.save_arrays(path, coef=X)

    def crash(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("killed while writing")

    with pytest.raises(RuntimeError, match="killed"):
        cache.save(path, crash)
    assert_array_equal(read_arrays(path, ("coef",))["coef"], X)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, path.name + ".check.json"]


@pytest.mark.parametrize("label", ["../../planted", "/any/dir/x", "a/../../b", "..", "", "x\0y"])
def test_a_label_from_data_never_leads_outside_the_folder(tmp_path, label):
    cache = NetCache(tmp_path / "cache")
    path = cache.path(label, "0123abcd", ".npz")
    assert path.parent == tmp_path / "cache"
    cache.save_arrays(path, coef=np.eye(2))
    files = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert files == [path.name, path.name + ".check.json"]
    assert cache.load(path, lambda p: read_arrays(p, ("coef",)))["coef"].shape == (2, 2)


def test_readable_labels_keep_their_file_names(tmp_path):
    # a cache written before labels were mapped is still found
    assert NetCache(tmp_path).path("acc-0", "0123abcd", ".npz") == tmp_path / "acc-0-0123abcd.npz"
    with pytest.raises(ValueError, match="not a file name in"):
        NetCache(tmp_path).path("acc", "../../x", ".npz")
