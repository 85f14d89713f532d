"""The cache of trained networks: one key, one file layer, for every place that trains nets.

Two places train networks and keep them on disk: the study's networks stage
(:func:`sklearn_ccafusion.runs.run_study` stores each network's penultimate
features and classification layer, which is all the study reads) and
:class:`~sklearn_ccafusion.nets.NetFeatures` with ``cache_dir`` (it stores the
trained net's weights, which its ``transform`` needs). What they store differs;
how they name, write and read it is this module, written once:

- :func:`trained_net_key` is the key of a trained network: the content of the data
  it learns from, its seed, its recipe (the network's parameters), the device, the
  package version and the identity of its code. Parameters that only show or log
  training (``progress``, ``verbose``) are left out: switching a progress bar on
  never retrains a network.
- :class:`NetCache` is the folder: one file per network, named
  ``<label>-<key><suffix>`` (the label as a safe file name, so a name from data
  never leads outside the folder); every file is written to a temporary name and
  renamed (a crash never leaves half a file); every file is read by a reader that
  runs no code (``numpy.load(allow_pickle=False)`` here for arrays,
  ``torch.load(weights_only=True)`` in :mod:`sklearn_ccafusion.nets._net_files`
  for weights). Beside each file, ``<file>.check.json`` records its name (which
  holds its key) and a digest of its bytes, checked before it is read: a file that
  is missing its checksum, fails it or cannot be read is reported by a warning
  naming it and computed again, never an error and never a stale answer.

Both callers share this helper rather than one training through the other: the
study trains a sensor's networks together and keeps only their features, a
different payload from the weights ``NetFeatures`` must restore, and routing one
through the other would change how (and so which) networks are trained.
"""

from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from sklearn_ccafusion import __version__
from sklearn_ccafusion.utils._code_identity import code_identity
from sklearn_ccafusion.utils._file_names import file_in, safe_file_name
from sklearn_ccafusion.utils._files import atomic_write, save_arrays
from sklearn_ccafusion.utils._fingerprint import fingerprint

__all__ = [
    "CHECK_SUFFIX",
    "NOT_DETERMINING",
    "NetCache",
    "check_file",
    "check_path",
    "read_arrays",
    "trained_net_key",
    "write_check",
]

#: The checksum file of a cached network ``<file>`` is ``<file>.check.json``.
CHECK_SUFFIX = ".check.json"

#: Parameters that show or log training without changing what it learns.
NOT_DETERMINING = frozenset({"progress", "verbose"})

_T = TypeVar("_T")


def _seed(seed: Any) -> Any:
    """A NumPy integer seed as the Python int it seeds the same generators with."""
    return int(seed) if isinstance(seed, np.integer) else seed


def trained_net_key(data: Any, *, seed: Any, recipe: Mapping[str, Any], device: Any) -> str:
    """The key of a trained network: everything that determines it, nothing else.

    Parameters
    ----------
    data : array-like, str or sequence of them
        What the network learns from (its inputs and labels), hashed by content; a
        fingerprint string of them works as well.
    seed : int, None or object
        The network's seed (``random_state``).
    recipe : mapping of str to object
        Everything else that decides the trained network: its class and
        architecture, the training parameters (estimators and objects with
        ``get_params`` by their class and parameters, classes and functions by
        their qualified names, see :func:`fingerprint`). Entries named in
        :data:`NOT_DETERMINING` (``progress``, ``verbose``) are ignored.
    device : str or object
        The device it trains on (results differ between devices).

    Returns
    -------
    key : str
        32 hexadecimal characters; the package version and the identity of its
        code (:func:`~sklearn_ccafusion.utils._code_identity.code_identity`) are
        part of it.

    Raises
    ------
    TypeError
        If a value of the recipe cannot be fingerprinted faithfully (a lambda, an
        object without ``get_params``): the caller trains without caching.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> key = trained_net_key(X, seed=0, recipe={"hidden": 8}, device="cpu")
    >>> key == trained_net_key(X.copy(), seed=0, recipe={"hidden": 8, "progress": True},
    ...                        device="cpu")
    True
    >>> key == trained_net_key(X, seed=1, recipe={"hidden": 8}, device="cpu")
    False
    """
    determining = {k: v for k, v in recipe.items() if k not in NOT_DETERMINING}
    return fingerprint(
        data,
        {
            "seed": _seed(seed),
            "recipe": determining,
            "device": str(device),
            "version": __version__,
            "code": code_identity(),
        },
    )


def read_arrays(path: Path, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The named arrays of an ``.npz`` file, read without pickles.

    Raises
    ------
    ValueError
        Naming the file, when it is damaged, holds an object array or lacks one of
        ``names``.
    """
    try:
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as stored:
            missing = [name for name in names if name not in stored.files]
            if missing:
                raise ValueError(f"{path} lacks the arrays {missing}.")
            return {name: stored[name] for name in names}
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a readable .npz file ({error}).") from error
    except ValueError as error:
        if str(path) in str(error):
            raise
        raise ValueError(f"{path} is not a readable .npz file ({error}).") from error


class NetCache:
    """A folder of trained networks, one file each, named by :func:`trained_net_key`.

    Parameters
    ----------
    folder : str or Path
        Where the files live (created on the first write).

    Examples
    --------
    >>> import tempfile, warnings
    >>> import numpy as np
    >>> cache = NetCache(tempfile.mkdtemp())
    >>> path = cache.path("net", "0123abcd", ".npz")
    >>> cache.load(path, lambda p: read_arrays(p, ("coef",))) is None  # not there yet
    True
    >>> _ = cache.save_arrays(path, coef=np.eye(2))
    >>> cache.load(path, lambda p: read_arrays(p, ("coef",)))["coef"].shape
    (2, 2)
    >>> _ = path.write_bytes(b"damaged")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     cache.load(path, lambda p: read_arrays(p, ("coef",))) is None
    True
    >>> path.name in str(caught[0].message)
    True
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"NetCache({str(self.folder)!r})"

    def path(self, label: str, key: str, suffix: str) -> Path:
        """The file of one network: ``<folder>/<label>-<key><suffix>``.

        Parameters
        ----------
        label : str
            A name (the net's or the sensor's), for people; the key alone identifies
            the network. It is written as its
            :func:`~sklearn_ccafusion.utils._file_names.safe_file_name`, so a name
            from data (``../x``, ``/x``) never leads outside the folder.
        key : str
            Its :func:`trained_net_key`.
        suffix : str
            ``".npz"`` for arrays, ``".pt"`` for weights.

        Returns
        -------
        path : Path

        Raises
        ------
        ValueError
            If ``key`` or ``suffix`` would place the file outside the folder.
        """
        return file_in(self.folder, f"{safe_file_name(label)}-{key}{suffix}")

    @staticmethod
    def load(path: Path, read: Callable[[Path], _T], *, stacklevel: int = 1) -> _T | None:
        """What ``read`` makes of the file, or ``None`` when it is to be computed.

        Parameters
        ----------
        path : Path
            The file (:meth:`path`).
        read : callable
            ``read(path)`` returns the content, reading it without running code, and
            raises ``ValueError`` or ``TypeError`` when the file is damaged or does
            not fit.
        stacklevel : int, default=1
            Of the warning: 1 points at the caller of ``load``, 2 at its caller...

        Returns
        -------
        content : object or None
            ``None`` when the file is missing, or cannot be used (its checksum
            file is missing or disagrees with it, or ``read`` refuses it): then a
            warning names the file, and the caller computes the network again and
            replaces the file.
        """
        if not path.exists():
            return None
        try:
            check_file(path)
            return read(path)
        except (ValueError, TypeError, OSError) as error:
            message = str(error) if str(path) in str(error) else f"{path}: {error}"
            warnings.warn(
                f"{message} The cached network is trained again and the file replaced.",
                UserWarning,
                stacklevel=stacklevel + 1,
            )
            return None

    @staticmethod
    def save(path: Path, write: Callable[[Path], Any]) -> Path:
        """Write a network's file atomically (``write(path)`` writes it, at once).

        Parameters
        ----------
        path : Path
            The file (:meth:`path`).
        write : callable
            ``write(path)`` writes the whole file; it is called once, on a
            temporary name, which is then renamed to ``path``: a crash leaves the
            old file or none, never half of one. Its checksum file follows.

        Returns
        -------
        path : Path
        """
        atomic_write(path, write)
        return write_check(path)

    @staticmethod
    def save_arrays(path: Path, **arrays: np.ndarray) -> Path:
        """Write arrays as an ``.npz`` file atomically (read back by :func:`read_arrays`).

        Parameters
        ----------
        path : Path
            The file (:meth:`path`).
        **arrays : ndarray
            The arrays by name (numbers or strings: no object arrays).

        Returns
        -------
        path : Path
        """
        save_arrays(path, **arrays)
        return write_check(path)


def check_path(path: Path) -> Path:
    """The checksum file of a cached file: ``<name>.check.json`` beside it."""
    return path.with_name(f"{path.name}{CHECK_SUFFIX}")


def _file_digest(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_check(path: Path) -> Path:
    """Write the checksum file of ``path``: its name (which holds its key) and digest.

    Parameters
    ----------
    path : Path
        A cached file, written whole.

    Returns
    -------
    path : Path
        The cached file.
    """
    record = {"format": 1, "file": path.name, "blake2b": _file_digest(path)}
    atomic_write(check_path(path), lambda tmp: tmp.write_text(json.dumps(record)))
    return path


def check_file(path: Path) -> None:
    """Check a cached file against its checksum file.

    Parameters
    ----------
    path : Path
        A cached file.

    Raises
    ------
    ValueError
        Naming the file, when its checksum file is missing, damaged, written for
        another file, or disagrees with its content.
    """
    try:
        record = json.loads(check_path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(
            f"{path} has no checksum file (written by an earlier version, or interrupted)."
        ) from None
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}'s checksum file cannot be read ({error}).") from None
    if not isinstance(record, dict) or record.get("format") != 1:
        raise ValueError(f"{path}'s checksum file is not in this version's format.")
    if record.get("file") != path.name:
        raise ValueError(f"{path}'s checksum file was written for another file.")
    if record.get("blake2b") != _file_digest(path):
        raise ValueError(f"{path} fails its checksum (its content was changed).")
