"""Find every public estimator of the package, for the common tests and the docs."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

__all__ = ["all_estimators", "public_modules"]


def __dir__() -> list[str]:
    """Public names only: what ``from module import *`` gives."""
    return sorted(__all__)


def public_modules() -> list[str]:
    """Names of the package's public modules: no component starts with an underscore.

    Returns
    -------
    names : list of str
        The package itself first.

    Examples
    --------
    >>> from sklearn_ccafusion.utils import public_modules
    >>> "sklearn_ccafusion.study" in public_modules()
    True
    """
    import sklearn_ccafusion

    package = sklearn_ccafusion.__name__
    names = [package]
    for info in pkgutil.walk_packages(sklearn_ccafusion.__path__, prefix=package + "."):
        if any(part.startswith("_") or part == "tests" for part in info.name.split(".")):
            continue
        names.append(info.name)
    return names


def all_estimators(include_nets: bool = True) -> list[tuple[str, type]]:
    """Public estimator classes of ``sklearn_ccafusion``, sorted by name.

    Every module of the package is imported and searched for classes deriving
    from :class:`sklearn.base.BaseEstimator` that are defined in the package and
    whose name does not start with an underscore.

    Parameters
    ----------
    include_nets : bool, default=True
        Also import :mod:`sklearn_ccafusion.nets` (which imports torch).

    Returns
    -------
    estimators : list of (str, type)

    Examples
    --------
    >>> from sklearn_ccafusion.utils import all_estimators
    >>> "CCAProjector" in dict(all_estimators(include_nets=False))
    True
    """
    import sklearn_ccafusion

    found: dict[str, type] = {}
    prefix = sklearn_ccafusion.__name__ + "."
    for module_info in pkgutil.walk_packages(sklearn_ccafusion.__path__, prefix):
        name = module_info.name
        if not include_nets and name.startswith(prefix + "nets"):
            continue
        if ".tests" in name:
            continue
        module = importlib.import_module(name)
        for class_name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, BaseEstimator)
                and cls.__module__.startswith(sklearn_ccafusion.__name__)
                and not class_name.startswith("_")
                and not inspect.isabstract(cls)
            ):
                found[class_name] = cls
    return sorted(found.items())
