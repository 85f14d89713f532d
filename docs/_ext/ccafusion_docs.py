"""Sphinx helpers of the sklearn-ccafusion documentation.

- :func:`fetch_inventories`: intersphinx inventories downloaded when reachable and
  cached on disk, so a build without network neither fails nor warns.
- :func:`figure_scraper`: a sphinx-gallery scraper for the
  :class:`matplotlib.figure.Figure` objects the package's plotting functions return
  (they are not attached to pyplot, so the matplotlib scraper does not see them).
- Cross-references to any import path of a public object (``sklearn_ccafusion.CCASumFusion``
  and ``sklearn_ccafusion.fusion.CCASumFusion``) resolve to the page that documents it.
- A check that every public name (the ``__all__`` of every public module) is in the API
  reference, and one that every gallery example renders a figure: a miss is a warning,
  hence an error under ``-W``.
- Benchmark tables included in the user guide, from ``docs/benchmarks/<name>.csv`` (numbers
  curated for the docs) or ``benchmarks/results/<name>.csv`` (a local run), when present.
"""

from __future__ import annotations

import csv
import importlib
import json
import re
import reprlib
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

PACKAGE = "sklearn_ccafusion"
DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
_INVENTORY_MAX_AGE = 7 * 24 * 3600


# -- intersphinx, offline-safe --------------------------------------------------------------
def _download(url: str, target: Path, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url + "objects.inv", timeout=timeout) as response:
            data = response.read()
    except Exception:  # noqa: BLE001 - any network failure means "not reachable"
        return False
    if not data.startswith(b"# Sphinx inventory version"):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return True


def fetch_inventories(
    urls: dict[str, str], cache: Path, offline: bool = False, timeout: float = 4.0
) -> dict[str, tuple[str, str]]:
    """Intersphinx mapping whose inventories are local files (never fetched by Sphinx).

    Each inventory is downloaded (in parallel, ``timeout`` seconds) unless a cached copy
    younger than a week exists; a project whose inventory is neither reachable nor cached
    is left out, so its cross-references render as plain code instead of warning.
    ``offline=True`` uses the cache only.
    """
    now = time.time()
    paths = {name: cache / f"{name}.inv" for name in urls}
    stale = [
        name
        for name, path in paths.items()
        if not path.exists() or now - path.stat().st_mtime > _INVENTORY_MAX_AGE
    ]
    if stale and not offline:
        with ThreadPoolExecutor(max_workers=len(stale)) as pool:
            list(pool.map(lambda n: _download(urls[n], paths[n], timeout), stale))
    mapping = {name: (url, str(paths[name])) for name, url in urls.items() if paths[name].exists()}
    missing = sorted(set(urls) - set(mapping))
    if missing:
        logger.info(f"intersphinx: no inventory for {', '.join(missing)}; plain-text links")
    return mapping


# -- sphinx-gallery scraper for bare Figures ------------------------------------------------
def figure_scraper(block, block_vars, gallery_conf):
    """Save the new, pyplot-less :class:`~matplotlib.figure.Figure` objects of a cell.

    It runs before sphinx-gallery's matplotlib scraper, and marks every figure it
    meets, so a pyplot figure closed by that scraper is not saved again later.
    """
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    paths = []
    for value in list(block_vars["example_globals"].values()):
        if not isinstance(value, Figure) or getattr(value, "_ccafusion_seen", False):
            continue
        value._ccafusion_seen = True
        if value.canvas.manager is not None:  # pyplot's: the matplotlib scraper has it
            continue
        path = next(block_vars["image_path_iterator"])
        value.savefig(path, dpi=110)
        paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


# -- objects of the package, by any import path --------------------------------------------
def _import_object(name: str):
    """The object a dotted name refers to, or None."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except Exception:  # noqa: BLE001
            continue
        try:
            for attribute in parts[split:]:
                obj = getattr(obj, attribute)
        except AttributeError:
            return None
        return obj
    return None


def _public_modules() -> list[str]:
    """Every importable module of the package with no private component."""
    from sklearn_ccafusion.utils import public_modules

    return public_modules()


def _documented(env) -> dict[int, str]:
    """id(object) -> documented full name, for every object of the Python domain."""
    cached = getattr(env, "_ccafusion_documented", None)
    if cached is not None:
        return cached
    documented = {}
    for fullname, entry in env.domains["py"].objects.items():
        if not fullname.startswith(PACKAGE) or entry.objtype == "module":
            continue
        obj = _import_object(fullname)
        if obj is not None:
            documented.setdefault(id(obj), fullname)
    env._ccafusion_documented = documented
    return documented


def _resolve_alias(app, env, node, contnode):
    """Resolve a reference to another import path of a documented object."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    module = node.get("py:module") or ""
    candidates = [target] + ([f"{module}.{target}"] if module else [])
    for candidate in candidates:
        if not candidate.startswith(PACKAGE):
            continue
        obj = _import_object(candidate)
        if obj is None:
            continue
        fullname = _documented(env).get(id(obj))
        if fullname is None or fullname == candidate:
            continue
        return env.domains["py"].resolve_xref(
            env, node["refdoc"], app.builder, node["reftype"], fullname, node, contnode
        )
    return None


def _reset_cache(app, env, *args):
    env._ccafusion_documented = None


def _check_api_complete(app, env):
    """Warn for every public name that the API reference does not document."""
    env._ccafusion_documented = None
    documented = _documented(env)
    for module_name in _public_modules():
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # noqa: BLE001
            logger.warning(f"API check: cannot import {module_name}: {error}")
            continue
        for name in getattr(module, "__all__", []):
            if name.startswith("__"):
                continue
            if id(getattr(module, name)) not in documented:
                logger.warning(
                    f"public name {module_name}.{name} is missing from the API reference "
                    "(docs/api/*.rst)"
                )


def _check_gallery_figures(app, env):
    """Warn for every gallery example that ran but rendered no figure."""
    plot_gallery = str(getattr(app.config, "plot_gallery", "True")).strip().lower()
    if plot_gallery in {"0", "false", "no", ""}:
        return
    for gallery in app.config.sphinx_gallery_conf.get("gallery_dirs", []):
        for page in sorted((Path(app.srcdir) / gallery).rglob("plot_*.rst")):
            if ".. image-sg::" not in page.read_text(encoding="utf-8"):
                logger.warning(f"gallery example {page.stem}.py rendered no figure")


# -- docstrings of other projects, rendered on our pages -------------------------------------
_REF = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^`>]*>)?`")


def _strip_foreign_refs(app, what, name, obj, options, lines):
    """Inherited scikit-learn docstrings point to labels and glossary terms of its own
    docs, which do not exist here: keep their text."""
    module = getattr(obj, "__module__", "") or ""
    if module.startswith(PACKAGE):
        return
    lines[:] = [_REF.sub(lambda m: m.group(1).strip() or "the scikit-learn docs", x) for x in lines]


_PARAM_LINE = re.compile(r"^(\s*\*{0,2}[A-Za-z_][\w, *]*\s:\s)(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=\W|$)")


def _escape_types(app, what, name, obj, options, lines):
    """Escape ``name_`` in numpydoc type fields (``shape (n_components_,)``).

    A word ending with an underscore is a reST reference; in a type it means a
    fitted attribute. Runs before numpydoc parses the docstring; text inside
    double backquotes is left alone.
    """
    for index, line in enumerate(lines):
        match = _PARAM_LINE.match(line)
        if not match:
            continue
        head, kind = match.groups()
        parts = kind.split("``")
        parts[::2] = [_TRAILING_UNDERSCORE.sub(r"\\_", part) for part in parts[::2]]
        lines[index] = head + "``".join(parts)


def _comment_doc(obj) -> list[str]:
    """The ``#:`` comment above the assignment that defines ``obj`` in the package."""
    from sphinx.pycode import ModuleAnalyzer

    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith(PACKAGE) or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if value is not obj:
                continue
            try:
                docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
            except Exception:  # noqa: BLE001
                continue
            if ("", attribute) in docs:
                return list(docs[("", attribute)])
    return []


def _data_doc(app, what, name, obj, options, lines):
    """Module constants: their ``#:`` comment (wherever defined) and a short value.

    A constant re-exported by a subpackage's ``__init__`` has no comment there, and
    autodoc falls back to its type's docstring ("Built-in immutable sequence...").
    """
    if what != "data" or not name.startswith(PACKAGE):
        return
    type_doc = (type(obj).__doc__ or "").strip().splitlines()
    if lines and type_doc and lines[0].strip() == type_doc[0].strip():
        lines[:] = []
    if not any(line.strip() for line in lines):
        lines[:] = _comment_doc(obj)
    if isinstance(obj, dict):
        text = "keys " + ", ".join(f"``{key!r}``" for key in obj)
    else:
        short = reprlib.Repr()
        short.maxstring, short.maxother, short.maxtuple, short.maxlist = 60, 60, 12, 12
        text = f"``{short.repr(obj)}``"
    lines.extend(["", f"Value: {text}.", ""])


# -- benchmark tables ----------------------------------------------------------------------
_BENCHMARKS = {
    "bench_cca_fit": (
        "python benchmarks/bench_cca_fit.py",
        ["shape", "k", "method", "seconds", "x_floor", "max_abs_err", "extra_mem_x_input"],
    ),
    "bench_study": ("python benchmarks/bench_study.py", None),
    "fusion_methods": ("python benchmarks/bench_fusion.py", None),
    "fusion_kelm_scaling": ("python benchmarks/bench_fusion.py", None),
    "bench_data": ("python benchmarks/bench_data.py", None),
    "bench_nets": ("PYTHONPATH=. python benchmarks/bench_nets.py", None),
}
# headers shorter than the CSV's column names
_HEADERS = {
    "shape": "rows x cols",
    "x_floor": "x floor",
    "max_abs_err": "max abs error",
    "extra_mem_x_input": "extra memory / input",
}


def _format(value: str) -> str:
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


def _benchmark_rst(name: str, command: str, columns) -> str:
    for source in (
        DOCS / "benchmarks" / f"{name}.csv",
        ROOT / "benchmarks" / "results" / f"{name}.csv",
    ):
        if source.exists():
            break
    else:
        return (
            ".. note::\n\n"
            f"   No results of ``{name}`` were found when these pages were built. Run\n"
            f"   ``{command}``: it prints the table and writes ``benchmarks/results/{name}.csv``,\n"
            "   which the next docs build shows here.\n"
        )
    with source.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if "n_samples" in row and "per_view" in row:
            row["shape"] = f"{_format(row['n_samples'])} x {_format(row['per_view'])}"
    columns = [c for c in (columns or list(rows[0])) if c in rows[0]]
    origin = (
        "a run on the maintainers' machine"
        if source.parent.name == "benchmarks"
        else "the local run in ``benchmarks/results/``"
    )
    machine = ""
    meta = source.with_suffix(".json")
    if meta.exists():
        info = json.loads(meta.read_text()).get("machine", {})
        if info:
            blas = ", ".join(b for b in info.get("blas", []) if not b.endswith("None"))
            machine = f": {info.get('cpus', '?')} CPUs, numpy {info.get('numpy', '?')}, {blas}"
    lines = [
        f"``{name}``, {origin}{machine}.",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "   :class: ccafusion-benchmark",
        "",
        "   * - " + "\n     - ".join(_HEADERS.get(c, c.replace("_", " ")) for c in columns),
    ]
    for row in rows:
        cells = [_format(row.get(c, "")) or " " for c in columns]
        lines.append("   * - " + "\n     - ".join(cells))
    return "\n".join(lines) + "\n"


def _write_benchmarks(app):
    target = DOCS / "_generated"
    target.mkdir(exist_ok=True)
    for name, (command, columns) in _BENCHMARKS.items():
        text = _benchmark_rst(name, command, columns)
        path = target / f"{name}.rst"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


def setup(app):
    app.connect("builder-inited", _write_benchmarks)
    app.connect("missing-reference", _resolve_alias)
    app.connect("env-check-consistency", _check_api_complete)
    app.connect("env-check-consistency", _check_gallery_figures)
    app.connect("env-updated", _reset_cache)
    app.connect("autodoc-process-docstring", _strip_foreign_refs)
    app.connect("autodoc-process-docstring", _escape_types, priority=100)
    app.connect("autodoc-process-docstring", _data_doc, priority=200)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
