"""Fast reading of large whitespace-separated numeric text matrices, with a binary cache.

The SHL challenge files hold one row of a matrix per line (6,000 numbers per line, about
1.5 GB per file). This module parses them with vectorised NumPy byte arithmetic instead of
a per-line Python loop:

- the file is memory-mapped and cut into chunks that end on a line break;
- inside a chunk, token boundaries come from one whitespace mask, and every token is
  checked against the layout of the file's first number (e.g. ``d.ddddddde+dd``: the
  layout MATLAB's ``save -ascii`` and ``numpy.savetxt`` write), so the digits sit at
  fixed offsets from each token's end and are decoded column by column, exactly (the
  mantissa is an integer below 2**53, scaled by an exact power of ten);
- a chunk that does not follow the layout is parsed by :func:`numpy.loadtxt` instead,
  and a malformed line is reported with its file name and line number;
- chunks are independent and NumPy releases the GIL, so threads can parse them in parallel
  (the work is bound by memory bandwidth: on a small machine one thread is as fast).
"""

from __future__ import annotations

import io
import os
import re
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import NDArray

__all__ = ["read_text_matrix"]

_NEWLINE = ord("\n")
_WHITESPACE_MAX = ord(" ")  # bytes <= 32 (space, tab, CR, LF) separate numbers
_NUMBER = re.compile(rb"^[+-]?(\d+)(?:\.(\d*))?(?:([eE])([+-]?)(\d+))?$")
# Exact powers of ten up to 1e22; beyond that the table is correctly rounded.
_POW10 = np.array([float(f"1e{k}") for k in range(0, 400)])


class _Layout:
    """Character layout of one unsigned number, read from the right end of a token.

    ``digit_offsets`` are the offsets (from the last character) of the mantissa digits,
    most significant first; ``scale`` the power of ten of the last mantissa digit.
    """

    def __init__(self, token: bytes):
        match = _NUMBER.match(token)
        if match is None:
            raise ValueError(f"{token!r} is not a number")
        int_digits, frac_digits, e_char, e_sign, e_digits = match.groups()
        n_frac = len(frac_digits) if frac_digits is not None else None
        n_exp = len(e_digits) if e_digits is not None else 0
        # Layout, right to left: exponent digits, exponent sign, 'e', fraction, '.', integer.
        offset = 0
        self.exp_offsets = list(range(offset + n_exp - 1, offset - 1, -1))
        offset += n_exp
        self.exp_sign_offset = None
        self.e_offset = None
        if e_char is not None:
            if e_sign:
                self.exp_sign_offset = offset
                offset += 1
            self.e_offset = offset
            offset += 1
        frac_offsets = []
        self.dot_offset = None
        if n_frac is not None:
            frac_offsets = list(range(offset + n_frac - 1, offset - 1, -1))
            offset += n_frac
            self.dot_offset = offset
            offset += 1
        int_offsets = list(range(offset + len(int_digits) - 1, offset - 1, -1))
        offset += len(int_digits)
        self.digit_offsets = int_offsets + frac_offsets
        self.scale = -(n_frac or 0)
        self.length = offset  # characters of the unsigned number
        # Mantissas of up to 15 digits are exact in float64.
        self.usable = len(self.digit_offsets) <= 15 and n_exp <= 3


def _decode_chunk(buf: NDArray, layout: _Layout, n_cols: int) -> NDArray | None:
    """Decode a chunk of whole lines that follows ``layout``; ``None`` if it does not.

    Returns the values in reading order (float64), after checking that every line
    holds ``n_cols`` numbers and every number has the layout's characters.
    """
    n = buf.shape[0]
    padded = np.ones(n + 2, dtype=bool)
    np.less_equal(buf, _WHITESPACE_MAX, out=padded[1:-1])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts = edges[0::2]
    ends = edges[1::2] - 1  # index of each token's last character
    newlines = np.flatnonzero(buf == _NEWLINE)
    n_lines = newlines.shape[0] + (0 if buf[-1] == _NEWLINE else 1)
    if starts.shape[0] != n_lines * n_cols:
        return None
    # Tokens before each line break must be a multiple of n_cols, line by line.
    before = np.searchsorted(starts, newlines)
    if not np.array_equal(before, n_cols * np.arange(1, newlines.shape[0] + 1)):
        return None
    lengths = ends - starts + 1
    first = buf[starts]
    signed = lengths == layout.length + 1
    if not np.all(signed | (lengths == layout.length)):
        return None
    if np.any(signed & (first != ord("-")) & (first != ord("+"))):
        return None

    def column(offset: int) -> NDArray:
        return buf[ends - offset]

    mantissa = np.zeros(starts.shape[0], dtype=np.float64)
    for offset in layout.digit_offsets:
        digit = column(offset) - np.uint8(ord("0"))  # wraps above 9 for non-digits
        if digit.max(initial=0) > 9:
            return None
        mantissa *= 10.0
        mantissa += digit
    exponent = np.full(starts.shape[0], layout.scale, dtype=np.int64)
    if layout.e_offset is not None:
        e_char = column(layout.e_offset)
        if np.any((e_char != ord("e")) & (e_char != ord("E"))):
            return None
        value = np.zeros(starts.shape[0], dtype=np.int64)
        for offset in layout.exp_offsets:
            digit = column(offset) - np.uint8(ord("0"))
            if digit.max(initial=0) > 9:
                return None
            value *= 10
            value += digit
        if layout.exp_sign_offset is not None:
            e_sign = column(layout.exp_sign_offset)
            negative = e_sign == ord("-")
            if np.any(~negative & (e_sign != ord("+"))):
                return None
            np.negative(value, out=value, where=negative)
        exponent += value
    if layout.dot_offset is not None and np.any(column(layout.dot_offset) != ord(".")):
        return None
    if np.any(exponent):
        power = _POW10[np.minimum(np.abs(exponent), _POW10.shape[0] - 1)]
        np.divide(mantissa, power, out=mantissa, where=exponent < 0)
        np.multiply(mantissa, power, out=mantissa, where=exponent > 0)
    np.negative(mantissa, out=mantissa, where=first == ord("-"))
    return mantissa


def _report_malformed(chunk: bytes, first_line: int, n_cols: int, path: Path) -> None:
    """Find the first malformed line of a chunk and raise a ``ValueError`` naming it."""
    lines = chunk.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for i, line in enumerate(lines):
        tokens = line.split()
        where = f"{path}, line {first_line + i}"
        if len(tokens) != n_cols:
            raise ValueError(
                f"{where}: expected {n_cols} values (as on line 1), found {len(tokens)}."
            )
        for j, token in enumerate(tokens):
            try:
                float(token)
            except ValueError:
                raise ValueError(
                    f"{where}, value {j + 1}: cannot read {token.decode(errors='replace')!r} "
                    "as a number."
                ) from None
    raise ValueError(f"{path}, lines {first_line}-{first_line + len(lines) - 1}: cannot parse.")


def _parse_chunk(
    mm: NDArray,
    start: int,
    stop: int,
    first_line: int,
    n_lines: int,
    layout: _Layout | None,
    out: NDArray,
    path: Path,
) -> None:
    """Parse ``mm[start:stop]`` (whole lines) into ``out[first_line - 1:][:n_lines]``."""
    n_cols = out.shape[1]
    buf = np.asarray(mm[start:stop])
    values = None
    if layout is not None and layout.usable:
        values = _decode_chunk(buf, layout, n_cols)
    if values is None:
        chunk = buf.tobytes()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                values = np.loadtxt(io.StringIO(chunk.decode("latin-1")), ndmin=2, comments=None)
        except ValueError:
            values = None
        if values is None or values.shape != (n_lines, n_cols):
            _report_malformed(chunk, first_line, n_cols, path)
    out[first_line - 1 : first_line - 1 + n_lines] = values.reshape(n_lines, n_cols)


def _line_end(mm: NDArray, pos: int, stop: int) -> int:
    """Index just after the first line break at or after ``pos`` (``stop`` if none)."""
    while pos < stop:
        found = np.flatnonzero(mm[pos : min(pos + 65536, stop)] == _NEWLINE)
        if found.size:
            return pos + int(found[0]) + 1
        pos += 65536
    return stop


def _content_end(mm: NDArray) -> int:
    """Size of the file without trailing blank lines (keeping one final line break)."""
    stop = mm.shape[0]
    while stop > 0:
        window = np.asarray(mm[max(stop - 65536, 0) : stop])
        filled = np.flatnonzero(window > _WHITESPACE_MAX)
        if filled.size:
            end = stop - window.shape[0] + int(filled[-1]) + 1
            return _line_end(mm, end, mm.shape[0]) if end < mm.shape[0] else end
        stop -= window.shape[0]
    return 0


def _chunk_bounds(mm: NDArray, size: int, chunk_bytes: int) -> list[tuple[int, int]]:
    """Cut ``mm[:size]`` into pieces of about ``chunk_bytes`` ending after a line break."""
    bounds = []
    start = 0
    while start < size:
        stop = _line_end(mm, min(start + chunk_bytes, size), size)
        bounds.append((start, stop))
        start = stop
    return bounds


def _count_lines(mm: NDArray, start: int, stop: int) -> int:
    count = int(np.count_nonzero(mm[start:stop] == _NEWLINE))
    return count + (1 if mm[stop - 1] != _NEWLINE else 0)


def read_text_matrix(
    path: str | os.PathLike,
    *,
    dtype=np.float32,
    n_jobs: int | None = None,
    chunk_bytes: int = 1 << 20,
) -> NDArray:
    """Read a text file holding one matrix row of whitespace-separated numbers per line.

    Parameters
    ----------
    path : str or path-like
        The text file.
    dtype : dtype, default=np.float32
        dtype of the returned array.
    n_jobs : int or None, default=None
        Threads parsing chunks in parallel (``None``: 1, ``-1``: all cores). The work
        is bound by memory bandwidth, so extra threads help only where it allows.
    chunk_bytes : int, default=1 MiB
        Approximate size of the pieces parsed at once.

    Returns
    -------
    matrix : ndarray of shape (n_lines, n_values_per_line)

    Raises
    ------
    ValueError
        If the file is empty, or a line has a different number of values than line 1
        or a value that is not a number; the message names the file and the line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.txt"
    >>> _ = path.write_text(" 1.5000000e+00 -2.5000000e-01\\n 3.0000000e+00  4.0000000e+01\\n")
    >>> read_text_matrix(path)
    array([[ 1.5 , -0.25],
           [ 3.  , 40.  ]], dtype=float32)
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty.")
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    try:
        size = _content_end(mm)
        if size == 0:
            raise ValueError(f"{path} holds no numbers.")
        tokens = mm[: _line_end(mm, 0, size)].tobytes().split()
        if not tokens:
            raise ValueError(f"{path}, line 1: the line is empty.")
        try:
            layout = _Layout(tokens[0])
        except ValueError:
            layout = None
        bounds = _chunk_bounds(mm, size, chunk_bytes)
        parallel = Parallel(n_jobs=n_jobs, require="sharedmem")
        counts = parallel(delayed(_count_lines)(mm, a, b) for a, b in bounds)
        first_lines = np.concatenate([[1], 1 + np.cumsum(counts)]).astype(int)
        out = np.empty((int(first_lines[-1]) - 1, len(tokens)), dtype=dtype)
        parallel(
            delayed(_parse_chunk)(mm, a, b, int(first), int(count), layout, out, path)
            for (a, b), first, count in zip(bounds, first_lines[:-1], counts)
        )
    finally:
        del mm
    return out
