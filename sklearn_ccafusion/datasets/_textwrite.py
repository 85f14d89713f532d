"""Fast writing of numeric matrices in MATLAB's ``save -ascii`` text layout.

MATLAB's ``save -ascii`` (the layout of the SHL challenge files) writes every number as
C's ``printf("%16.7e")`` does: right-aligned in 16 characters, one digit, a point, seven
digits, ``e``, a signed exponent of at least two digits, one matrix row per line, no
other separator. ``numpy.savetxt`` gets there with one Python ``%`` per line, about a
microsecond a value; a full SHL file (16,310 lines of 6,000 values) then takes minutes.
:func:`format_rows` builds the characters with array arithmetic instead: the decimal
exponent from ``log10`` (corrected where it lands next to a power of ten), the eight
significant digits from one scaled, rounded integer, each character column written at
once. Rows holding a value this cannot lay out (NaN, infinity, an exponent of three
digits) are formatted by Python's ``%`` instead, so the output is always ``%16.7e``'s.
"""

from __future__ import annotations

from typing import BinaryIO

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["format_rows", "write_rows"]

_WIDTH = 16  # characters per number
_DIGITS = 8  # significant digits: d.ddddddd
_MAX_EXPONENT = 99  # two exponent digits
# Exact powers of ten for the scaling (10**k is exact in float64 up to k = 22).
_POW10 = np.array([10.0**k for k in range(0, 309)])


def _words(texts: list[str]) -> NDArray:
    """One little-endian uint64 per 8-character text: bytes in reading order."""
    return np.frombuffer("".join(texts).encode("ascii"), dtype="<u8").copy()


# A number is two 8-byte words, each assembled from tables of their characters:
# "   d.ddd" (first four digits), "dddde" (last four) OR "     +ee" (exponent), and
# the sign added to the third character of the first word.
_HEAD = _words([f"   {k // 1000}.{k % 1000:03d}" for k in range(10**4)])
_TAIL = _words([f"{k:04d}e\0\0\0" for k in range(10**4)])
_EXPONENT = _words(
    [f"\0\0\0\0\0{'-' if e < 0 else '+'}{abs(e):02d}" for e in range(-99, 100)]
)
_MINUS_SHIFT = np.uint64(ord("-") - ord(" ")) << np.uint64(16)


_BLOCK = 1 << 16  # values encoded at once (their temporaries stay in the CPU cache)


def _mantissa(magnitude: NDArray, exponent: NDArray) -> NDArray:
    """``magnitude * 10**(7 - exponent)`` rounded to an integer (float64)."""
    shift = (_DIGITS - 1) - exponent
    scaled = magnitude * _POW10.take(np.abs(shift), mode="clip")
    down = shift < 0
    if down.any():
        scaled[down] = magnitude[down] / _POW10.take(-shift[down], mode="clip")
    return np.rint(scaled, out=scaled)


def _encode(x: NDArray, words: NDArray) -> NDArray:
    """Fill ``words`` (n, 2) with the characters of the 1-d ``x``; return where it failed."""
    magnitude = np.abs(x, dtype=np.float64)
    special = ~((magnitude > 0) & (magnitude < np.inf))  # zero, NaN, infinity
    has_special = special.any()
    if has_special:
        magnitude[special] = 1.0
    # Values outside two exponent digits overflow here; the caller redoes their rows.
    with np.errstate(divide="ignore", over="ignore"):
        exponent = np.floor(np.log10(magnitude)).astype(np.int32)
        mantissa = _mantissa(magnitude, exponent)
        # log10 may land one off next to a power of ten, and rounding may carry to 10**8.
        for _ in range(2):
            fix = np.flatnonzero((mantissa >= 10.0**_DIGITS) | (mantissa < 10.0 ** (_DIGITS - 1)))
            if fix.size == 0:
                break
            exponent[fix] += np.where(mantissa[fix] >= 10.0**_DIGITS, 1, -1).astype(np.int32)
            mantissa[fix] = _mantissa(magnitude[fix], exponent[fix])
    failed = np.zeros(x.shape, dtype=bool)
    if exponent.min() < -_MAX_EXPONENT or exponent.max() > _MAX_EXPONENT:
        failed |= np.abs(exponent) > _MAX_EXPONENT
    if has_special:
        failed |= np.isnan(x) | np.isinf(x)
        clear = special | failed
    else:
        clear = failed
    if clear.any():
        mantissa[clear] = 0
        exponent[clear] = 0
    head, tail = np.divmod(mantissa.astype(np.int32), 10**4)
    words[:, 0] = _HEAD.take(head)
    words[:, 0] += np.signbit(x) * _MINUS_SHIFT
    words[:, 1] = _TAIL.take(tail)
    words[:, 1] |= _EXPONENT.take(exponent + _MAX_EXPONENT)
    return failed


def format_rows(values: ArrayLike) -> bytes:
    """Text of a matrix in the ``%16.7e`` layout, one line per row.

    Parameters
    ----------
    values : array-like of shape (n_rows, n_columns)
        Numbers to write; float32 values are written from their exact value.

    Returns
    -------
    text : bytes
        ``n_rows`` lines of ``n_columns`` numbers of 16 characters, each line ending in
        ``\\n``; byte for byte what ``numpy.savetxt(fh, values, fmt="%16.7e",
        delimiter="")`` writes.

    Examples
    --------
    >>> format_rows([[1.5, -0.000123], [9.99999999, 0.0]])
    b'   1.5000000e+00  -1.2300000e-04\\n   1.0000000e+01   0.0000000e+00\\n'
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values must be a 2-d array, got shape {values.shape}.")
    n_rows, n_cols = values.shape
    flat = values.reshape(-1)
    words = np.empty((flat.shape[0], 2), dtype="<u8")
    failed = np.zeros(flat.shape[0], dtype=bool)
    for start in range(0, flat.shape[0], _BLOCK):
        block = slice(start, start + _BLOCK)
        failed[block] = _encode(flat[block], words[block])
    out = np.empty((n_rows, n_cols * _WIDTH + 1), dtype=np.uint8)
    out[:, :-1] = words.view(np.uint8).reshape(n_rows, -1)
    out[:, -1] = ord("\n")

    # Rows this layout cannot hold (NaN, infinity, three exponent digits): Python's %.
    text = out.tobytes()
    if not failed.any():
        return text
    length = out.shape[1]
    lines = [text[i * length : (i + 1) * length] for i in range(n_rows)]
    for row in np.flatnonzero(failed.reshape(n_rows, n_cols).any(axis=1)):
        lines[row] = (("%16.7e" * n_cols) % tuple(values[row].tolist()) + "\n").encode()
    return b"".join(lines)


def write_rows(fh: BinaryIO, values: ArrayLike) -> int:
    """Append the rows of ``values`` to an open binary file, as :func:`format_rows`.

    Parameters
    ----------
    fh : binary file object
        Opened for writing (``"wb"`` or ``"ab"``).
    values : array-like of shape (n_rows, n_columns)
        Numbers to write.

    Returns
    -------
    n_bytes : int
        Bytes written.

    Examples
    --------
    >>> import io
    >>> buffer = io.BytesIO()
    >>> write_rows(buffer, [[2.0, 3.0]])
    33
    """
    return fh.write(format_rows(values))
