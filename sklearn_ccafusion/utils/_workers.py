"""Worker processes that end with their parent.

joblib's default process pool (loky) keeps its workers alive for a while, and a
parent killed outright (``SIGKILL``, a scheduler's time limit, a notebook's
kernel restarted) leaves them running, still computing. Inside
:func:`workers_end_with_parent`, every loky worker is started with the process
id of the process that starts it, fixed before the worker exists, and watches
it: the worker exits as soon as its parent is gone, even when the parent died
while the worker was still importing (a parent id read inside the worker, late,
would then be the one of the process that adopted the orphan).

loky's resource tracker and Python's own (``multiprocessing.resource_tracker``)
need no watch: each reads a pipe whose writing ends the parent and its workers
hold, and exits (cleaning up what it tracked) once they have all exited.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from joblib import parallel_config
from joblib.parallel import get_active_backend

__all__ = ["exit_with_parent", "workers_end_with_parent"]


def _watch(parent: int, interval: float) -> None:
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)  # the parent is gone: nobody will read this worker's results


def exit_with_parent(
    parent: int | None = None,
    previous: Callable[..., Any] | None = None,
    previous_args: tuple = (),
    interval: float = 0.5,
) -> None:
    """Run in a worker: exit the worker once its parent process has ended.

    A daemon thread compares the worker's parent process id with ``parent``
    every ``interval`` seconds (an orphan is adopted by another process, so its
    parent id changes); a worker whose parent ended before this ran exits at once.

    Parameters
    ----------
    parent : int or None, default=None
        Process id of the process that started the worker, as that process
        saw it (``os.getpid()`` there); ``None``: the worker's parent now.
    previous : callable or None, default=None
        Another initializer, run first (with ``previous_args``).
    previous_args : tuple, default=()
        Arguments of ``previous``.
    interval : float, default=0.5
        Seconds between two checks.
    """
    if parent is None:
        parent = os.getppid()
    if os.getppid() != parent:
        os._exit(1)
    if previous is not None:
        previous(*previous_args)
    watcher = threading.Thread(target=_watch, args=(parent, interval), daemon=True)
    watcher.start()


@contextmanager
def workers_end_with_parent() -> Iterator[None]:
    """joblib process workers started inside this context exit when this process ends.

    It applies to joblib's loky backend (its default); another backend chosen
    with :func:`joblib.parallel_config` (threads, dask, ray) is left as it is,
    and an initializer given there runs too. Nested blocks add nothing.

    Examples
    --------
    >>> from joblib import Parallel, delayed
    >>> with workers_end_with_parent():
    ...     Parallel(n_jobs=1)(delayed(abs)(-1) for _ in range(2))
    [1, 1]
    """
    with chained_loky_initializer(exit_with_parent, os.getpid()):
        yield


@contextmanager
def chained_loky_initializer(initializer: Callable[..., Any], *args: Any) -> Iterator[None]:
    """Start joblib's loky workers with ``initializer(*args, previous, previous_args)``.

    ``initializer`` must run ``previous(*previous_args)``, the initializer configured
    before (``None`` when there was none), so that both run. Another backend
    (threads, dask, ray) is left as it is, and so is a configuration whose chain of
    initializers already holds ``initializer``.

    Parameters
    ----------
    initializer : callable
        Run in each worker as it starts.
    *args
        Its first arguments.

    Yields
    ------
    None
    """
    backend, _ = get_active_backend()
    kwargs = dict(getattr(backend, "backend_kwargs", {}) or {})
    if type(backend).__name__ != "LokyBackend" or _in_chain(kwargs, initializer):
        yield
        return
    previous = kwargs.pop("initializer", None)
    previous_args = tuple(kwargs.pop("initargs", ()))
    with parallel_config(
        backend="loky",
        initializer=initializer,
        initargs=(*args, previous, previous_args),
        **kwargs,
    ):
        yield


def _in_chain(kwargs: dict, wanted: Callable[..., Any]) -> bool:
    """Whether the active loky configuration's initializers already include ``wanted``."""
    initializer, initargs = kwargs.get("initializer"), tuple(kwargs.get("initargs", ()))
    while initializer is not None:
        if initializer is wanted:
            return True
        # an initializer that chains another one passes (..., previous, previous_args)
        if len(initargs) < 2 or not callable(initargs[-2]):
            return False
        initializer, initargs = initargs[-2], tuple(initargs[-1])
    return False
