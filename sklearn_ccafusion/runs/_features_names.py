"""The names of a features file's members: safe to unzip, and the sensors' names kept exact.

A sensor's name is the user's (an array's name in a data file, a key of
``networks``) and may hold anything: ``../../x``, ``/etc/x``, a newline, dots.
Used verbatim as a zip member's name (``<sensor>.<k>.<part>.npy``), it would make
a member that writes outside its folder when the file is unzipped. So the file
holds the names as data, in a ``sensors`` array (their order is the file's), and
sensor ``s``'s arrays are named after :func:`~sklearn_ccafusion.utils._file_names.safe_file_names`
of ``s``: the name itself when it is a plain file name (``acc``, ``left.wrist``),
else a slug and a hash of it. Reading gives back the exact names.

A file without a ``sensors`` array (the layout before it, and files written by
hand or by other tools) is read as before: the sensors are the members'
prefixes. Any member whose name is a path (a ``/`` or ``\\``, an absolute
path, a ``..``) or holds a NUL is refused by name, and so are sensors whose
names are the same once put in Unicode's composed form (NFC).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from sklearn_ccafusion.utils._file_names import safe_file_names

__all__ = [
    "SENSORS",
    "is_path_member",
    "member_prefixes",
    "names_array",
    "path_members",
    "sensor_names",
    "twin_names",
]

#: The array of the sensors' names, in the file's order.
SENSORS = "sensors"


def member_prefixes(names: Iterable[str]) -> dict[str, str]:
    """The prefix of each sensor's members: its safe file name.

    Parameters
    ----------
    names : iterable of str
        The sensors' names.

    Returns
    -------
    prefixes : dict of str to str
        Distinct, even ignoring case; never a path.

    Examples
    --------
    >>> prefixes = member_prefixes(["acc", "../../x"])
    >>> prefixes["acc"], "/" in prefixes["../../x"]
    ('acc', False)
    """
    return safe_file_names(names)


def is_path_member(key: str) -> bool:
    """Whether an array's name is a path (a separator, ``.``/``..``, a NUL), not a name.

    Parameters
    ----------
    key : str

    Returns
    -------
    is_path : bool

    Examples
    --------
    >>> is_path_member("acc.0.train"), is_path_member("/x.0.train")
    (False, True)
    """
    return any(mark in key for mark in ("/", "\\", "\0")) or key in (".", "..")


def path_members(keys: Iterable[str]) -> list[str]:
    """The problem of members whose names are paths, if any (one problem for all).

    Parameters
    ----------
    keys : iterable of str
        The arrays' names (members without ``.npy``).

    Returns
    -------
    problems : list of str
        Empty, or one problem naming the first five such members.

    Examples
    --------
    >>> path_members(["acc.0.train", "../x.0.train"])  # doctest: +ELLIPSIS
    ["member '../x.0.train' is a path, not an array's name..."]
    """
    paths = [key for key in keys if is_path_member(key)]
    if not paths:
        return []
    shown = ", ".join(repr(key) for key in paths[:5]) + (", ..." if len(paths) > 5 else "")
    what = f"members {shown} are paths" if len(paths) > 1 else f"member {shown} is a path"
    return [
        f"{what}, not an array's name (unzipped, it would be written outside its folder); name "
        "sensors in a 'sensors' array (write_features_file does)"
    ]


def twin_names(names: Iterable[str]) -> list[str]:
    """Problems of sensors whose names are the same in Unicode's composed form (NFC).

    Parameters
    ----------
    names : iterable of str
        The sensors' names.

    Returns
    -------
    problems : list of str

    Examples
    --------
    >>> problems = twin_names(["caf\\u00e9", "cafe\\u0301", "acc"])
    >>> len(problems), "one name written two ways" in problems[0]
    (1, True)
    """
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(unicodedata.normalize("NFC", name), []).append(name)
    return [
        f"sensors {group} are one name written two ways (the same in Unicode's composed "
        "form): give each sensor a distinct name"
        for group in groups.values()
        if len(group) > 1
    ]


def sensor_names(value: NDArray, problems: list[str]) -> list[str] | None:
    """The names of a ``sensors`` array, or None with its problem added.

    Parameters
    ----------
    value : ndarray
        The array read from the file.
    problems : list of str
        Where a problem is added.

    Returns
    -------
    names : list of str or None

    Examples
    --------
    >>> sensor_names(np.array(["acc", "../gyr"]), [])
    ['acc', '../gyr']
    >>> problems = []
    >>> sensor_names(np.array(["acc", "acc"]), problems), problems  # doctest: +ELLIPSIS
    (None, ["'sensors' names a sensor twice: ['acc']..."])
    """
    if value.ndim != 1 or value.dtype.kind != "U" or len(value) == 0:
        problems.append(
            f"'{SENSORS}' must hold the sensors' names as strings, shape (n_sensors,), got "
            f"{value.dtype} of shape {value.shape}"
        )
        return None
    names = value.tolist()
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        problems.append(f"'{SENSORS}' names a sensor twice: {twice} (each sensor once)")
        return None
    return names


def names_array(names: list[str]) -> NDArray:
    """The ``sensors`` array of names that ``numpy`` stores exactly.

    Parameters
    ----------
    names : list of str

    Returns
    -------
    array : ndarray of str

    Raises
    ------
    ValueError
        If a name ends with a NUL character, which numpy's strings drop.

    Examples
    --------
    >>> names_array(["acc", "a|b"]).tolist()
    ['acc', 'a|b']
    """
    array = np.asarray(names, dtype=str) if names else np.zeros(0, dtype="U1")
    if array.tolist() != names:
        lost = [name for name, kept in zip(names, array.tolist()) if name != kept]
        raise ValueError(
            f"sensor names {lost!r} end with a NUL character, which a features file cannot "
            "store; rename the sensors."
        )
    return array
