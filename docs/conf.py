"""Sphinx configuration of the sklearn-ccafusion documentation.

Build it with ``bash docs/build.sh`` (``--quick`` for CI). Nothing here needs the
network: intersphinx inventories are downloaded when reachable and cached under
``docs/_build/.inventories``; with ``CCAFUSION_DOCS_OFFLINE=1`` (or when no
inventory can be reached) cross-references to other projects are rendered as
plain code, and the build stays free of warnings.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))

from ccafusion_docs import fetch_inventories  # noqa: E402

import sklearn_ccafusion  # noqa: E402

QUICK = os.environ.get("CCAFUSION_DOCS_QUICK", "0") == "1"
OFFLINE = os.environ.get("CCAFUSION_DOCS_OFFLINE", "0") == "1"
if QUICK:
    # The gallery in its quick CPU mode: the paper-figure examples run their quick
    # stand-ins (digits, synthetic SHL) even where the real data is configured, and
    # any example with a slow full-size mode can read CCAFUSION_QUICK.
    os.environ["CCAFUSION_QUICK"] = "1"
    for variable in ("CCAFUSION_SHL_DIR", "CCAFUSION_CIFAR_DIR", "CCAFUSION_DEVICE"):
        os.environ.pop(variable, None)
# figures drawn off screen, whatever the machine
os.environ.setdefault("MPLBACKEND", "agg")

# -- project ----------------------------------------------------------------------------
project = "sklearn-ccafusion"
author = "sklearn-ccafusion developers"
copyright = "sklearn-ccafusion developers, BSD-3-Clause"
release = sklearn_ccafusion.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "ccafusion_mathjax",  # MathJax served with the site (sphinx.ext.mathjax, no CDN)
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinxcontrib.bibtex",
    "ccafusion_docs",
    "ccafusion_benchmarks",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "api/generated/*.examples"]
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"
# unresolved references to other projects are plain text when their inventory is absent
nitpicky = False
suppress_warnings = ["config.cache"]

# -- API reference -----------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"  # the numpydoc docstring gives the types users read
autodoc_member_order = "groupwise"
# the page's table of contents lists "fit()", not "CCAProjector.fit()"
toc_object_entries_show_parents = "hide"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# docstrings are audited by docs/audit_docstrings.py; numpydoc's own validation would
# flag methods that inherit their docstring (an override without one shows the parent's)
numpydoc_validation_checks = set()

# -- cross-references to other projects -------------------------------------------------
_INVENTORIES = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "scipy": "https://docs.scipy.org/doc/scipy/",
    "sklearn": "https://scikit-learn.org/stable/",
    "pandas": "https://pandas.pydata.org/docs/",
    "matplotlib": "https://matplotlib.org/stable/",
    "joblib": "https://joblib.readthedocs.io/en/stable/",
    "torch": "https://docs.pytorch.org/docs/stable/",
    "skorch": "https://skorch.readthedocs.io/en/stable/",
}
intersphinx_mapping = fetch_inventories(
    _INVENTORIES, HERE / "_build" / ".inventories", offline=OFFLINE
)
intersphinx_timeout = 5
intersphinx_disabled_reftypes = ["std:doc"]

# -- bibliography -------------------------------------------------------------------------
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

# -- example gallery --------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": [str(ROOT / "examples")],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_ccafusion",),
    "backreferences_dir": "api/generated/backreferences",
    "reference_url": {"sklearn_ccafusion": None},
    # pyplot figures, and the Figures the package's plotting functions return
    "image_scrapers": ("ccafusion_docs.figure_scraper", "matplotlib"),
    "capture_repr": (),
    "show_memory": False,
    "remove_config_comments": True,
    "min_reported_time": 2,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "default_thumb_file": str(HERE / "_static" / "thumbnail.png"),
    # its execution-time pages load jQuery and DataTables from a CDN
    "write_computation_times": False,
}

# -- HTML -------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-ccafusion {release}"
html_static_path = ["_static"]
html_css_files = ["ccafusion.css"]
html_show_sourcelink = False
html_theme_options = {
    "logo": {"text": "sklearn-ccafusion"},
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "bibliography": []}
html_context = {"default_mode": "light"}
