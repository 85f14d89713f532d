"""Optional dependencies: the networks extra (PyTorch and skorch).

The estimators, similarity measures, studies on precomputed features and plots
need neither; only :mod:`sklearn_ccafusion.nets` and the commands that train
networks do.
"""

from __future__ import annotations

import importlib

__all__ = ["MissingExtraError", "require_extra"]

#: what each extra installs, by importable name
EXTRAS = {"nets": ("torch", "skorch")}


class MissingExtraError(ImportError):
    """An optional dependency of the package is not installed; the message names the extra."""


def require_extra(extra: str, what: str) -> None:
    """Import the modules of ``extra`` or raise :class:`MissingExtraError` naming it.

    Parameters
    ----------
    extra : str
        Name of the extra in the package's metadata (a key of :data:`EXTRAS`).
    what : str
        What needs it, for the message (e.g. ``"sklearn_ccafusion.nets"``).

    Raises
    ------
    MissingExtraError
        When one of the extra's modules cannot be imported.

    Examples
    --------
    >>> require_extra("nets", "training networks")  # torch and skorch installed
    """
    for module in EXTRAS[extra]:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise MissingExtraError(
                f"{what} needs {' and '.join(EXTRAS[extra])}, and {module} cannot be "
                f"imported ({error}). Install the {extra!r} extra: "
                f"pip install 'sklearn-ccafusion[{extra}]' (for a CPU-only PyTorch, see "
                "https://pytorch.org/get-started/locally/)."
            ) from error
