"""Fingerprints: an injective, type-tagged hash of data and parameters, the key of every cache.

The task cache (:class:`~sklearn_ccafusion.study.TaskCache`) and the cache of trained
networks (:mod:`sklearn_ccafusion.utils._net_cache`) name their files by it, so a
change of data or parameters can never be answered by a stale file.

Every value is written to the hash as a type tag followed by its content, with
explicit lengths and counts, so two values give the same stream of bytes only if
they have the same type and the same content: the encoding is injective over the
types it reads, and two fingerprints agree only if the values do (up to a collision
of BLAKE2b, which nobody has ever found). A value of any other type raises a
``TypeError`` naming it, rather than being hashed by its ``repr`` (which
scikit-learn truncates and many objects fill with a memory address).

What counts of each type is in :func:`fingerprint`'s notes.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import struct
import sys
import types
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["fingerprint"]

_SPARSE_ARRAYS = {
    "csr": ("data", "indices", "indptr"),
    "csc": ("data", "indices", "indptr"),
    "bsr": ("data", "indices", "indptr"),
    "coo": ("row", "col", "data"),
    "dia": ("data", "offsets"),
}


def _refuse(value: Any, why: str) -> TypeError:
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    return TypeError(f"fingerprint cannot hash {kind} objects faithfully: {why}")


class _Encoder:
    """Writes values into a hash as tagged, length-prefixed bytes (one call per value)."""

    def __init__(self, digest: Any) -> None:
        self.digest = digest
        self.active: set[int] = set()  # containers being encoded, to refuse cycles

    def raw(self, tag: bytes, payload: bytes = b"") -> None:
        self.digest.update(tag + len(payload).to_bytes(8, "little") + payload)

    def text(self, tag: bytes, text: str) -> None:
        self.raw(tag, text.encode("utf-8", "surrogatepass"))

    def count(self, tag: bytes, n: int) -> None:
        self.raw(tag, n.to_bytes(8, "little"))

    def sub_digest(self, *values: Any) -> bytes:
        """A digest of values on their own, to sort unordered containers by."""
        inner = _Encoder(hashlib.blake2b(digest_size=32))
        inner.active = self.active
        for value in values:
            inner.encode(value)
        return inner.digest.digest()

    def encode(self, value: Any) -> None:
        if isinstance(value, (list, tuple, set, frozenset, Mapping)) or hasattr(
            value, "get_params"
        ):
            if id(value) in self.active:
                raise _refuse(value, "it contains itself.")
            self.active.add(id(value))
            try:
                self._encode(value)
            finally:
                self.active.discard(id(value))
        else:
            self._encode(value)

    def _encode(self, value: Any) -> None:  # noqa: C901 - one branch per type, in order
        if value is None:
            self.raw(b"N")
        elif value is Ellipsis:
            self.raw(b"E")
        elif isinstance(value, np.generic):
            self.raw(b"g")
            self.array(np.asarray(value))
        elif type(value) is bool:
            self.raw(b"T" if value else b"F")
        elif isinstance(value, enum.Enum):
            self.raw(b"e")
            self.encode(type(value))
            self.text(b"s", value.name)
        elif type(value) is int:  # two's complement, any size
            self.raw(b"i", value.to_bytes(value.bit_length() // 8 + 1, "little", signed=True))
        elif type(value) is float:
            self.raw(b"f", struct.pack("<d", value))
        elif type(value) is complex:
            self.raw(b"c", struct.pack("<dd", value.real, value.imag))
        elif type(value) is str:
            self.text(b"s", value)
        elif type(value) in (bytes, bytearray):
            self.raw(b"y" if type(value) is bytes else b"Y", bytes(value))
        elif isinstance(value, np.ndarray):
            self.ndarray(value)
        elif sp.issparse(value):
            self.sparse(value)
        elif isinstance(value, Mapping):
            self.count(b"D", len(value))
            for entry in sorted(self.sub_digest(k, v) for k, v in value.items()):
                self.raw(b"d", entry)
        elif type(value) in (list, tuple):
            self.count(b"L" if type(value) is list else b"U", len(value))
            for item in value:
                self.encode(item)
        elif type(value) in (set, frozenset):
            self.count(b"S" if type(value) is set else b"Z", len(value))
            for entry in sorted(self.sub_digest(item) for item in value):
                self.raw(b"d", entry)
        elif isinstance(value, np.dtype):
            self.text(b"t", _dtype_text(value))
        elif isinstance(value, (slice, range)):
            self.raw(b"r" if isinstance(value, range) else b"l")
            for part in (value.start, value.stop, value.step):
                self.encode(part)
        elif isinstance(value, PurePath):
            self.text(b"P", f"{type(value).__name__}:{value}")
        elif isinstance(value, np.random.RandomState):
            self.raw(b"R")
            self.encode(value.get_state(legacy=False))
        elif isinstance(value, np.random.Generator):
            self.raw(b"G")
            self.encode(value.bit_generator.state)
        else:
            self.other(value)

    def other(self, value: Any) -> None:
        """pandas and torch containers, estimators, classes and functions; else refuse."""
        module = type(value).__module__.split(".")[0]
        if module == "pandas":
            self.pandas(value)
        elif module == "torch" and hasattr(value, "detach"):
            self.tensor(value)
        elif module == "torch" and type(value).__name__ in ("dtype", "device"):
            self.text(b"o", f"{type(value).__name__}:{value}")
        elif isinstance(value, type):
            self.text(b"C", _qualified_name(value))
        elif hasattr(value, "get_params"):
            self.estimator(value)
        elif isinstance(value, functools.partial):
            self.raw(b"p")
            for part in (value.func, value.args, value.keywords):
                self.encode(part)
        elif isinstance(value, types.MethodType):
            self.raw(b"M")
            self.encode(value.__self__)
            self.text(b"s", value.__func__.__name__)
        elif isinstance(value, types.FunctionType):
            self.text(b"u", _qualified_name(value))
            self.code(value.__code__)
            self.encode(value.__defaults__)
            self.encode(value.__kwdefaults__)
        elif isinstance(value, (types.BuiltinFunctionType, np.ufunc)):
            owner = getattr(value, "__self__", None)
            if owner is not None and not isinstance(owner, types.ModuleType):
                raise _refuse(value, "a method bound to an object counts by that object.")
            self.text(b"b", _builtin_name(value))
        elif callable(value) and _importable_name(value) is not None:
            self.text(b"b", _importable_name(value))
        else:
            raise _refuse(
                value,
                "pass its parameters (numbers, strings, arrays, mappings) or give its class "
                "get_params, as scikit-learn estimators have.",
            )

    def array(self, array: np.ndarray) -> None:
        self.text(b"t", _dtype_text(array.dtype))
        self.encode(tuple(int(n) for n in array.shape))
        if array.dtype.hasobject:
            for item in array.ravel(order="C"):
                self.encode(item)
            return
        flat = np.ascontiguousarray(array).reshape(-1)
        self.count(b"B", flat.nbytes)
        if flat.nbytes:  # the buffer itself, without a copy when it is contiguous
            self.digest.update(flat.view(np.uint8).data)

    def ndarray(self, value: np.ndarray) -> None:
        if type(value) in (np.ndarray, np.memmap):
            self.raw(b"a")
        elif type(value) is np.matrix:
            self.raw(b"m")
        else:
            raise _refuse(value, "an array subclass may hold more than its content (a mask).")
        self.array(np.asarray(value))

    def sparse(self, value: Any) -> None:
        kind = "matrix" if isinstance(value, sp.spmatrix) else "array"
        self.text(b"x", f"{value.format}:{kind}:{_dtype_text(value.dtype)}")
        self.encode(tuple(int(n) for n in value.shape))
        if value.format in _SPARSE_ARRAYS and value.ndim == 2:
            for name in _SPARSE_ARRAYS[value.format]:
                self.encode(np.asarray(getattr(value, name)))
        else:  # lil, dok, 1-d or n-d arrays: their entries in index order
            coo = value.tocoo()
            coords = tuple(getattr(coo, "coords", None) or (coo.row, coo.col))
            order = np.lexsort(coords[::-1]) if coords else np.zeros(0, np.intp)
            for part in (*coords, coo.data):
                self.encode(np.asarray(part)[order])

    def pandas(self, value: Any) -> None:
        import pandas as pd

        if isinstance(value, pd.Index):
            self.text(b"I", type(value).__name__)
            self.encode(value.names if isinstance(value, pd.MultiIndex) else value.name)
            self.column(value)
        elif isinstance(value, pd.Series):
            self.raw(b"V")
            self.encode(value.name)
            self.encode(value.index)
            self.column(value)
        elif isinstance(value, pd.DataFrame):
            self.count(b"W", value.shape[1])
            self.encode(value.index)
            self.encode(value.columns)
            for position in range(value.shape[1]):
                self.column(value.iloc[:, position])
        elif value is pd.NA or value is pd.NaT:
            self.text(b"n", repr(value))
        else:
            raise _refuse(value, "pass it as a NumPy array or Python values.")

    def column(self, values: Any) -> None:
        """A pandas column or index: its dtype (categories included) and its values."""
        dtype = values.dtype
        self.text(b"t", str(dtype))
        if hasattr(dtype, "categories"):
            self.encode(dtype.categories)
            self.encode(bool(dtype.ordered))
            self.encode(np.asarray(values.cat.codes if hasattr(values, "cat") else values.codes))
        elif isinstance(dtype, np.dtype):
            self.encode(np.asarray(values))
        else:  # extension dtypes (nullable integers, strings): element by element
            self.encode(np.asarray(values, dtype=object))

    def tensor(self, value: Any) -> None:
        import torch

        if value.layout is not torch.strided or value.is_quantized or value.is_meta:
            raise _refuse(value, "only dense tensors are hashed; pass it as a dense array.")
        flat = value.detach().to("cpu").contiguous().reshape(-1)
        self.text(b"O", str(value.dtype))
        self.encode(tuple(int(n) for n in value.shape))
        self.encode(flat.view(torch.uint8).numpy() if flat.numel() else np.zeros(0, np.uint8))

    def estimator(self, value: Any) -> None:
        own_clone = getattr(type(value), "__sklearn_clone__", None)
        if own_clone is not None:
            from sklearn.base import BaseEstimator

            if own_clone is not BaseEstimator.__sklearn_clone__:
                raise _refuse(
                    value, "it keeps fitted state through cloning, its parameters do not say it."
                )
        try:
            params = value.get_params(deep=False)
        except Exception as error:  # a third-party get_params may fail in any way
            raise _refuse(value, f"get_params failed ({error!r}).") from error
        if not isinstance(params, Mapping):
            raise _refuse(value, "get_params did not return a mapping.")
        self.text(b"K", _qualified_name(type(value)))
        self.encode(dict(params))

    def code(self, code: types.CodeType) -> None:
        self.raw(b"k", code.co_code)
        self.encode(code.co_names)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                self.code(const)
            else:
                self.encode(const)


def _qualified_name(obj: Any) -> str:
    """``module.qualname`` of a class or function; refused for lambdas and local ones."""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", "")
    if "<lambda>" in qualname or "<locals>" in qualname or not qualname:
        raise TypeError(
            f"fingerprint cannot hash {obj!r} faithfully: a lambda or a class or function "
            "defined inside a function has no name that says what it computes; define it "
            "at the top level of a module."
        )
    if getattr(obj, "__closure__", None):
        raise TypeError(
            f"fingerprint cannot hash {qualname} faithfully: it is a closure, its captured "
            "values are not part of its name."
        )
    name = _importable_name(obj)
    if name is None:
        raise TypeError(
            f"fingerprint cannot hash {obj!r} faithfully: importing {qualname} from "
            f"{getattr(obj, '__module__', None)} does not give it back (made at run time, "
            "or replaced), so its name does not say what it is."
        )
    return name


def _importable_name(value: Any) -> str | None:
    """``module.qualname`` when importing that name gives ``value`` itself, else None."""
    module = sys.modules.get(getattr(value, "__module__", None) or "")
    qualname = getattr(value, "__qualname__", None)
    if module is None or not isinstance(qualname, str):
        return None
    found: Any = module
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return f"{module.__name__}.{qualname}" if found is value else None


def _builtin_name(value: Any) -> str:
    """``module.name`` of a built-in function or ufunc (ufuncs know no module)."""
    module_name = getattr(value, "__module__", None)
    if module_name is None:
        import scipy.special

        for module in (np, scipy.special):
            if getattr(module, value.__name__, None) is value:
                module_name = module.__name__
                break
        else:
            raise _refuse(value, "a ufunc outside NumPy and SciPy has no module to name it by.")
    return f"{module_name}.{value.__name__}"


def _dtype_text(dtype: np.dtype) -> str:
    """A dtype's byte order, size and structure (field names and offsets included)."""
    if dtype.fields is not None or dtype.subdtype is not None:
        return f"{dtype.descr!r}:{dtype.itemsize}"
    return dtype.str


def fingerprint(*values: Any) -> str:
    """An injective hash of data and parameters: arrays, estimators, containers, scalars.

    Two calls give the same key exactly when their values have the same types and
    contents (see the notes for the types and what counts of each).

    Parameters
    ----------
    *values : array-like, estimator, mapping, sequence or scalar
        Everything that determines a result.

    Returns
    -------
    key : str
        32 hexadecimal characters.

    Raises
    ------
    TypeError
        Naming the type, for a value that cannot be hashed faithfully: an object
        without ``get_params`` and of no type above, a lambda, a closure, a masked
        array, a container that contains itself or is nested too deeply.

    Notes
    -----
    Each value counts by its type and:

    - ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``, ``bytes``: their
      value, and their type (``1``, ``1.0`` and ``True`` differ). Floats count by
      their bits: ``0.0`` and ``-0.0`` differ, a NaN equals itself, and NaNs with
      other payloads differ (NumPy's and Python's NaNs are the same one).
    - NumPy scalars: their dtype and bits; never equal to the Python scalar of the
      same value (``np.float32(1)`` is not ``1.0``) nor to a 0-d array.
    - NumPy arrays (and memory maps): dtype (byte order, structured fields with
      names and offsets), shape and content, C order whatever the memory layout;
      an object array element by element. ``np.matrix`` is tagged apart; masked
      arrays and other subclasses are refused.
    - SciPy sparse matrices and arrays: their format, kind, shape, dtype and stored
      arrays (``data``, ``indices``, ``indptr``, ...): one matrix stored two ways
      (unsorted indices, explicit zeros) may get two keys, never the other way round.
    - pandas ``Series``, ``DataFrame`` and ``Index``: index, columns, names, dtypes
      (categories included) and values; torch tensors: dtype, shape and bits;
      torch dtypes and devices.
    - ``list``, ``tuple`` (apart), ``set``/``frozenset`` (order ignored), mappings
      (their items, order ignored; keys with their types: ``{1: 2}`` is not
      ``{"1": 2}``).
    - Objects with ``get_params`` (scikit-learn estimators and the like): their
      class and ``get_params(deep=False)``, nested estimators included; an
      estimator that keeps fitted state through cloning (a class with its own
      ``__sklearn_clone__``, such as ``FrozenEstimator``) is refused, its
      parameters do not describe it.
    - Classes, functions, ufuncs, ``functools.partial``, bound methods and other
      callables importable by their name: their qualified name (a Python function's
      compiled code and defaults too, not the code it calls); lambdas, closures and
      anything defined inside a function are refused.
    - ``numpy.random.RandomState`` and ``Generator``: their state; ``np.dtype``,
      ``slice``, ``range``, ``Ellipsis``, enum members and paths.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.arange(6.0)
    >>> fingerprint(a, {"seed": 1}) == fingerprint(a.copy(), {"seed": 1})
    True
    >>> fingerprint(a, {"seed": 1}) == fingerprint(a.astype(np.float32), {"seed": 1})
    False
    >>> fingerprint({1: 2}) == fingerprint({"1": 2})
    False
    """
    encoder = _Encoder(hashlib.blake2b(digest_size=16))
    encoder.count(b"*", len(values))
    try:
        for value in values:
            encoder.encode(value)
    except RecursionError:
        raise TypeError(
            "fingerprint cannot hash a value nested this deeply faithfully; flatten it."
        ) from None
    return encoder.digest.hexdigest()
