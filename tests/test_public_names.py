"""What the public modules show: their public names, not their imports."""

from __future__ import annotations

import importlib
import types

from sklearn_ccafusion.utils import public_modules


def test_public_modules_list_only_public_names():
    # dir() of a public module shows its __all__ (and its public submodules), not
    # the names it imports (np, pd, Figure, Path, ...).
    for name in public_modules():
        module = importlib.import_module(name)
        leaked = [
            attr
            for attr in dir(module)
            if not attr.startswith("_")
            and attr not in getattr(module, "__all__", ())
            and not (
                isinstance(getattr(module, attr), types.ModuleType)
                and getattr(module, attr).__name__.startswith(name + ".")
            )
        ]
        assert leaked == [], (name, leaked)
