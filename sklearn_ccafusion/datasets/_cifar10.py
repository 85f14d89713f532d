"""Loader of CIFAR-10 from the official python-pickle batches (Krizhevsky 2009).

The python version of CIFAR-10 (``cifar-10-python.tar.gz``) holds six pickled batches in
``cifar-10-batches-py/``: ``data_batch_1`` .. ``data_batch_5`` (50,000 train images) and
``test_batch`` (10,000 test images), each a dict with ``b"data"`` (a uint8 array of shape
(10000, 3072): 1024 red, then green, then blue values of a 32 x 32 image) and
``b"labels"``, plus ``batches.meta`` with the class names. The batches are read with a
restricted unpickler that only rebuilds NumPy arrays, so a file cannot run code.
"""

from __future__ import annotations

import io
import os
import pickle
import tarfile
import zlib
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions, validate_params

from sklearn_ccafusion.utils._labels import as_class_labels

__all__ = ["CIFAR10_CLASSES", "load_cifar10"]

#: The ten CIFAR-10 class names; label ``i`` is ``CIFAR10_CLASSES[i]``.
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
_CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"
_FOLDER = "cifar-10-batches-py"
_ARCHIVE = "cifar-10-python.tar.gz"
_BATCHES = {
    "train": tuple(f"data_batch_{i}" for i in range(1, 6)),
    "test": ("test_batch",),
}
# The only globals a CIFAR-10 batch needs: NumPy's array rebuilding functions.
_ALLOWED = {
    "_reconstruct": np.ndarray.__reduce__(np.zeros(1))[0],
    "scalar": np.float64(0).__reduce__()[0],
    "ndarray": np.ndarray,
    "dtype": np.dtype,
}
_ALLOWED_MODULES = {"numpy", "numpy.core.multiarray", "numpy._core.multiarray"}

_DESCR = """\
CIFAR-10 (Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009)
-----------------------------------------------------------------------------------
60,000 colour images of 32 x 32 pixels in 10 classes: 50,000 train images (data_batch_1..5)
and 10,000 test images (test_batch). Source: {url} (python version).
Subset: {subset} ({n} images), uint8, channels first (N, 3, 32, 32).
"""


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds NumPy arrays and refuses every other global."""

    def find_class(self, module, name):
        if module in _ALLOWED_MODULES and name in _ALLOWED:
            return _ALLOWED[name]
        if (module, name) == ("_codecs", "encode"):  # bytes written by Python 3, protocol 2
            import codecs

            return codecs.encode
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR-10 batch")


def _missing(path: Path) -> FileNotFoundError:
    return FileNotFoundError(
        f"{path} is missing. CIFAR-10 is not downloaded automatically: get the python "
        f"version ({_ARCHIVE}) from {_CIFAR_URL} and extract it, so that "
        f"<data_dir>/{_FOLDER}/ holds data_batch_1 .. data_batch_5, test_batch and "
        "batches.meta (the archive itself in <data_dir> also works)."
    )


def _read_archive(archive: Path) -> dict[str, bytes]:
    """The files of ``cifar-10-batches-py/`` in the archive, read to its very end.

    Reading to the end checks the whole compressed stream (a truncated download fails
    its length and CRC checks even when every batch came through).
    """
    members = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.startswith(f"{_FOLDER}/"):
                    members[member.name.split("/", 1)[1]] = tar.extractfile(member).read()
            while tar.fileobj.read(1 << 20):
                pass
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        if isinstance(error, tarfile.ReadError):
            detail = "not a tar archive, compressed or not"
        else:
            detail = f"{type(error).__name__}: {error}"
        raise ValueError(
            f"{archive} is not a complete tar.gz archive ({detail}): the download is "
            f"truncated or damaged. Download {_ARCHIVE} again from {_CIFAR_URL}, or "
            "extract it and pass the folder."
        ) from error
    return members


class ConflictingCopiesError(ValueError):
    """The archive and the extracted folder beside it hold different data."""


def _folder_reader(folder: Path):
    def read(name):
        path = folder / name
        return (path.read_bytes(), path) if path.is_file() else (None, path)

    return read


def _archive_reader(archive: Path, members: dict[str, bytes]):
    def read(name):
        content = members.get(name)
        if content is None and name != "batches.meta":
            raise ValueError(
                f"{archive} holds no {_FOLDER}/{name}: the archive is incomplete. "
                f"Download {_ARCHIVE} again from {_CIFAR_URL}."
            )
        return content, Path(f"{archive}:{_FOLDER}/{name}")

    return read


def _check_same_data(folder: Path, archive: Path, members: dict[str, bytes]) -> None:
    """Raise :class:`ConflictingCopiesError` unless ``folder`` holds what ``archive`` does.

    Compares every file the loader reads (the six batches and ``batches.meta``), byte
    for byte: present in one and not the other, or of other content, is a difference.
    """
    names = [*_BATCHES["train"], *_BATCHES["test"], "batches.meta"]
    for name in names:
        path = folder / name
        content = path.read_bytes() if path.is_file() else None
        if content == members.get(name):
            continue
        if content is None or name not in members:
            detail = f"{name} is only in the {'archive' if content is None else 'folder'}"
        else:
            detail = f"{name} differs ({len(content)} bytes in the folder, {len(members[name])} "
            detail += "in the archive)"
        folder_time = max((p.stat().st_mtime for p in folder.iterdir() if p.is_file()), default=0.0)
        newer = "archive" if archive.stat().st_mtime > folder_time else "folder"
        raise ConflictingCopiesError(
            f"{archive.parent} holds both {_ARCHIVE} and the extracted folder {folder}, and "
            f"they differ ({detail}; the {newer} is the newer). Which one is meant cannot "
            f"be told: to read the archive, delete {folder} (or extract the archive again "
            f"over it); to read the folder, move {archive} elsewhere."
        )


def _open_source(data_dir: str | os.PathLike):
    """A ``read(name) -> bytes or None`` function over the folder or the archive.

    The folder ``cifar-10-batches-py/`` (or ``data_dir`` itself holding the batches) is
    read when there is no archive beside it; when ``data_dir`` holds the archive too,
    the two must hold the same batches, or :class:`ConflictingCopiesError` says which
    file differs and which copy to delete: an older folder never silently wins over a
    new archive (nor the reverse).
    """
    base = Path(data_dir).expanduser()
    archive = base if base.is_file() else base / _ARCHIVE
    for folder in (base / _FOLDER, base):
        if (folder / "batches.meta").is_file() or (folder / "test_batch").is_file():
            if archive.is_file():
                _check_same_data(folder, archive, _read_archive(archive))
            return _folder_reader(folder)
    if archive.is_file():
        return _archive_reader(archive, _read_archive(archive))
    if not base.is_dir():
        raise _missing(base)
    raise _missing(base / _FOLDER / "data_batch_1")


def _unpickle(content: bytes, path: Path) -> dict:
    try:
        batch = _ArrayUnpickler(io.BytesIO(content), encoding="bytes").load()
    except Exception as error:  # any unpickling failure means a bad file
        raise ValueError(f"{path} is not a CIFAR-10 python batch: {error}") from error
    if not isinstance(batch, dict):
        raise ValueError(f"{path} is not a CIFAR-10 python batch (no dict inside).")
    return batch


def _read_batch(read, name: str) -> tuple[np.ndarray, np.ndarray]:
    content, path = read(name)
    if content is None:
        raise _missing(path)
    batch = _unpickle(content, path)
    data = batch.get(b"data", batch.get("data"))
    labels = batch.get(b"labels", batch.get("labels"))
    if data is None or labels is None:
        raise ValueError(f"{path} is not a CIFAR-10 python batch: it lacks 'data' or 'labels'.")
    data = np.asarray(data)
    try:  # never truncated: 3.7 is not a class index
        labels = (
            as_class_labels(labels, name=f"{path}: 'labels'")
            if np.size(labels)
            else np.zeros(0, np.int64)  # a batch of no image (a small rehearsal's)
        )
    except (TypeError, ValueError) as error:
        raise ValueError(f"{error} CIFAR-10 labels are class indices in 0..9.") from error
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(
            f"{path}: 'data' must be a uint8 array of shape (n_images, 3072), got "
            f"{data.dtype} {data.shape}."
        )
    if (
        labels.shape != (data.shape[0],)
        or labels.dtype != np.int64
        or labels.min(initial=0) < 0
        or labels.max(initial=0) >= len(CIFAR10_CLASSES)
    ):
        raise ValueError(
            f"{path}: 'labels' must hold one class index in 0..9 per image "
            f"({data.shape[0]} images)."
        )
    return data, labels


@validate_params(
    {
        "data_dir": [str, os.PathLike],
        "subset": [StrOptions({"train", "test"})],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_cifar10(data_dir, subset="train", *, return_X_y=False):
    """Load CIFAR-10 from the official python-pickle batches.

    Nothing is downloaded: get the python version (``cifar-10-python.tar.gz``) from
    https://www.cs.toronto.edu/~kriz/cifar.html and extract it (or leave the archive in
    ``data_dir``, it is read directly).

    Parameters
    ----------
    data_dir : str or path-like
        Folder holding ``cifar-10-batches-py/`` or the archive, that folder itself, or
        the archive itself. When it holds both the archive and the extracted folder,
        the two must hold the same batches (they are compared byte for byte, which
        reads the archive too): a newer archive beside an older folder, or any other
        difference, raises an error naming the file that differs and the copy to
        delete, rather than reading one of them silently.
    subset : {"train", "test"}, default="train"
        ``"train"``: the 50,000 images of ``data_batch_1`` .. ``data_batch_5``, in order;
        ``"test"``: the 10,000 of ``test_batch`` (the "validation" set of the study).
    return_X_y : bool, default=False
        ``True`` returns ``(data, target)`` instead of the Bunch (scikit-learn's
        loaders' convention); the other attributes are then not returned.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes ``data`` (ndarray of shape (n_images, 3, 32,
        32), uint8, channels first), ``target`` (int64 class indices), ``target_names`` (the
        10 class names) and ``DESCR``.
    (data, target) : tuple of ndarray
        With ``return_X_y=True``: ``data`` and ``target`` as above.

    Raises
    ------
    FileNotFoundError
        If a batch is missing (the message names it and where to get the data).
    ValueError
        If a file is not a CIFAR-10 python batch, or the archive is truncated or
        damaged (the message names the file), or ``data_dir`` holds an archive and a
        folder that differ.

    Examples
    --------
    Two tiny batches in the official format:

    >>> import pathlib, pickle, tempfile
    >>> import numpy as np
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "cifar-10-batches-py"
    >>> folder.mkdir()
    >>> for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
    ...              "data_batch_5", "test_batch"]:
    ...     batch = {b"data": np.full((2, 3072), 7, np.uint8), b"labels": [3, 9]}
    ...     _ = (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    >>> cifar = load_cifar10(folder.parent)
    >>> cifar.data.shape, cifar.data.dtype
    ((10, 3, 32, 32), dtype('uint8'))
    >>> cifar.target[:2], cifar.target_names[cifar.target[:2]]
    (array([3, 9]), array(['cat', 'truck'], dtype='<U10'))
    """
    read = _open_source(data_dir)
    parts = [_read_batch(read, name) for name in _BATCHES[subset]]
    data = np.concatenate([p[0] for p in parts]).reshape(-1, 3, 32, 32)
    target = np.concatenate([p[1] for p in parts])
    names = list(CIFAR10_CLASSES)
    meta, meta_path = read("batches.meta")
    if meta is not None:
        found = _unpickle(meta, meta_path).get(b"label_names")
        if found is not None and len(found) == len(names):
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in found]
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_names=np.array(names),
        DESCR=_DESCR.format(url=_CIFAR_URL, subset=subset, n=data.shape[0]),
    )
