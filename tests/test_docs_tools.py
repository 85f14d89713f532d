"""The documentation's own tools: benchmark tables and numbers from committed CSV, and
the check that the built site loads nothing from the network."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture
def check_offline(monkeypatch):
    monkeypatch.syspath_prepend(str(DOCS))
    return importlib.import_module("check_offline")


def _site(root: Path, page: str, mathjax: bool = True) -> Path:
    (root / "_static" / "mathjax").mkdir(parents=True)
    if mathjax:
        (root / "_static" / "mathjax" / "tex-chtml.js").write_text("//")
    (root / "_static" / "local.js").write_text("//")
    (root / "index.html").write_text(f"<html><head>{page}</head><body></body></html>")
    return root


def test_check_offline_accepts_a_site_of_local_files(tmp_path, check_offline):
    page = (
        '<script src="_static/local.js"></script>'
        '<script src="_static/mathjax/tex-chtml.js"></script>'
        '<a href="https://example.org/">a link is not loaded</a>'
        '<span class="math">\\(x\\)</span>'
    )
    assert check_offline.check_site(_site(tmp_path, page)) == []


@pytest.mark.parametrize(
    "page, problem",
    [
        ('<script src="https://cdn.example.org/mathjax.js"></script>', "from the network"),
        ('<script src="//cdn.example.org/a.js"></script>', "from the network"),
        ('<link rel="stylesheet" href="http://example.org/a.css">', "from the network"),
        ('<img src="https://example.org/a.png">', "from the network"),
        ('<script src="_static/missing.js"></script>', "which the build lacks"),
        ('<span class="math">\\(x\\)</span>', "does not load the local"),
    ],
)
def test_check_offline_names_each_resource_from_elsewhere(tmp_path, check_offline, page, problem):
    problems = check_offline.check_site(_site(tmp_path, page))
    assert len(problems) == 1 and problem in problems[0] and "index.html" in problems[0]


def test_check_offline_needs_the_mathjax_copy_and_fails_its_command(tmp_path, check_offline):
    site = _site(tmp_path, "", mathjax=False)
    assert any("tex-chtml.js is missing" in p for p in check_offline.check_site(site))
    assert check_offline.main(["check_offline.py", str(site)]) == 1


def _build(tmp_path, monkeypatch, text: str, files: dict[str, str]):
    """A one-page Sphinx build with the benchmark extension; (html, warnings)."""
    sphinx_application = pytest.importorskip("sphinx.application")
    monkeypatch.syspath_prepend(str(DOCS / "_ext"))
    sys.modules.pop("ccafusion_benchmarks", None)
    benchmarks = importlib.import_module("ccafusion_benchmarks")
    results = tmp_path / "results"
    results.mkdir()
    for name, content in files.items():
        (results / name).write_text(content)
    monkeypatch.setattr(benchmarks, "RESULTS", results)
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text('extensions = ["ccafusion_benchmarks"]\n')
    (source / "index.rst").write_text("Title\n=====\n\n" + text)
    warnings = []

    class Sink:
        def write(self, message):
            warnings.append(message)

    from sphinx.util.docutils import docutils_namespace

    with docutils_namespace():  # each build registers its nodes and roles afresh
        app = sphinx_application.Sphinx(
            source, source, tmp_path / "out", tmp_path / "doctrees", "html",
            status=None, warning=Sink(), freshenv=True,
        )
        app.build()
    return (tmp_path / "out" / "index.html").read_text(), "".join(warnings)


CSV = "approach,seconds\nfast,1.5\nslow,1234.5678\n"
META = json.dumps(
    {"command": "python benchmarks/bench_x.py", "date": "2026-01-02 03:04 UTC",
     "machine": {"cpus": 2, "cpu": "Some CPU", "numpy": "2.0"}}
)


def test_table_and_numbers_come_from_the_committed_csv(tmp_path, monkeypatch):
    html, warnings = _build(
        tmp_path, monkeypatch,
        ".. benchmark-table:: bench_x\n\n"
        "Slow takes :bench:`bench_x.seconds[approach=slow]:.0f` s, "
        "fast :bench:`bench_x.seconds[approach=fast]`.\n",
        {"bench_x.csv": CSV, "bench_x.json": META},
    )
    assert warnings == ""
    # the caption says what produced the numbers, where and when
    for text in ("benchmarks/bench_x.py", "2026-01-02 03:04 UTC", "2 CPUs", "Some CPU"):
        assert text in html
    assert "1,234.6" in html  # the table's format
    assert "Slow takes <a" in html and ">1235</span></a> s" in html  # the role's, linked
    assert ">1.5</span></a>." in html


@pytest.mark.parametrize(
    "role, message",
    [
        ("bench_y.seconds[approach=slow]", "no docs/benchmarks/bench_y.csv"),
        ("bench_x.minutes[approach=slow]", "no column 'minutes'"),
        ("bench_x.seconds[approach=medium]", "0 rows"),
        ("bench_x.seconds", "2 rows"),
        ("bench_x seconds", "expected <name>.<column>"),
    ],
)
def test_a_number_without_its_committed_row_fails_the_build(tmp_path, monkeypatch, role, message):
    _, warnings = _build(
        tmp_path, monkeypatch,
        f".. benchmark-table:: bench_x\n\nIt takes :bench:`{role}` s.\n",
        {"bench_x.csv": CSV, "bench_x.json": META},
    )
    assert message in warnings


def test_a_committed_csv_needs_its_command_date_and_machine(tmp_path, monkeypatch):
    _, warnings = _build(
        tmp_path, monkeypatch, ".. benchmark-table:: bench_x\n", {"bench_x.csv": CSV}
    )
    assert "has no bench_x.json beside it" in warnings


def test_a_benchmark_not_yet_committed_says_so(tmp_path, monkeypatch):
    html, warnings = _build(tmp_path, monkeypatch, ".. benchmark-table:: bench_z\n", {})
    assert warnings == "" and "No results of" in html and "bench_z" in html


@pytest.mark.parametrize("sphinx_status", [0, 3])
def test_build_script_reports_each_step_with_its_time(tmp_path, sphinx_status):
    """docs/build.sh says what it does, each line timestamped; sphinx's failure is its own."""
    import os
    import re
    import subprocess

    fake = tmp_path / "python"  # stands for sphinx and check_offline.py
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$2" = sphinx ]; then echo "reading sources... [100%] index"; '
        f"echo 'a warning' >&2; exit {sphinx_status}; fi\n"
        'echo "offline check: $1"\n'
    )
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "CCAFUSION_DOCS_KEEP": "1"}
    result = subprocess.run(
        ["bash", str(DOCS / "build.sh"), "--quick"], capture_output=True, text=True, env=env
    )
    assert result.returncode == sphinx_status, result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(re.match(r"\[\d\d:\d\d:\d\d\] ", line) for line in lines), lines
    text = result.stdout
    assert "docs: building the HTML (quick)" in text
    assert "reading sources... [100%] index" in text and "a warning" in text
    if sphinx_status:
        assert "sphinx failed (exit 3)" in text and "offline check" not in text
    else:
        assert "offline check: check_offline.py" in text and "docs: built in" in text
