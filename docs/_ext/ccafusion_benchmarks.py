"""Benchmark results in the docs, read at build time from CSV committed in the tree.

Each benchmark in ``benchmarks/`` writes ``benchmarks/results/<name>.csv`` (its rows)
and ``<name>.json`` (the command, the date and the machine). The results the docs
show are copies of those two files in ``docs/benchmarks/``:

- ``.. benchmark-table:: <name>`` renders ``docs/benchmarks/<name>.csv`` as a table
  whose caption gives the command, the date and the machine of its sidecar JSON
  (``:columns: a, b, c`` picks and orders the columns). A committed CSV without its
  sidecar is a warning (an error under ``-W``); a benchmark without committed results
  renders a note saying how to add them.
- ``:bench:`<name>.<column>[key=value; key=value]``` is one cell of such a table in
  the text, formatted as in the table (``...]:.0f`` for a format of one's own), and
  linked to the table. A missing file, column or row, or a condition that matches
  more than one row, is a warning: a number in the text always comes from the table
  shown beside it.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

DOCS = Path(__file__).resolve().parents[1]
RESULTS = DOCS / "benchmarks"

# headers shorter than the CSV's column names
_HEADERS = {
    "shape": "rows x cols",
    "x_floor": "x floor",
    "max_abs_err": "max abs error",
    "extra_mem_x_input": "extra memory / input",
    "x_fastest": "x fastest",
    "head_iter_mean": "head iterations, mean",
    "head_iter_max": "head iterations, max",
}
_REFERENCE = re.compile(
    r"^(?P<name>[\w-]+)\.(?P<column>\w+)(?:\[(?P<where>[^\]]*)\])?(?::(?P<spec>[^:]+))?$"
)


def _label(name: str) -> str:
    return f"benchmark-{name}"


def format_value(value: str) -> str:
    """A CSV cell as the docs print it: thousands separators, three significant digits."""
    try:
        number = float(value)
    except ValueError:
        return value
    if value.strip().lstrip("-").isdigit():
        return f"{int(number):,}"
    if number != number:  # NaN
        return ""
    if number == 0 or 1e-3 <= abs(number) < 1e5:
        return f"{number:.3g}" if abs(number) < 10 else f"{number:,.1f}"
    return f"{number:.1e}"


def read_rows(name: str) -> list[dict[str, str]] | None:
    """The rows of ``docs/benchmarks/<name>.csv``, with a ``shape`` column where the
    table has ``n_samples`` and ``per_view``; None when the file is not committed."""
    path = RESULTS / f"{name}.csv"
    if not path.exists():
        return None
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if "n_samples" in row and "per_view" in row:
            # no-break spaces: the shape does not wrap in a table cell
            row["shape"] = (
                f"{format_value(row['n_samples'])}\u00a0x\u00a0{format_value(row['per_view'])}"
            )
    return rows


def provenance(name: str) -> str | None:
    """"<command>, <date>; <machine>" from ``docs/benchmarks/<name>.json``, or None."""
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return None
    meta = json.loads(path.read_text())
    machine = meta.get("machine") or {}
    if machine:
        blas = ", ".join(b for b in machine.get("blas", []) if not b.endswith("None"))
        parts = [
            f"{machine['cpus']} CPUs" if machine.get("cpus") else "",
            machine.get("cpu", ""),
            f"numpy {machine['numpy']}" if machine.get("numpy") else "",
            f"torch {machine['torch']}" if machine.get("torch") else "",
            blas,
            f"load average {machine['load_average'][0]}" if machine.get("load_average") else "",
        ]
        where = ", ".join(p for p in parts if p)
    else:
        where = "machine not recorded"
    date = meta.get("date", "date not recorded")
    if meta.get("note"):
        date += f" ({meta['note']})"
    return f"``{meta.get('command', '?')}``, {date}; {where}"


class BenchmarkTable(SphinxDirective):
    """``.. benchmark-table:: <name>``: a committed benchmark CSV as a table."""

    required_arguments = 1
    option_spec = {"columns": directives.unchanged}

    def run(self):
        name = self.arguments[0]
        for suffix in (".csv", ".json"):
            self.env.note_dependency(str(RESULTS / f"{name}{suffix}"))
        rows = read_rows(name)
        lines = [f".. _{_label(name)}:", ""]
        if rows is None:
            lines += [
                ".. note::",
                "",
                f"   No results of ``{name}`` are committed yet. Its benchmark writes",
                f"   ``benchmarks/results/{name}.csv`` and ``{name}.json``; copied to",
                "   ``docs/benchmarks/``, they render here.",
            ]
        else:
            origin = provenance(name)
            if origin is None:
                logger.warning(
                    f"docs/benchmarks/{name}.csv has no {name}.json beside it (the command, "
                    "date and machine the benchmark writes to benchmarks/results/)",
                    location=self.get_location(),
                )
                origin = "machine and date not recorded"
            columns = list(rows[0]) if rows else []
            if "columns" in self.options:
                wanted = [c.strip() for c in self.options["columns"].split(",") if c.strip()]
                unknown = [c for c in wanted if c not in columns]
                if unknown:
                    logger.warning(
                        f"benchmark {name}: no column {', '.join(unknown)} in its CSV",
                        location=self.get_location(),
                    )
                columns = [c for c in wanted if c in columns]
            lines += [
                f".. list-table:: ``{name}``: {origin}",
                "   :header-rows: 1",
                "   :class: ccafusion-benchmark",
                "",
                "   * - " + "\n     - ".join(_HEADERS.get(c, c.replace("_", " ")) for c in columns),
            ]
            for row in rows:
                cells = [format_value(row.get(c, "")) or " " for c in columns]
                lines.append("   * - " + "\n     - ".join(cells))
        container = nodes.container(classes=["ccafusion-benchmark-block"])
        text = "\n".join(lines)
        self.state.nested_parse(
            StringList(text.splitlines(), source=f"<benchmark {name}>"), self.content_offset,
            container,
        )
        return container.children


def _matches(cell: str, wanted: str) -> bool:
    if cell.strip() == wanted:
        return True
    try:
        return float(cell) == float(wanted)
    except ValueError:
        return False


def bench_role(role, rawtext, text, lineno, inliner, options=None, content=None):
    """``:bench:`<name>.<column>[key=value; ...]```: one committed benchmark cell."""
    env = inliner.document.settings.env
    match = _REFERENCE.match(text.strip())

    def fail(message):
        logger.warning(f":bench:`{text}`: {message}", location=(env.docname, lineno))
        return [nodes.literal(rawtext, text)], []

    if match is None:
        return fail("expected <name>.<column>[key=value; key=value], optionally :<format>")
    name, column = match["name"], match["column"]
    env.note_dependency(str(RESULTS / f"{name}.csv"))
    rows = read_rows(name)
    if rows is None:
        return fail(f"no docs/benchmarks/{name}.csv is committed")
    if rows and column not in rows[0]:
        return fail(f"{name}.csv has no column {column!r}")
    conditions = []
    for condition in (match["where"] or "").split(";"):
        if condition.strip():
            key, _, wanted = condition.partition("=")
            conditions.append((key.strip(), wanted.strip()))
    for key, _ in conditions:
        if rows and key not in rows[0]:
            return fail(f"{name}.csv has no column {key!r}")
    found = [r for r in rows if all(_matches(r[key], wanted) for key, wanted in conditions)]
    if len(found) != 1:
        return fail(f"{len(found)} rows of {name}.csv match, not one")
    cell = found[0][column]
    if match["spec"]:
        try:
            value = format(float(cell), match["spec"])
        except ValueError as error:
            return fail(f"cannot format {cell!r} with {match['spec']!r}: {error}")
    else:
        value = format_value(cell)
    reference = addnodes.pending_xref(
        rawtext, refdomain="std", reftype="ref", reftarget=_label(name), refexplicit=True,
        refwarn=True, refdoc=env.docname,
    )
    reference += nodes.inline(value, value, classes=["ccafusion-bench-value"])
    return [reference], []


def setup(app):
    app.add_directive("benchmark-table", BenchmarkTable)
    app.add_role("bench", bench_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
