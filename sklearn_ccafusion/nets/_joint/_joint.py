"""``fit_jointly``: train many same-architecture networks together, as one vectorised model.

A study trains copies of one network that differ only by their seed (and, across
sensors, by their input). ``fit_jointly`` groups the nets that can share one
stacked model (:mod:`._stacked`), trains each group in one pass over the data,
and leaves every net an ordinary fitted :class:`SensorNetClassifier`. Groups are
joblib tasks, so several processes, GPUs behind a dask cluster, or machines take
them through any joblib backend.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import joblib
import numpy as np
import torch
from joblib import Parallel, delayed
from skorch.dataset import Dataset as SkorchDataset
from skorch.utils import is_dataset
from torch.utils.data import DataLoader

from sklearn_ccafusion.nets._classifier._classifier import SensorNetClassifier
from sklearn_ccafusion.nets._classifier._device import (
    check_device,
    device_type,
    has_conv,
    unwrap_module,
)
from sklearn_ccafusion.nets._joint._stacked import (
    ELEMENTWISE_OPTIMIZERS,
    StackedTrainingError,
    train_stacked,
)

__all__ = ["fit_jointly", "fit_on_workers", "joint_training_obstacle"]

# Parameters that may differ between nets trained together: they decide no number of the
# training (a progress label must not change how nets are grouped, hence their bits).
_FREE = ("random_state", "verbose", "progress")


def joint_training_obstacle(net: Any) -> str | None:
    """Why ``net`` cannot be trained jointly with others, or ``None`` when it can.

    Parameters
    ----------
    net : estimator
        A network, usually an unfitted :class:`SensorNetClassifier`.

    Returns
    -------
    reason : str or None

    Examples
    --------
    >>> from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier
    >>> net = SensorNetClassifier(MLPNet, module__n_features=4, module__n_classes=2)
    >>> joint_training_obstacle(net) is None
    True
    >>> joint_training_obstacle(net.set_params(train_split=lambda ds, y: (ds, ds)))
    'it holds out a validation split (train_split)'
    """
    if type(net) is not SensorNetClassifier:
        return f"it is a {type(net).__name__}, not a SensorNetClassifier"
    if not inspect.isclass(net.module):
        return "its module is an instance, not a class"
    if net.callbacks is not None:
        return "it has its own callbacks"
    if net.train_split is not None:
        return "it holds out a validation split (train_split)"
    if net.optimizer not in ELEMENTWISE_OPTIMIZERS:
        return f"its optimizer {net.optimizer!r} is not an element-wise one"
    if not net.data_on_device or net.iterator_train is not DataLoader:
        return "it does not batch in-memory tensors on the device"
    if net.dataset is not SkorchDataset:
        return "it has its own dataset class"
    if net.warm_start and getattr(net, "initialized_", False):
        return "it continues a previous training (warm_start)"
    return None


def _trains_alone_on_cpu(net: Any) -> bool:
    """Whether ``fit_jointly(vectorize="auto")`` trains this unfitted net by itself.

    Convolutional modules on CPU are not stacked (measured slower); such nets
    gain from being spread over processes instead.
    """
    if device_type(getattr(net, "device", "cpu")) != "cpu":
        return False
    module = net.module
    if not isinstance(module, torch.nn.Module):
        module = module(**net.get_params_for("module"))
    return has_conv(module)


def _source_key(X: Any) -> tuple:
    """What identifies an input array's data (views of one buffer compare equal)."""
    if isinstance(X, np.ndarray):
        return ("numpy", X.__array_interface__["data"][0], X.shape, X.strides, X.dtype.str)
    if torch.is_tensor(X):
        return ("torch", X.data_ptr(), tuple(X.shape), X.stride(), str(X.dtype), str(X.device))
    return ("object", id(X))


def _recipe_key(net: Any, X: Any) -> Any:
    """Nets with equal keys train together; ``None``: train alone."""
    if joint_training_obstacle(net) is not None:
        return None
    if is_dataset(X) or not hasattr(X, "shape") or isinstance(X, (dict, list, tuple)):
        return None
    params = {k: v for k, v in net.get_params(deep=False).items() if k not in _FREE}
    try:
        return joblib.hash((params, tuple(np.shape(X)), str(getattr(X, "dtype", None))))
    except Exception:  # unpicklable parameters: nothing to compare them by
        return None


def _groups(keys: list, max_group_size: int | None) -> list[list[int]]:
    by_key: dict = {}
    groups: list[list[int]] = []
    for i, key in enumerate(keys):
        if key is None:
            groups.append([i])
        else:
            by_key.setdefault(key, []).append(i)
    size = max_group_size or max((len(g) for g in by_key.values()), default=1)
    for members in by_key.values():
        groups += [members[s : s + size] for s in range(0, len(members), size)]
    return sorted(groups)


def _check_nets(nets: Any) -> list:
    """The nets as a list, each an estimator with a ``fit`` method."""
    if callable(getattr(nets, "fit", None)) or isinstance(nets, (str, bytes)):
        raise TypeError(
            f"nets must be a list of networks, got one {type(nets).__name__}; wrap a single "
            "net in a list."
        )
    try:
        nets = list(nets)
    except TypeError:
        raise TypeError(
            f"nets must be a list of networks (SensorNetClassifier instances), got "
            f"{type(nets).__name__}."
        ) from None
    if not nets:
        raise ValueError("nets is empty: give at least one network to train.")
    bad = [
        f"nets[{i}] is a {type(net).__name__}"
        for i, net in enumerate(nets)
        if not callable(getattr(net, "fit", None))
    ]
    if bad:
        raise TypeError(
            "nets must hold estimators with a fit method (SensorNetClassifier instances): "
            f"{'; '.join(bad[:5])}."
        )
    for net in nets:  # before any training, as each net's own fit does
        check_device(getattr(net, "device", None))
    return nets


def _fit_group(nets: list, inputs: list, y: Any, vectorize: bool | str, progress: bool) -> list:
    """Train one group jointly (falling back to one ``fit`` each); return the nets."""
    # nets asking for their own progress bar get the group's bar instead
    progress = progress or any(getattr(net, "progress", False) for net in nets)
    if len(nets) > 1 and vectorize:
        ref = nets[0]
        keys = [_source_key(X) for X in inputs]
        distinct = list(dict.fromkeys(keys))
        for net in nets:
            net._compute_class_weight(y)
            net.initialize()
        slower = device_type(ref.device) == "cpu" and has_conv(unwrap_module(ref.module_))
        try:
            if vectorize == "auto" and slower:
                raise StackedTrainingError("convolutions on CPU: no faster stacked")
            ref.check_data(inputs[0], y)
            for net in nets[1:]:
                net.check_data(inputs[0], y)
            sources = [ref.get_dataset(inputs[keys.index(key)], y) for key in distinct]
            train_stacked(nets, sources, [distinct.index(k) for k in keys], progress=progress)
            return nets
        except StackedTrainingError:
            pass  # e.g. random layers other than nn.Dropout: train one by one
    return [net.fit(X, y) for net, X in zip(nets, inputs)]


def fit_jointly(
    nets: Sequence[Any],
    X: Any,
    y: Any,
    *,
    max_group_size: int | None = None,
    n_jobs: int | None = None,
    vectorize: bool | str = "auto",
    progress: bool = False,
) -> list:
    """Train networks of one architecture and recipe together, each as it would train alone.

    The nets that share their module class, module parameters and training recipe
    (every parameter but ``random_state`` and ``verbose``) and inputs of one shape
    are trained as ONE vectorised model: their parameters are stacked and one
    :func:`torch.func.vmap` pass of :func:`torch.func.functional_call` runs all of
    them. Each keeps its own initialisation (the one its ``random_state`` gives),
    its own batch order, its own dropout and augmentation draws, its own
    optimiser state and learning-rate schedule, and its own batch-norm
    statistics, so each result is the network that ``net.fit(X, y)`` gives, up
    to floating-point reassociation (in float64, to about 1e-10). Afterwards
    every net is an ordinary fitted :class:`SensorNetClassifier` (``transform``,
    ``class_components_``, ``history_``, pickling, ``partial_fit``).

    Parameters
    ----------
    nets : sequence of estimators
        The networks, usually unfitted :class:`SensorNetClassifier` instances
        differing by ``random_state``. They are fitted in place.
    X : array-like, tensor, or list of them
        Training inputs: one array shared by every net (nets differing by seed),
        or one per net (e.g. a sensor each), of equal shapes to train together.
    y : array-like of shape (n_samples,)
        Class labels, shared by every net.
    max_group_size : int or None, default=None
        Most nets per stacked model (memory); ``None``: all compatible nets.
    n_jobs : int or None, default=None
        Groups run as joblib tasks on this many workers; any joblib backend
        (``joblib.parallel_config(backend="dask")``, ray) spreads them over
        processes, GPUs or machines. ``None``: joblib's default (one, in process).
    vectorize : bool or "auto", default="auto"
        ``True``: train each group as one stacked model; ``False``: every net
        with its own ``fit`` (same results, the groups still joblib tasks);
        ``"auto"``: stacked, except modules with convolutions on CPU, where
        stacking was measured slower (``benchmarks/bench_nets.py``: 1.65x the
        sequential time for 6 ``SHLConvNet``): ``vmap`` turns convolutions into
        grouped ones, no faster on CPU, plus layout copies.
    progress : bool, default=False
        Show a progress bar over each group's epochs.

    Returns
    -------
    nets : list
        The given nets, fitted, in order.

    Raises
    ------
    TypeError
        When ``nets`` is not a list of estimators with a ``fit`` method (a
        single net must be wrapped in a list).
    ValueError
        When a net's ``device`` is not available here (named with the ones
        that are), before any net trains.
    ValueError
        When ``nets`` is empty, lists one net twice, or ``X`` is a list of another
        length.
    ValueError
        When a net's module cannot run on its input (a width or dtype it was not
        built for), naming the module, the batch's shape and torch's message.

    Notes
    -----
    A net trains alone, with its own ``fit``, when it cannot join a group
    (:func:`joint_training_obstacle` says why): not a plain
    :class:`SensorNetClassifier` (subclasses may change the training step);
    a module given as an instance; its own ``callbacks``; a ``train_split``; an
    optimiser outside the element-wise ones (SGD, Adam, AdamW, Adamax, NAdam,
    RAdam, RMSprop, Adagrad, Adadelta), whose per-tensor statistics would mix the
    nets; ``data_on_device=False`` or a custom iterator or dataset; a
    ``warm_start`` continuation; a ``Dataset`` or dict input; parameters that
    differ from every other net's. A group also falls back to one ``fit`` per net
    when its module has random layers other than ``nn.Dropout`` or draws random
    numbers in its ``forward``.

    On CPU the dropout masks and augmentation draws are those of a lone fit. On
    CUDA each net still draws from its own seeded generator, but dropout masks
    differ from those of a lone fit (which uses a fused kernel), and with
    ``precision="auto"`` the group trains in bf16 when ``batch_size`` times the
    group's size reaches 512 samples per step. The stacked model runs in the
    contiguous (not channels-last) layout: ``vmap`` folds the nets into grouped
    convolutions. With ``compile=True`` the vectorised forward pass is compiled
    with the nets' ``compile__*`` parameters (``compile__mode="reduce-overhead"``
    gives CUDA graphs).

    With ``n_jobs`` and a process or cluster backend, the nets come back from the
    workers and their fitted state is copied into the given objects.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ccafusion.nets import MLPNet, SensorNetClassifier, fit_jointly
    >>> X, y = load_digits(return_X_y=True)
    >>> nets = [
    ...     SensorNetClassifier(MLPNet, module__n_features=64, module__n_classes=10,
    ...                         module__hidden=32, max_epochs=5, random_state=seed)
    ...     for seed in range(4)
    ... ]
    >>> nets = fit_jointly(nets, X / 16, y)
    >>> [bool(net.score(X / 16, y) > 0.8) for net in nets]
    [True, True, True, True]
    >>> nets[0].transform(X[:2] / 16).shape
    (2, 32)
    """
    nets = _check_nets(nets)
    if len({id(net) for net in nets}) < len(nets):
        raise ValueError(
            "fit_jointly got the same net object twice; pass distinct nets (clone them)."
        )
    if isinstance(X, (list, tuple)):
        if len(X) != len(nets):
            raise ValueError(
                f"X is a list of {len(X)} inputs but there are {len(nets)} nets; give one "
                "input per net, or one array shared by all."
            )
        inputs = list(X)
    else:
        inputs = [X] * len(nets)
    if max_group_size is not None and (
        isinstance(max_group_size, bool)
        or not isinstance(max_group_size, (int, np.integer))
        or max_group_size < 1
    ):
        raise ValueError(f"max_group_size must be a positive int or None, got {max_group_size!r}.")
    if vectorize not in (True, False, "auto"):
        raise ValueError(f'vectorize must be True, False or "auto", got {vectorize!r}.')
    groups = _groups([_recipe_key(n, Xn) for n, Xn in zip(nets, inputs)], max_group_size)
    fitted_groups = Parallel(n_jobs=n_jobs)(
        delayed(_fit_group)([nets[i] for i in g], [inputs[i] for i in g], y, vectorize, progress)
        for g in groups
    )
    for group, fitted in zip(groups, fitted_groups):
        for i, net in zip(group, fitted):
            if net is not nets[i]:  # came back from another process
                nets[i].__dict__.update(net.__dict__)
    return nets


def fit_on_workers(nets: Sequence[Any], X: Any, y: Any, *, n_jobs: int | None = None) -> list:
    """Train nets of one recipe (different seeds) the fastest way this machine allows.

    Nets that :func:`fit_jointly` stacks (dense modules, or any module on a GPU)
    train together in this process. Nets that it trains one at a time
    (convolutions on CPU, measured slower stacked) are spread over ``n_jobs``
    worker processes instead, a contiguous share of the nets each, so every core
    trains. Either way each net is the one its own ``fit`` gives.

    Parameters
    ----------
    nets : sequence of estimators
        Unfitted :class:`SensorNetClassifier` instances, fitted in place.
    X : array-like, tensor, or list of them
        Training inputs, as for :func:`fit_jointly`.
    y : array-like of shape (n_samples,)
        Class labels, shared by every net.
    n_jobs : int or None, default=None
        Most worker processes for nets that train alone on CPU (joblib's
        convention: ``None`` is one, ``-1`` every core).

    Returns
    -------
    nets : list
        The given nets, fitted, in order.
    """
    nets = _check_nets(nets)
    alone = all(_trains_alone_on_cpu(net) for net in nets)
    workers = min(joblib.effective_n_jobs(n_jobs), len(nets)) if alone else 1
    if workers <= 1:
        return fit_jointly(nets, X, y)
    return fit_jointly(nets, X, y, max_group_size=-(-len(nets) // workers), n_jobs=workers)
