"""One write of a folder writer, checked whole before its first byte, recorded last.

The folder writers (:func:`~sklearn_ccafusion.datasets.write_shl2018_folder`,
:func:`~sklearn_ccafusion.datasets.write_cifar10_folder`) write through
:class:`FolderWrite`, in four steps:

1. **Check everything.** Every file the write creates, replaces or removes must be
   absent, or recorded in the folder's manifest (``ccafusion-make-data.json``, the
   marker of an earlier write) with the same size and SHA-256 digest; the folders on
   the way must be folders and writable; the disk must hold the planned size and the
   memory the planned peak. Anything else raises (:class:`DataInTheWayError` naming the
   file, :class:`TooLargeError` with the estimate, :class:`NotWritableError`) before
   anything is written, so a refused write leaves every file as it was.
2. **Start.** The marker is rewritten as incomplete: it keeps the records of the
   earlier files that stay and lists the temporary names about to be written; the
   earlier files of the package that the write replaces are removed.
3. **Write.** Each file is written under a temporary name beside its target
   (``.<name>.ccafusion-partial``) and hashed as it is written.
4. **Record.** The marker records the new files' sizes and digests, the temporary files
   are renamed to their targets, and the marker is written once more, complete: last.

A write that fails or is interrupted (Ctrl-C) removes its temporary files, and the
folders and marker it created when nothing else is left. A write killed outright leaves
only temporary files the marker lists, or files it records with their digests, so the
next write replaces them without a question. A file is trusted without being read
again while its ``stat`` record (size, modification and change times, inode) is the one
recorded: any write to a file changes its change time, which programs cannot set back.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from tqdm.auto import tqdm

from sklearn_ccafusion.datasets._write_guard import (
    MAKE_DATA_MARKER,
    DataInTheWayError,
    NotWritableError,
    WritePlan,
    check_plan,
)

__all__ = ["FolderWrite"]

_PARTIAL = ".ccafusion-partial"
_BLOCK = 1 << 22  # bytes hashed at a time
_NOTE = (
    "Synthetic data with a class signal, in the file layout of the real data set, written "
    "to rehearse a run; not the real data. 'files' lists what was written, with sizes and "
    "SHA-256 digests: ccafusion make-data replaces only those, while they are unchanged."
)


def _stat_record(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _partial_name(relative: str) -> str:
    head, _, name = relative.rpartition("/")
    return f"{head}/.{name}{_PARTIAL}" if head else f".{name}{_PARTIAL}"


class _HashingFile:
    """A binary file open for writing that hashes what it is given (SHA-256)."""

    def __init__(self, path: Path, name: str) -> None:
        self._file = open(path, "wb")
        self._hash = hashlib.sha256()
        self.name = name  # what gzip records as the original file name
        self.size = 0

    def write(self, data) -> int:
        self._file.write(data)
        self._hash.update(data)
        n_bytes = memoryview(data).nbytes
        self.size += n_bytes
        return n_bytes

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def __enter__(self) -> _HashingFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_manifest(root: Path) -> tuple[dict | None, str]:
    """The marker at ``root`` as a dict, or ``None`` and why it is not usable."""
    path = root / MAKE_DATA_MARKER
    if path.is_symlink():
        return None, f"its {MAKE_DATA_MARKER} is a link, not the file a write leaves"
    if not path.exists():
        return None, f"no {MAKE_DATA_MARKER}"
    try:
        content = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        return None, f"{MAKE_DATA_MARKER} is unreadable ({type(error).__name__})"
    if not isinstance(content, dict) or not isinstance(content.get("files"), dict):
        return None, f"{MAKE_DATA_MARKER} lists no files with their digests"
    return content, ""


class FolderWrite:
    """A checked write of files under ``root``; use :meth:`check`, then ``with`` it.

    Parameters
    ----------
    root : Path
        The folder written into (created if missing).
    writer : str
        The writing function's name, recorded and named in the errors.
    parameters : dict
        Recorded in the marker (JSON types).
    writes : sequence of str
        The files written, relative to ``root`` with ``/`` separators.
    plan : WritePlan
        Size and memory estimates, checked against the machine first.
    removes : sequence of str, default=()
        Files removed if present (an earlier write's other layout), relative too.
    progress : bool, default=True
        Show a progress bar while earlier files are checked against their digests.
    """

    def __init__(
        self,
        root: Path,
        writer: str,
        parameters: dict,
        writes: Sequence[str],
        plan: WritePlan,
        *,
        removes: Sequence[str] = (),
        progress: bool = True,
    ) -> None:
        self.root = Path(root)
        self.writer = writer
        self.parameters = parameters
        self.writes = list(writes)
        self.removes = [r for r in removes if r not in self.writes]
        self.plan = plan
        self.progress = progress
        self._earlier: dict = {}
        self._open: dict[str, _HashingFile] = {}
        self._created: list[Path] = []
        self._checked = False

    # step 1 ---------------------------------------------------------------------------
    def check(self) -> None:
        """Raise, before anything is written, when the write may not or cannot happen."""
        root = self.root
        if root.exists() and not root.is_dir():
            raise DataInTheWayError(
                f"{root} is in the way: it exists and is not a folder; {self.writer} writes "
                "a folder. Choose another folder."
            )
        manifest, why = read_manifest(root) if root.is_dir() else (None, "")
        entries = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
        if entries and manifest is None:
            shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            raise DataInTheWayError(
                f"{root} already holds files ({shown}) that {self.writer} did not write "
                f"({why}); it replaces only files it wrote itself. Choose a new or empty "
                "folder."
            )
        self._earlier = manifest or {"files": {}}
        blocked = self._blocked()
        if blocked:
            path, reason = blocked[0]
            more = f" (and {len(blocked) - 1} more files)" if len(blocked) > 1 else ""
            raise DataInTheWayError(
                f"{path} is in the way{more}: {reason}. {self.writer} never replaces data "
                "it did not write: move it elsewhere (or delete it if it is a copy you do "
                "not need), or write to a new or empty folder."
            )
        self._check_writable()
        freed = sum((root / r).stat().st_size for r in self._own_existing())
        check_plan(self.plan, root, self.writer, freed=freed)
        self._checked = True

    def _own_existing(self) -> list[str]:
        """Files of an earlier write that this one removes or replaces (all checked)."""
        names = self.writes + self.removes
        names += [_partial_name(r) for r in names]
        return [r for r in names if (self.root / r).is_file()]

    def _blocked(self) -> list[tuple[Path, str]]:
        """Every (path, reason) in the way of the write."""
        root, files = self.root, self._earlier.get("files", {})
        partial = self._earlier.get("partial", [])
        partial = partial if isinstance(partial, list) else []
        blocked, to_hash = [], []
        for relative in self.writes + self.removes:
            parts = relative.split("/")
            for depth in range(1, len(parts)):
                folder = root.joinpath(*parts[:depth])
                if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                    blocked.append((folder, "a folder is written there; it is a file or a link"))
            for name, own in ((relative, False), (_partial_name(relative), True)):
                path = root / name
                if not (path.exists() or path.is_symlink()):
                    continue
                if path.is_symlink() or not path.is_file():
                    blocked.append((path, "it is not a regular file (a folder or a link)"))
                elif own:
                    if name not in partial:
                        blocked.append((path, f"{MAKE_DATA_MARKER} does not list it"))
                elif not isinstance(files.get(name), dict):
                    blocked.append((path, f"{MAKE_DATA_MARKER} does not record it"))
                else:
                    to_hash.append((path, files[name]))
        blocked += self._changed(to_hash)
        return list(dict.fromkeys(blocked))

    def _changed(self, recorded: list[tuple[Path, dict]]) -> list[tuple[Path, str]]:
        """The files whose content is not the one the manifest records."""
        changed, to_read = [], []
        for path, entry in recorded:
            size = path.stat().st_size
            if entry.get("size") != size:
                changed.append(
                    (
                        path,
                        f"its size ({size} bytes) is not the {entry.get('size')!r} bytes "
                        f"{MAKE_DATA_MARKER} records: it was changed or replaced",
                    )
                )
            elif entry.get("stat") != _stat_record(path):
                to_read.append((path, entry))
        total = sum(path.stat().st_size for path, _ in to_read)
        with tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            desc="checking earlier files",
            disable=not self.progress or total < 10**9,
        ) as bar:
            for path, entry in to_read:
                digest = hashlib.sha256()
                try:
                    with open(path, "rb") as fh:
                        while block := fh.read(_BLOCK):
                            digest.update(block)
                            bar.update(len(block))
                except OSError as error:
                    reason = f"it cannot be read to check its content ({error.strerror or error})"
                    changed.append((path, reason))
                    continue
                if digest.hexdigest() != entry.get("sha256"):
                    changed.append(
                        (
                            path,
                            f"its content differs from what {MAKE_DATA_MARKER} records "
                            "(another SHA-256 digest): it was changed or replaced",
                        )
                    )
        return changed

    def _check_writable(self) -> None:
        folders = {self.root}
        for relative in self.writes:
            folders.add((self.root / relative).parent)
        for folder in sorted(folders):
            existing = folder.absolute()
            while not existing.exists() and existing != existing.parent:
                existing = existing.parent
            if not existing.is_dir():
                raise NotWritableError(
                    f"{folder} cannot be created: {existing} is a file, not a folder."
                )
            if not os.access(existing, os.W_OK | os.X_OK):
                raise NotWritableError(
                    f"{existing} is not writable, so {self.writer} cannot write {folder}. "
                    "Choose a writable folder."
                )

    # steps 2 to 4 ---------------------------------------------------------------------
    def __enter__(self) -> FolderWrite:
        if not self._checked:
            self.check()
        self._files = {
            name: entry
            for name, entry in self._earlier["files"].items()
            if name not in self.writes and name not in self.removes
        }
        try:
            self._start()
        except BaseException:
            self._clean_up()
            raise
        return self

    def _start(self) -> None:
        """Create the folders, remove the earlier files replaced, mark the write begun."""
        root = self.root
        for folder in [*reversed(root.parents), root]:
            if not folder.exists():
                folder.mkdir()
                self._created.append(folder)
        for relative in self.writes:
            for folder in reversed((root / relative).parents):
                if root in folder.parents and not folder.exists():
                    folder.mkdir()
                    self._created.append(folder)
        # removed before the marker forgets them: a write killed in between leaves
        # records of absent files, never files without a record
        for relative in self._own_existing():
            (root / relative).unlink()
        self._marker(partial=[_partial_name(r) for r in self.writes], complete=False)

    def open(self, relative: str) -> _HashingFile:
        """The file ``relative`` (one of ``writes``), open for writing, hashed."""
        if relative not in self.writes or relative in self._open:
            raise ValueError(f"{relative} is not a file of this write, or is open already.")
        handle = _HashingFile(self.root / _partial_name(relative), relative.rpartition("/")[2])
        self._open[relative] = handle
        return handle

    def __exit__(self, kind, error, traceback) -> None:
        for handle in self._open.values():
            handle.close()
        if kind is not None:
            self._clean_up()
            return
        try:
            self._finish()
        except BaseException:
            self._clean_up()
            raise

    def _clean_up(self) -> None:
        """After a failure: temporary files and created folders removed, marker updated.

        The marker stays (incomplete, with the records of the files still there) while
        the folder holds anything else, so that the folder is still known as written by
        the package; it goes, with the folders this write created, when nothing is left.
        """
        root = self.root
        for relative in self.writes:
            (root / _partial_name(relative)).unlink(missing_ok=True)
        if not root.is_dir():
            return
        self._files = {n: e for n, e in self._files.items() if (root / n).is_file()}
        marker = root / MAKE_DATA_MARKER
        others = [p for p in root.iterdir() if p.name != MAKE_DATA_MARKER]
        try:
            if self._files or any(p not in self._created for p in others):
                self._marker(partial=[], complete=False)
            else:
                marker.unlink(missing_ok=True)
        except OSError:  # the disk is full, say: the marker of the start stays, as valid
            pass
        for folder in reversed(self._created):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                pass

    def _finish(self) -> None:
        missing = [r for r in self.writes if r not in self._open]
        if missing:
            raise RuntimeError(f"{self.writer} did not write {missing}")  # a bug, not input
        new = {r: {"size": h.size, "sha256": h.hexdigest()} for r, h in self._open.items()}
        self._files.update(new)
        self._marker(partial=[_partial_name(r) for r in self.writes], complete=False)
        for relative in self.writes:
            os.replace(self.root / _partial_name(relative), self.root / relative)
            self._files[relative]["stat"] = _stat_record(self.root / relative)
        self._marker(partial=[], complete=True)

    def _marker(self, *, partial: list[str], complete: bool) -> None:
        """Write the marker atomically: a temporary file renamed over the old one."""
        from sklearn_ccafusion import __version__

        content = {
            "synthetic": True,
            "writer": self.writer,
            "package": f"sklearn-ccafusion {__version__}",
            "parameters": self.parameters,
            "complete": complete,
            "note": _NOTE,
            "files": dict(sorted(self._files.items())),
        }
        if partial:
            content["partial"] = partial
        path = self.root / MAKE_DATA_MARKER
        tmp = self.root / _partial_name(MAKE_DATA_MARKER)
        tmp.write_text(json.dumps(content, indent=2) + "\n")
        os.replace(tmp, path)
