"""Check that the built site loads nothing from the network.

Every script, stylesheet, image, frame and font of every page of the HTML build
must be a file of the build: no ``http://``, ``https://`` or ``//`` address (links
a reader clicks are fine), and each local one must exist. Pages with math must load
the MathJax that the build copies to ``_static/mathjax``. Run by ``docs/build.sh``
after Sphinx; exits 1 with one line per problem::

    python docs/check_offline.py docs/_build/html
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

MATHJAX = "_static/mathjax/tex-chtml.js"
# (tag, attribute) pairs the browser fetches on its own when the page loads
_LOADED = {
    ("script", "src"),
    ("img", "src"),
    ("iframe", "src"),
    ("embed", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("object", "data"),
}
_LINK_LOADED = {"stylesheet", "preload", "modulepreload", "icon", "prefetch", "manifest"}
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")


def is_external(address: str) -> bool:
    """Whether the browser would fetch ``address`` from another machine."""
    parts = urlsplit(address.strip())
    return bool(parts.scheme in {"http", "https", "ftp"} or parts.netloc)


class _Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.loaded: list[tuple[str, str]] = []  # (tag, address)
        self.has_math = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for (name, attribute) in _LOADED:
            if tag == name and attributes.get(attribute):
                self.loaded.append((tag, attributes[attribute]))
        if tag == "img" and attributes.get("srcset"):
            for candidate in attributes["srcset"].split(","):
                if candidate.strip():
                    self.loaded.append((tag, candidate.split()[0]))
        rel = set((attributes.get("rel") or "").lower().split())
        if tag == "link" and rel & _LINK_LOADED and attributes.get("href"):
            self.loaded.append((tag, attributes["href"]))
        classes = set((attributes.get("class") or "").split())
        if "math" in classes and tag in {"span", "div"}:
            self.has_math = True


def _local_target(page: Path, address: str) -> Path | None:
    """The file a relative address of ``page`` names (None for data: and fragments)."""
    parts = urlsplit(address)
    if parts.scheme or not parts.path:
        return None
    return (page.parent / unquote(parts.path)).resolve()


def check_site(root: Path) -> list[str]:
    """Every problem of the site built in ``root``, one line each."""
    problems = []
    # the pages (the theme's _static/ holds Jinja templates with an .html suffix)
    pages = sorted(p for p in root.rglob("*.html") if "_static" not in p.relative_to(root).parts)
    if not pages:
        return [f"{root}: no HTML pages (build the docs first)"]
    for page in pages:
        name = page.relative_to(root)
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        mathjax = False
        for tag, address in parser.loaded:
            if is_external(address):
                problems.append(f"{name}: <{tag}> loads {address} from the network")
                continue
            target = _local_target(page, address)
            if target is None:
                continue
            if not target.exists():
                problems.append(f"{name}: <{tag}> loads {address}, which the build lacks")
            if tag == "script" and target == (root / MATHJAX).resolve():
                mathjax = True
        if parser.has_math and not mathjax:
            problems.append(f"{name}: has math but does not load the local {MATHJAX}")
    for sheet in sorted(root.rglob("*.css")):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        for address in _CSS_URL.findall(text):
            if is_external(address):
                problems.append(f"{sheet.relative_to(root)}: loads {address} from the network")
    if not (root / MATHJAX).is_file():
        problems.append(f"{MATHJAX} is missing from the build")
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "docs/_build/html")
    problems = check_site(root)
    for line in problems:
        print(line, file=sys.stderr)  # noqa: T201
    if problems:
        print(f"{len(problems)} resource(s) not served by the site itself", file=sys.stderr)  # noqa: T201
        return 1
    print(f"{root}: every page loads only files of the site")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
