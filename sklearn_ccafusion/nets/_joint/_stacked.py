"""Train copies of one network as one vectorised model: stacked parameters under ``vmap``.

The nets' modules are built as each net builds its own (same seed, same
initialisation); their parameters and buffers are stacked along a new leading
axis (:func:`torch.func.stack_module_state`) and one forward pass of
:func:`torch.func.functional_call` under :func:`torch.func.vmap` runs them all on
their own batches. Each net keeps what a lone ``fit`` would give it:

* its batch order, from its own shuffling generator (:class:`TensorBatches`);
* its training randomness: the global torch generators are set to the net's own
  state (seeded from its ``random_state`` exactly as ``fit`` seeds them) around its
  augmentation and dropout draws, so on CPU the masks are those of a lone fit;
* its optimiser state: the optimisers allowed (``_ELEMENTWISE_OPTIMIZERS``) update
  each element from its own gradient and state, so one optimiser over the stacked
  tensors is one optimiser per net; the losses are summed, so each net's slice of
  the gradient is the gradient of its own loss;
* its batch-norm statistics (stacked buffers, updated in place under ``vmap``).

Afterwards the trained slices, the optimiser state and the history are written
back into each net, which is then an ordinary fitted ``SensorNetClassifier``.
"""

from __future__ import annotations

import copy
from contextlib import nullcontext
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.func import functional_call, stack_module_state, vmap

from sklearn_ccafusion.nets._classifier._data import ArrayDataset, TensorBatches
from sklearn_ccafusion.nets._classifier._device import (
    SEED_TRAIN,
    autocast,
    derive_seed,
    device_type,
    float_dtype,
    unwrap_module,
)

__all__ = ["ELEMENTWISE_OPTIMIZERS", "StackedTrainingError", "train_stacked"]

#: Optimisers whose update of an element depends only on that element's gradient
#: and state (no norms or statistics over a whole tensor).
ELEMENTWISE_OPTIMIZERS = (
    torch.optim.SGD,
    torch.optim.Adam,
    torch.optim.AdamW,
    torch.optim.Adamax,
    torch.optim.NAdam,
    torch.optim.RAdam,
    torch.optim.RMSprop,
    torch.optim.Adagrad,
    torch.optim.Adadelta,
)

# Random layers whose draws the stacked model cannot reproduce per net.
_UNSUPPORTED_RANDOM = (
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.FeatureAlphaDropout,
    nn.RReLU,
)


class StackedTrainingError(RuntimeError):
    """The nets cannot be trained as one stacked model (the caller trains them one by one)."""


class _FedDropout(nn.Module):
    """Stands for an ``nn.Dropout`` in the stacked model: multiplies by a mask fed to it."""

    def __init__(self, p: float, feed: list) -> None:
        super().__init__()
        self.p = float(p)
        self.feed = feed

    def forward(self, x: Tensor) -> Tensor:
        if self.p == 0.0:
            return x
        if self.p >= 1.0:
            return x * torch.zeros((), dtype=x.dtype, device=x.device)
        return x * self.feed.pop(0)


def _swap_dropout(module: nn.Module, feed: list) -> None:
    for name, child in module.named_children():
        if type(child) is nn.Dropout:
            setattr(module, name, _FedDropout(child.p, feed))
        else:
            _swap_dropout(child, feed)


def _dropout_calls(module: nn.Module, x: Tensor, amp: bool, device: Any) -> list[tuple]:
    """``(p, shape, dtype)`` of each ``nn.Dropout`` call of a forward pass, in call order."""
    calls: list[tuple] = []

    def record(mod: nn.Module, args: tuple) -> None:
        if 0.0 < mod.p < 1.0:
            calls.append((float(mod.p), tuple(args[0].shape), args[0].dtype))

    hooks = [m.register_forward_pre_hook(record) for m in module.modules() if type(m) is nn.Dropout]
    if not hooks:
        return calls
    training = module.training
    module.eval()  # no draws, no batch-norm updates; shapes are those of training
    try:
        with torch.no_grad(), autocast(amp, device):
            module(x)
    finally:
        for hook in hooks:
            hook.remove()
        module.train(training)
    return calls


class _Randomness:
    """Each net's torch generator states, swapped into the global generators in turn."""

    def __init__(self, seeds: list[int], device: Any) -> None:
        self.cuda = device_type(device) == "cuda" and torch.cuda.is_available()
        self.index = torch.device(device).index if self.cuda else None
        self.states = []
        for seed in seeds:
            torch.manual_seed(seed)
            self.states.append(self._get())

    def _get(self) -> tuple:
        cuda = torch.cuda.get_rng_state(self.index or 0) if self.cuda else None
        return torch.get_rng_state(), cuda

    def enter(self, k: int) -> None:
        cpu, cuda = self.states[k]
        torch.set_rng_state(cpu)
        if self.cuda:
            torch.cuda.set_rng_state(cuda, self.index or 0)

    def leave(self, k: int) -> None:
        self.states[k] = self._get()


def _draw_noise(calls: list[tuple], batch: int, device: Any) -> list[Tensor]:
    """Dropout masks as ``F.dropout`` draws them: Bernoulli(1 - p) / (1 - p)."""
    masks = []
    for p, shape, dtype in calls:
        mask = torch.empty((batch, *shape[1:]), dtype=dtype, device=device)
        masks.append(mask.bernoulli_(1 - p).div_(1 - p))
    return masks


def _draw_step(
    augment: Any, xb: Tensor, randomness: _Randomness, calls: list[tuple], device: Any
) -> tuple[Tensor, list[Tensor]]:
    """Each net's augmentation and dropout masks for one step, from its own generators.

    A lone fit draws its augmentation (in ``infer``) and then its dropout masks (in
    call order) from the seeded global generators; each net does the same here.
    """
    xs, per_net = [], []
    for k in range(len(xb)):
        randomness.enter(k)
        xs.append(augment(xb[k]) if augment is not None else xb[k])
        per_net.append(_draw_noise(calls, xb.shape[1], device))
        randomness.leave(k)
    if augment is not None:
        xb = torch.stack(xs)
    return xb, [torch.stack(masks) for masks in zip(*per_net)]


def _train_seed(net: Any) -> int:
    if net.seed_ is not None:
        return derive_seed(net.seed_, SEED_TRAIN, 0)
    return int(torch.randint(0, 2**62, ()).item())  # unseeded net: a fresh draw


def _check_modules(nets: list, modules: list[nn.Module]) -> None:
    ref = modules[0]
    for net, module in zip(nets, modules):
        bad = [
            type(m).__name__
            for m in module.modules()
            if isinstance(m, _UNSUPPORTED_RANDOM)
            or (isinstance(m, nn.modules.dropout._DropoutNd) and type(m) is not nn.Dropout)
        ]
        if bad:
            raise StackedTrainingError(f"the module has random layers {bad} (only nn.Dropout)")
        if [(n, p.shape, p.dtype) for n, p in module.named_parameters()] != [
            (n, p.shape, p.dtype) for n, p in ref.named_parameters()
        ]:
            raise StackedTrainingError("the modules' parameters differ in names or shapes")
        if any(True for _ in net.criterion_.parameters()):
            raise StackedTrainingError("the criterion has parameters")


def _per_net_loss(ref: Any) -> Any:
    """``(logits (K, b, C), targets (K, b)) -> losses (K,)``, each net's ``get_loss``.

    The plain mean cross-entropy (the nets' default) is computed on all nets' rows
    at once; any other criterion goes through ``vmap`` of the net's ``get_loss``.
    """
    criterion = ref.criterion_
    if not (
        type(criterion) is nn.CrossEntropyLoss
        and criterion.reduction == "mean"
        and criterion.label_smoothing == 0.0
    ):
        return vmap(lambda out, target: ref.get_loss(out, target, training=True))

    def cross_entropy(out: Tensor, target: Tensor) -> Tensor:
        if out.dtype != torch.float64:
            out = out.float()
        n_nets, n_classes = out.shape[0], out.shape[-1]
        target = target.long()
        rows = torch.nn.functional.cross_entropy(
            out.reshape(-1, n_classes),
            target.reshape(-1),
            weight=criterion.weight,
            ignore_index=criterion.ignore_index,
            reduction="none",
        ).reshape(n_nets, -1)
        kept = target != criterion.ignore_index
        if criterion.weight is None:
            weight = kept.to(rows.dtype)
        else:
            weight = criterion.weight[target.clamp(min=0)] * kept
        return rows.sum(dim=1) / weight.sum(dim=1)

    return cross_entropy


def _orders(iterators: list[TensorBatches], n: int, device: Any) -> Tensor:
    orders = []
    for it in iterators:
        order = it.epoch_order()
        orders.append(torch.arange(n) if order is None else order)
    return torch.stack(orders).to(device)


def _epoch_hooks(net: Any, hook: str, **kwargs: Any) -> None:
    """skorch's ``notify(hook)`` without the callbacks the stacked loop drives itself."""
    getattr(net, hook)(net, **kwargs)
    for name, callback in net.callbacks_:
        if name not in ("lr_schedule", "progress_bar"):
            getattr(callback, hook)(net, **kwargs)


def _record_epoch(net: Any, losses: np.ndarray, sizes: list[int]) -> None:
    for loss, size in zip(losses, sizes):
        net.history.new_batch()
        net.history.record_batch("train_loss", float(loss))
        net.history.record_batch("train_batch_size", int(size))
    net.history.record("train_batch_count", len(sizes))


def _write_back(nets: list, modules: list, params: dict, buffers: dict, optimizer: Any) -> None:
    """Each net's slice of the stacked parameters, buffers and optimiser state."""
    with torch.no_grad():
        for k, module in enumerate(modules):
            for name, tensor in module.named_parameters():
                tensor.copy_(params[name][k])
            for name, tensor in module.named_buffers():
                if name in buffers:
                    tensor.copy_(buffers[name][k])
    for k, net in enumerate(nets):
        state = net.optimizer_.state_dict()
        index = 0
        for group, net_group in zip(optimizer.param_groups, state["param_groups"]):
            for key in ("lr", "initial_lr"):
                if key in group:
                    net_group[key] = group[key]
            for param in group["params"]:
                slot = optimizer.state.get(param, {})
                state["state"][index] = {
                    key: value[k].clone()
                    if torch.is_tensor(value) and value.shape == param.shape
                    else (value.clone() if torch.is_tensor(value) else copy.deepcopy(value))
                    for key, value in slot.items()
                }
                index += 1
        net.optimizer_.load_state_dict(state)


def train_stacked(
    nets: list,
    sources: list[ArrayDataset],
    source_of: list[int],
    *,
    progress: bool = False,
) -> None:
    """Train initialised, mutually compatible nets as one stacked model, in place.

    Parameters
    ----------
    nets : list of SensorNetClassifier
        Initialised nets (``initialize()`` done) with the same parameters but
        ``random_state``.
    sources : list of ArrayDataset
        The distinct training sets, of equal shapes, as the first net's
        ``get_dataset`` builds them (on its device).
    source_of : list of int
        Index in ``sources`` of each net's training set.
    progress : bool, default=False
        Show a progress bar over the epochs.

    Raises
    ------
    StackedTrainingError
        When the modules cannot be stacked (then nothing has been trained).
    """
    ref = nets[0]
    device = ref.device
    K = len(nets)
    modules = [unwrap_module(net.module_) for net in nets]
    _check_modules(nets, modules)
    dtype = float_dtype(modules[0])
    iterators = [net.get_iterator(sources[s], training=True) for net, s in zip(nets, source_of)]
    if not all(isinstance(it, TensorBatches) for it in iterators):
        raise StackedTrainingError("the nets do not batch in-memory tensors on the device")
    for it in iterators:
        if it.shuffle and it.generator is None:  # unseeded net: its own fresh generator
            it.generator = torch.Generator().manual_seed(int(torch.randint(0, 2**62, ())))
    batch_size, drop_last = iterators[0].batch_size, iterators[0].drop_last
    n = len(sources[0])
    starts = list(range(0, n - n % batch_size if drop_last else n, batch_size))
    X_all = torch.stack([src.X for src in sources]) if len(sources) > 1 else sources[0].X
    y_all = sources[0].y
    src_index = torch.as_tensor(source_of, device=X_all.device)[:, None]
    amp, _ = ref._amp(K * batch_size)

    params, buffers = stack_module_state(modules)
    base = copy.deepcopy(modules[0]).to("meta")
    feed: list = []
    _swap_dropout(base, feed)
    base.train()

    def one_net(p: dict, b: dict, x: Tensor, *masks: Tensor) -> Tensor:
        feed[:] = masks
        return functional_call(base, (p, b), (x,))

    forward = vmap(one_net, randomness="error")
    if getattr(ref, "compile", False):
        forward = torch.compile(forward, **ref.get_params_for("compile"))
    per_net_loss = _per_net_loss(ref)

    args, kwargs = ref.get_params_for_optimizer("optimizer", list(params.items()))
    optimizer = ref.optimizer(*args, **kwargs)
    schedule = dict(ref.callbacks_).get("lr_schedule")
    scheduler = None
    if schedule is not None:
        scheduler = schedule.policy_(optimizer, **schedule.kwargs)

    probe = ref._prepare_input(X_all[:batch_size] if len(sources) == 1 else X_all[0, :batch_size])
    calls = {len(probe): _dropout_calls(modules[0], probe, amp, device)}
    if n % batch_size and not drop_last:
        calls[n % batch_size] = _dropout_calls(modules[0], probe[: n % batch_size], amp, device)
    random_draws = ref.augment is not None or any(calls.values())
    cuda = device_type(device) == "cuda" and torch.cuda.is_available()
    fork = torch.random.fork_rng(devices=[torch.device(device).index or 0] if cuda else [])

    bar = nullcontext()
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=ref.max_epochs, desc=f"{K} nets together", unit="epoch", leave=False)
    with fork, bar:
        randomness = _Randomness([_train_seed(net) for net in nets], device)
        for net, source in zip(nets, source_of):
            _epoch_hooks(net, "on_train_begin", X=sources[source].X, y=sources[source].y)
        for _ in range(ref.max_epochs):
            kw = [{"dataset_train": sources[s], "dataset_valid": None} for s in source_of]
            for net, kwargs_k in zip(nets, kw):
                _epoch_hooks(net, "on_epoch_begin", **kwargs_k)
            orders = _orders(iterators, n, X_all.device)
            losses, sizes = [], []
            for start in starts:
                idx = orders[:, start : start + batch_size]
                xb = X_all[idx] if len(sources) == 1 else X_all[src_index, idx]
                yb = y_all[idx]
                xb = xb.to(dtype) if xb.dtype != dtype else xb
                masks: list[Tensor] = []
                if random_draws:
                    xb, masks = _draw_step(ref.augment, xb, randomness, calls[len(yb[0])], device)
                optimizer.zero_grad()
                with autocast(amp, device):
                    try:
                        out = forward(params, buffers, xb, *masks)
                    except RuntimeError as error:
                        if losses or isinstance(error, torch.OutOfMemoryError):
                            raise
                        # random numbers outside nn.Dropout, an operation vmap lacks, or an
                        # input the module cannot take: each net's own fit runs it, or says
                        # what of the input it cannot take
                        raise StackedTrainingError(
                            "the module draws random numbers outside nn.Dropout"
                            if "random" in str(error)
                            else f"the stacked model cannot run: {error}"
                        ) from error
                loss = per_net_loss(out, yb)
                loss.sum().backward()
                optimizer.step()
                feed.clear()
                losses.append(loss.detach())
                sizes.append(idx.shape[1])
            epoch_losses = torch.stack(losses).to(torch.float64).cpu().numpy()
            for k, net in enumerate(nets):
                _record_epoch(net, epoch_losses[:, k], sizes)
                _epoch_hooks(net, "on_epoch_end", **kw[k])
                if scheduler is not None and schedule.event_name is not None:
                    net.history.record(schedule.event_name, scheduler.get_last_lr()[0])
            if scheduler is not None:
                scheduler.step()
            if progress:
                bar.set_postfix(loss=float(epoch_losses.mean()))
                bar.update()
        for net, source in zip(nets, source_of):
            _epoch_hooks(net, "on_train_end", X=sources[source].X, y=sources[source].y)
    _write_back(nets, modules, params, buffers, optimizer)
