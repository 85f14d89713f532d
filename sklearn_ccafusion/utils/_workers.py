"""Worker processes that end with their parent.

joblib's default process pool (loky) keeps its workers alive for a while, and a
parent killed outright (``SIGKILL``, a scheduler's time limit) leaves them
running, still computing. :func:`workers_end_with_parent` makes every worker
started inside it watch its parent and exit as soon as that parent is gone.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from joblib import parallel_config

__all__ = ["exit_with_parent", "workers_end_with_parent"]


def _watch(parent: int, interval: float) -> None:
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)  # the parent is gone: nobody will read this worker's results


def exit_with_parent(interval: float = 0.5) -> None:
    """Run in a worker: exit the worker once its parent process has ended.

    A daemon thread compares the parent's process id every ``interval`` seconds
    (an orphan is re-parented, so its parent id changes).
    """
    watcher = threading.Thread(target=_watch, args=(os.getppid(), interval), daemon=True)
    watcher.start()


@contextmanager
def workers_end_with_parent() -> Iterator[None]:
    """joblib process workers started inside this context exit when this process ends.

    Examples
    --------
    >>> from joblib import Parallel, delayed
    >>> with workers_end_with_parent():
    ...     Parallel(n_jobs=1)(delayed(abs)(-1) for _ in range(2))
    [1, 1]
    """
    with parallel_config(backend="loky", initializer=exit_with_parent):
        yield
