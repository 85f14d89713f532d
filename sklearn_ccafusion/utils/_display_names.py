"""Names from data shown in a report's markdown and in figures, as text and nothing more.

A sensor's or a class's name is the user's and may hold anything: a ``|`` that
would split a markdown table's cell, a newline that would end a table or start a
heading, ``<script>`` that a markdown viewer would pass on as HTML, ``[x](url)``
that would become a link, ``$\\alpha$`` that matplotlib would typeset as math
(or fail to: ``$\\foo$`` raises when the figure is drawn). These functions turn
such a name into text that shows the name and does nothing else:

- :func:`markdown_text`, for a name in a table's cell, a heading or a list item:
  markdown's punctuation is escaped with a backslash (``a|b`` shows as ``a|b``
  and stays in its cell), and invisible characters are written as visible escapes
  (a newline as ``\\n``, a right-to-left override as ``\\u202e``);
- :func:`markdown_prose`, for a sentence that holds names (a description, a
  caveat): the same for line breaks and the other invisible characters, and for
  ``<``, ``>`` and ``&`` (no HTML) and ``![`` (no image fetched), leaving the
  sentence's own punctuation as it is;
- :func:`visible_text`, for a line printed on a terminal: invisible characters
  (an escape sequence's ``ESC`` among them) as visible escapes;
- :func:`figure_text`, for a figure's title or label: ``$`` escaped (no math),
  invisible characters as escapes, long names shortened with ``...``.

The CSV files keep the exact names (pandas quotes what needs quoting).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["figure_text", "markdown_prose", "markdown_text", "visible_text"]

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# markdown's punctuation (CommonMark's backslash escapes), except the intraword "_"
_MARKDOWN = re.compile(r"[\\`*\[\]<>|#&!~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_HTML = re.compile(r"[<>&]|!(?=\[)")
_FIGURE_LENGTH = 60


def _is_invisible(character: str) -> bool:
    """Line breaks, control and format characters (bidirectional overrides among them)."""
    return unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp")


def visible_text(text: object) -> str:
    """``text`` with every invisible character written as its escape (for a terminal too).

    Parameters
    ----------
    text : object
        Its ``str`` is used.

    Returns
    -------
    text : str
        Line breaks, control characters (a terminal's escape sequences among them)
        and format characters (bidirectional overrides) written as ``\\n``,
        ``\\x1b``, ``\\u202e``.

    Examples
    --------
    >>> print(visible_text("line\\nbreak \\x1b[2J"))
    line\\nbreak \\x1b[2J
    """
    text = str(text)
    out = []
    for character in text:
        if character in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[character])
        elif _is_invisible(character):
            code = ord(character)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(character)
    return "".join(out)


def markdown_text(value: object) -> str:
    """A name as markdown text: it shows as itself, in one table cell or one line.

    Parameters
    ----------
    value : object
        A name (its ``str``).

    Returns
    -------
    text : str
        Markdown's punctuation backslash-escaped (an ``_`` inside a word is kept
        as it is), invisible characters as visible escapes (``\\n``, ``\\u202e``).

    Examples
    --------
    >>> print(markdown_text("a|b"), markdown_text("line\\nbreak"), markdown_text("<script>"))
    a\\|b line\\nbreak \\<script\\>
    >>> markdown_text("acc_x")
    'acc_x'
    """
    text = str(value)
    return visible_text(_MARKDOWN.sub(lambda match: "\\" + match.group(0), text))


def markdown_prose(text: object) -> str:
    """A sentence holding names, as one markdown line that shows them and runs no HTML.

    Parameters
    ----------
    text : object
        The sentence (its ``str``), written by the package around names from data.

    Returns
    -------
    line : str
        ``<``, ``>``, ``&`` and the ``!`` of ``![`` backslash-escaped, invisible
        characters as visible escapes; any other punctuation as it was.

    Examples
    --------
    >>> print(markdown_prose("sensor <script> has\\nno variance [0.1, 0.2]"))
    sensor \\<script\\> has\\nno variance [0.1, 0.2]
    """
    return visible_text(_HTML.sub(lambda match: "\\" + match.group(0), str(text)))


def figure_text(value: object, max_length: int = _FIGURE_LENGTH) -> str:
    """A name as a figure's text: no math, no line break, not longer than ``max_length``.

    Parameters
    ----------
    value : object
        A name (its ``str``).
    max_length : int, default=60
        Longer names keep their first characters and end with ``...``.

    Returns
    -------
    text : str

    Examples
    --------
    >>> print(figure_text("$\\\\foo$"), figure_text("line\\nbreak"), len(figure_text("x" * 300)))
    \\$\\foo\\$ line\\nbreak 60
    """
    text = visible_text(str(value))
    if len(text) > max_length:
        text = text[: max_length - 3] + "..."
    return text.replace("$", r"\$")
