"""The gallery teaches the public API: examples import only public names."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*/plot_*.py"))


def _package_imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) of every import of the package in the file (name None: a module)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "sklearn_ccafusion"
        ):
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (alias.name, None)
                for alias in node.names
                if alias.name.startswith("sklearn_ccafusion")
            ]
    return found


def test_there_are_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_imports_only_public_names(path):
    imports = _package_imports(path)
    assert imports, "an example shows the package"
    for module, name in imports:
        assert not any(part.startswith("_") for part in module.split(".")), (module, name)
        if name is not None:
            public = getattr(importlib.import_module(module), "__all__", ())
            assert name in public, f"{path.name}: {module}.{name} is not public"


@pytest.mark.parametrize(
    "path",
    [p for p in EXAMPLES if p.parent.name == "3_paper_figures"],
    ids=lambda p: p.name,
)
def test_paper_figures_show_the_calls_a_user_adapts(path):
    # the run, the study or figure calls are in the example, not behind a gallery helper
    names = {name for _, name in _package_imports(path)}
    assert "gallery_run" not in names
    assert "reproduce" in names
    assert names & {"plot_subspace_study", "plot_cross_sensor"}
