"""What the folder writers promise: the size first, enough room, no foreign data replaced,
nothing half-written left behind, and a marker saying the data is synthetic.

A folder written by :func:`~sklearn_ccafusion.datasets.write_shl2018_folder` or
:func:`~sklearn_ccafusion.datasets.write_cifar10_folder` holds a marker file,
``ccafusion-make-data.json``, beside the data: what wrote it, with which parameters,
whether it finished. The writers replace only folders that hold that marker (or are
empty), and a report can tell a rehearsal on synthetic data from a run on real data
by reading it (:func:`read_make_data_marker`).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "MAKE_DATA_MARKER",
    "check_free_space",
    "claim_folder",
    "cleanup_on_failure",
    "format_bytes",
    "read_make_data_marker",
    "rehearsal_note",
    "write_marker",
]

#: Name of the marker file the folder writers put beside the data they write.
MAKE_DATA_MARKER = "ccafusion-make-data.json"


def format_bytes(n: float) -> str:
    """``1.6 GB``-style size (decimal units)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def read_make_data_marker(data_dir) -> dict | None:
    """The marker of a folder written by the package's synthetic-data writers, if any.

    Looks in ``data_dir`` and in its parent and grandparent, since the loaders accept
    the data's own folder (``train/``, ``cifar-10-batches-py/``) or the archive too.

    Parameters
    ----------
    data_dir : str or path-like
        What was given to :func:`load_shl2018` or :func:`load_cifar10`.

    Returns
    -------
    marker : dict or None
        The marker's content (``"synthetic": True``, ``"writer"``, ``"parameters"``,
        ``"complete"``), or ``None`` for data the package did not write.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_ccafusion.datasets import write_cifar10_folder
    >>> folder = write_cifar10_folder(tempfile.mkdtemp(), 10, 5, progress=False)
    >>> marker = read_make_data_marker(folder / "cifar-10-batches-py")
    >>> marker["synthetic"], marker["writer"], marker["complete"]
    (True, 'write_cifar10_folder', True)
    """
    path = Path(data_dir).expanduser()
    for folder in (path, path.parent, path.parent.parent):
        marker = folder / MAKE_DATA_MARKER
        if marker.is_file():
            try:
                content = json.loads(marker.read_text())
            except (OSError, ValueError):
                return None
            return content if isinstance(content, dict) else None
    return None


def rehearsal_note(marker: dict, data_dir) -> str:
    """The sentence a report opens with when its data came from a folder writer.

    Examples
    --------
    >>> marker = {"writer": "write_shl2018_folder",
    ...           "parameters": {"n_segments": 240, "random_state": 0}}
    >>> print(rehearsal_note(marker, "/tmp/shl"))  # doctest: +NORMALIZE_WHITESPACE
    REHEARSAL on synthetic data: /tmp/shl was written by write_shl2018_folder (ccafusion
    make-data; n_segments=240, random_state=0), not recorded; its numbers say nothing about
    the real data set.
    """
    parameters = ", ".join(
        f"{key}={value}"
        for key, value in marker.get("parameters", {}).items()
        if key not in {"dataset", "signals"}
    )
    return (
        f"REHEARSAL on synthetic data: {data_dir} was written by "
        f"{marker.get('writer', 'ccafusion make-data')} (ccafusion make-data; {parameters}), "
        "not recorded; its numbers say nothing about the real data set."
    )


def claim_folder(path: Path, writer: str) -> bool:
    """Check that ``path`` may be written; return whether it had to be created.

    An existing folder must be empty or hold the marker of an earlier write: data
    the package did not write is never replaced.
    """
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} exists and is not a folder; {writer} writes a folder.")
    if not path.exists():
        return True
    entries = [p.name for p in path.iterdir()]
    if entries and MAKE_DATA_MARKER not in entries:
        shown = ", ".join(sorted(entries)[:3]) + (", ..." if len(entries) > 3 else "")
        raise ValueError(
            f"{path} already holds files ({shown}) that {writer} did not write (no "
            f"{MAKE_DATA_MARKER}); it replaces only its own folders. Choose a new or empty "
            "folder."
        )
    return False


def check_free_space(path: Path, needed: int, replaced: Sequence[Path] = ()) -> None:
    """Raise before writing when the disk holding ``path`` lacks ``needed`` bytes.

    ``replaced``: files the write overwrites, whose space comes back.
    """
    existing = path
    while not existing.exists():
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    back = sum(p.stat().st_size for p in replaced if p.is_file())
    if needed > free + back:
        raise OSError(
            f"not enough free space to write {format_bytes(needed)} in {path}: "
            f"{format_bytes(free + back)} free there. Free some space, write fewer "
            "samples, or choose a folder on another disk."
        )


def write_marker(path: Path, writer: str, parameters: dict, *, complete: bool) -> None:
    """Write (or rewrite) the marker of a synthetic folder written by ``writer``."""
    from sklearn_ccafusion import __version__

    content = {
        "synthetic": True,
        "writer": writer,
        "package": f"sklearn-ccafusion {__version__}",
        "parameters": parameters,
        "complete": complete,
        "note": "Synthetic data with a class signal, in the file layout of the real data "
        "set, written to rehearse a run; not the real data.",
    }
    (path / MAKE_DATA_MARKER).write_text(json.dumps(content, indent=2) + "\n")


@contextmanager
def cleanup_on_failure(
    root: Path, files: Sequence[Path], folders: Sequence[Path], root_created: bool
) -> Iterator[None]:
    """Remove what a write leaves when it fails or is interrupted (Ctrl-C), then re-raise.

    ``files`` are every file the write creates or replaces, ``folders`` the folders it
    creates inside ``root`` (removed when empty); ``root`` itself goes too when this
    write created it and it is left empty.
    """
    try:
        yield
    except BaseException:
        for file in files:
            try:
                os.remove(file)
            except OSError:  # absent, or cannot be removed: nothing more to do
                pass
        for folder in folders:
            try:
                folder.rmdir()  # only when empty
            except OSError:
                pass
        # the marker (written first, "complete": false) stays while anything else of an
        # earlier write does, so the folder is still known as the package's own
        if root.is_dir() and {p.name for p in root.iterdir()} <= {MAKE_DATA_MARKER}:
            (root / MAKE_DATA_MARKER).unlink(missing_ok=True)
            if root_created:
                root.rmdir()
        raise
