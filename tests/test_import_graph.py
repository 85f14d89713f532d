"""The package's modules import one another without cycles, in any order."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_ccafusion

PACKAGE = sklearn_ccafusion.__name__
ROOT = Path(sklearn_ccafusion.__file__).parent


def _module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, path: Path, known: set[str], lazy: bool = False) -> set[str]:
    """Package modules that ``module`` runs when it is imported (``lazy``: or later).

    Module-level imports only, unless ``lazy``: then also those inside functions,
    which run on first call. Importing ``a.b.c`` also runs the packages ``a`` and
    ``a.b``; those that contain ``module`` itself are already being imported, so they
    are not counted.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    statements = ast.walk(tree) if lazy else tree.body
    names: set[str] = set()
    for node in statements:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path.name == "__init__.py", node)
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    imported = set()
    for name in names:
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            candidate = ".".join(parts[:end])
            contains_module = module == candidate or module.startswith(candidate + ".")
            if candidate in known and not contains_module:
                imported.add(candidate)
    return imported


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module, or of one module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_tarjan_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert sorted(_strongly_connected(graph)) == [["a", "b", "c"], ["e"]]


@pytest.mark.parametrize("lazy", [False, True], ids=["module level", "with lazy imports"])
def test_no_import_cycle_between_package_modules(lazy):
    # lazy: an import inside a function (torch kept out of ``import sklearn_ccafusion``)
    # must not hide a cycle either
    modules = _module_files()
    graph = {name: _imports(name, path, set(modules), lazy=lazy) for name, path in modules.items()}
    assert "sklearn_ccafusion.runs._report" in graph
    assert "sklearn_ccafusion.study" in graph["sklearn_ccafusion.plotting._study"]
    assert _strongly_connected(graph) == []


_IMPORT_EACH = """
import importlib, random, sys
names = sys.argv[1:]
random.Random(0).shuffle(names)
for name in names:
    for loaded in [m for m in sys.modules if m == "{package}" or m.startswith("{package}.")]:
        del sys.modules[loaded]
    importlib.import_module(name)
"""


@pytest.mark.slow
def test_every_module_imports_first_in_a_fresh_package():
    # each module is the first of the package to be imported (third-party modules stay
    # loaded, so the loop stays quick), in a shuffled order
    names = [name for name in _module_files() if not name.endswith("__main__")]
    script = _IMPORT_EACH.format(package=PACKAGE)
    completed = subprocess.run(
        [sys.executable, "-c", script, *names],
        capture_output=True,
        text=True,
        cwd=ROOT.parent,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
