"""The code a new user copies first runs as shown: the README's and the landing page's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", (ROOT / "README.md").read_text(), re.M | re.S)


def _rst_blocks(path: Path) -> list[str]:
    """Bodies of ``.. code-block:: python`` directives, dedented."""
    blocks, lines = [], path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.strip() != ".. code-block:: python":
            continue
        indent = len(line) - len(line.lstrip()) + 3
        body = []
        for following in lines[i + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) < indent:
                break
            body.append(following[indent:])
        blocks.append("\n".join(body).strip() + "\n")
    return blocks


SNIPPETS = [("README.md", i, code) for i, code in enumerate(_readme_blocks())] + [
    ("docs/index.rst", i, code) for i, code in enumerate(_rst_blocks(ROOT / "docs/index.rst"))
]


def test_the_landing_pages_have_python_snippets():
    assert [name for name, _, _ in SNIPPETS].count("README.md") >= 1
    assert [name for name, _, _ in SNIPPETS].count("docs/index.rst") >= 1


@pytest.mark.parametrize(("name", "index", "code"), SNIPPETS, ids=lambda v: str(v)[:20])
def test_snippet_runs_as_shown(name, index, code, capsys):
    # a fresh namespace: nothing defined beforehand, as in a new interpreter
    exec(compile(code, f"{name}[python block {index}]", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out.strip(), "the snippet should show a result"


def test_type_hints_are_shipped():
    # PEP 561: the marker file exists and the build configuration packages it
    assert (ROOT / "sklearn_ccafusion" / "py.typed").is_file()
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["sklearn_ccafusion"]

