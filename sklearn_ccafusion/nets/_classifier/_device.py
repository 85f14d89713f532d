"""Device, precision and seeding helpers: every choice comes from a parameter.

No function here touches global state for good: seeding happens inside
:func:`torch.random.fork_rng`, which restores the global generators on exit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = [
    "has_conv",
    "use_channels_last",
    "AUTO_BF16_MIN_SAMPLES",
    "SEED_INIT",
    "SEED_SHUFFLE",
    "SEED_TRAIN",
    "autocast",
    "available_devices",
    "check_device",
    "derive_seed",
    "device_type",
    "draw_seed",
    "float_dtype",
    "resolve_device",
    "resolve_precision",
    "seeded",
    "unwrap_module",
]

PRECISIONS = ("auto", "fp32", "bf16-mixed", "bf16")
# Purposes of the seeds derived from a net's ``random_state`` (``derive_seed(seed, purpose,
# ...)``): its initialisation, its training randomness per fit call, its batch order per epoch.
SEED_INIT, SEED_TRAIN, SEED_SHUFFLE = 0, 1, 2


def resolve_device(device: str | torch.device | None) -> str | torch.device | None:
    """Return ``device`` with ``"auto"`` replaced by ``"cuda"`` when CUDA is present.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    >>> resolve_device("auto") in ("cpu", "cuda")
    True
    """
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def available_devices() -> list[str]:
    """The devices torch can use here: ``"cpu"``, each CUDA device, ``"mps"``.

    Examples
    --------
    >>> available_devices()[0]
    'cpu'
    """
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += ["cuda", *(f"cuda:{i}" for i in range(torch.cuda.device_count()))]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def check_device(device: str | torch.device | None) -> str | torch.device | None:
    """``device`` resolved (``"auto"``), or a ``ValueError`` naming what is available.

    Called when work starts (``fit``), so that a net built for CUDA still
    clones and pickles on a machine without it.

    Parameters
    ----------
    device : str, torch.device or None
        ``"cpu"``, ``"cuda"``, ``"cuda:<index>"``, ``"mps"``, ``"auto"`` or
        ``None`` (where the parameters are).

    Returns
    -------
    device : str, torch.device or None
        As :func:`resolve_device` gives it.

    Raises
    ------
    ValueError
        When ``device`` is no device name, or names a device this machine
        lacks (CUDA without a CUDA build or GPU, a CUDA index beyond the GPUs
        present, MPS off Apple silicon); the message lists the available ones.
    TypeError
        When ``device`` is neither a string, a ``torch.device`` nor ``None``.

    Examples
    --------
    >>> check_device("cpu")
    'cpu'
    >>> check_device("gpu")
    Traceback (most recent call last):
    ...
    ValueError: device='gpu' is not a device name ...
    """
    device = resolve_device(device)
    if device is None:
        return None
    if not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"device must be a string such as 'cpu' or 'cuda', a torch.device or None, got "
            f"{type(device).__name__}."
        )
    available = available_devices()
    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError):
        raise ValueError(
            f"device={device!r} is not a device name (e.g. 'cpu', 'cuda', 'cuda:0', 'mps', "
            f"'auto'); the devices available here are {available}."
        ) from None
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r}, but CUDA is not available here (torch "
                f"{torch.__version__} sees no CUDA device); the devices available here are "
                f"{available} (device='auto' picks CUDA when present)."
            )
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r}, but this machine has {torch.cuda.device_count()} CUDA "
                f"device(s); the devices available here are {available}."
            )
    elif parsed.type == "mps" and "mps" not in available:
        raise ValueError(
            f"device={device!r}, but MPS (Apple silicon) is not available here; the devices "
            f"available here are {available}."
        )
    elif parsed.type not in ("cpu", "cuda", "mps", "meta"):
        module = getattr(torch, parsed.type, None)
        is_available = getattr(module, "is_available", None)
        if not callable(is_available) or not is_available():
            raise ValueError(
                f"device={device!r} ({parsed.type}) is not available here; the devices "
                f"available here are {available}."
            )
    return device


@lru_cache(maxsize=64)
def device_type(device: str | torch.device | None) -> str:
    """``"cuda"``, ``"cpu"``, ... of a device spec (``None`` counts as CPU).

    Examples
    --------
    >>> device_type("cuda:1"), device_type(None)
    ('cuda', 'cpu')
    """
    return "cpu" if device is None else torch.device(device).type


#: Samples per optimisation step from which ``"auto"`` trains in bf16 (and
#: channels-last for convolutional modules) on CUDA. Below it a step is bound by
#: kernel launches, not arithmetic, and the casts and layout changes cost more
#: than they save: ResNet-56 at batch 128 on an H200 ran 5,046 samples/s in fp32
#: against 3,985 in bf16 + channels-last (plain loop), while at batch 512 the
#: bf16 + channels-last net ran 15,220.
AUTO_BF16_MIN_SAMPLES = 512


def resolve_precision(
    precision: str, device: str | torch.device | None, samples_per_step: int | None = None
) -> tuple[bool, bool]:
    """Whether bf16 autocast applies to ``(training, inference)``.

    ``"auto"`` is ``"bf16-mixed"`` (bf16 training, fp32 inference) on CUDA when a
    step sees at least :data:`AUTO_BF16_MIN_SAMPLES` samples (``samples_per_step``;
    ``None``: assume it does), ``"fp32"`` otherwise.

    Examples
    --------
    >>> resolve_precision("auto", "cpu"), resolve_precision("bf16", "cpu")
    ((False, False), (True, True))
    >>> resolve_precision("auto", "cuda", 128), resolve_precision("auto", "cuda", 768)
    ((False, False), (True, False))
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}.")
    if precision == "auto":
        large = samples_per_step is None or samples_per_step >= AUTO_BF16_MIN_SAMPLES
        precision = "bf16-mixed" if device_type(device) == "cuda" and large else "fp32"
    return precision != "fp32", precision == "bf16"


def autocast(enabled: bool, device: str | torch.device | None):
    """A bf16 :func:`torch.autocast` context, or a no-op when not ``enabled``."""
    if not enabled:
        return nullcontext()
    return torch.autocast(device_type=device_type(device), dtype=torch.bfloat16)


def draw_seed(random_state: Any) -> int | None:
    """An int seed from ``random_state``: the int itself, ``None`` stays ``None``.

    A ``numpy.random.RandomState`` instance draws one.

    Examples
    --------
    >>> draw_seed(3), draw_seed(None)
    (3, None)
    """
    if random_state is None:
        return None
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def derive_seed(seed: int, *keys: int) -> int:
    """A 63-bit seed for one purpose (``keys``) derived from ``seed``.

    Examples
    --------
    >>> derive_seed(0, 1) == derive_seed(0, 1) != derive_seed(0, 2)
    True
    """
    state = np.random.SeedSequence([seed, *keys]).generate_state(2, dtype=np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1


@contextmanager
def seeded(seed: int | None, device: str | torch.device | None = None) -> Iterator[None]:
    """Run a block with torch's global generators seeded, restoring them afterwards.

    ``seed=None`` runs the block unchanged (the global generators advance as usual).

    Examples
    --------
    >>> import torch
    >>> before = torch.get_rng_state()
    >>> with seeded(0):
    ...     a = torch.rand(2)
    >>> with seeded(0):
    ...     b = torch.rand(2)
    >>> bool(torch.equal(a, b)), bool(torch.equal(before, torch.get_rng_state()))
    (True, True)
    """
    if seed is None:
        yield
        return
    cuda = device_type(device) == "cuda" and torch.cuda.is_available()
    devices = list(range(torch.cuda.device_count())) if cuda else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def float_dtype(module: torch.nn.Module) -> torch.dtype:
    """Dtype of a module's inputs and loss: float64 for a float64 module, else float32.

    Examples
    --------
    >>> import torch
    >>> float_dtype(torch.nn.Linear(2, 2)), float_dtype(torch.nn.Linear(2, 2).double())
    (torch.float32, torch.float64)
    """
    for param in module.parameters():
        if param.is_floating_point():
            return torch.float64 if param.dtype == torch.float64 else torch.float32
    return torch.float32


def unwrap_module(module: torch.nn.Module) -> torch.nn.Module:
    """The user's module inside ``torch.compile`` or data-parallel wrappers.

    Examples
    --------
    >>> import torch
    >>> lin = torch.nn.Linear(2, 2)
    >>> unwrap_module(lin) is lin
    True
    """
    while True:
        if hasattr(module, "_orig_mod"):
            module = module._orig_mod
        elif isinstance(module, (torch.nn.DataParallel, torch.nn.parallel.DistributedDataParallel)):
            module = module.module
        else:
            return module


def has_conv(module: torch.nn.Module) -> bool:
    """Whether ``module`` holds a convolution (layouts and joint training depend on it)."""
    return any(isinstance(m, torch.nn.modules.conv._ConvNd) for m in module.modules())


def use_channels_last(channels_last: bool | str, device: Any, module: Any, batch_size: int) -> bool:
    """Whether 4-D inputs and weights go channels-last.

    ``"auto"``: a convolutional module on CUDA whose steps see at least
    :data:`AUTO_BF16_MIN_SAMPLES` samples (``batch_size=-1``: the whole set).
    """
    if channels_last != "auto":
        return bool(channels_last)
    return (
        device_type(device) == "cuda"
        and module is not None
        and has_conv(module)
        and (batch_size == -1 or batch_size >= AUTO_BF16_MIN_SAMPLES)
    )
