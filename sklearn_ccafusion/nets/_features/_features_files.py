"""The folder of a saved ``NetFeatures``: a JSON manifest and one weights file per net.

``manifest.json`` holds the names, view sizes, inputs and each net's parameters as
plain data (classes and functions by name, for checking only), and each net's file
name; ``<file>.pt`` holds the net's learned state (``<file>`` is the net's name
when that is a readable file name, else a slug of it and a short hash:
:func:`~sklearn_ccafusion.utils._file_names.safe_file_names`, so no name leads
outside the folder), read with ``torch.load(weights_only=True)``
(:mod:`sklearn_ccafusion.nets._net_files`). Loading restores the weights into clones
of nets the caller
constructs, so nothing in the folder selects or runs code. Folders of the first
format (one pickle per net) are refused with the way to re-create them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.frozen import FrozenEstimator

from sklearn_ccafusion.nets._net_files import (
    check_params_match,
    describe_params,
    qualified_name,
    restore_net,
    unwrap_frozen,
    write_net_file,
)
from sklearn_ccafusion.utils._file_names import file_in, safe_file_names
from sklearn_ccafusion.utils._files import write_text

__all__ = ["MANIFEST", "load_nets", "read_manifest", "save_nets"]

MANIFEST = "manifest.json"
_FORMAT = "sklearn-ccafusion NetFeatures"
_VERSION = 2  # version 1 stored pickles
_OLD_FORMAT = (
    "{where} was written by an earlier version of sklearn_ccafusion, which stored "
    "networks as pickles. Reading a pickle can run any code it contains, so such files "
    "are no longer read. Re-create the folder: fit the NetFeatures again and call "
    "save(). Only for files you wrote yourself: pickle.load each <name>.pkl, wrap the "
    "nets in FrozenEstimator, fit a NetFeatures of them and save() it."
)


def _jsonable(selection: Any) -> Any:
    """An input selection (``None``, a slice, indices or names) as JSON data."""
    if isinstance(selection, slice):
        return {"slice": [selection.start, selection.stop, selection.step]}
    if selection is None:
        return None
    return [s if isinstance(s, str) else int(s) for s in selection]


def _from_json(selection: Any) -> Any:
    if isinstance(selection, dict):
        return slice(*selection["slice"])
    return selection


def save_nets(features: Any, directory: str | Path, inputs: dict[str, Any]) -> Path:
    """Write a fitted ``NetFeatures``'s nets and manifest, with each net's input selection."""
    directory = Path(directory)
    names = [name for name, _ in features.nets_]
    files = {name: f"{stem}.pt" for name, stem in safe_file_names(names).items()}
    directory.mkdir(parents=True, exist_ok=True)
    described = {}
    for name, net in features.nets_:
        write_net_file(file_in(directory, files[name]), net)
        net = unwrap_frozen(net)
        described[name] = {"class": qualified_name(type(net)), "params": describe_params(net)}
    manifest = {
        "format": _FORMAT,
        "version": _VERSION,
        "names": names,
        "files": files,
        "view_sizes": list(features.view_sizes_),
        "n_features_in": getattr(features, "n_features_in_", None),
        "inputs": {name: _jsonable(selection) for name, selection in inputs.items()},
        "nets": described,
    }
    write_text(directory / MANIFEST, json.dumps(manifest, indent=1))
    return directory


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of a saved folder; old (pickle) folders raise a ``ValueError``."""
    path = directory / MANIFEST
    if not path.is_file():
        if any(directory.glob("*.pkl")):
            raise ValueError(_OLD_FORMAT.format(where=directory))
        raise FileNotFoundError(
            f"{path} is missing: {directory} was not written by NetFeatures.save()."
        )
    try:
        manifest = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"{path} is not a NetFeatures manifest (damaged JSON: {error})."
        ) from error
    if not isinstance(manifest, dict):
        raise ValueError(f"{path} is not a NetFeatures manifest.")
    if manifest.get("format") != _FORMAT:
        if "names" in manifest and "format" not in manifest:
            raise ValueError(_OLD_FORMAT.format(where=directory))
        raise ValueError(f"{path} is not a NetFeatures manifest.")
    if manifest.get("version") != _VERSION:
        raise ValueError(
            f"{path} has NetFeatures format version {manifest.get('version')!r}; this "
            f"version of sklearn_ccafusion reads version {_VERSION}."
        )
    return manifest


def _templates(nets: Any, names: list[str], directory: Path) -> dict[str, Any]:
    if nets is None:
        raise TypeError(
            "NetFeatures.load needs nets=[(name, net), ...]: the unfitted nets (or the "
            "NetFeatures) that were trained. Saved files hold weights only, never code, "
            "so the networks' classes come from you."
        )
    nets = getattr(nets, "nets", nets)  # a NetFeatures gives its nets
    valid = isinstance(nets, (list, tuple)) and all(
        isinstance(item, (list, tuple)) and len(item) == 2 for item in nets
    )
    templates = dict(nets) if valid else {}
    if not valid or sorted(templates) != sorted(names):
        raise ValueError(
            f"{directory} holds the nets {names}; nets must give one (name, net) pair for "
            f"each of them, got {nets!r}."
        )
    return templates


def load_nets(directory: str | Path, nets: Any) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """The saved nets restored into clones of ``nets`` (frozen); the manifest, inputs decoded."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    names = [str(name) for name in manifest.get("names", [])]
    templates = _templates(nets, names, directory)
    files = manifest.get("files")
    if not isinstance(files, dict):  # written before file names were recorded: <name>.pt
        files = {name: f"{name}.pt" for name in names}
    loaded = []
    for name in names:
        file_name = files.get(name)
        if not isinstance(file_name, str):
            raise ValueError(f"{directory / MANIFEST} names no file for the net {name!r}.")
        path = file_in(directory, file_name)
        if not path.is_file():
            if path.with_suffix(".pkl").is_file():
                raise ValueError(_OLD_FORMAT.format(where=directory))
            raise FileNotFoundError(f"{path} is missing: {directory} is incomplete.")
        template = unwrap_frozen(templates[name])
        recorded = manifest.get("nets", {}).get(name, {})
        check_params_match(template, recorded.get("params", {}), str(path))
        try:
            net = restore_net(template, path)
        except ValueError as error:
            raise ValueError(f"{error} Re-create {directory} with NetFeatures.save().") from error
        loaded.append((name, FrozenEstimator(net)))
    sizes = manifest.get("view_sizes")
    sizes = list(sizes) if isinstance(sizes, list) and len(sizes) == len(loaded) else None
    widths = [
        int(np.shape(net.estimator.class_components_)[1])
        if hasattr(net.estimator, "class_components_")
        else (sizes or [None] * len(loaded))[i]
        for i, (_, net) in enumerate(loaded)
    ]
    inputs = manifest.get("inputs")
    if sizes != widths or not isinstance(inputs, dict) or sorted(inputs) != sorted(names):
        raise ValueError(
            f"{directory / MANIFEST} does not describe its nets (view sizes "
            f"{manifest.get('view_sizes')!r}, the nets give {widths}): it is damaged. "
            f"Re-create {directory} with NetFeatures.save()."
        )
    manifest["inputs"] = {name: _from_json(selection) for name, selection in inputs.items()}
    return loaded, manifest
