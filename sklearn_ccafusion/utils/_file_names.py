"""File names from names found in data: safe, distinct and the same on every run.

A sensor or a network is named by whoever wrote the data (an array's name in an
``.npz`` file, a name given to :class:`~sklearn_ccafusion.nets.NetFeatures`), and
such names become file names (cached networks, saved nets, figures). Used
verbatim, a name like ``../../x`` or ``/etc/x`` would write outside the folder
meant for it. :func:`safe_file_name` maps any name to one file name:

- a readable name is kept as it is: ASCII letters, digits, ``_``, ``-`` and
  ``.``, starting with a letter or a digit, at most 64 characters, not ending
  in ``.``, not a device name Windows reserves (``CON``, ``NUL``, ``COM1``...)
  and not ending like a mapped name (``-`` and 10 hexadecimal digits);
- any other name becomes a readable slug of it and a short hash of the whole
  name: ``../../x`` gives ``x-`` and 10 hexadecimal digits.

A readable name never ends like a mapped one, so two different names never get
the same file name (up to a collision of the 40-bit hash). :func:`safe_file_names`
maps the names that share a folder, and hashes those that differ only by case
(``Acc`` and ``acc``), which one file on a case-insensitive file system would
otherwise hold. :func:`file_in` joins a file name to its folder and refuses any
result outside it. Reports, tables and figures keep showing the original names.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["file_in", "inside", "joined_file_names", "safe_file_name", "safe_file_names"]

_MAX_READABLE = 64
_MAX_SLUG = 40
_HASH_DIGITS = 10
_READABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_MAPPED_END = re.compile(rf"-[0-9a-f]{{{_HASH_DIGITS}}}$")
_NOT_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")
# device names Windows reserves, with or without an extension
_WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)


def _is_readable(name: str) -> bool:
    return (
        len(name) <= _MAX_READABLE
        and _READABLE.fullmatch(name) is not None
        and not name.endswith(".")
        and _WINDOWS_DEVICES.match(name) is None
        and _MAPPED_END.search(name) is None
    )


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_DIGITS]


def _hashed(name: str) -> str:
    digest = _digest(name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("_", ascii_name).strip("._-")[:_MAX_SLUG].rstrip("._-")
    if _WINDOWS_DEVICES.match(slug):
        slug = f"_{slug}"
    return f"{slug or '_'}-{digest}"


def _checked_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"A name must be a string, got {type(name).__name__}: {name!r}.")
    return name


def safe_file_name(name: str) -> str:
    """The file name (without suffix) that stands for ``name``.

    Parameters
    ----------
    name : str
        Any name: a sensor's, a network's.

    Returns
    -------
    file_name : str
        ``name`` itself when it is readable (see the module's description), else a
        slug of it and ``-`` and 10 hexadecimal digits of its SHA-256. The same
        name gives the same file name in every run and on every system.

    Raises
    ------
    TypeError
        If ``name`` is not a string.

    Examples
    --------
    >>> safe_file_name("acc_x")
    'acc_x'
    >>> mapped = safe_file_name("../../planted")
    >>> mapped.startswith("planted-"), len(mapped)
    (True, 18)
    >>> safe_file_name("CON") != "CON", safe_file_name("") != ""
    (True, True)
    """
    name = _checked_name(name)
    return name if _is_readable(name) else _hashed(name)


def safe_file_names(names: Iterable[str]) -> dict[str, str]:
    """The file names of names that share a folder: distinct even ignoring case.

    Parameters
    ----------
    names : iterable of str
        The names (duplicates are mapped once).

    Returns
    -------
    file_names : dict of str to str
        Each name's :func:`safe_file_name`; names whose file names differ only by
        case (``Acc`` and ``acc``) get the hashed form instead, so that a
        case-insensitive file system keeps them apart as well.

    Examples
    --------
    >>> mapped = safe_file_names(["acc", "Acc", "gyr"])
    >>> mapped["gyr"], mapped["acc"] == "acc", len({m.lower() for m in mapped.values()})
    ('gyr', False, 3)
    """
    names = list(dict.fromkeys(_checked_name(name) for name in names))
    mapped = {name: safe_file_name(name) for name in names}
    folded = Counter(file_name.casefold() for file_name in mapped.values())
    return {
        name: _hashed(name) if folded[file_name.casefold()] > 1 else file_name
        for name, file_name in mapped.items()
    }


def joined_file_names(groups: Sequence[Sequence[str]], separator: str = "_") -> list[str]:
    """File names of groups of names (a pair of sensors): their file names, joined.

    Parameters
    ----------
    groups : sequence of sequences of str
        Each group's names, e.g. ``[("acc", "gyr"), ("acc", "mag")]``.
    separator : str, default="_"
        Put between the names' file names.

    Returns
    -------
    file_names : list of str
        One per group: the :func:`safe_file_names` of its names joined by
        ``separator``. Groups whose joined names coincide, even ignoring case
        (``("a_b", "c")`` and ``("a", "b_c")``), get ``-`` and a hash of the group.

    Examples
    --------
    >>> joined_file_names([("acc", "gyr"), ("acc", "../mag")])[0]
    'acc_gyr'
    >>> first, second = joined_file_names([("a_b", "c"), ("a", "b_c")])
    >>> first != second, first.startswith("a_b_c-")
    (True, True)
    """
    groups = [tuple(_checked_name(name) for name in group) for group in groups]
    mapped = safe_file_names(name for group in groups for name in group)
    joined = [separator.join(mapped[name] for name in group) for group in groups]
    distinct = dict(zip(groups, joined))  # a group given twice is one file
    folded = Counter(name.casefold() for name in distinct.values())
    return [
        f"{name}-{_digest(chr(0).join(group))}" if folded[name.casefold()] > 1 else name
        for name, group in zip(joined, groups)
    ]


def inside(folder: str | Path, path: str | Path) -> bool:
    """Whether ``path``, its links and ``..`` resolved, lies in ``folder`` (or is it).

    Parameters
    ----------
    folder, path : str or Path
        Neither needs to exist.

    Returns
    -------
    inside : bool

    Examples
    --------
    >>> inside("out", "out/cache/a.npz"), inside("out", "out/cache/../../a.npz")
    (True, False)
    """
    root = Path(os.path.realpath(folder))
    resolved = Path(os.path.realpath(path))
    return resolved == root or root in resolved.parents


def file_in(folder: str | Path, file_name: str) -> Path:
    """``folder / file_name``, refused unless it is a file right in ``folder``.

    Parameters
    ----------
    folder : str or Path
        The folder meant to hold the file.
    file_name : str
        One file name (:func:`safe_file_name` with a suffix), not a path.

    Returns
    -------
    path : Path

    Raises
    ------
    ValueError
        If ``file_name`` is empty, ``.`` or ``..``, holds a path separator or a NUL,
        or names a link that leads outside ``folder``.

    Examples
    --------
    >>> file_in("out", "acc-0.npz").as_posix()
    'out/acc-0.npz'
    >>> file_in("out", "../x.npz")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: '../x.npz' is not a file name in out: ...
    """
    separators = {"/", "\\", "\0", os.sep} | ({os.altsep} if os.altsep else set())
    if (
        not isinstance(file_name, str)
        or file_name in ("", ".", "..")
        or any(s in file_name for s in separators)
        or not inside(folder, Path(folder) / file_name)
    ):
        raise ValueError(
            f"{file_name!r} is not a file name in {folder}: a name from data is written "
            "only inside its folder (map it with safe_file_name)."
        )
    return Path(folder) / file_name
