"""Audit the docstrings of every public name of sklearn_ccafusion.

Public names are the ``__all__`` of every module without a private component (the
same set the docs build requires in the API reference). For each public class and
function it checks, with numpydoc's validator:

- GL08: there is a docstring;
- EX01: there is an Examples section (the package's rule: a small doctest each);
- PR01 / PR02: every parameter of the signature is documented, and only those;

and, for the public methods a class defines itself (not inherited), GL08, PR01 and
PR02. Module constants need a ``#:`` comment where they are defined.

Run ``python docs/audit_docstrings.py`` from the repository root (``--strict``
exits with status 1 when something is missing; ``--only nets,datasets`` limits the
audit to those subpackages).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path

from numpydoc.validate import validate
from sphinx.pycode import ModuleAnalyzer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PACKAGE = "sklearn_ccafusion"
CHECKS_TOP = ("GL08", "EX01", "PR01", "PR02")
CHECKS_METHOD = ("GL08", "PR01", "PR02")
# methods whose docstring scikit-learn or the class itself provides
SKIP_METHODS = {"__init__", "__sklearn_tags__", "__call__"}


def public_modules() -> list[str]:
    from sklearn_ccafusion.utils import public_modules as modules

    return modules()


def _codes(import_path: str, wanted) -> list[str]:
    try:
        result = validate(import_path)
    except Exception as error:  # noqa: BLE001
        return [f"cannot validate: {error}"]
    return [f"{code} {message}" for code, message in result["errors"] if code in wanted]


def _constant_comment(obj) -> bool:
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith(PACKAGE) or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if value is obj:
                docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
                if ("", attribute) in docs:
                    return True
    return False


def audit(only: set[str] | None = None) -> dict[str, list[str]]:
    """Problems by public name (its defining path, for the reader to find it)."""
    problems: dict[str, list[str]] = {}
    seen: set[int] = set()
    for module_name in public_modules():
        if only and not any(module_name.startswith(f"{PACKAGE}.{o}") for o in only):
            continue
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            if name.startswith("__"):
                continue
            obj = getattr(module, name)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if inspect.isclass(obj) or inspect.isfunction(obj):
                where = f"{obj.__module__}.{obj.__qualname__}"
                found = _codes(where, CHECKS_TOP)
                if found:
                    problems[f"{module_name}.{name}"] = found
                if inspect.isclass(obj):
                    for attribute, member in vars(obj).items():
                        if attribute.startswith("_") and attribute not in SKIP_METHODS:
                            continue
                        if attribute in SKIP_METHODS:
                            continue
                        target = member.__func__ if isinstance(member, classmethod) else member
                        if not (inspect.isfunction(target) or isinstance(target, property)):
                            continue
                        path = f"{where}.{attribute}"
                        if isinstance(target, property):
                            found = [] if target.__doc__ else ["GL08 no docstring"]
                        else:
                            found = _codes(path, CHECKS_METHOD)
                        if found:
                            problems[f"{module_name}.{name}.{attribute}"] = found
            elif not inspect.ismodule(obj) and not _constant_comment(obj):
                problems[f"{module_name}.{name}"] = ["no #: comment where the constant is defined"]
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 on any problem")
    parser.add_argument("--only", default="", help="comma-separated subpackages")
    args = parser.parse_args(argv)
    only = {o.strip() for o in args.only.split(",") if o.strip()} or None
    problems = audit(only)
    out = sys.stdout
    for name, found in problems.items():
        out.write(f"{name}\n")
        out.writelines(f"    {line}\n" for line in found)
    out.write(f"{len(problems)} public name(s) with docstring problems\n")
    return 1 if args.strict and problems else 0


if __name__ == "__main__":
    sys.exit(main())
