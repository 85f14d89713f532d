"""A study task's rows as JSON that keeps every value's type, and back.

JSON alone turns tuples into lists and integer keys into strings, and has no
arrays; a resumed study would then build other tables than an uninterrupted one.
Here Python's ``None``, ``bool``, ``int``, ``float`` and ``str`` are written as
themselves (Python writes floats so that they read back to the same bits; NaN,
infinities and integers beyond 18 digits are tagged), and every other value as
a list whose first item names its type: ``["tuple", [...]]``,
``["list", [...]]``, ``["dict", [[key, value], ...]]`` (keys keep their types),
``["complex", re, im]``, ``["bytes", base64]``, ``["scalar", dtype, base64]`` for
NumPy scalars and ``["array", dtype, shape, base64]`` for NumPy arrays of
numbers, booleans, strings, bytes, dates or durations. Anything else (objects,
object or structured arrays) is refused with a ``TypeError`` naming it. Reading
runs no code and checks every item, raising ``ValueError`` on anything malformed.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["decode_rows", "encode_rows"]

_ARRAY_KINDS = "biufcSUMm"  # no objects ("O") and no structured or void ("V")


def _dtype_of(value: Any) -> np.dtype:
    dtype = value.dtype
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise TypeError(
            f"TaskCache stores arrays of numbers, booleans, strings, bytes, dates and "
            f"durations, not of dtype {dtype}."
        )
    return dtype


def _bytes_text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _encode(value: Any) -> Any:
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:  # beyond 18 digits, as hexadecimal text: exact, and any size
        return value if abs(value) < 10**18 else ["int", hex(value)]
    if kind is float:
        return value if math.isfinite(value) else ["float", repr(value)]
    if isinstance(value, np.generic):
        dtype = _dtype_of(value)
        return ["scalar", dtype.str, _bytes_text(np.asarray(value).tobytes())]
    if kind is np.ndarray:
        dtype = _dtype_of(value)
        shape = [int(n) for n in value.shape]
        return ["array", dtype.str, shape, _bytes_text(np.ascontiguousarray(value).tobytes())]
    if kind in (list, tuple):
        return [kind.__name__, [_encode(item) for item in value]]
    if kind is dict:
        return ["dict", [[_encode(k), _encode(v)] for k, v in value.items()]]
    if kind is complex:
        return ["complex", _encode(value.real), _encode(value.imag)]
    if kind is bytes:
        return ["bytes", _bytes_text(value)]
    raise TypeError(
        f"TaskCache cannot store a {kind.__module__}.{kind.__qualname__} value; rows hold "
        "None, booleans, numbers, strings, bytes, NumPy scalars and arrays, and lists, "
        "tuples and dicts of them."
    )


def encode_rows(rows: Sequence[Mapping]) -> list:
    """Rows as JSON-ready data that :func:`decode_rows` turns back into equal rows.

    Parameters
    ----------
    rows : sequence of mappings
        A task's rows.

    Returns
    -------
    data : list

    Raises
    ------
    TypeError
        Naming the row, column and type, for a value that cannot be stored.

    Examples
    --------
    >>> import numpy as np
    >>> decode_rows(encode_rows([{1: (2, np.float32(0.5))}]))
    [{1: (2, np.float32(0.5))}]
    """
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Sequence):
        raise TypeError(f"A task's rows must be a list of mappings, got {type(rows).__name__}.")
    encoded = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"Row {index} of a task must be a mapping, got {type(row).__name__}.")
        items = []
        for name, value in row.items():
            try:
                items.append([_encode(name), _encode(value)])
            except TypeError as error:
                raise TypeError(f"Row {index}, column {name!r}: {error}") from None
            except RecursionError:
                raise TypeError(f"Row {index}, column {name!r} is nested too deeply.") from None
        encoded.append(items)
    return encoded


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(f"malformed row data ({what}).")


def _bytes_of(text: Any) -> bytes:
    _check(isinstance(text, str), "bytes must be base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise ValueError(f"malformed row data (base64: {error}).") from None


def _read_dtype(text: Any) -> np.dtype:
    _check(isinstance(text, str) and len(text) < 40, "dtype")
    try:
        dtype = np.dtype(text)
    except TypeError as error:
        raise ValueError(f"malformed row data (dtype {text!r}: {error}).") from None
    _check(dtype.kind in _ARRAY_KINDS and dtype.fields is None and dtype.itemsize > 0, "dtype")
    return dtype


def _decode(data: Any) -> Any:
    if data is None or type(data) in (bool, int, float, str):
        return data
    _check(type(data) is list and len(data) >= 2 and isinstance(data[0], str), "a tagged value")
    tag, *parts = data
    if tag in ("list", "tuple"):
        _check(len(parts) == 1 and type(parts[0]) is list, tag)
        items = [_decode(item) for item in parts[0]]
        return items if tag == "list" else tuple(items)
    if tag == "dict":
        _check(len(parts) == 1 and type(parts[0]) is list, tag)
        return _dict(parts[0])
    if tag == "int":
        _check(len(parts) == 1 and isinstance(parts[0], str) and len(parts[0]) < 10**6, tag)
        try:
            return int(parts[0], 16)
        except ValueError:
            raise ValueError("malformed row data (int).") from None
    if tag == "float":
        _check(len(parts) == 1 and parts[0] in ("nan", "inf", "-inf"), tag)
        return float(parts[0])
    if tag == "complex":
        _check(len(parts) == 2, tag)
        real, imag = (_decode(part) for part in parts)
        _check(type(real) is float and type(imag) is float, tag)
        return complex(real, imag)
    if tag == "bytes":
        _check(len(parts) == 1, tag)
        return _bytes_of(parts[0])
    if tag == "scalar":
        _check(len(parts) == 2, tag)
        dtype = _read_dtype(parts[0])
        raw = _bytes_of(parts[1])
        _check(len(raw) == dtype.itemsize, "scalar size")
        return np.frombuffer(raw, dtype=dtype)[0]
    if tag == "array":
        _check(len(parts) == 3 and type(parts[1]) is list, tag)
        dtype = _read_dtype(parts[0])
        shape = parts[1]
        _check(all(type(n) is int and n >= 0 for n in shape) and len(shape) <= 32, "shape")
        raw = _bytes_of(parts[2])
        _check(len(raw) == math.prod(shape) * dtype.itemsize, "array size")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    raise ValueError(f"malformed row data (unknown type tag {tag!r}).")


def _dict(items: Any) -> dict:
    _check(type(items) is list, "a mapping must be a list of pairs")
    pairs = [_pair(item) for item in items]
    try:
        return dict(pairs)
    except TypeError as error:  # an unhashable key
        raise ValueError(f"malformed row data (key: {error}).") from None


def _pair(item: Any) -> tuple[Any, Any]:
    _check(type(item) is list and len(item) == 2, "a key and a value")
    return _decode(item[0]), _decode(item[1])


def decode_rows(data: Any) -> list[dict]:
    """The rows that :func:`encode_rows` encoded.

    Parameters
    ----------
    data : object
        What ``json.loads`` read.

    Returns
    -------
    rows : list of dict

    Raises
    ------
    ValueError
        If ``data`` is not what :func:`encode_rows` writes.
    """
    _check(type(data) is list, "rows must be a list")
    try:
        return [_dict(row) for row in data]
    except RecursionError:
        raise ValueError("malformed row data (nested too deeply).") from None
