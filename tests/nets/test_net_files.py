"""Files of fitted nets (``cache_dir``, ``NetFeatures.save``) are data: reading one runs no code."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from sklearn.base import clone

from sklearn_ccafusion.nets import NetFeatures
from sklearn_ccafusion.nets._net_files import read_net_file, restore_net, write_net_file
from sklearn_ccafusion.utils._net_cache import write_check
from tests.nets._helpers import make_mlp


class _Planted:
    """Unpickling it creates ``marker``: proof that the file ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _plant(path, marker, kind):
    """Write a file at ``path`` whose loading with a full unpickler runs code."""
    if kind == "torch":  # torch.save's zip format, the payload in data.pkl
        torch.save({"format": "x", "payload": _Planted(marker)}, path)
    else:  # a bare pickle (torch's legacy format, or the old .pkl files)
        path.write_bytes(pickle.dumps(_Planted(marker), protocol=2))


@pytest.fixture(scope="module")
def small(digits):
    X, y = digits
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def saved(small, tmp_path_factory):
    """A folder written by NetFeatures.save, and the NetFeatures."""
    X, y = small
    feats = NetFeatures([("a", make_mlp(max_epochs=2)), ("b", make_mlp(max_epochs=2))]).fit(X, y)
    return feats.save(tmp_path_factory.mktemp("saved") / "nets"), feats


def test_planted_files_are_a_real_threat(tmp_path):
    """The planted files do run code when unpickled without restriction."""
    for kind in ("torch", "pickle"):
        marker = tmp_path / f"ran-{kind}"
        _plant(tmp_path / f"{kind}.pt", marker, kind)
        try:
            torch.load(tmp_path / f"{kind}.pt", weights_only=False)
        except RuntimeError:  # the legacy reader runs the pickle, then finds no magic number
            pass
        assert marker.exists()


@pytest.mark.parametrize("kind", ["torch", "pickle"])
def test_planted_net_file_in_a_saved_folder_runs_nothing(saved, tmp_path, kind):
    folder, feats = saved
    copy_ = tmp_path / "nets"
    copy_.mkdir()
    for path in folder.iterdir():
        (copy_ / path.name).write_bytes(path.read_bytes())
    marker = tmp_path / "ran"
    _plant(copy_ / "b.pt", marker, kind)
    with pytest.raises(ValueError, match=r"b\.pt cannot be read as a fitted network.*run code"):
        NetFeatures.load(copy_, nets=feats.nets)
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["torch", "pickle"])
def test_planted_cache_entry_runs_nothing_and_is_retrained(small, tmp_path, kind):
    X, y = small
    feats = NetFeatures([("a", make_mlp(max_epochs=2))], cache_dir=tmp_path / "cache")
    F = feats.fit_transform(X, y)
    (entry,) = (tmp_path / "cache").glob("a-*.pt")
    marker = tmp_path / "ran"
    _plant(entry, marker, kind)
    # an old-style pickle beside it, under the name the first format used
    _plant(entry.with_suffix(".pkl"), marker, "pickle")
    with pytest.warns(UserWarning, match="fails its checksum"):
        clone(feats).fit(X, y)
    _plant(entry, marker, kind)
    write_check(entry)  # a planter who rewrites the checksum too: the reader refuses it
    with pytest.warns(UserWarning, match="cannot be read as a fitted network"):
        again = clone(feats).fit(X, y)
    assert not marker.exists()
    assert_array_equal(again.transform(X), F)
    assert read_net_file(entry)["format"] == "sklearn-ccafusion fitted net"


def test_pickle_folders_of_the_first_format_are_refused(saved, tmp_path):
    _, feats = saved
    folder = tmp_path / "old"
    folder.mkdir()
    marker = tmp_path / "ran"
    for name in ("a", "b"):
        _plant(folder / f"{name}.pkl", marker, "pickle")
    manifest = {"names": ["a", "b"], "view_sizes": [32, 32], "inputs": {"a": None, "b": None}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match=r"earlier version.*pickles.*call save\(\)"):
        NetFeatures.load(folder, nets=feats.nets)
    (folder / "manifest.json").unlink()
    with pytest.raises(ValueError, match="earlier version"):
        NetFeatures.load(folder, nets=feats.nets)
    assert not marker.exists()


def test_load_takes_the_code_from_the_caller(saved, small):
    folder, feats = saved
    X, _ = small
    with pytest.raises(TypeError, match=r"needs nets=.*never code"):
        NetFeatures.load(folder)
    loaded = NetFeatures.load(folder, nets=clone(feats))  # a NetFeatures gives its nets
    assert_array_equal(loaded.transform(X), feats.transform(X))
    with pytest.raises(ValueError, match=r"holds the nets \['a', 'b'\]"):
        NetFeatures.load(folder, nets=[("a", make_mlp())])
    other = [("a", make_mlp(module__hidden=(8,))), ("b", make_mlp())]
    with pytest.raises(ValueError, match=r"another network.*module__hidden: saved \[32\]"):
        NetFeatures.load(folder, nets=other)


def _copy_with_names(folder, target, module, net_class):
    """A copy of a saved folder whose files name the module and net class as given."""
    target.mkdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    for name, entry in manifest["nets"].items():
        entry["params"]["module"] = {"callable": module}
        content = torch.load(folder / f"{name}.pt", weights_only=True)
        torch.save({**content, "net_class": net_class}, target / f"{name}.pt")
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def test_files_naming_the_modules_before_nets_was_grouped_still_load(saved, small, tmp_path):
    # files written before the modules moved name ``sklearn_ccafusion.nets._mlp.MLPNet``
    folder, feats = saved
    X, _ = small
    old = _copy_with_names(
        folder,
        tmp_path / "old",
        "sklearn_ccafusion.nets._mlp.MLPNet",
        "sklearn_ccafusion.nets._classifier.SensorNetClassifier",
    )
    loaded = NetFeatures.load(old, nets=clone(feats))
    assert_array_equal(loaded.transform(X), feats.transform(X))
    other = _copy_with_names(
        folder,
        tmp_path / "other",
        "sklearn_ccafusion.nets._shl.SHLConvNet",
        "sklearn_ccafusion.nets._classifier.SensorNetClassifier",
    )
    with pytest.raises(ValueError, match=r"another network.*SHLConvNet"):
        NetFeatures.load(other, nets=clone(feats))
    wrong_class = _copy_with_names(
        folder,
        tmp_path / "wrong_class",
        "sklearn_ccafusion.nets._mlp.MLPNet",
        "sklearn_ccafusion.nets._accelerate.AcceleratedSensorNetClassifier",
    )
    with pytest.raises(ValueError, match=r"holds a .*AcceleratedSensorNetClassifier"):
        NetFeatures.load(wrong_class, nets=clone(feats))


def test_damaged_manifest_is_named(saved, tmp_path):
    folder, feats = saved
    broken = tmp_path / "nets"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"manifest\.json is not a NetFeatures manifest"):
        NetFeatures.load(broken, nets=feats.nets)
    with pytest.raises(FileNotFoundError, match="was not written by NetFeatures.save"):
        NetFeatures.load(tmp_path / "empty", nets=feats.nets)
    for path in folder.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    manifest = json.loads((folder / "manifest.json").read_text())
    (broken / "manifest.json").write_text(json.dumps({**manifest, "view_sizes": [32, 31]}))
    with pytest.raises(ValueError, match=r"view sizes \[32, 31\], the nets give \[32, 32\]"):
        NetFeatures.load(broken, nets=feats.nets)


def test_restored_net_continues_training_as_the_original(small, tmp_path):
    """Optimiser state, history (hence the seeds) and classes come back exactly."""
    X, y = small
    labels = np.asarray([f"digit {k}" for k in y])  # string classes, no pickle needed
    net = make_mlp(max_epochs=2, class_weight="balanced").fit(X, labels)
    write_net_file(tmp_path / "net.pt", net)
    restored = restore_net(make_mlp(max_epochs=2, class_weight="balanced"), tmp_path / "net.pt")
    assert_array_equal(restored.classes_, net.classes_)
    assert_array_equal(restored.predict(X), net.predict(X))
    assert_array_equal(restored.class_weight_, net.class_weight_)
    assert torch.equal(restored.criterion_.weight, net.criterion_.weight)
    original = copy.deepcopy(net)
    original.partial_fit(X, labels)
    restored.partial_fit(X, labels)
    assert_array_equal(restored.class_components_, original.class_components_)
    assert len(restored.history) == 4


def test_only_skorch_nets_are_stored(tmp_path, small):
    from sklearn.decomposition import PCA

    X, y = small
    with pytest.raises(TypeError, match="not a skorch network"):
        write_net_file(tmp_path / "pca.pt", PCA(2).fit(X))
    feats = NetFeatures([("p", PCA(4))], cache_dir=tmp_path)
    with pytest.warns(UserWarning, match="not cached"):
        feats.fit(X, y)
    assert not list(tmp_path.glob("*.pt"))
