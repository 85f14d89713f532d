"""Reading a user's ``.npz`` file: every member checked from its header before any is read.

An ``.npz`` file is a zip archive of ``.npy`` arrays (``numpy.savez``). Before any
array is read, each member's header (shape and type) is read alone, so that:

- a member that is not a ``.npy`` array (a ``README``, a picture) is named in a
  ``ValueError``; what operating systems add when they zip a folder (macOS's
  ``__MACOSX/`` folder and ``._*`` files, ``.DS_Store``, Windows' ``Thumbs.db``
  and ``desktop.ini``) is not data and is skipped;
- an object array (read only through pickle, which could run code) is refused;
- an array whose header declares more bytes than the archive holds for it (a
  damaged or forged header) is refused, and so are arrays that together would
  not fit in the memory available: a named ``ValueError``, never an attempt to
  allocate them.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
from numpy.lib import format as npy_format

from sklearn_ccafusion.utils._memory import available_memory, format_bytes

__all__ = ["read_npz"]

#: The compressions the standard library's zipfile reads (numpy.savez stores, savez_compressed
#: deflates); any other method is named before its member is opened.
_COMPRESSIONS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)

_SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


def _is_system_file(member: str) -> bool:
    """Whether a zip member is what an operating system adds when zipping, not data."""
    parts = PurePosixPath(member.replace("\\", "/")).parts
    if not parts:
        return False
    base = parts[-1]
    return parts[0] == "__MACOSX" or base.startswith("._") or base.lower() in _SYSTEM_FILES


@dataclass(frozen=True)
class _Member:
    name: str
    info: zipfile.ZipInfo
    n_bytes: int


def _header(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, how_to_save: str
) -> _Member:
    """The member's array name and size, from its header alone; a named error otherwise."""
    member = info.filename
    not_an_array = (
        f"{path} holds the member {member!r}, which is not a numpy array (.npy): an .npz "
        f"file holds only arrays. Remove it from the archive, or write the file again with "
        f"numpy.savez: {how_to_save}"
    )
    if not member.endswith(".npy"):
        raise ValueError(not_an_array)
    name = member[: -len(".npy")]
    if info.compress_type not in _COMPRESSIONS:
        raise ValueError(
            f"{path} is not a readable .npz file: the compression method is not supported "
            f"({member!r} uses method {info.compress_type}); {how_to_save}"
        )
    with archive.open(info) as handle:
        try:
            version = npy_format.read_magic(handle)
        except ValueError:
            raise ValueError(not_an_array) from None
        try:
            if version == (1, 0):
                header = npy_format.read_array_header_1_0(handle)
            else:
                header = npy_format.read_array_header_2_0(handle)
        except (ValueError, EOFError, UnicodeDecodeError) as error:
            raise ValueError(
                f"{path}: the header of the array {name!r} is damaged ({error})."
            ) from None
        header_end = handle.tell()
    shape, _, dtype = header
    if any(size < 0 for size in shape):
        raise ValueError(
            f"{path}: the header of the array {name!r} is damaged (shape {tuple(shape)})."
        )
    if dtype.hasobject:
        raise ValueError(
            f"{path} holds an object array {name!r}, which is read only through pickle (it "
            f"could run code): {how_to_save}"
        )
    n_bytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    held = info.file_size - header_end
    if n_bytes > held:
        raise ValueError(
            f"{path}: the array {name!r} declares shape {tuple(shape)} of {dtype} "
            f"({format_bytes(n_bytes)}), but the file holds {format_bytes(max(held, 0))} "
            "for it: the file is damaged or truncated. Write it again."
        )
    return _Member(name, info, n_bytes)


def _members(archive: zipfile.ZipFile, path: Path, how_to_save: str) -> list[_Member]:
    members = [
        _header(archive, info, path, how_to_save)
        for info in archive.infolist()
        if not info.is_dir() and not _is_system_file(info.filename)
    ]
    names = [member.name for member in members]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"{path} holds several arrays named {twice}: write it again.")
    total = sum(member.n_bytes for member in members)
    available = available_memory()
    if available is not None and total > available:
        largest = max(members, key=lambda member: member.n_bytes)
        raise ValueError(
            f"{path} holds arrays of {format_bytes(total)} in all (the largest, "
            f"{largest.name!r}, {format_bytes(largest.n_bytes)}), more than the "
            f"{format_bytes(available)} of memory available: use a machine with more "
            "memory, or fewer samples (or smaller windows) per array."
        )
    return members


def read_npz(path: Path, *, how_to_save: str) -> dict[str, np.ndarray]:
    """Every array of a user's ``.npz`` file, read without pickles, or a named error.

    Each member's header is checked before any array is read (see the module's
    description); members an operating system adds when zipping are skipped.

    Parameters
    ----------
    path : Path
        The file (the ``path`` parameter of the reader that calls this).
    how_to_save : str
        A sentence on how to write the file right, for the errors.

    Returns
    -------
    arrays : dict of str to ndarray

    Raises
    ------
    ValueError
        If the file is missing, a folder, not an ``.npz`` archive, damaged, holds a member
        that is not an array, an object array (read only through pickle, which
        could run code), an array larger than the file holds for it, or arrays
        larger than the memory available.
    """
    if path.is_dir():
        raise ValueError(f"path {path} is a folder, not a file: give the .npz file in it.")
    if not path.is_file():
        raise ValueError(f"path {path}: no such file.")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not an .npz file (the zip archive of arrays that numpy.savez "
            f"writes); {how_to_save}"
        )
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in _members(archive, path, how_to_save):
                with archive.open(member.info) as handle:
                    try:
                        arrays[member.name] = npy_format.read_array(handle, allow_pickle=False)
                    except ValueError as error:
                        raise ValueError(
                            f"{path}: the array {member.name!r} cannot be read ({error})."
                        ) from None
    except (OSError, EOFError, RuntimeError, zlib.error, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a readable .npz file: {error}") from None
    return arrays
