"""The machine's memory as the package sees it, and the error raised before work that would not fit.

No dependency: the available memory is read from ``/proc/meminfo`` (Linux's
``MemAvailable``), else from ``os.sysconf`` (free pages), else from psutil when it
is installed; when none answers, the memory is unknown and nothing is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["MemoryBudgetError", "available_memory", "format_bytes"]


class MemoryBudgetError(MemoryError, ValueError):
    """The chosen settings need more memory than the machine has; raised before any work.

    It is a :class:`MemoryError` (what the work would have raised, later) and a
    :class:`ValueError` (a setting is to change: its message says which).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ccafusion import KernelELMClassifier
    >>> from sklearn_ccafusion.utils import MemoryBudgetError
    >>> X, y = np.zeros((10**6, 2)), np.arange(10**6) % 2
    >>> try:  # a 10^6 x 10^6 kernel: 8 TB, refused before any allocation
    ...     KernelELMClassifier().fit(X, y)
    ... except MemoryBudgetError as error:
    ...     print(str(error)[:60])
    The exact kernel ELM of 1000000 samples needs a 1000000 x 10
    """


def _meminfo_available(path: Path = Path("/proc/meminfo")) -> int | None:
    try:
        text = path.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            parts = line.split()
            try:
                return int(parts[1]) * (1024 if parts[-1].lower() == "kb" else 1)
            except (IndexError, ValueError):
                return None
    return None


def _sysconf_available() -> int | None:
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return pages * size if pages > 0 and size > 0 else None


def _psutil_available() -> int | None:
    try:
        import psutil
    except ImportError:
        return None
    try:
        return int(psutil.virtual_memory().available)
    except Exception:  # noqa: BLE001 - any failure means "unknown"
        return None


def available_memory() -> int | None:
    """Bytes of memory available to new allocations now, or ``None`` when unknown.

    ``CCAFUSION_MEMORY_BYTES`` in the environment overrides what the machine says
    (to plan a run for a smaller machine, or inside a container whose limit the
    kernel does not report).

    Returns
    -------
    available : int or None
        ``MemAvailable`` of ``/proc/meminfo``, else the free pages of
        ``os.sysconf``, else psutil's ``available``; ``None`` when none answers.
    """
    override = os.environ.get("CCAFUSION_MEMORY_BYTES")
    if override:
        try:
            return max(int(float(override)), 0)
        except ValueError:
            raise ValueError(
                f"CCAFUSION_MEMORY_BYTES must be a number of bytes, got {override!r}."
            ) from None
    for source in (_meminfo_available, _sysconf_available, _psutil_available):
        value = source()
        if value is not None:
            return value
    return None


def format_bytes(n: float) -> str:
    """``n`` bytes in the largest unit that keeps a number >= 1 (``"6.9 GB"``)."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")
