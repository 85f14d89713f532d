"""The identity of the code that computes cached numbers: a digest of its source files.

A cache key holds the data and the parameters of a result; this module adds the
code. :func:`code_identity` hashes the package's source files that determine
numbers and the versions of the libraries that compute them, so a cache written
by other code (an edited checkout installed in editable mode, another release,
another NumPy) is recomputed, never answered from.

The rule of what it covers: every ``.py`` file of the package, by its path in
the package and its bytes, except the files that only show results: the figures
(``plotting/``), the written report (``runs/_report.py``) and the command line's
parser and messages (``cli.py``, ``_cli_*.py``, ``__main__.py``). The settings
the command line passes on are part of each key as values. The versions of
NumPy, SciPy, scikit-learn, PyTorch and skorch count too; the BLAS library and the
CPU do not (numbers that differ in their last bits between machines are answered
from a cache moved between them).

It is computed once per process (reading the files takes milliseconds,
``benchmarks/bench_caches.py`` measures it).
"""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata
from pathlib import Path

__all__ = ["DEPENDENCIES", "code_files", "code_identity", "is_presentation"]

#: The libraries whose versions are part of the code's identity.
DEPENDENCIES = ("numpy", "scipy", "scikit-learn", "torch", "skorch")

_PACKAGE = Path(__file__).resolve().parent.parent


def is_presentation(relative: str) -> bool:
    """Whether a package file (a POSIX path relative to the package) only shows results.

    Parameters
    ----------
    relative : str
        E.g. ``"plotting/_fusion.py"``.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_presentation("plotting/_axes.py"), is_presentation("study/_fusion.py")
    (True, False)
    """
    name = relative.rsplit("/", 1)[-1]
    return (
        relative.startswith("plotting/")
        or relative in ("cli.py", "__main__.py", "runs/_report.py")
        or ("/" not in relative and name.startswith("_cli_"))
    )


def code_files(package: Path = _PACKAGE) -> list[Path]:
    """The package's source files that determine numbers, in a fixed order.

    Parameters
    ----------
    package : Path
        The package's folder.

    Returns
    -------
    files : list of Path
        Sorted by their path in the package.
    """
    files = [
        path
        for path in package.rglob("*.py")
        if not is_presentation(path.relative_to(package).as_posix())
    ]
    return sorted(files, key=lambda path: path.relative_to(package).as_posix())


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def digest_of(package: Path, versions: dict[str, str]) -> str:
    """The digest of a package folder's code files and of library versions.

    Parameters
    ----------
    package : Path
        The package's folder.
    versions : dict of str to str
        Library versions (:data:`DEPENDENCIES`).

    Returns
    -------
    digest : str
        32 hexadecimal characters.
    """
    digest = hashlib.blake2b(digest_size=16)
    for path in code_files(package):
        name = path.relative_to(package).as_posix().encode()
        content = path.read_bytes()
        digest.update(len(name).to_bytes(8, "little") + name)
        digest.update(len(content).to_bytes(8, "little") + content)
    for distribution, version in sorted(versions.items()):
        digest.update(f"{len(distribution)}:{distribution}={len(version)}:{version};".encode())
    return digest.hexdigest()


@functools.cache
def code_identity() -> str:
    """The identity of this process's code: its source files and libraries, hashed once.

    Returns
    -------
    digest : str
        32 hexadecimal characters; it changes with any change of a file that
        determines numbers (the module's documentation says which) and with the
        version of a library in :data:`DEPENDENCIES`.

    Examples
    --------
    >>> len(code_identity())
    32
    """
    return digest_of(_PACKAGE, {name: _version(name) for name in DEPENDENCIES})
