"""MathJax served with the site, so formulas render with no network.

The files come from the ``sphinx-mathjax-offline`` package on PyPI (MathJax 3.2.2,
in the package's ``docs`` extra). Every page loads ``_static/mathjax/tex-chtml.js``,
and at the end of an HTML build the parts of MathJax that this entry point loads
(the TeX extensions it autoloads, the CommonHTML fonts, the menu and the
accessibility modules) are copied to ``_static/mathjax``.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

DISTRIBUTION = "sphinx-mathjax-offline"
ENTRY = "tex-chtml.js"
# what tex-chtml.js loads: itself, then on demand TeX extensions (\boldsymbol, ...),
# the CommonHTML fonts, the context menu and the accessibility tools (with their
# speech rule maps)
_PARTS = (ENTRY, "input/tex/extensions", "output/chtml/fonts", "ui", "a11y", "sre")


def mathjax_source() -> Path:
    """The MathJax folder of the installed ``sphinx-mathjax-offline`` package.

    Raises
    ------
    ExtensionError
        When the package is not installed (the docs extra installs it).
    """
    spec = importlib.util.find_spec(DISTRIBUTION)
    folder = None
    if spec is not None and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"
    if folder is None or not (folder / ENTRY).is_file():
        raise ExtensionError(
            f"MathJax is served with the site from the {DISTRIBUTION!r} package, which is "
            'not installed: pip install -e ".[docs]"'
        )
    return folder


def _set_path(app, config) -> None:
    mathjax_source()  # fail at the start of the build, not after it
    config.mathjax_path = f"mathjax/{ENTRY}"


def _copy(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in _PARTS:
        origin = source / part
        if origin.is_dir():
            shutil.copytree(origin, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target / part)


def setup(app):
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", _set_path)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
