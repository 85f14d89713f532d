"""Files of fitted networks that hold data only: reading one never runs code.

A fitted skorch network is its constructor's parameters plus what training learned:
the state dicts of its modules, criteria and optimisers, its classes, its seed and
its history. A file written here holds only the learned part, as tensors, numbers,
strings, lists and dicts, saved with :func:`torch.save` and read back with
``torch.load(weights_only=True)``, whose unpickler rebuilds tensors and plain
containers and refuses every other global (a planted ``__reduce__`` is an error,
not a call). The code, i.e. the network's class, its module class, its criterion
and optimiser, comes from the unfitted network the caller passes to
:func:`restore_net`: a name written in a file is never imported.

Parameters are recorded as plain data (:func:`describe_params`) so that a file
can be checked against the network it is restored into (same class, same module
and module arguments), never to rebuild it.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from skorch import NeuralNet
from skorch.history import History

from sklearn_ccafusion.nets._classifier._device import unwrap_module
from sklearn_ccafusion.utils._files import atomic_write

__all__ = [
    "FILE_FORMAT",
    "check_params_match",
    "describe_params",
    "net_file_bytes",
    "qualified_name",
    "read_net_file",
    "restore_net",
    "unwrap_frozen",
    "write_net_file",
]

FILE_FORMAT = "sklearn-ccafusion fitted net"
_VERSION = 1
# Parameters that decide what the stored weights mean; the others (device,
# batch_size, verbose...) are the caller's to choose when restoring.
_ARCHITECTURE = ("module", "classes")
_CLASS_KINDS = "biufUS"  # dtypes of classes that need no pickle


# Modules of this package that moved when ``nets/`` was grouped by role: files written
# before name their classes and functions by the old paths, which mean the same code.
_MOVED = {
    **{
        f"sklearn_ccafusion.nets.{m}": f"sklearn_ccafusion.nets._architectures.{m}"
        for m in ("_mlp", "_shl", "_resnet", "_timeseries")
    },
    **{
        f"sklearn_ccafusion.nets.{m}": f"sklearn_ccafusion.nets._classifier.{m}"
        for m in ("_classifier", "_augment", "_accelerate", "_progress", "_targets")
    },
    **{
        f"sklearn_ccafusion.nets.{m}": f"sklearn_ccafusion.nets._features.{m}"
        for m in ("_features", "_layers")
    },
}


def _current_name(name: str) -> str:
    """A recorded ``module.QualName`` under today's module path (old paths mapped)."""
    module, _, qualname = name.rpartition(".")
    return f"{_MOVED[module]}.{qualname}" if module in _MOVED else name


def _same_value(current: Any, recorded: Any) -> bool:
    """Whether a recorded parameter (JSON data) describes ``current``, old paths allowed."""
    if isinstance(recorded, dict) and set(recorded) in ({"callable"}, {"object"}):
        ((kind, name),) = recorded.items()
        return isinstance(name, str) and current == {kind: _current_name(name)}
    if isinstance(recorded, list) and isinstance(current, list):
        return len(recorded) == len(current) and all(map(_same_value, current, recorded))
    if isinstance(recorded, dict) and isinstance(current, dict):
        return set(recorded) == set(current) and all(
            _same_value(current[k], recorded[k]) for k in recorded
        )
    return current == recorded


def _is_code(obj: Any) -> bool:
    return isinstance(obj, type) or (callable(obj) and hasattr(obj, "__qualname__"))


def qualified_name(obj: Any) -> str:
    """``module.QualName`` of a class or function, of an instance's type otherwise."""
    target = obj if _is_code(obj) else type(obj)
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', '?')}"


def _plain(value: Any) -> Any:
    """``value`` as JSON data; code and objects become ``{"callable"|"object": name}``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.dtype.kind in _CLASS_KINDS:
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v) for k, v in value.items()}
    if _is_code(value):
        return {"callable": qualified_name(value)}
    return {"object": qualified_name(value)}


def describe_params(net: Any) -> dict[str, Any]:
    """The net's constructor parameters as JSON data (classes and objects by name).

    Examples
    --------
    >>> from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier
    >>> net = SensorNetClassifier(MLPNet, module__n_features=4, module__n_classes=2)
    >>> params = describe_params(net)
    >>> params["module"], params["module__n_features"]
    ({'callable': 'sklearn_ccafusion.nets._architectures._mlp.MLPNet'}, 4)
    """
    return {key: _plain(value) for key, value in net.get_params(deep=False).items()}


def check_params_match(net: Any, recorded: dict[str, Any], where: str) -> None:
    """Raise a ``ValueError`` when ``net`` is not the architecture ``recorded`` describes."""
    current = describe_params(net)
    keys = sorted(
        k for k in set(current) | set(recorded) if k in _ARCHITECTURE or k.startswith("module__")
    )
    differ = [k for k in keys if not _same_value(current.get(k), recorded.get(k))]
    if differ:
        detail = "; ".join(
            f"{k}: saved {recorded.get(k)!r}, given {current.get(k)!r}" for k in differ
        )
        raise ValueError(
            f"{where} was saved from another network than the one given ({detail}). "
            "Pass the network with the parameters it was trained with."
        )


def unwrap_frozen(net: Any) -> Any:
    """The estimator inside (nested) ``FrozenEstimator`` wrappers."""
    while isinstance(net, FrozenEstimator):
        net = net.estimator
    return net


def _jsonable_history(history: Any) -> list:
    def default(value: Any) -> Any:
        return value.item() if hasattr(value, "item") else str(value)

    return json.loads(json.dumps(list(history), default=default))


def _states(net: NeuralNet) -> dict[str, dict]:
    states = {}
    for name in net._modules + net._criteria:
        states[name] = unwrap_module(getattr(net, name + "_")).state_dict()
    for name in net._optimizers:
        states[name] = getattr(net, name + "_").state_dict()
    return states


def _content(net: NeuralNet, with_optimizers: bool = True) -> dict[str, Any]:
    states = _states(net)
    if not with_optimizers:
        states = {k: v for k, v in states.items() if k not in net._optimizers}
    content: dict[str, Any] = {
        "format": FILE_FORMAT,
        "version": _VERSION,
        "net_class": qualified_name(type(net)),
        "states": states,
        "history": _jsonable_history(net.history),
        "seed": getattr(net, "seed_", None),
    }
    classes = net.__dict__.get("classes_inferred_")
    if classes is not None:
        classes = np.asarray(classes)
        if classes.dtype.kind not in _CLASS_KINDS:
            classes = np.asarray(classes.tolist())
        if classes.dtype.kind not in _CLASS_KINDS:
            raise ValueError(
                f"The classes of the net ({classes.dtype} array) are not numbers or strings; "
                "only such classes can be stored without pickles. Encode y as integers."
            )
        content["classes"] = classes.tolist()
        content["classes_dtype"] = classes.dtype.str
    if "class_weight_" in net.__dict__:
        weight = net.class_weight_
        content["class_weight"] = None if weight is None else np.asarray(weight, float).tolist()
    return content


def _load_safely(source: Any) -> Any:
    return torch.load(source, map_location="cpu", weights_only=True)


def net_file_bytes(net: Any) -> bytes:
    """The bytes of the file of a fitted skorch ``net`` (see :func:`write_net_file`).

    The bytes are read back with ``weights_only=True`` before they are returned, so a
    file holding them can be restored. Optimiser states holding anything but data
    are left out (the optimiser then restarts), with everything else kept.

    Raises
    ------
    TypeError
        When ``net`` is not a skorch network.
    """
    net = unwrap_frozen(net)
    if not isinstance(net, NeuralNet):
        raise TypeError(
            f"{type(net).__name__} is not a skorch network; only the weights of skorch "
            "networks (SensorNetClassifier) can be stored without pickles."
        )
    buffer = io.BytesIO()
    for with_optimizers in (True, False):
        buffer = io.BytesIO()
        torch.save(_content(net, with_optimizers), buffer)
        try:
            _load_safely(io.BytesIO(buffer.getvalue()))
            break
        except Exception:  # an optimiser state holding objects: store without it
            if not with_optimizers:
                raise
    return buffer.getvalue()


def write_net_file(path: str | Path, net: Any) -> Path:
    """Write the learned state of a fitted skorch ``net`` to ``path`` (atomically).

    The file can always be restored (:func:`net_file_bytes`); it is written to a
    temporary name, then renamed.

    Parameters
    ----------
    path : str or path
        Destination file (conventionally ``.pt``).
    net : skorch.NeuralNet
        A fitted network, possibly inside ``FrozenEstimator``.

    Returns
    -------
    path : pathlib.Path
    """
    data = net_file_bytes(net)
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def read_net_file(path: str | Path) -> dict[str, Any]:
    """The content of a file of :func:`write_net_file`, read without running code.

    Raises
    ------
    ValueError
        Naming the file, when it is damaged, not such a file, or holds anything but
        data (a planted pickle is refused, never executed).
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            content = _load_safely(handle)
    except FileNotFoundError:
        raise
    except Exception as error:  # torch raises many types for bad files
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ValueError(
            f"{path} cannot be read as a fitted network's weights "
            f"({type(error).__name__}: {first[:300]}). It is damaged, or holds objects "
            "other than tensors and plain data, which are refused because reading them "
            "could run code."
        ) from error
    if not isinstance(content, dict) or content.get("format") != FILE_FORMAT:
        raise ValueError(f"{path} is not a fitted network file of sklearn_ccafusion.")
    if content.get("version") != _VERSION:
        raise ValueError(
            f"{path} has version {content.get('version')!r} of the fitted network file; "
            f"this version of sklearn_ccafusion reads version {_VERSION}."
        )
    return content


def _classes(content: dict[str, Any], path: Path) -> np.ndarray | None:
    if "classes" not in content:
        return None
    dtype = np.dtype(str(content["classes_dtype"]))
    if dtype.kind not in _CLASS_KINDS:
        raise ValueError(f"{path}: classes of dtype {dtype} are not stored data.")
    return np.asarray(content["classes"], dtype=dtype)


def restore_net(template: Any, path: str | Path) -> Any:
    """A fitted copy of the unfitted ``template``, with the state stored in ``path``.

    Parameters
    ----------
    template : skorch.NeuralNet
        The network as constructed for training (its code and parameters); it is
        cloned, never modified. A ``FrozenEstimator`` is unwrapped first.
    path : str or path
        A file of :func:`write_net_file`.

    Returns
    -------
    net : skorch.NeuralNet
        Initialised, with the stored weights, classes, seed and history.

    Raises
    ------
    ValueError
        Naming the file, when it cannot be read safely, or was written for another
        kind of network or architecture.
    """
    path = Path(path)
    content = read_net_file(path)
    template = unwrap_frozen(template)
    if not isinstance(template, NeuralNet):
        raise TypeError(
            f"{type(template).__name__} is not a skorch network; stored weights can only "
            "be restored into one (SensorNetClassifier)."
        )
    recorded_class = content.get("net_class")
    if not isinstance(recorded_class, str) or _current_name(recorded_class) != qualified_name(
        type(template)
    ):
        raise ValueError(
            f"{path} holds a {content.get('net_class')}, but the network given is a "
            f"{qualified_name(type(template))}."
        )
    net = clone(template)
    if "class_weight" in content:
        weight = content["class_weight"]
        net.class_weight_ = None if weight is None else np.asarray(weight, dtype=float)
    net.initialize()
    try:
        for name, state in content["states"].items():
            if name not in net._modules + net._criteria + net._optimizers:
                raise KeyError(f"no {name!r} in {type(net).__name__}")
            target = getattr(net, name + "_")
            if name not in net._optimizers:
                target = unwrap_module(target)
            target.load_state_dict(state)
    except (KeyError, RuntimeError, ValueError) as error:
        raise ValueError(
            f"{path} does not fit the network given: {error}. Pass the network with the "
            "parameters it was trained with."
        ) from error
    classes = _classes(content, path)
    if classes is not None:
        net.classes_inferred_ = classes
    net.history = History(content.get("history", []))
    if content.get("seed") is not None:
        net.seed_ = int(content["seed"])
    return net
