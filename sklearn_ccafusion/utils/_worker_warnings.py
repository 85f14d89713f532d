"""The initializer that sends a joblib worker's warnings to a file instead of stderr.

It lives apart from :mod:`sklearn_ccafusion.runs._caveats`, which collects the
files, and imports the standard library only: a worker unpickles its
initializers before it runs any of them, so a light module lets the watch of
:mod:`sklearn_ccafusion.utils._workers` start within moments of the worker.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["record_in_worker"]


def record_in_worker(
    folder: str, previous: Callable[..., Any] | None, previous_args: tuple
) -> None:
    """Initializer of a joblib worker: its warnings go to ``folder``, not to stderr.

    Parameters
    ----------
    folder : str
        Where the worker appends its warnings, one JSON line each, to
        ``<pid>.jsonl``.
    previous : callable or None
        Another initializer, run first (with ``previous_args``).
    previous_args : tuple
        Arguments of ``previous``.
    """
    if previous is not None:
        previous(*previous_args)
    path = Path(folder) / f"{os.getpid()}.jsonl"
    shown = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        try:
            with open(path, "a", encoding="utf-8") as stream:
                item = {"category": category.__name__, "message": str(message)}
                stream.write(json.dumps(item) + "\n")
        except OSError:  # the run is over and its folder gone: say it the usual way
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning
