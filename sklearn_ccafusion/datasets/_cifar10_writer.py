"""Writer of CIFAR-10 folders in the official python-pickle layout, at any size.

:func:`write_cifar10_folder` writes what :func:`load_cifar10` reads, as the python version
of CIFAR-10 holds it: ``cifar-10-batches-py/`` with ``data_batch_1`` .. ``data_batch_5``,
``test_batch`` and ``batches.meta``, or the ``cifar-10-python.tar.gz`` archive of that
folder. Each batch is pickled as the original files are (protocol 2, byte strings stored
as Python 2 ``str``, NumPy's ``numpy.core.multiarray`` path), so it has their size and
reads with the usual ``pickle.load(f, encoding="bytes")`` too.

The images carry a class signal: each class has its own background and object colours
(several classes share similar ones, as sky and sea do) and its own texture, a grating of
class-dependent orientation and frequency on the object; every image varies in colour,
object position and size, grating phase and noise. Colour alone gives a linear model a
clear but partial accuracy; the texture needs a convolutional network.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import tarfile
import time
from numbers import Integral
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from tqdm.auto import tqdm

from sklearn_ccafusion.datasets._cifar10 import _ARCHIVE, _BATCHES, _FOLDER, CIFAR10_CLASSES
from sklearn_ccafusion.datasets._folder_write import FolderWrite
from sklearn_ccafusion.datasets._synthetic import _class_counts
from sklearn_ccafusion.datasets._write_guard import WritePlan, check_count

__all__ = ["write_cifar10_folder"]

_SIDE = 32
_CHUNK = 1000  # images drawn together
_IMAGES_PER_BATCH = 10000  # of the original files (batches.meta's num_cases_per_batch)
# Background and object colours (RGB) per class, in CIFAR10_CLASSES order.
_BACKGROUND = np.array(
    [
        [135, 175, 215],  # airplane: sky
        [115, 115, 110],  # automobile: road
        [120, 160, 90],  # bird
        [150, 130, 110],  # cat: indoors
        [90, 120, 60],  # deer: forest
        [150, 140, 120],  # dog
        [80, 105, 55],  # frog
        [115, 145, 80],  # horse: field
        [70, 110, 160],  # ship: sea
        [125, 125, 120],  # truck: road
    ],
    dtype=np.float32,
)
_OBJECT = np.array(
    [
        [200, 200, 205],
        [170, 50, 45],
        [150, 110, 70],
        [125, 105, 85],
        [140, 100, 60],
        [135, 105, 75],
        [95, 145, 65],
        [110, 70, 40],
        [185, 185, 185],
        [195, 195, 205],
    ],
    dtype=np.float32,
)
_ORIENTATION = np.pi * np.array([0, 3, 6, 9, 2, 5, 8, 1, 4, 7]) / 10  # radians
_FREQUENCY = np.array([2.0, 3.5, 5.0, 2.0, 3.5, 5.0, 2.0, 3.5, 5.0, 2.75])  # cycles/image


class _Python2Pickler(pickle._Pickler):
    """Protocol-2 pickler writing byte strings as Python 2 ``str``, as the CIFAR files.

    Python 3 writes ``bytes`` under protocol 2 as a call to ``_codecs.encode`` of a
    latin-1 text, half again as large for image data; Python 2 wrote them raw
    (``BINSTRING``), which every unpickler reads back as ``bytes`` with
    ``encoding="bytes"``. NumPy's functions keep their NumPy 1 module path.
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_python2_str(self, obj: bytes) -> None:
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_python2_str

    def save_global(self, obj, name=None):
        if getattr(obj, "__module__", None) == "numpy._core.multiarray":
            self.write(pickle.GLOBAL + f"numpy.core.multiarray\n{obj.__name__}\n".encode())
            self.memoize(obj)
            return
        super().save_global(obj, name)


def _pickle_like_the_original(obj) -> bytes:
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def _images(rng, target: NDArray) -> NDArray:
    """uint8 images of shape (n, 3072) (red, green, blue planes) for the given classes."""
    n = target.shape[0]
    axis = np.linspace(-1.0, 1.0, _SIDE, dtype=np.float32)
    y, x = np.meshgrid(axis, axis, indexing="ij")
    background = _BACKGROUND[target] + rng.normal(0, 30, (n, 3)).astype(np.float32)
    colour = _OBJECT[target] + rng.normal(0, 30, (n, 3)).astype(np.float32)
    centre = rng.uniform(-0.35, 0.35, (n, 2)).astype(np.float32)
    radius = rng.uniform(0.35, 0.75, (n, 2)).astype(np.float32)
    inside = (
        1.0
        - ((x - centre[:, :1, None]) / radius[:, :1, None]) ** 2
        - ((y - centre[:, 1:, None]) / radius[:, 1:, None]) ** 2
    )
    mask = 0.5 + 0.5 * np.tanh(3.0 * inside)  # soft-edged ellipse, (n, 32, 32)
    angle = _ORIENTATION[target] + rng.normal(0, 0.15, n)
    frequency = _FREQUENCY[target] * rng.uniform(0.85, 1.15, n)
    phase = rng.uniform(0, 2 * np.pi, n)
    along = np.cos(angle)[:, None, None] * x + np.sin(angle)[:, None, None] * y
    grating = np.cos(np.pi * frequency[:, None, None] * along + phase[:, None, None])
    amplitude = rng.uniform(25, 60, (n, 1, 1))
    obj = colour[:, :, None, None] + (amplitude * grating)[:, None].astype(np.float32)
    mask = mask[:, None].astype(np.float32)
    image = background[:, :, None, None] * (1 - mask) + obj * mask
    image += rng.normal(0, 12, image.shape).astype(np.float32)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8).reshape(n, 3 * _SIDE * _SIDE)


def _batch(rng, target: NDArray, label: str, first_index: int, bar) -> dict:
    data = np.empty((target.shape[0], 3 * _SIDE * _SIDE), dtype=np.uint8)
    for start in range(0, target.shape[0], _CHUNK):
        rows = slice(start, start + _CHUNK)
        data[rows] = _images(rng, target[rows])
        bar.update(data[rows].shape[0])
    return {
        b"batch_label": label.encode(),
        b"labels": [int(c) for c in target],
        b"data": data,
        b"filenames": [
            f"{CIFAR10_CLASSES[c]}_s_{first_index + i:06d}.png".encode()
            for i, c in enumerate(target)
        ],
    }


def cifar10_folder_size(n_train: int, n_test: int) -> int:
    """Bytes :func:`write_cifar10_folder` writes at most (the archive is smaller).

    Each image takes its 3,072 bytes of pixels, a label and a file name in its batch
    (under 40 bytes), each file a few hundred bytes of framing.

    Examples
    --------
    >>> round(cifar10_folder_size(50000, 10000) / 1e6)  # the default, in MB
    187
    """
    return (n_train + n_test) * (3 * _SIDE * _SIDE + 40) + 7 * 1000


def cifar10_write_plan(n_train: int, n_test: int) -> WritePlan:
    """What :func:`write_cifar10_folder` takes: bytes (upper bound), peak memory.

    A batch is held in memory while written: its pixels, the pickle's buffer and its
    copy (about three times 3,072 bytes per image), its labels and file names; the
    images are drawn 1,000 at a time (about 100 MB of intermediates).

    Examples
    --------
    >>> plan = cifar10_write_plan(50000, 10000)
    >>> round(plan.disk / 1e6), round(plan.memory / 1e6)  # MB
    (187, 261)
    """
    n_train = check_count(n_train, "n_train")
    n_test = check_count(n_test, "n_test")
    largest_batch = max(-(-n_train // len(_BATCHES["train"])), n_test)
    return WritePlan(
        what=f"n_train={n_train}, n_test={n_test}",
        disk=cifar10_folder_size(n_train, n_test),
        memory=16_000 * largest_batch + 24 * (n_train + n_test) + 100_000_000,
        disk_options="n_train or n_test",
        memory_options="n_train (a fifth of it is held at once) or n_test",
    )


def _balanced_labels(rng, n: int) -> NDArray:
    n_classes = len(CIFAR10_CLASSES)
    counts = _class_counts(n, np.full(n_classes, 1.0 / n_classes))
    return rng.permutation(np.repeat(np.arange(n_classes), counts))


@validate_params(
    {
        "path": [str, os.PathLike],
        "n_train": [Interval(Integral, 1, None, closed="left")],
        "n_test": [Interval(Integral, 1, None, closed="left")],
        "archive": ["boolean"],
        "random_state": ["random_state"],
        "progress": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def write_cifar10_folder(
    path,
    n_train=50000,
    n_test=10000,
    *,
    archive=False,
    random_state=None,
    progress=True,
):
    """Write synthetic CIFAR-10 data in the official python-pickle layout.

    Writes ``<path>/cifar-10-batches-py/`` as the python version of CIFAR-10 holds it,
    so that :func:`load_cifar10` (and the command line) read it as the real data:
    ``data_batch_1`` .. ``data_batch_5`` (the ``n_train`` train images, split evenly),
    ``test_batch`` (the ``n_test`` test images) and ``batches.meta``. Each batch is a
    pickled dict with ``b"data"`` (uint8, shape (n, 3072): the red, green and blue planes
    of 32 x 32 images), ``b"labels"``, ``b"filenames"`` and ``b"batch_label"``, pickled
    as the original files (protocol 2, Python 2 byte strings). The ten classes are
    balanced and carry a signal in colour and texture (see the module description):
    a linear model on the pixels beats chance clearly, a convolutional network more so.

    At the full size (50,000 + 10,000 images) the folder takes about 184 MB, like the
    real one. Images are drawn 1,000 at a time; a batch is held in memory while written.

    Parameters
    ----------
    path : str or path-like
        Folder to write into: new, empty, or written by this function or
        :func:`write_shl2018_folder` before. The marker ``<path>/ccafusion-make-data.json``
        says the data is synthetic and records every file written with its size and
        SHA-256 digest, last. Only files it records, with their content unchanged, are
        ever replaced: real CIFAR-10 files in the way (or written files changed since)
        are refused before anything is written.
    n_train : int, default=50000
        Number of train images, over the five ``data_batch_*`` files.
    n_test : int, default=10000
        Number of test images, in ``test_batch``.
    archive : bool, default=False
        Write ``<path>/cifar-10-python.tar.gz`` (the archive of the folder, as
        downloaded) instead of the folder; :func:`load_cifar10` reads it directly.
        The other layout of an earlier write at ``path`` (the folder, when writing the
        archive, or the reverse) is removed, so the two never disagree.
    random_state : int, RandomState instance or None, default=None
        Seed of the labels and images. Pass an int for the same files on every call.
    progress : bool, default=True
        Show a tqdm progress bar over the images written.

    Returns
    -------
    data_dir : pathlib.Path
        ``path``, ready for ``load_cifar10(data_dir, ...)``.

    Raises
    ------
    TypeError, ValueError
        If a size is not a whole number in range (``n_train=1e12`` is refused as a
        float, before any work).
    FileExistsError
        If ``path`` holds files this function did not write, or a file it would replace
        or remove is not the one its manifest records (the message names the file; a
        subclass of ValueError too). Nothing is written then.
    ValueError
        If the disk lacks the space the files need or the memory the writing needs
        (estimated first with :func:`cifar10_folder_size`; the message gives both and
        the parameter to lower; a subclass of OSError too), or a folder on the way is
        not writable. When the writing fails or is interrupted (Ctrl-C), the files it
        was writing are removed.

    See Also
    --------
    load_cifar10 : Read the folder or archive (or the real data).
    write_shl2018_folder : The same for the SHL 2018 challenge's text files.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_ccafusion.datasets import load_cifar10
    >>> folder = write_cifar10_folder(tempfile.mkdtemp(), n_train=50, n_test=20,
    ...                               random_state=0, progress=False)
    >>> names = sorted(p.name for p in (folder / "cifar-10-batches-py").iterdir())
    >>> len(names), names[:2], names[-1]
    (7, ['batches.meta', 'data_batch_1'], 'test_batch')
    >>> cifar = load_cifar10(folder, "test")
    >>> cifar.data.shape, cifar.data.dtype, sorted(set(cifar.target.tolist()))[:3]
    ((20, 3, 32, 32), dtype('uint8'), [0, 1, 2])
    """
    plan = cifar10_write_plan(n_train, n_test)
    names = [*_BATCHES["train"], *_BATCHES["test"], "batches.meta"]
    in_folder = [f"{_FOLDER}/{name}" for name in names]
    files, removes = ([_ARCHIVE], in_folder) if archive else (in_folder, [_ARCHIVE])
    parameters = {
        "dataset": "cifar10",
        "n_train": int(n_train),
        "n_test": int(n_test),
        "archive": bool(archive),
        "random_state": random_state if isinstance(random_state, Integral) else None,
    }
    base = Path(path).expanduser()
    # an earlier write's other layout (the folder beside a new archive, or the reverse)
    # goes: left there, it would be read instead of, or beside, the new files
    write = FolderWrite(
        base, "write_cifar10_folder", parameters, files, plan, removes=removes, progress=progress
    )
    write.check()  # before any work: nothing in the way, room on the disk and in memory

    rng = check_random_state(random_state)
    generator = np.random.default_rng(rng.randint(0, 2**31 - 1, size=4))
    train_target = _balanced_labels(generator, n_train)
    test_target = _balanced_labels(generator, n_test)
    parts = np.array_split(train_target, len(_BATCHES["train"]))
    n_parts = len(parts)
    jobs = [
        (name, part, f"training batch {i + 1} of {n_parts}")
        for i, (name, part) in enumerate(zip(_BATCHES["train"], parts))
    ]
    jobs.append((_BATCHES["test"][0], test_target, "testing batch 1 of 1"))
    meta = {
        b"num_cases_per_batch": _IMAGES_PER_BATCH,
        b"label_names": [name.encode() for name in CIFAR10_CLASSES],
        b"num_vis": 3 * _SIDE * _SIDE,
    }
    with write:
        _write_batches(write, jobs, meta, generator, archive, progress, n_train + n_test)
    return base


def _write_batches(write, jobs, meta, generator, archive, progress, total):
    """The pickled batches, as files of the folder or members of the archive."""
    if archive:
        handle = write.open(_ARCHIVE)
        tar = tarfile.open(fileobj=handle, mode="w:gz")
        now = int(time.time())

    def put(name: str, content: bytes) -> None:
        if not archive:
            with write.open(f"{_FOLDER}/{name}") as fh:
                fh.write(content)
            return
        info = tarfile.TarInfo(f"{_FOLDER}/{name}")
        info.size = len(content)
        info.mode = 0o644
        info.mtime = now
        tar.addfile(info, io.BytesIO(content))

    try:
        with tqdm(total=total, disable=not progress, unit="image", desc="CIFAR-10 batches") as bar:
            first = 0
            for name, target, label in jobs:
                batch = _batch(generator, target, label, first, bar)
                first += target.shape[0]
                put(name, _pickle_like_the_original(batch))
            put("batches.meta", _pickle_like_the_original(meta))
    finally:
        if archive:
            tar.close()
