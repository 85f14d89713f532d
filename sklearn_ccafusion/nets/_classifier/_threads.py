"""How many CPU threads torch should use for one network: enough for its work, no more.

torch's intra-op pool defaults to one thread per core. A small network's batch is
too little work to share: the threads spend their time synchronising, and on
shared cores they wait for each other, so small CPU training runs several times
slower than on one thread. The rule here gives each thread at least
:data:`FLOPS_PER_THREAD` floating-point operations of one training step (forward
and backward, about three forward passes of a batch), measured from one forward
pass of one sample.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from math import prod
from typing import Any

import torch
from torch import nn

from sklearn_ccafusion.nets._classifier._data import first_sample
from sklearn_ccafusion.nets._classifier._device import device_type

__all__ = [
    "FLOPS_PER_THREAD",
    "auto_torch_threads",
    "forward_flops",
    "torch_threads",
    "training_threads",
]

#: Floating-point operations of one training step below which an extra thread does
#: not pay (``benchmarks/bench_threads.py``, docs/user_guide/networks.rst).
FLOPS_PER_THREAD = 4e9


def forward_flops(module: nn.Module, sample: torch.Tensor) -> int:
    """Floating-point operations of a forward pass, counted over linear and conv layers.

    A multiply-add counts 2. Other layers (activations, pooling, normalisation) are
    cheap next to these and are not counted.

    Parameters
    ----------
    module : torch.nn.Module
        The network; it runs in eval mode without gradients, and its mode is restored.
    sample : torch.Tensor
        An input batch (one sample is enough: the count is per batch).

    Returns
    -------
    flops : int

    Examples
    --------
    >>> forward_flops(nn.Linear(64, 10), torch.zeros(1, 64))
    1280
    """
    total = 0

    def count(layer: nn.Module, inputs: Any, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(layer, nn.Linear):
            total += 2 * layer.in_features * output.numel()
        else:  # convolutions
            per_output = layer.in_channels // layer.groups * prod(layer.kernel_size)
            total += 2 * per_output * output.numel()

    layers = [m for m in module.modules() if isinstance(m, (nn.Linear, nn.modules.conv._ConvNd))]
    handles = [layer.register_forward_hook(count) for layer in layers]
    was_training = module.training
    try:
        module.eval()
        with torch.no_grad():
            module(sample)
    finally:
        module.train(was_training)
        for handle in handles:
            handle.remove()
    return total


def auto_torch_threads(
    module: nn.Module, sample: torch.Tensor, batch_size: int, max_threads: int | None = None
) -> int:
    """Threads for training ``module`` on CPU in batches of ``batch_size``.

    ``clip(3 * forward_flops(one sample) * batch_size / FLOPS_PER_THREAD, 1,
    max_threads)``.

    Parameters
    ----------
    module : torch.nn.Module
        The network.
    sample : torch.Tensor
        One input sample with its batch axis, ``(1, ...)``.
    batch_size : int
        Samples per training batch.
    max_threads : int or None, default=None
        Upper bound; ``None``: torch's current thread count.

    Returns
    -------
    n_threads : int

    Examples
    --------
    >>> auto_torch_threads(nn.Linear(64, 10), torch.zeros(1, 64), batch_size=64)
    1
    """
    if max_threads is None:
        max_threads = torch.get_num_threads()
    flops = 3 * forward_flops(module, sample[:1]) * max(int(batch_size), 1)
    return max(1, min(int(max_threads), int(flops // FLOPS_PER_THREAD)))


def training_threads(
    setting: int | str | None, device: Any, module: nn.Module, X: Any, batch_size: int
) -> int | None:
    """The thread count of a ``torch_threads`` setting for training on ``X``.

    ``None``: leave torch's count; an int: that count; ``"auto"``:
    :func:`auto_torch_threads` on CPU, ``None`` on other devices or when the first
    sample of ``X`` cannot be read or run (training then raises its own error).

    Examples
    --------
    >>> training_threads("auto", "cpu", nn.Linear(4, 2), torch.zeros(8, 4), 64)
    1
    >>> training_threads("auto", "cuda", nn.Linear(4, 2), torch.zeros(8, 4), 64) is None
    True
    """
    if setting is None:
        return None
    if setting != "auto":
        return int(setting)
    if device_type(device) != "cpu":
        return None
    sample = first_sample(X)
    if sample is None:
        return None
    try:
        return auto_torch_threads(module, sample, batch_size)
    except (ValueError, TypeError, RuntimeError):
        return None


@contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run a block with ``n_threads`` torch intra-op threads, then restore the count.

    ``None`` leaves the count as it is. The count is global to the process, so
    nets trained at once in threads of one process should agree on it.

    Examples
    --------
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n_threads is None or n_threads == torch.get_num_threads():
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)
