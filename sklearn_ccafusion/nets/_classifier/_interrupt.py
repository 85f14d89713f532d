"""Ctrl-C during training reaches the caller instead of leaving a half-trained net.

skorch's training loop catches ``KeyboardInterrupt`` and returns the net as it is;
the package's classifier carries the interruption past that handler as a
``BaseException`` of its own and raises ``KeyboardInterrupt`` again outside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["interrupt_after_skorch", "interrupt_past_skorch"]


class _TrainingInterrupted(BaseException):
    """Ctrl-C inside skorch's loop, carried past skorch's ``except KeyboardInterrupt``."""


@contextmanager
def interrupt_past_skorch() -> Iterator[None]:
    """Inside skorch's loop: turn Ctrl-C into an exception skorch does not catch."""
    try:
        yield
    except KeyboardInterrupt as interrupt:
        raise _TrainingInterrupted from interrupt


@contextmanager
def interrupt_after_skorch() -> Iterator[None]:
    """Around skorch's ``partial_fit``: give the carried Ctrl-C back as ``KeyboardInterrupt``."""
    try:
        yield
    except _TrainingInterrupted:
        raise KeyboardInterrupt from None
