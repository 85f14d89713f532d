"""Utilities for developers and users of the package."""

__all__ = ["MemoryBudgetError", "all_estimators", "public_modules"]


def __getattr__(name: str):
    """Import :mod:`~sklearn_ccafusion.utils.discovery` (and scikit-learn) on first use."""
    if name == "MemoryBudgetError":
        from sklearn_ccafusion.utils._memory import MemoryBudgetError

        return MemoryBudgetError
    if name in __all__:
        from sklearn_ccafusion.utils import discovery

        return getattr(discovery, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """Public names only: what ``from module import *`` gives."""
    return sorted(__all__)
